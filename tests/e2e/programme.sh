#!/usr/bin/env bash
# Self-help programmes: the fixture tests/fixtures/programme (kept out of
# tests/sites/, whose cases golden.sh compares byte for byte) built with the
# repository's catalogs; order, numbers, links across modules, worksheets,
# time, the safety panel per language, and each content error.
. "$(dirname "$0")/lib.sh"

site=$TMP/site
copy_site "$REPO/tests/fixtures/programme" "$site"
cp -r "$REPO/locales" "$site/"

if ! msg=$(SOURCE_DATE_EPOCH=1767225600 "$WAYMARK" build "$site" -o "$TMP/out" --quiet 2>&1); then
  fail "programme: fixture builds" "$msg"; exit 0
fi
pass "programme: fixture builds"
out=$TMP/out/site/en/course
fi_out=$TMP/out/site/fi/course

# expect NAME FILE PATTERN: the file contains the (extended) regex.
expect() {
  if grep -qE -- "$3" "$2"; then pass "$1"; else fail "$1" "no /$3/ in ${2#$TMP/out/site/}"; fi
}
# hrefs of the links inside the first element matching START..END (sed range).
links_in() { # FILE START END
  sed -n "/$2/,/$3/p" "$1" | grep -oE 'href="[^"]*"' | sed 's/href="//; s/"$//' | tr '\n' ' '
}
same() { # NAME GOT WANT
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# --- order -------------------------------------------------------------------
same "programme: modules in order (folder number, then weights)" \
  "$(links_in "$out/index.html" '<ol class="cards modules">' '<\/ol>')" \
  "01-first/index.html second/index.html third/index.html "
same "programme: steps ordered by file number (1, 2, 10: numbers, not text)" \
  "$(links_in "$out/01-first/index.html" '<ol class="step-list">' '<\/ol>')" \
  "01-alpha/index.html 02-beta/index.html 10-gamma/index.html "
same "programme: steps ordered by weight (zebra 10 before apple 20)" \
  "$(links_in "$out/second/index.html" '<ol class="step-list">' '<\/ol>')" \
  "zebra/index.html apple/index.html "
expect "programme: start here opens the first step" "$out/index.html" \
  'class="button" href="01-first/01-alpha/index.html">Start here<'
expect "programme: a module's begin link opens its first step" "$out/second/index.html" \
  'class="button" href="zebra/index.html">Begin this module<'

# --- previous and next ---------------------------------------------------------
expect "programme: the last step of module 1 leads to module 2's first step" "$out/01-first/10-gamma/index.html" \
  'href="../../second/zebra/index.html" rel="next"'
expect "programme: module 2's first step leads back to module 1's last step" "$out/second/zebra/index.html" \
  'href="../../01-first/10-gamma/index.html" rel="prev"'
expect "programme: module 2's last step leads to module 3" "$out/second/apple/index.html" \
  'href="../../third/01-only/index.html" rel="next"'
if grep -q 'rel="prev"' "$out/01-first/01-alpha/index.html"; then
  fail "programme: the first step has no previous step" "rel=prev found"
else pass "programme: the first step has no previous step"; fi
if ! grep -q 'rel="next"' "$out/third/01-only/index.html" && \
   grep -q 'href="../../index.html"><span class="pager-dir">You have reached the last step' "$out/third/01-only/index.html"; then
  pass "programme: the last step has no next step and leads back to the programme"
else fail "programme: the last step has no next step and leads back to the programme" "pager wrong"; fi
expect "programme: a step links back to its module" "$out/second/apple/index.html" \
  '<a href="../index.html">Back to the module: Second module</a>'
expect "programme: a module links to the previous module" "$out/second/index.html" \
  'href="../01-first/index.html"><span class="pager-dir">Previous module'
expect "programme: a module links to the next module" "$out/second/index.html" \
  'href="../third/index.html"><span class="pager-dir">Next module'

# --- numbers and progress ------------------------------------------------------
expect "programme: Step 2 of 3 and the module's name" "$out/01-first/02-beta/index.html" \
  '<span id="step-position">Step 2 of 3</span> · <a href="../index.html">Module 1: First module</a>'
expect "programme: Step 1 of 2 in module 2" "$out/second/zebra/index.html" '>Step 1 of 2<'
expect "programme: numbers continue through the whole programme" "$out/second/zebra/index.html" \
  'Module 2, step 1 · Step 4 of 6 in the whole programme'
expect "programme: a progress bar named by the step text" "$out/01-first/02-beta/index.html" \
  '<progress max="3" value="2" aria-labelledby="step-position">2/3</progress>'
expect "programme: a step shows its own address" "$out/01-first/02-beta/index.html" \
  '<code dir="ltr">en/course/01-first/02-beta/</code>'
expect "programme: Module 2 of 3 on a module page" "$out/second/index.html" '>Module 2 of 3 · '
expect "programme: the programme page explains how to come back later" "$out/index.html" \
  'bookmark the step you are on'

# --- estimated time ------------------------------------------------------------
expect "programme: step time from words plus 3 minutes per exercise (1 + 2 x 3)" \
  "$out/01-first/02-beta/index.html" '<p class="meta"><span>About 7 minutes</span>'
expect "programme: step time from 401 words is 3 minutes" "$out/third/01-only/index.html" \
  '<p class="meta"><span>About 3 minutes</span>'
expect "programme: minutes: in front matter wins" "$out/01-first/10-gamma/index.html" \
  '<p class="meta"><span>About 7 minutes</span>'
expect "programme: module time is the sum of its steps (1 + 7 + 7)" "$out/01-first/index.html" '<span>About 15 minutes</span>'
expect "programme: programme time is the sum of its modules (15 + 2 + 45)" "$out/index.html" '<span>About 62 minutes</span>'
expect "programme: number of steps on the programme page" "$out/index.html" '<span>6 steps</span>'

# --- exercises and worksheets --------------------------------------------------
expect "programme: an exercise with a title, rendered as Markdown" "$out/01-first/02-beta/index.html" \
  '<h2 class="exercise-title" id="exercise-1">Exercise 1: Your reasons</h2>'
expect "programme: exercise text is Markdown (emphasis)" "$out/01-first/02-beta/index.html" \
  'Write down <strong>three</strong> reasons'
expect "programme: a warning is a callout" "$out/01-first/02-beta/index.html" \
  '<div class="callout callout-warning" role="note"'
expect "programme: reflections are numbered with exercises" "$out/01-first/02-beta/index.html" '>Reflection 2</h2>'
ws=$out/01-first/worksheet/index.html
if [ -f "$ws" ] && grep -q '<h1>Worksheet: First module</h1>' "$ws" && grep -q 'Exercise 1: Your reasons' "$ws" \
   && grep -q 'Reflection 2' "$ws" && grep -q 'A last exercise in the first module' "$ws" \
   && ! grep -q 'Be kind to yourself' "$ws" && [ "$(grep -c 'class="write-space"' "$ws")" = 3 ] \
   && grep -q '<h2 id="step-2">Step 2: <a href="../02-beta/index.html">Beta step</a></h2>' "$ws"; then
  pass "programme: the worksheet holds every exercise of the module with room to write, no callouts"
else fail "programme: the worksheet holds every exercise of the module with room to write, no callouts" "see $ws"; fi
expect "programme: a module without exercises says so on its worksheet" "$out/second/worksheet/index.html" \
  'This module has no exercises.'
expect "programme: the worksheet has a print style" "$TMP/out/site/style.css" '@media print.*write-space|\.write-space\{display:block'
expect "programme: modules link to their worksheet" "$out/01-first/index.html" 'href="worksheet/index.html">Printable worksheet<'
expect "programme: the worksheet's title names it" "$ws" '<title>Worksheet: First module · Fixture Help</title>'

# --- safety panel and quick exit ------------------------------------------------
first_link() { sed -n '/<body/,$p' "$1" | grep -m1 -oE '<a [^>]*>'; }
same "programme: the quick-exit link is the first link of a step page" \
  "$(first_link "$out/01-first/02-beta/index.html")" \
  '<a class="quick-exit" href="https://exit.example/neutral" rel="noreferrer noopener">'
same "programme: Finnish pages use the Finnish exit address" \
  "$(first_link "$fi_out/index.html")" \
  '<a class="quick-exit" href="https://exit.example/fi" rel="noreferrer noopener">'
for f in index.html 01-first/index.html 01-first/worksheet/index.html third/01-only/index.html; do
  grep -q '<h2 id="safety-title">If you need help now</h2>' "$out/$f" && grep -q 'class="quick-exit"' "$out/$f" \
    || { fail "programme: safety panel and quick exit on every programme page" "missing in en/course/$f"; continue 2; }
done
pass "programme: safety panel and quick exit on every programme page"
expect "programme: English helplines from site.lua" "$out/index.html" \
  '<strong>Fixture helpline</strong>: <a href="tel:0800000111">0800 000 111</a><br><span class="hours">Mon-Fri 9-17</span>'
expect "programme: Finnish safety panel: own heading and helplines" "$fi_out/01-first/02-beta/index.html" \
  '<h2 id="safety-title">Jos tarvitset apua nyt</h2>'
expect "programme: Finnish helplines from site.lua" "$fi_out/index.html" '<strong>Testipuhelin</strong>: 0800 000 222'
expect "programme: Finnish UI strings (Vaihe 2/2)" "$fi_out/01-first/02-beta/index.html" '>Vaihe 2/2<'
expect "programme: Finnish exercise heading" "$fi_out/01-first/02-beta/index.html" '>Tehtävä 1</h2>'
if grep -q 'quick-exit' "$TMP/out/site/en/index.html"; then
  fail "programme: pages outside programmes have no quick exit" "found on en/index.html"
else pass "programme: pages outside programmes have no quick exit"; fi
expect "programme: translations link up (language switcher)" "$out/01-first/02-beta/index.html" \
  'href="../../../../fi/course/01-first/02-beta/index.html" hreflang="fi"'

# --- errors ----------------------------------------------------------------------
# broken NAME PATTERN SETUP...: the changed fixture fails with PATTERN on stderr
# and writes nothing.
broken() {
  local name=$1 pattern=$2; shift 2
  local s
  s=$(mktemp -d "$TMP/broken-XXXXXX") # unique: a reused folder mixes two cases
  copy_site "$REPO/tests/fixtures/programme" "$s"
  (cd "$s" && eval "$@")
  local err rc
  err=$("$WAYMARK" build "$s" -o "$s/out" --quiet 2>&1); rc=$?
  if [ $rc = 1 ] && grep -qE -- "$pattern" <<<"$err" && [ ! -e "$s/out/site" ]; then pass "$name"
  else fail "$name" "exit $rc: $(echo "$err" | head -3 | tr '\n' ' ')"; fi
}
broken "programme error: a module without steps" \
  "^content/en/course/empty/_index.md:1:1: error: module 'Empty' has no steps" \
  'mkdir content/en/course/empty && printf -- "---\ntitle: Empty\nweight: 9\n---\nNothing.\n" > content/en/course/empty/_index.md'
broken "programme error: a duplicate weight in a module" \
  "^content/en/course/second/(kiwi|zebra).md:3:9: error: duplicate weight 10 among the steps of 'Second module'" \
  'printf -- "---\ntitle: Kiwi\nweight: 10\n---\nKiwi.\n" > content/en/course/second/kiwi.md'
broken "programme error: a duplicate file number in a module" \
  "^content/en/course/01-first/02-(again|beta).md:1:1: error: duplicate weight 2 \(from the file name\)" \
  'printf -- "---\ntitle: Again\n---\nAgain.\n" > content/en/course/01-first/02-again.md'
broken "programme error: a duplicate module weight" \
  "^content/en/course/(second|third)/_index.md:3:9: error: duplicate weight 3 among the modules of 'Fixture course'" \
  'sed -i "s/^weight: 2/weight: 3/" content/en/course/second/_index.md'
broken "programme error: an exercise block left open" \
  "^content/en/course/third/01-only.md:6:1: error: this exercise block is never closed" \
  'printf -- "\n\`\`\`exercise\nWrite here.\n\nAnd more.\n" >> content/en/course/third/01-only.md'
broken "programme error: a reflection left open at the end of a short fence" \
  "^content/en/course/01-first/01-alpha.md:6:1: error: this reflection block is never closed" \
  'printf -- "\n~~~~reflection\nText\n~~~\n" >> content/en/course/01-first/01-alpha.md'
broken "programme error: programme pages need safety.exit_url" \
  "safety.exit_url" \
  'sed -i "/exit_url = \"https:\/\/exit.example\/neutral\"/d" site.lua'

# A closed exercise at the very end of the file, without a final newline, is fine.
s=$TMP/closed; copy_site "$REPO/tests/fixtures/programme" "$s"
printf -- '\n````exercise\nFour.\n`````' >> "$s/content/en/course/third/01-only.md"
if err=$("$WAYMARK" build "$s" -o "$s/out" --quiet 2>&1); then
  pass "programme: a block closed by a longer fence on the last line is closed"
else fail "programme: a block closed by a longer fence on the last line is closed" "$err"; fi
