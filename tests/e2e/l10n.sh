#!/usr/bin/env bash
# Localization end to end, on tests/e2e/l10n-site (en, fi, ar, ru; pages and
# strings missing): language switcher, hreflang, fallback pages and their
# notice, digits, `waymark status`, `waymark extract`, per-language bundles.
. "$(dirname "$0")/lib.sh"
FIXTURE=$REPO/tests/e2e/l10n-site
LINKS=$REPO/tests/e2e/l10n_links.py
export SOURCE_DATE_EPOCH=1767225600

site=$TMP/site; copy_site "$FIXTURE" "$site"
out=$TMP/out
if msg=$("$WAYMARK" build "$site" -o "$out" --bundle-per-language --quiet 2>&1); then
  pass "l10n: fixture builds with --bundle-per-language"
else
  fail "l10n: fixture builds with --bundle-per-language" "$msg"; exit 0
fi
S=$out/site

# expect NAME FILE REGEX: passes when the file has a line matching REGEX.
expect() { if grep -Eq -- "$3" "$2" 2>/dev/null; then pass "$1"; else fail "$1" "no /$3/ in ${2#"$TMP"/}"; fi; }
refuse() { if grep -Eq -- "$3" "$2" 2>/dev/null; then fail "$1" "/$3/ found in ${2#"$TMP"/}"; else pass "$1"; fi; }
# hreflang values of a page's <link rel=alternate>, sorted, space-separated.
hreflangs() { grep -o '<link rel="alternate" hreflang="[^"]*"' "$1" | sed 's/.*hreflang="//;s/"$//' | sort | tr '\n' ' '; }

# --- switcher and hreflang
expect "l10n: switcher leads to the existing translation" "$S/en/about/index.html" \
  '<li><a href="../../fi/about/index.html" hreflang="fi" lang="fi" dir="auto">Suomi</a>'
expect "l10n: switcher leads to the language's home when there is no translation" "$S/en/about/index.html" \
  '<li><a href="../../ru/index.html" hreflang="ru" lang="ru" dir="auto">Русский</a>'
expect "l10n: switcher marks the current language" "$S/fi/about/index.html" \
  'href="index.html" hreflang="fi" lang="fi" dir="auto" aria-current="true"'
got=$(hreflangs "$S/en/about/index.html")
[ "$got" = "ar en fi x-default " ] && pass "l10n: hreflang lists real translations and x-default" \
  || fail "l10n: hreflang lists real translations and x-default" "got '$got'"
got=$(hreflangs "$S/ru/about/index.html")
[ "$got" = "ar en fi x-default " ] && pass "l10n: a fallback page is not its own hreflang alternate" \
  || fail "l10n: a fallback page is not its own hreflang alternate" "got '$got'"
expect "l10n: x-default is the default language's page" "$S/fi/about/index.html" \
  '<link rel="alternate" hreflang="x-default" href="../../en/about/index.html">'

# --- fallback pages
expect "l10n: fallback page has the language's interface" "$S/ru/about/index.html" '<html lang="ru" dir="ltr">'
expect "l10n: fallback notice in the page's language" "$S/ru/about/index.html" \
  'Эта страница пока недоступна на русском языке'
expect "l10n: fallback content keeps the default language's lang and dir" "$S/ru/about/index.html" \
  '<div class="content" lang="en" dir="ltr">'
expect "l10n: fallback title marked as the default language" "$S/ar/guide/second/index.html" \
  '<h1 lang="en" dir="ltr">Second step</h1>'
expect "l10n: fallback page links to its own language's pages" "$S/ar/guide/second/index.html" \
  'href="../first/index.html">first step</a>'
expect "l10n: fallback page shows the default language's image" "$S/ru/guide/first/index.html" \
  'src="../../../en/guide/lake[.][0-9a-f]*[.]png"'
refuse "l10n: a translated page has no notice" "$S/fi/about/index.html" 'class="notice"'
expect "l10n: fallback pages are listed in the language's navigation" "$S/ru/index.html" \
  '<a href="about/index.html" lang="en" dir="ltr">About us</a>'
