#!/usr/bin/env bash
# A load benchmark of `waymark serve` with wrk (not a timed test): a page, a
# page from the bundle zip, a 304 revalidation, and valid survey answers
# (each one committed with synchronous=FULL before its 303). Prints
# requests/s and p99 latency for each.
#   tests/bench/serve-load.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10} conns=${2:-32}
WAYMARK=${WAYMARK_BIN:-$PWD/waymark}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (make test-deps)"; exit 1; }
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

"$WAYMARK" build . -o "$tmp/x" --quiet
mkdir -p "$tmp/x/site/surveys/wellbeing"
cp tests/fixtures/serve/surveys/wellbeing/schema.json "$tmp/x/site/surveys/wellbeing/"

start() { # LOG ARGS... -> prints the port
  local log=$1; shift
  "$WAYMARK" serve "$@" --listen 127.0.0.1:0 --quiet >/dev/null 2>"$log.log" &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(sed -n 's|^waymark: serving .* at http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log.log")
    [ -n "$port" ] && { echo "$port"; return; }
    sleep 0.05
  done
  echo "the server did not start: $(cat "$log.log")" >&2; exit 1
}
# run NAME URL [wrk args]: one wrk run, one summary line.
run() {
  local name=$1 url=$2; shift 2
  wrk -t4 -c"$conns" -d"${secs}s" --latency "$@" "$url" >"$tmp/wrk.out"
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
  printf '%-34s %10s req/s   p99 %s\n' "$name" "$rps" "$p99"
  grep -q 'Non-2xx or 3xx' "$tmp/wrk.out" && grep 'Non-2xx' "$tmp/wrk.out" || true
}

dir_port=$(start "$tmp/dir" "$tmp/x/site" --responses "$tmp/a.sqlite" --max-per-minute 0)
zip_port=$(start "$tmp/zip" "$(ls "$tmp"/x/*.zip)" --responses "$tmp/b.sqlite")
etag=$(curl -sI "http://127.0.0.1:$dir_port/en/" | sed -n 's/^ETag: //Ip' | tr -d '\r')
echo "waymark serve, wrk -t4 -c$conns -d${secs}s, $(nproc) cores"
run "GET /en/ (folder)" "http://127.0.0.1:$dir_port/en/"
run "GET /en/ (zip)" "http://127.0.0.1:$zip_port/en/"
run "GET /en/ If-None-Match (304)" "http://127.0.0.1:$dir_port/en/" -H "If-None-Match: $etag"
run "POST /submit (valid answers)" "http://127.0.0.1:$dir_port/submit" -s tests/bench/serve-post.lua
echo "answers stored: $(sqlite3 "$tmp/a.sqlite" 'SELECT count(*) FROM answers')"
