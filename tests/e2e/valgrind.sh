#!/usr/bin/env bash
# One full build of the default site under valgrind (memcheck), one job:
# no memory errors, no definite leaks (tests/valgrind.supp holds the few
# library-internal reports, each explained), of a build with the C library's
# malloc (MALLOC=, build/libc/waymark). Skipped under `make asan` (ASan and
# valgrind do not mix); needs the valgrind package.
. "$(dirname "$0")/lib.sh"
if [ "${WAYMARK_BUILD:-build}" != build ]; then pass "valgrind: skipped under ${WAYMARK_BUILD} (ASan build)"; exit 0; fi
if ! command -v valgrind >/dev/null; then fail "valgrind: default site" "valgrind is not installed (apt-get install valgrind)"; exit 0; fi
# valgrind follows the C library's malloc, not mimalloc's (which C++
# libraries reach through operator new): check a build made with it.
vgbin=$REPO/build/libc/waymark
if ! make -s -C "$REPO" --no-print-directory MALLOC= all >"$TMP/make.log" 2>&1; then
  fail "valgrind: default site" "cannot build $vgbin: $(tail -3 "$TMP/make.log" | tr '\n' ' ')"; exit 0
fi
site=$TMP/site
copy_site "$REPO" "$site"
log=$TMP/valgrind.log
(cd "$site" && timeout 600 valgrind --error-exitcode=99 --suppressions="$REPO/tests/valgrind.supp" --leak-check=full --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite --log-file="$log" "$vgbin" build . -o "$TMP/vg" --jobs 1 --quiet) >"$TMP/out" 2>&1
rc=$?
summary=$(grep -E 'ERROR SUMMARY|definitely lost' "$log" | sed 's/^==[0-9]*== //' | tr '\n' ' ')
if [ $rc -eq 0 ]; then
  pass "valgrind: default site builds with no memory errors and no definite leaks ($summary)"
else
  first=$(grep -m1 -A6 -E 'Invalid|uninitialised|definitely lost|Mismatched|overlap' "$log" | sed 's/^==[0-9]*== //' | tr '\n' ' ' | cut -c1-400)
  fail "valgrind: default site" "exit $rc: $summary; first report: ${first:-$(tail -3 "$TMP/out" | tr '\n' ' ')}"
fi
