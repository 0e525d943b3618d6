#!/usr/bin/env bash
# The browser suite can fail: tests/browser/run.mjs on the hand-made faulty
# site tests/browser/fixtures-broken (its README lists the faults) must
# report each planted fault under the right check and page, and nothing on
# the pages that have no fault. A check that stopped seeing its fault (a
# broken selector, a swallowed error) fails here.
. "$(dirname "$0")/lib.sh"

if ! command -v node >/dev/null || [ ! -d "$REPO/tests/node_modules/playwright-core" ]; then
  echo "SKIP browser self-test: node or tests/node_modules missing (make test-deps)"; exit 0
fi
out=$TMP/broken.out
node "$REPO/tests/browser/run.mjs" --site "$REPO/tests/browser/fixtures-broken" \
  --screenshots "$TMP/shots" >"$out" 2>&1
rc=$?
[ $rc = 1 ] && pass "browser self-test: run.mjs exits 1 on a faulty site" \
  || fail "browser self-test: run.mjs exits 1 on a faulty site" "exit $rc: $(tail -3 "$out")"

# expect CHECK SUBJECT TEXT FAULT: a FAIL line of CHECK about SUBJECT containing TEXT
expect() {
  if grep -F "FAIL $1 $2" "$out" | grep -qF -- "$3"; then
    pass "browser self-test: $1 catches $4"
  else
    fail "browser self-test: $1 catches $4" "no 'FAIL $1 $2 ... $3' line"
  fi
}
expect http-requests en/index.html tracker.example "an external image (served)"
expect file-requests en/index.html tracker.example "an external image (file://)"
expect http-requests en/posts/first-steps/index.html print.css "a missing stylesheet"
expect links en/about/index.html '"nowhere"' "a link to a missing #id"
expect keyboard en/404.html "not the skip link" "a page without a skip link"
expect screenshot ar-posts-phone "horizontal scrolling" "a page wider than a phone"
expect axe ar/index.html html-has-lang "a page without lang"
expect axe en/posts/index.html color-contrast "low contrast (light)"
expect axe en/posts/first-steps/index.html "dark: color-contrast" "low contrast (dark)"
expect html-valid en/posts/first-steps/index.html '“div” not allowed as child of element “span”' "invalid HTML"
expect css-valid style.css "colr" "an unknown CSS property"
expect output-rules en/posts/first-steps/index.html "script element" "a script"
expect output-rules en/posts/first-steps/index.html "onclick" "an event handler attribute"
expect output-rules index.html "no Content-Security-Policy" "a page without CSP"
expect output-rules ar/index.html "no lang" "a page without lang"

# the pages without a planted fault pass every check
for page in ar/404.html ar/about/index.html ar/posts/first-steps/index.html; do
  if grep -q "^FAIL [a-z-]* $page" "$out" || ! grep -q "^PASS [a-z-]* $page" "$out"; then
    fail "browser self-test: $page (no fault) passes" "$(grep " $page" "$out" | head -3)"
  else
    pass "browser self-test: $page (no fault) passes"
  fi
done
