#!/usr/bin/env bash
# Runs every libFuzzer target in build/fuzz/ for SECONDS each, starting
# from its seed corpus (tests/fuzz/corpus/<target>/), and prints one line
# per target as it ends: "PASS fuzz: <target> (N runs in S s)" or "FAIL
# fuzz: <target>: <what>, input kept in <file>". New inputs go to
# build/fuzz/corpus/<target>/ (not committed); crashing inputs to
# build/fuzz/crashes/. FUZZ_JOBS targets run at a time (default: the
# number of cores, at most 4), each on one core.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c | sed 's/^fuzz_//')"); done
fi
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -gt 4 ] && jobs=4
[ "$jobs" -lt 1 ] && jobs=1
mkdir -p build/fuzz/crashes

# run_target T: fuzzes one target, prints its line, exits 0 or 1.
run_target() {
  local t=$1
  local bin=build/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then echo "FAIL fuzz: $t: $bin not built (make fuzz-build)"; return 1; fi
  local work=build/fuzz/corpus/$t
  mkdir -p "$work"
  local log=build/fuzz/$t.log
  # -rss_limit_mb: the template sandbox may use its 64 MiB cap plus ASan's overhead.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    timeout -k 10 $((seconds + 60)) "$bin" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix=build/fuzz/crashes/"$t"- "$work" tests/fuzz/corpus/"$t" >"$log" 2>&1
  local rc=$?
  local runs artifact what
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    echo "PASS fuzz: $t (${runs:-?} runs in ${seconds} s, corpus $(ls "$work" | wc -l) inputs)"
    return 0
  fi
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  what=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|==[0-9]+== ?ERROR|error: |ALARM|out-of-memory' "$log" | cut -c1-200)
  echo "FAIL fuzz: $t: ${what:-exit status $rc}; input kept in ${artifact:-(none)}; log $log"
  return 1
}

status=0
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
