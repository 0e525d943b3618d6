#!/usr/bin/env bash
# Runs every test suite and ends with one line: "N passed, N failed".
#   tests/run.sh [--no-browser]
# Suites print "PASS name" / "FAIL name: reason" lines; cmocka binaries are
# counted from their own summaries. WAYMARK_BUILD picks the build folder
# (build/asan for `make asan`).
set -uo pipefail
cd "$(dirname "$0")/.."
export WAYMARK_BUILD=${WAYMARK_BUILD:-build}
export WAYMARK_BIN=${WAYMARK_BIN:-$PWD/waymark}
browser=1
[ "${1:-}" = --no-browser ] && browser=0

passed=0 failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

count_lines() { # file -> adds PASS/FAIL lines to the totals
  local p f
  p=$(grep -c '^PASS ' "$1" || true)
  f=$(grep -c '^FAIL ' "$1" || true)
  passed=$((passed + p)) failed=$((failed + f))
  grep '^FAIL ' "$1" || true
}

echo "== unit tests (cmocka)"
for t in "$WAYMARK_BUILD"/unit/test_*; do
  [ -x "$t" ] || continue
  out="$log/$(basename "$t").out"
  "$t" >"$out" 2>&1
  rc=$?
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
  passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
  if [ "$rc" -ne 0 ]; then echo "FAIL $(basename "$t"):"; sed 's/^/    /' "$out" | tail -40; fi
  echo "  $(basename "$t"): ${p:-0} passed, ${f:-0} failed"
done

for suite in tests/e2e/*.sh; do
  [ -f "$suite" ] || continue
  case "$suite" in */lib.sh) continue ;; esac
  echo "== $(basename "$suite" .sh)"
  out="$log/$(basename "$suite").out"
  bash "$suite" >"$out" 2>&1 || grep -q '^FAIL ' "$out" || echo "FAIL $(basename "$suite"): exited non-zero" >>"$out"
  count_lines "$out"
  echo "  $(grep -c '^PASS ' "$out" || true) passed"
done

if [ "$browser" = 1 ] && [ -f tests/browser/run.mjs ]; then
  echo "== browser, accessibility and validity"
  out="$log/browser.out"
  node tests/browser/run.mjs >"$out" 2>&1 || grep -q '^FAIL ' "$out" || echo "FAIL browser: exited non-zero" >>"$out"
  count_lines "$out"
  echo "  $(grep -c '^PASS ' "$out" || true) passed"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
