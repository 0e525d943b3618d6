#!/usr/bin/env bash
# Fixture sites built and compared with their reviewed output:
#   tests/sites/<case>/            the site
#   tests/sites/<case>.expected/   what waymark wrote for it (site folder)
# `make golden` (golden.sh --update) rewrites the expected output after a
# reviewed change; review the diff before committing it.
. "$(dirname "$0")/lib.sh"
update=0; [ "${1:-}" = --update ] && update=1

for site in "$REPO"/tests/sites/*/; do
  site=${site%/}; name=$(basename "$site")
  case "$name" in *.expected) continue ;; esac
  expected=$site.expected
  out=$TMP/$name
  if ! msg=$(SOURCE_DATE_EPOCH=1767225600 "$WAYMARK" build "$site" -o "$out" --no-bundle --quiet 2>&1); then
    fail "golden: $name builds" "$msg"; continue
  fi
  if [ $update = 1 ]; then
    rm -rf "$expected" && cp -r "$out/site" "$expected" && echo "updated $expected"
  elif d=$(diff -r "$expected" "$out/site" 2>&1); then
    pass "golden: $name matches $name.expected"
  else
    fail "golden: $name matches $name.expected" "$(echo "$d" | head -20)"
  fi
done
