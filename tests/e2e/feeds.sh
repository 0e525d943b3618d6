#!/usr/bin/env bash
# Every *.xml the default site's build writes (Atom feeds) read by real
# parsers: xmllint must find it well-formed, and Python's XML parser must
# find an Atom feed with its required elements (RFC 4287: feed id, title,
# updated; each entry id, title, updated, a link). One PASS/FAIL per file;
# one PASS saying so when the site has no feeds.
. "$(dirname "$0")/lib.sh"
site=$TMP/site
copy_site "$REPO" "$site"
if ! out=$("$WAYMARK" build "$site" -o "$TMP/out" --quiet --no-bundle 2>&1); then
  fail "feeds: default site builds" "$(echo "$out" | head -3 | tr '\n' ' ')"; exit 0; fi
mapfile -t feeds < <(cd "$TMP/out/site" && find . -name '*.xml' | sed 's|^\./||' | sort)
if [ ${#feeds[@]} -eq 0 ]; then pass "feeds: the default site has no *.xml files (nothing to check)"; exit 0; fi
for f in "${feeds[@]}"; do
  if ! msg=$(xmllint --noout --nonet "$TMP/out/site/$f" 2>&1); then
    fail "feeds: $f" "xmllint: $(echo "$msg" | head -2 | tr '\n' ' ')"; continue; fi
  if msg=$(python3 - "$TMP/out/site/$f" <<'PY'
import sys
import xml.etree.ElementTree as ET
A = "{http://www.w3.org/2005/Atom}"
root = ET.parse(sys.argv[1]).getroot()
if root.tag != A + "feed":
    sys.exit("root element is %s, not an Atom <feed>" % root.tag)
problems = ["feed has no <%s>" % n for n in ("id", "title", "updated") if root.find(A + n) is None]
for i, e in enumerate(root.findall(A + "entry"), 1):
    for n in ("id", "title", "updated", "link"):
        if e.find(A + n) is None:
            problems.append("entry %d has no <%s>" % (i, n))
if problems:
    sys.exit("; ".join(problems[:5]))
print(len(root.findall(A + "entry")))
PY
  ); then pass "feeds: $f (well-formed Atom, $msg entries)"; else fail "feeds: $f" "$msg"; fi
done
