#!/usr/bin/env bash
# The benchmark: waymark against Hugo on the same synthetic site.
#   tests/bench/bench.sh [PAGES...]        (default: 1000 10000; make bench)
#   make bench-large                       (1000 10000 100000)
# For each size it generates the site with ../shared/bench/gen-corpus.py
# (beside the clone), then times, alternately RUNS times each (default 3),
# `waymark build` (with the zip bundle) and `hugo --gc --ignoreCache`, under
# /usr/bin/time -v, and prints the medians: wall and CPU time, peak memory,
# pages per second, output size, and waymark/Hugo ratios. Then it edits one
# page and times a rebuild, and checks the rebuild is byte-identical to a
# cold build of the same input. Hugo is skipped above HUGO_MAX_PAGES (10000:
# it needs about 3.5 GB per 10,000 of these pages).
# The previous run's output is moved aside, not deleted, before each timed
# run, and all of it is deleted when the benchmark ends: on ext4 without a
# journal, the inode allocator steps one by one over every inode freed in
# the last minute (find_inode_bit, recently_deleted), which made each run
# pay for deleting the one before it (a fifth of waymark's CPU time at
# 10,000 pages). Both tools get the same treatment. It needs the disk room
# for every run's output (about 1 GB at 10,000 pages, 8 GB at 100,000).
# Before each timed run, `sync` writes the earlier runs' output to disk, so
# that the kernel's writeback of one run does not take CPU from the next.
# Not a test: `make test` never runs it, and nothing here asserts a timing.
set -euo pipefail
REPO=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
GEN=${GEN_CORPUS:-$REPO/../shared/bench/gen-corpus.py}
WAYMARK=${WAYMARK_BIN:-$REPO/waymark}
RUNS=${RUNS:-3}
HUGO_MAX_PAGES=${HUGO_MAX_PAGES:-10000}
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/waymark-bench}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000)

die() { echo "bench: $*" >&2; exit 1; }
[ -f "$GEN" ] || die "no corpus generator at $GEN (expected shared/bench/gen-corpus.py beside the clone; set GEN_CORPUS)"
[ -x "$WAYMARK" ] || die "no waymark binary at $WAYMARK (run make first)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time': make test-deps installs it)"
command -v python3 >/dev/null || die "python3 is missing"
HUGO=$(command -v hugo || true)
[ -n "$HUGO" ] || echo "bench: hugo not found (Debian package 'hugo', make test-deps): waymark only" >&2
mkdir -p "$WORK"
RESULTS=$WORK/results.tsv
: >"$RESULTS"
ASIDE=$WORK/set-aside
trap 'rm -rf "$ASIDE"' EXIT

# set_aside PATH...: moves earlier output out of the way (see the top).
set_aside() {
  local p
  mkdir -p "$ASIDE"
  for p in "$@"; do
    [ ! -e "$p" ] || mv "$p" "$(mktemp -d "$ASIDE/XXXXXX")/"
  done
}

SITE_LUA='return {
  name = "bench",
  title = "Bench",
  theme = "default",
  languages = {
    { code = "en", name = "English" },
    { code = "fi", name = "Suomi" },
    { code = "es", name = "Español" },
    { code = "ar", name = "العربية", dir = "rtl" },
  },
}'

# corpus N -> prints the folder; generates it once per generator version.
corpus() {
  local n=$1 dir=$WORK/site-$1 stamp
  stamp=$(sha256sum "$GEN" | cut -c1-16)
  if [ "$(cat "$dir/.generated" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$dir"
    echo "bench: generating $n pages into $dir" >&2
    python3 "$GEN" --pages "$n" --langs en,fi,es,ar --hugo --out "$dir" >&2
    printf '%s\n' "$SITE_LUA" >"$dir/site.lua"
    echo "$stamp" >"$dir/.generated"
  fi
  echo "$dir"
}

# measure TOOL N SITE OUT OUTPUT_SIZE_PATHS... -- COMMAND...: one timed run,
# appended to the results as: tool pages wall cpu rss_kb out_bytes
measure() {
  local tool=$1 n=$2; shift 2
  local sizes=() log
  while [ "$1" != -- ]; do sizes+=("$1"); shift; done
  shift
  log=$(mktemp)
  sync # the last run's output goes to disk now, not during this one
  if ! /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$log.err"; then
    tail -5 "$log.err" >&2; rm -f "$log" "$log.err"
    echo "bench: $tool failed on $n pages" >&2
    echo -e "failed\t$tool $n" >>"$RESULTS"
    return 1
  fi
  python3 - "$log" "$tool" "$n" "${sizes[@]}" >>"$RESULTS" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
def field(name):
    return re.search(re.escape(name) + r".*: (\S+)\s*$", text, re.M).group(1)
wall = 0.0
for part in field("Elapsed (wall clock) time").split(":"):
    wall = wall * 60 + float(part)
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)"))
size = 0
for p in sys.argv[4:]:
    if os.path.isfile(p):
        size += os.path.getsize(p)
    for root, _, files in os.walk(p):
        size += sum(os.path.getsize(os.path.join(root, f)) for f in files)
print("\t".join(map(str, [sys.argv[2], sys.argv[3], wall, cpu, rss, size])))
PY
  rm -f "$log" "$log.err"
}

