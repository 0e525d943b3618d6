#!/usr/bin/env bash
# Bad input: a clear path:line message, exit status 1, and the previous
# output left byte for byte as it was.
. "$(dirname "$0")/lib.sh"

base=$TMP/base
copy_site "$REPO/tests/sites/basic" "$base"
if ! "$WAYMARK" build "$base" --quiet; then fail "errors: fixture builds" "exit $?"; exit 0; fi
before=$(tree_sum "$base/out")

# expect_error NAME EXPECTED_REGEX SETUP_COMMANDS
expect_error() {
  local name=$1 want=$2 setup=$3
  local site
  site=$(mktemp -d "$TMP/case-XXXXXX") # unique: a reused folder mixes two cases
  cp -r "$base"/. "$site"
  (cd "$site" && eval "$setup")
  local msg rc
  msg=$("$WAYMARK" build "$site" --quiet 2>&1); rc=$?
  if [ $rc -ne 1 ]; then fail "errors: $name" "exit status $rc, expected 1: $msg"; return; fi
  if ! grep -qE "$want" <<<"$msg"; then fail "errors: $name" "expected /$want/ in: $msg"; return; fi
  if [ "$(tree_sum "$site/out")" != "$before" ]; then fail "errors: $name" "previous out/ was changed"; return; fi
  pass "errors: $name"
}

expect_error "malformed YAML" '^content/en/about\.md:[0-9]+:[0-9]+: error: ' \
  "printf -- '---\ntitle: [unclosed\n---\nbody\n' > content/en/about.md"
expect_error "unclosed front matter" '^content/en/about\.md:1(:[0-9]+)?: error: .*not closed' \
  "printf -- '---\ntitle: x\nbody\n' > content/en/about.md"
expect_error "invalid UTF-8" '^content/en/about\.md:3:[0-9]+: error: .*UTF-8' \
  "printf -- '---\ntitle: x\nbad \\xff byte\n---\n' > content/en/about.md"
expect_error "unknown language folder" '^content/xx(/[^:]*)?: error: unknown language' \
  "mkdir -p content/xx && printf -- '---\ntitle: x\n---\n' > content/xx/a.md"
expect_error "template syntax error" '^themes/plain/templates/page\.html:3(:[0-9]+)?: error: ' \
  "printf 'a\nb\n{%% if then %%}\n' > themes/plain/templates/page.html"
expect_error "unclosed template tag" '^themes/plain/templates/page\.html:2(:[0-9]+)?: error: ' \
  "printf 'a\n{{ page.title\n' > themes/plain/templates/page.html"
expect_error "missing template" 'error: .*(base\.html|no template)' \
  "rm themes/plain/templates/base.html"
expect_error "Lua runtime error" '^themes/plain/templates/page\.html:2(:[0-9]+)?: error: .*(nil|index)' \
  "printf '<p>x</p>\n{{ page.nothing.deeper }}\n' > themes/plain/templates/page.html"
expect_error "sandbox escape attempt (os.execute)" '^themes/plain/templates/page\.html:1(:[0-9]+)?: error: ' \
  "printf '{%% os.execute(\"touch /tmp/waymark-pwned\") %%}\n' > themes/plain/templates/page.html"
expect_error "sandbox escape attempt (io.open)" '^themes/plain/templates/page\.html:1(:[0-9]+)?: error: ' \
  "printf '{{ io.open(\"/etc/passwd\"):read(\"a\") }}\n' > themes/plain/templates/page.html"
expect_error "sandbox escape attempt (load)" '^themes/plain/templates/page\.html:1(:[0-9]+)?: error: ' \
  "printf '{{ load(\"return 1\")() }}\n' > themes/plain/templates/page.html"
expect_error "runaway template" 'error: .*instruction budget' \
  "printf '{%% while true do end %%}\n' > themes/plain/templates/page.html"
expect_error "memory bomb in a template" 'error: .*memory' \
  "printf '{%% local s = \"x\" while true do s = s .. s end %%}\n' > themes/plain/templates/page.html"
expect_error "site.lua runtime error" '^site\.lua:1(:[0-9]+)?: error: ' \
  "printf 'return nil + 1\n' > site.lua"
expect_error "broken link" '^content/en/guide/second\.md:5:[0-9]+: error: broken link' \
  "printf -- '---\ntitle: x\n---\n\nSee [gone](missing.md).\n' > content/en/guide/second.md"
expect_error "external image" '^content/en/about\.md:4:[0-9]+: error: image' \
  "printf -- '---\ntitle: x\n---\n![x](https://evil.example/t.png)\n' > content/en/about.md"
expect_error "bad date" '^content/en/about\.md:3:7: error: .*date' \
  "printf -- '---\ntitle: x\ndate: yesterday\n---\n' > content/en/about.md"
expect_error "script written by a theme" 'index\.html(:[0-9]+)*: error: .*script' \
  "printf '<script>alert(1)</script>\n' >> themes/plain/templates/page.html"
expect_error "SCSS error" '^themes/plain/scss/main\.scss:2(:[0-9]+)?: error: ' \
  "printf 'a { color: red; }\nb { color: \$undefined; }\n' > themes/plain/scss/main.scss"
msg=$(cd "$TMP" && cp -r "$base" two && printf -- '---\ntitle: [x\n---\n' > two/content/en/about.md && printf -- '---\ntitle: [y\n---\n' > two/content/fi/about.md && "$WAYMARK" build two --quiet 2>&1)
grep -q 'content/en/about.md' <<<"$msg" && grep -q 'content/fi/about.md' <<<"$msg" \
  && pass "errors: two broken files are both reported" || fail "errors: two broken files are both reported" "$msg"
[ ! -e /tmp/waymark-pwned ] && pass "errors: the sandbox ran nothing on the machine" || fail "errors: the sandbox ran nothing on the machine" "/tmp/waymark-pwned exists"

# Broken links on many pages: the check runs on all cores, the report in
# page order, the same with any --jobs.
links=$TMP/links
cp -r "$base" "$links"
for i in 1 2 3 4 5 6 7 8; do
  printf -- '---\ntitle: P%s\n---\n# P%s\n\n[a](#nope-%s) and [b](about.md#gone-%s)\n' "$i" "$i" "$i" "$i" \
    >"$links/content/en/p$i.md"
done
one=$("$WAYMARK" build "$links" --quiet --jobs 1 2>&1)
four=$("$WAYMARK" build "$links" --quiet --jobs 4 2>&1)
count=$(grep -c 'error: broken link' <<<"$four")
first=$(grep -m1 'error: broken link' <<<"$four")
if [ "$one" = "$four" ] && [ "$count" = 16 ] && [[ $first == content/en/p1.md:6:1:* ]]; then
  pass "errors: broken links on 8 pages, 16 messages in page order, the same with --jobs 1 and 4"
else
  fail "errors: broken links on 8 pages, 16 messages in page order, the same with --jobs 1 and 4" "$count; $first"
fi