omit=$TMP/omit; copy_site "$FIXTURE" "$omit"; sed -i 's/fallback = "default"/fallback = "omit"/' "$omit/site.lua"
if "$WAYMARK" build "$omit" -o "$TMP/omit-out" --no-bundle --quiet && [ ! -e "$TMP/omit-out/site/ru/about/index.html" ] \
   && [ -e "$TMP/omit-out/site/fi/about/index.html" ]; then
  pass "l10n: fallback = \"omit\" writes no page for a missing translation"
else
  fail "l10n: fallback = \"omit\" writes no page for a missing translation" "ru/about exists or build failed"
fi
bad=$TMP/bad; copy_site "$FIXTURE" "$bad"; sed -i 's/fallback = "default"/fallback = "sometimes"/' "$bad/site.lua"
msg=$("$WAYMARK" check "$bad" 2>&1)
[[ $msg == *"'fallback' must be \"default\" or \"omit\""* ]] && pass "l10n: a bad fallback value is an error" \
  || fail "l10n: a bad fallback value is an error" "$msg"

# --- catalogs, direction, digits
expect "l10n: the site's catalog overrides the theme's" "$S/fi/index.html" '>Alkuun</a>'
expect "l10n: the theme's built-in catalog translates the rest" "$S/fi/index.html" 'aria-label="Kielet"'
expect "l10n: Russian from the built-in catalog, three plural forms" "$S/ru/about/index.html" 'Время чтения: 1 минута'
expect "l10n: right-to-left language gets dir=rtl" "$S/ar/about/index.html" '<html lang="ar" dir="rtl">'
expect "l10n: digits = \"arab\" writes dates in Arabic-Indic digits" "$S/ar/about/index.html" \
  '<time datetime="2024-03-05">٥ مارس ٢٠٢٤</time>'
expect "l10n: digits = \"arab\" in counts" "$S/ar/about/index.html" 'مدة القراءة: ١ دقيقة'
bad=$TMP/bad-digits; copy_site "$FIXTURE" "$bad"; sed -i 's/digits = "arab"/digits = "roman"/' "$bad/site.lua"
msg=$("$WAYMARK" check "$bad" 2>&1)
[[ $msg == *"'digits' must be one of"* ]] && pass "l10n: an unknown digits system is an error" \
  || fail "l10n: an unknown digits system is an error" "$msg"

# --- waymark status
st=$("$WAYMARK" status "$site" 2>"$TMP/status.err"); rc=$?
want="waymark status: default language en (English): 5 pages, 102 ui strings, no surveys
en (English): pages 5/5 translated, 0 missing, 0 outdated; ui 102/102 translated, 0 missing, 0 outdated
fi (Suomi): pages 4/5 translated, 0 missing, 1 outdated; ui 102/102 translated, 0 missing, 0 outdated
ar (العربية): pages 3/5 translated, 2 missing, 0 outdated; ui 101/102 translated, 0 missing, 1 outdated
ru (Русский): pages 1/5 translated, 4 missing, 0 outdated; ui 35/102 translated, 67 missing, 0 outdated"
[ "$st" = "$want" ] && [ $rc = 0 ] && pass "l10n: status figures (text)" || fail "l10n: status figures (text)" "rc $rc: $(echo "$st" | tr "\n" "|")"
"$WAYMARK" status "$site" --strict >/dev/null 2>&1; rc=$?
[ $rc = 1 ] && pass "l10n: status --strict exits 1 when something is missing" || fail "l10n: status --strict exits 1 when something is missing" "exit $rc"
st=$("$WAYMARK" status "$site" --verbose)
[[ $st == *"outdated page: guide/first"* && $st == *"missing ui string: Check the address"* \
   && $st == *"guide/second: translation_of: 036c8f9e7303"* ]] \
  && pass "l10n: status --verbose names what is missing and each source's hash" || fail "l10n: status --verbose names what is missing and each source's hash" "$st"
