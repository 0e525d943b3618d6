#!/usr/bin/env bash
# A short bounded run of every libFuzzer target (tests/fuzz/), so `make
# test` catches a regression the fuzzers find fast: FUZZ_TEST_SECONDS
# (default 10) each, FUZZ_JOBS at a time (default: one per core, at most
# 4; 8 targets on 2 cores take 40 s), one "PASS fuzz: <target>" / "FAIL
# fuzz: <target>: ..." line per target. Needs clang; without it one FAIL
# says so.
. "$(dirname "$0")/lib.sh"
cd "$REPO"
if ! command -v clang >/dev/null; then fail "fuzz: build" "clang is not installed (apt-get install clang)"; exit 0; fi
if ! out=$(make -s --no-print-directory fuzz-build 2>&1); then
  fail "fuzz: build" "$(echo "$out" | grep -m3 -E 'error|Error' | tr '\n' ' ')"; exit 0; fi
bash tests/fuzz/run.sh "${FUZZ_TEST_SECONDS:-10}"
exit 0
