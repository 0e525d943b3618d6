#!/usr/bin/env bash
# The command line: help, version, exit codes.
. "$(dirname "$0")/lib.sh"

out=$("$WAYMARK" --version); [[ $out =~ ^waymark\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && pass "cli: --version" || fail "cli: --version" "$out"
grep -q 'waymark build' <("$WAYMARK" --help) && pass "cli: --help lists build" || fail "cli: --help lists build" "no build line"
grep -q -- '--no-bundle' <("$WAYMARK" help build) && pass "cli: help build" || fail "cli: help build" "no options"
grep -q 'except writing' <("$WAYMARK" help check) && pass "cli: help check" || fail "cli: help check" "no text"
"$WAYMARK" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && pass "cli: unknown command exits 2" || fail "cli: unknown command exits 2" "other status"
"$WAYMARK" build --bogus >/dev/null 2>&1; [ $? -eq 2 ] && pass "cli: unknown option exits 2" || fail "cli: unknown option exits 2" "other status"
"$WAYMARK" build /nonexistent >/dev/null 2>&1; [ $? -eq 2 ] && pass "cli: missing site folder exits 2" || fail "cli: missing site folder exits 2" "other status"
"$WAYMARK" build --jobs 0 >/dev/null 2>&1; [ $? -eq 2 ] && pass "cli: --jobs 0 exits 2" || fail "cli: --jobs 0 exits 2" "other status"
man -l "$REPO/generator/waymark.1" >/dev/null 2>&1 || groff -man -Tutf8 "$REPO/generator/waymark.1" >/dev/null 2>&1 || mandoc "$REPO/generator/waymark.1" >/dev/null 2>&1
d=$TMP/prefix; make -s -C "$REPO" install PREFIX=/usr DESTDIR="$d" >/dev/null 2>&1
[ -x "$d/usr/bin/waymark" ] && [ -f "$d/usr/share/man/man1/waymark.1" ] && pass "cli: make install honours PREFIX and DESTDIR" || fail "cli: make install honours PREFIX and DESTDIR" "files missing under $d"