if "$WAYMARK" status "$site" --format json | python3 -c '
import json, sys
r = json.load(sys.stdin)
L = {l["code"]: l for l in r["languages"]}
assert r["default_language"] == "en" and r["complete"] is False and r["has_surveys"] is False
assert (L["fi"]["pages"]["translated"], L["fi"]["pages"]["outdated"]) == (4, 1)
assert L["fi"]["pages"]["outdated_items"] == ["guide/first"]
assert L["ar"]["pages"]["missing_items"] == ["guide", "guide/second"]
assert (L["ru"]["pages"]["missing"], L["ru"]["ui"]["missing"], L["ar"]["ui"]["outdated"]) == (4, 67, 1)
assert L["en"]["ui"]["total"] == 102 and r["source_hashes"]["guide/second"] == "036c8f9e7303"
'; then pass "l10n: status figures (json)"; else fail "l10n: status figures (json)" "see above"; fi
# survey strings: every text of surveys/<id>.yaml, looked up by msgctxt and
# source text in each language's catalog
sv=$TMP/surveys; copy_site "$FIXTURE" "$sv"; mkdir -p "$sv/surveys"
cat >"$sv/surveys/wellbeing.yaml" <<'YAML'
id: wellbeing
sections:
  - id: main
    title: How you are
    questions:
      - id: mood
        type: single
        text: How are you?
        options:
          - {code: "1", text: Well}
          - {code: "2", text: Not well}
YAML
po_entry() { printf '\n%smsgctxt "%s"\nmsgid "%s"\nmsgstr "%s"\n' "$1" "$2" "$3" "$4"; }
{ po_entry "" wellbeing/section/main "How you are" "Miten voit"; po_entry "" wellbeing/mood "How are you?" "Mitä kuuluu?"
  po_entry "" wellbeing/mood/1 Well Hyvin; po_entry "" wellbeing/mood/2 "Not well" Huonosti; } >>"$sv/locales/fi.po"
# ar: one translated, one fuzzy, one translated from an older source text, one missing
{ po_entry "" wellbeing/section/main "How you are" "كيف حالك"; po_entry $'#, fuzzy\n' wellbeing/mood "How are you?" "كيف أنت؟"
  po_entry "" wellbeing/mood/1 Good "جيد"; } >>"$sv/locales/ar.po"
st=$("$WAYMARK" status "$sv" 2>"$TMP/status.err")
[[ $st == *"default language en (English): 5 pages, 102 ui strings, 4 survey strings"* \
   && $st == *"fi (Suomi): "*"surveys 4/4 translated, 0 missing, 0 outdated"* \
   && $st == *"ar (العربية): "*"surveys 1/4 translated, 1 missing, 2 outdated"* \
   && $st == *"ru (Русский): "*"surveys 0/4 translated, 4 missing, 0 outdated"* ]] \
  && pass "l10n: status counts survey strings per language" || fail "l10n: status counts survey strings per language" "$st"
"$WAYMARK" status --verbose "$sv" >"$TMP/status-v.txt" 2>&1
grep -q 'outdated survey string.*\[wellbeing/mood/1\] Well' "$TMP/status-v.txt" \
  && grep -q 'missing survey string.*\[wellbeing/mood/2\] Not well' "$TMP/status-v.txt" \
  && pass "l10n: status --verbose names outdated and missing survey strings" \
  || fail "l10n: status --verbose names outdated and missing survey strings" "$(cat "$TMP/status-v.txt")"
st=$("$WAYMARK" status "$REPO" 2>"$TMP/status.err"); rc=$?
[ $rc = 0 ] && [[ $st == *"fi (Suomi): pages 31/31 translated, 0 missing"* && $st == *"ru (Русский): pages 1/31 translated, 30 missing"* ]] \
  && pass "l10n: the default site: fi complete, ru partly translated" \
  || fail "l10n: the default site: fi complete, ru partly translated" "rc $rc: $st"

# --- waymark extract
if "$WAYMARK" extract "$site" >/dev/null && pot=$site/locales/templates/ui.pot && [ -f "$pot" ]; then
  pass "l10n: extract writes locales/templates/ui.pot"
  expect "l10n: extract references template lines" "$pot" '^#: themes/default/templates/base.html:[0-9]+$'
  expect "l10n: extract finds the site's own template strings" "$pot" '^msgid "Check the address, or start again from the home page."$'
  expect "l10n: extract keeps msgctxt" "$pot" '^msgctxt "fallback notice"$'
  expect "l10n: extract takes the plural from the default catalog" "$pot" '^msgid_plural "%d minutes read"$'
  expect "l10n: extract includes the month names date() uses" "$pot" '^msgid "December"$'
  if msgcat "$pot" -o /dev/null 2>/dev/null && msgmerge -q "$site/locales/fi.po" "$pot" -o /dev/null 2>/dev/null; then
    pass "l10n: ui.pot is a valid template (msgcat, msgmerge)"
  else fail "l10n: ui.pot is a valid template (msgcat, msgmerge)" "$(msgcat "$pot" 2>&1 | head -3)"; fi
  cp "$pot" "$TMP/first.pot"; "$WAYMARK" extract "$site" >/dev/null
  cmp -s "$pot" "$TMP/first.pot" && pass "l10n: extract output is stable" || fail "l10n: extract output is stable" "differs"