# Appends a sentence to one page (the edit a rebuild has to pick up). The
# original is kept outside content/: a new file there would be a new link
# target, which rightly makes every page's Markdown convert again.
edit_one_page() {
  local page=$1/content/en/posts/post-00001.md
  cp "$page" "$WORK/post-00001.md.orig"
  printf '\nOne more sentence, edited for the rebuild benchmark.\n' >>"$page"
}
restore_page() { mv "$WORK/post-00001.md.orig" "$1/content/en/posts/post-00001.md"; }

for n in "${SIZES[@]}"; do
  site=$(corpus "$n")
  wout=$WORK/out-waymark-$n hout=$WORK/out-hugo-$n
  for run in $(seq "$RUNS"); do
    echo "bench: $n pages, run $run of $RUNS" >&2
    set_aside "$wout"
    measure waymark "$n" "$wout/site" "$wout/bench.zip" -- "$WAYMARK" build "$site" -o "$wout" --quiet \
      || continue 2
    if [ -n "$HUGO" ] && [ "$n" -le "$HUGO_MAX_PAGES" ]; then
      set_aside "$hout" "$site/resources"
      measure hugo "$n" "$hout" -- "$HUGO" --gc --ignoreCache --quiet -s "$site" -d "$hout" || true
    fi
  done
  # Rebuild after editing one page, then a cold build of the same input:
  # the two must be byte-identical.
  echo "bench: $n pages, rebuild after editing one page" >&2
  edit_one_page "$site"
  for run in $(seq "$RUNS"); do
    measure rebuild "$n" "$wout/site" "$wout/bench.zip" -- "$WAYMARK" build "$site" -o "$wout" --quiet || true
    # the next run edits again, so each rebuild has one changed page
    printf 'Edited again (%s).\n' "$run" >>"$site/content/en/posts/post-00001.md"
  done
  cold=$WORK/out-cold-$n
  set_aside "$cold"
  "$WAYMARK" build "$site" -o "$cold" --quiet
  "$WAYMARK" build "$site" -o "$wout" --quiet
  if cmp -s "$cold/bench.zip" "$wout/bench.zip" && diff -r "$cold/site" "$wout/site" >/dev/null; then
    echo -e "identical\t$n" >>"$RESULTS"
  else
    echo -e "different\t$n" >>"$RESULTS"
  fi
  restore_page "$site"
  set_aside "$cold"
done

python3 - "$RESULTS" "$(nproc)" <<'PY'
import statistics, sys
rows, identical = {}, {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "failed":
        print("failed: %s pages" % f[1])
        continue
    if f[0] in ("identical", "different"):
        identical[int(f[1])] = f[0]
        continue
    rows.setdefault((f[0], int(f[1])), []).append(tuple(map(float, f[2:])))
def med(tool, n):
    runs = rows.get((tool, n))
    return tuple(statistics.median(c) for c in zip(*runs)) if runs else None
print("\nwaymark vs Hugo on gen-corpus.py sites (en, fi, es, ar), %s cores, median of runs" % sys.argv[2])
head = "%-8s %-8s %9s %9s %10s %9s %10s" % ("pages", "tool", "wall s", "CPU s", "peak MB", "pages/s", "output MB")
print(head); print("-" * len(head))
for n in sorted({n for _, n in rows}):
    for tool in ("waymark", "hugo", "rebuild"):
        m = med(tool, n)
        if not m:
            continue
        wall, cpu, rss, size = m
        print("%-8d %-8s %9.2f %9.2f %10.0f %9.0f %10.1f" % (n, tool, wall, cpu, rss / 1024, n / wall, size / 1e6))
    w, h, r = med("waymark", n), med("hugo", n), med("rebuild", n)
    if w and h:
        print("%-8d %-8s %9.2f %9.2f %10.2f %9s %10.2f" % (n, "ratio", w[0] / h[0], w[1] / h[1], w[2] / h[2], "", w[3] / h[3]))
    if w and r:
        print("%-8d %-8s %9.2f %9s %10s %9s %10s" % (n, "rebuild/cold", r[0] / w[0], "", "", "", identical.get(n, "?")))
print("\nwaymark: full build with the zip bundle; hugo: --gc --ignoreCache, no bundle;")
print("rebuild: waymark after editing one page; 'identical': same bytes as a cold build.")
PY
