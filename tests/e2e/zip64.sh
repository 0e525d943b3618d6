#!/usr/bin/env bash
# A bundle of more than 65,535 files: the zip's classic end record counts
# entries in 16 bits, so the bundle ends with a zip64 end record, and every
# independent reader sees every entry. Cheap: the small fixture site plus
# 66,000 one-line files in its theme's static folder, made on tmpfs when
# there is one and TMPDIR does not say otherwise (on a busy disk, creating
# and removing that many files takes minutes).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
. "$(dirname "$0")/lib.sh"

site=$TMP/site
copy_site "$REPO/tests/sites/basic" "$site"
export SOURCE_DATE_EPOCH=1767225600
many=66000
python3 - "$site/themes/plain/static/many" "$many" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for d in range(n // 1000):
    os.makedirs(f"{root}/{d:02d}")
    for i in range(1000):
        with open(f"{root}/{d:02d}/{i:03d}.txt", "w") as f:
            f.write(f"{d} {i}\n")
PY

out=$TMP/out
if "$WAYMARK" build "$site" -o "$out" --quiet; then
  pass "zip64: a site of $many+ files builds with its bundle"
else
  fail "zip64: a site of $many+ files builds with its bundle" "exit $?"; exit 0
fi
zip=$out/basic.zip
files=$(cd "$out/site" && find . -type f | wc -l)
want=$((files + 1)) # and SHA256SUMS

# Python's zipfile: the count, the names, and every CRC.
check "zip64: Python's zipfile reads all $want entries and their CRCs" python3 - "$zip" "$want" "$out/site" <<'PY'
import os, sys, zipfile
path, want, site = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with zipfile.ZipFile(path) as z:
    names = z.namelist()
    assert len(names) == want, f"{len(names)} entries, expected {want}"
    assert z.testzip() is None, "a bad CRC"
    assert names == sorted(names), "not in name order"
    on_disk = {os.path.relpath(os.path.join(d, f), site) for d, _, fs in os.walk(site) for f in fs}
    assert set(names) == on_disk | {"SHA256SUMS"}, "names differ from the site folder"
    assert z.read("many/65/999.txt") == b"65 999\n"
PY

# The end of the file, as APPNOTE 4.3.14-4.3.16 lays it out.
check "zip64: the zip ends with a zip64 record, its locator and an end record saying 0xFFFF" \
  python3 - "$zip" "$want" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
want = int(sys.argv[2])
eocd, loc, rec = data[-22:], data[-42:-22], data[-98:-42]
sig, _, _, on_disk, total, cd_size, cd_off, comment = struct.unpack("<IHHHHIIH", eocd)
assert sig == 0x06054b50 and on_disk == total == 0xFFFF and comment == 0, eocd.hex()
lsig, _, rec_at, disks = struct.unpack("<IIQI", loc)
assert lsig == 0x07064b50 and rec_at == len(data) - 98 and disks == 1, loc.hex()
rsig, size, _, need, _, _, n1, n2, size64, off64 = struct.unpack("<IQHHIIQQQQ", rec)
assert rsig == 0x06064b50 and size == 44 and need == 45, rec.hex()
assert n1 == n2 == want, (n1, n2, want)
assert size64 == cd_size and off64 == cd_off and off64 + size64 == rec_at
PY

if command -v unzip >/dev/null; then
  check "zip64: Info-ZIP unzip -t finds no error" unzip -tqq "$zip"
else
  fail "zip64: Info-ZIP unzip -t finds no error" "unzip is not installed (Debian package 'unzip')"
fi

check "zip64: waymark verify accepts it" "$WAYMARK" verify "$zip"
rm -rf "$TMP/x"
if "$WAYMARK" verify "$zip" --extract "$TMP/x" >/dev/null 2>&1 && [ -f "$TMP/x/SHA256SUMS" ] \
   && diff -r -x SHA256SUMS "$out/site" "$TMP/x" >/dev/null; then
  pass "zip64: waymark verify --extract gives back the site folder"
else
  fail "zip64: waymark verify --extract gives back the site folder" "differs or failed"
fi
if [ "$(cd "$out" && sha256sum SHA256SUMS | cut -c1-64)" = "$(unzip -p "$zip" SHA256SUMS 2>/dev/null | sha256sum | cut -c1-64)" ]; then
  pass "zip64: SHA256SUMS beside the zip is the one inside"
else
  fail "zip64: SHA256SUMS beside the zip is the one inside" "differs"
fi

# A rebuild takes the entries from the bundle cache: the same bytes.
# (Per-language bundles go through the same writer, bundle_write.)
cp "$zip" "$TMP/first.zip"
"$WAYMARK" build "$site" -o "$out" --quiet
cmp -s "$zip" "$TMP/first.zip" && pass "zip64: a rebuild (bundle cache) writes the same zip" \
  || fail "zip64: a rebuild (bundle cache) writes the same zip" "differs"

# Below the limit nothing changes: no zip64 record in a small bundle.
copy_site "$REPO/tests/sites/basic" "$TMP/small-site"
"$WAYMARK" build "$TMP/small-site" -o "$TMP/small" --quiet
python3 - "$TMP/small/basic.zip" <<'PY' && pass "zip64: a small bundle has no zip64 record" || fail "zip64: a small bundle has no zip64 record" "it has"
import sys
data = open(sys.argv[1], "rb").read()
sys.exit(1 if b"PK\x06\x06" in data[-200:] or b"PK\x06\x07" in data[-200:] else 0)
PY