else
  fail "l10n: extract writes locales/templates/ui.pot" "no file"
fi

# --- per-language bundles
for l in en fi ar ru; do
  zip=$out/l10n-$l.zip; dir=$TMP/bundle-$l; mkdir -p "$dir"
  if ! unzip -q "$zip" -d "$dir" 2>/dev/null; then fail "l10n: bundle $l unzips" "$zip"; continue; fi
  others=$(cd "$dir" && ls -d en fi ar ru 2>/dev/null | grep -vx "$l" | tr '\n' ' ')
  [ -f "$dir/$l/index.html" ] && [ -f "$dir/index.html" ] && [ -f "$dir/style.css" ] \
    && { [ -z "$others" ] || [ "$l $others" = "ru en " ]; } \
    && pass "l10n: bundle $l holds its language, the root page and the shared files" \
    || fail "l10n: bundle $l holds its language, the root page and the shared files" "other folders: $others"
  (cd "$dir" && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1) && cmp -s "$dir/SHA256SUMS" "$out/l10n-$l.SHA256SUMS" \
    && pass "l10n: bundle $l SHA256SUMS verify" || fail "l10n: bundle $l SHA256SUMS verify" "sha256sum -c failed"
  if res=$(python3 "$LINKS" "$dir" --absolute); then
    bad_abs=$(echo "$res" | grep '^ABS' | grep -v ' http://example.onion/' || true)
    [ -z "$bad_abs" ] && pass "l10n: bundle $l: every link resolves inside, others go to base_url" \
      || fail "l10n: bundle $l: every link resolves inside, others go to base_url" "$bad_abs"
  else
    fail "l10n: bundle $l: every link resolves inside, others go to base_url" "$(echo "$res" | grep BROKEN | head -3)"
  fi
done
ls "$TMP"/bundle-ru/en/guide/lake.*.png >/dev/null 2>&1 && [ ! -e "$TMP/bundle-ru/en/about" ] \
  && pass "l10n: a file a fallback page shows is copied into the bundle" || fail "l10n: a file a fallback page shows is copied into the bundle" "lake.png missing"
expect "l10n: bundle links to other languages are absolute" "$TMP/bundle-fi/fi/about/index.html" \
  '<a href="http://example.onion/en/about/" hreflang="en" lang="en" dir="auto">English</a>'
"$WAYMARK" build "$site" -o "$TMP/out2" --bundle-per-language --quiet
same=1; for l in en fi ar ru; do cmp -s "$out/l10n-$l.zip" "$TMP/out2/l10n-$l.zip" || same=0; done
[ $same = 1 ] && pass "l10n: per-language bundles are reproducible" || fail "l10n: per-language bundles are reproducible" "zips differ"

# without base_url: links to other languages are left out
nb=$TMP/nobase; copy_site "$FIXTURE" "$nb"; sed -i '/base_url/d' "$nb/site.lua"
"$WAYMARK" build "$nb" -o "$TMP/nb-out" --bundle-per-language --quiet
dir=$TMP/nb-fi; mkdir -p "$dir"; unzip -q "$TMP/nb-out/l10n-fi.zip" -d "$dir"
if res=$(python3 "$LINKS" "$dir" --absolute) && [ -z "$res" ]; then
  pass "l10n: without base_url every link in a bundle stays inside it"
else fail "l10n: without base_url every link in a bundle stays inside it" "$(echo "$res" | head -3)"; fi
expect "l10n: without base_url another language is named, not linked" "$dir/fi/about/index.html" \
  '<li><a lang="en" dir="auto">English</a></li>'
refuse "l10n: without base_url no alternate link leads out of the bundle" "$dir/fi/about/index.html" 'hreflang="en" href'
