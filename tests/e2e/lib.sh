# Shared helpers for the end-to-end suites: each test prints
# "PASS name" or "FAIL name: why"; tests/run.sh counts the lines.
set -uo pipefail
# Under `make asan`, LeakSanitizer would end every run that used one of
# catalog.c's suppressions with a "Suppressions used" table on stderr,
# which tests that expect a quiet build would read as output.
export LSAN_OPTIONS=${LSAN_OPTIONS:-print_suppressions=0}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WAYMARK=${WAYMARK_BIN:-$REPO/waymark}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# check NAME COMMAND...: passes when the command succeeds.
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -5 | tr '\n' ' ')"; fi
}

# A copy of a fixture site (or of the repository's own site) to build in.
copy_site() { # SRC DEST
  mkdir -p "$2"
  if [ "$1" = "$REPO" ]; then
    cp -r "$REPO/site.lua" "$REPO/content" "$REPO/locales" "$REPO/themes" "$2"/
    [ -d "$REPO/surveys" ] && cp -r "$REPO/surveys" "$2"/
  else
    cp -r "$1"/. "$2"/
  fi
}

# A fingerprint of every file in a folder (paths and contents).
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1; }
