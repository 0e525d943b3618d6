#!/usr/bin/env bash
# Signed, verifiable bundles and the deploy kit: minisign interoperability
# both ways, `waymark verify` against tampered zips, nginx serving the
# unpacked bundle, link checks, page weight, metadata stripped from images.
. "$(dirname "$0")/lib.sh"

site=$TMP/site
copy_site "$REPO" "$site"
export SOURCE_DATE_EPOCH=1767225600

# expect_status NAME STATUS REGEX COMMAND...: exit status and a message.
expect_status() {
  local name=$1 want=$2 re=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$want" ]; then fail "$name" "exit $rc, expected $want: $(echo "$out" | tail -3 | tr '\n' ' ')"; return; fi
  if [ -n "$re" ] && ! echo "$out" | grep -qE "$re"; then fail "$name" "expected /$re/ in: $(echo "$out" | tail -3 | tr '\n' ' ')"; return; fi
  pass "$name"
}

# --- keys and signatures ----------------------------------------------------------

keys=$TMP/keys; mkdir -p "$keys"
expect_status "keygen: writes a key pair" 0 'public key: RW' "$WAYMARK" keygen -o "$keys/site.key"
[ "$(stat -c %a "$keys/site.key")" = 600 ] && [ -f "$keys/site.key.pub" ] \
  && pass "keygen: the secret key is mode 0600, KEY.pub beside it" \
  || fail "keygen: the secret key is mode 0600, KEY.pub beside it" "$(ls -l "$keys")"
before=$(sha256sum "$keys/site.key")
expect_status "keygen: never replaces a key without --force" 1 'already exists' "$WAYMARK" keygen -o "$keys/site.key"
[ "$(sha256sum "$keys/site.key")" = "$before" ] && pass "keygen: the old key is untouched" || fail "keygen: the old key is untouched" "changed"
expect_status "keygen: -o is needed (usage, exit 2)" 2 'needs -o' "$WAYMARK" keygen

out=$TMP/out
if "$WAYMARK" build "$site" -o "$out" --quiet --sign "$keys/site.key"; then
  pass "build --sign: builds"
else
  fail "build --sign: builds" "exit $?"; exit 0
fi
zip=$out/waymark.zip
expect_status "minisign accepts waymark's signature" 0 'Signature and comment signature verified' \
  minisign -V -p "$keys/site.key.pub" -m "$zip"
comment=$(sed -n 3p "$zip.minisig")
sha=$(sha256sum "$zip" | cut -d' ' -f1)
[[ $comment == "trusted comment: site:waymark"$'\t'"version:2026-01-01"$'\t'"sha256:$sha"$'\t'"file:waymark.zip" ]] \
  && pass "build --sign: the trusted comment names site, version (the date) and the zip's SHA-256" \
  || fail "build --sign: the trusted comment names site, version (the date) and the zip's SHA-256" "$comment"
"$WAYMARK" build "$site" -o "$TMP/out2" --quiet --sign "$keys/site.key"
cmp -s "$zip.minisig" "$TMP/out2/waymark.zip.minisig" \
  && pass "build --sign: the same sources and key give the same signature file" \
  || fail "build --sign: the same sources and key give the same signature file" "differ"
expect_status "verify: accepts the signed bundle" 0 'trusted comment: site:waymark' \
  "$WAYMARK" verify "$zip" -p "$keys/site.key.pub"
expect_status "verify: -P takes the public key inline" 0 'signed by key' \
  "$WAYMARK" verify "$zip" -P "$(sed -n 2p "$keys/site.key.pub")"

minisign -G -W -p "$keys/m.pub" -s "$keys/m.key" >/dev/null 2>&1
cp "$zip" "$TMP/by-minisign.zip"
minisign -S -s "$keys/m.key" -m "$TMP/by-minisign.zip" -t "made by minisign" >/dev/null 2>&1
expect_status "verify: accepts a signature made by minisign" 0 'trusted comment: made by minisign' \
  "$WAYMARK" verify "$TMP/by-minisign.zip" -p "$keys/m.pub"
"$WAYMARK" build "$site" -o "$TMP/out-m" --quiet --sign "$keys/m.key" \
  && minisign -V -q -p "$keys/m.pub" -m "$TMP/out-m/waymark.zip" \
  && pass "build --sign: signs with a key made by minisign -G -W" \
  || fail "build --sign: signs with a key made by minisign -G -W" "exit $?"
expect_status "verify: a wrong key fails (exit 1)" 1 'another key' \
  "$WAYMARK" verify "$zip" -p "$keys/m.pub"
expect_status "verify: -p with no signature beside it fails" 1 'cannot read the signature' \
  "$WAYMARK" verify "$TMP/out2/waymark.zip" -p "$keys/site.key.pub" -x "$TMP/none.minisig"
"$WAYMARK" build "$site" -o "$out" --quiet
[ ! -e "$zip.minisig" ] && pass "build without --sign removes the stale signature" || fail "build without --sign removes the stale signature" "still there"
SOURCE_DATE_EPOCH=1800000000 "$WAYMARK" build "$site" -o "$TMP/out3" --quiet --sign "$keys/site.key"
cp "$TMP/out3/waymark.zip.minisig" "$zip.minisig"
expect_status "verify: a signature of another build fails" 1 'does not match' \
  "$WAYMARK" verify "$zip" -p "$keys/site.key.pub"
cp "$TMP/out2/waymark.zip" "$zip"; cp "$TMP/out2/waymark.zip.minisig" "$zip.minisig"
sed -i '3s/version:2026-01-01/version:9999-01-01/' "$zip.minisig"
expect_status "verify: an edited trusted comment fails" 1 "trusted comment's signature" \
  "$WAYMARK" verify "$zip" -p "$keys/site.key.pub"
cp "$TMP/out2/waymark.zip.minisig" "$zip.minisig"
expect_status "verify: unknown option is a usage error (exit 2)" 2 'unknown option' "$WAYMARK" verify "$zip" --frob
expect_status "verify: a missing bundle is a usage error (exit 2)" 2 'cannot read' "$WAYMARK" verify "$TMP/nope.zip"

# --- tampered bundles -------------------------------------------------------------

good=$TMP/out2/waymark.zip
tamper() { # NAME PYTHON-BODY: writes $TMP/bad.zip from $good
  python3 - "$good" "$TMP/bad.zip" <<EOF
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
zin = zipfile.ZipFile(src)
zout = zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED)
def copy(skip=()):
    for info in zin.infolist():
        if info.filename not in skip:
            zout.writestr(info, zin.read(info.filename))
$2
zout.close()
EOF
}
tamper "one byte" '
for info in zin.infolist():
    data = zin.read(info.filename)
    if info.filename == "en/about/index.html":
        data = data.replace(b"Waymark", b"Waymork", 1)
    zout.writestr(info, data)'
expect_status "verify: one changed byte is caught" 1 "entry 'en/about/index.html' does not match its SHA-256" \
  "$WAYMARK" verify "$TMP/bad.zip"
tamper "added" 'copy(); zout.writestr("en/phish.html", "<p>send us your password</p>")'
expect_status "verify: an added entry is caught" 1 "entry 'en/phish.html' is not listed in SHA256SUMS" \
  "$WAYMARK" verify "$TMP/bad.zip"
tamper "removed" 'copy(skip=("en/privacy/index.html",))'
expect_status "verify: a removed entry is caught" 1 "'en/privacy/index.html' is listed in SHA256SUMS but missing" \
  "$WAYMARK" verify "$TMP/bad.zip"
tamper "slip" 'copy(); zout.writestr("../../evil.sh", "rm -rf ~")'
expect_status "verify: a zip-slip entry ('..') is refused" 1 "entry '../../evil.sh' climbs out" \
  "$WAYMARK" verify "$TMP/bad.zip" --extract "$TMP/slip-dir"
[ ! -e "$TMP/slip-dir" ] && [ ! -e "$TMP/evil.sh" ] && [ ! -e "$(dirname "$TMP")/evil.sh" ] \
  && pass "verify: nothing unpacked from the zip-slip bundle" || fail "verify: nothing unpacked from the zip-slip bundle" "files appeared"
tamper "absolute" 'copy(); zout.writestr("/etc/evil", "x")'
expect_status "verify: an absolute path is refused" 1 "entry '/etc/evil' has an absolute path" "$WAYMARK" verify "$TMP/bad.zip"
tamper "backslash" 'copy(); zout.writestr("en\\..\\..\\evil", "x")'
expect_status "verify: a backslash is refused" 1 "has a backslash" "$WAYMARK" verify "$TMP/bad.zip"
tamper "symlink" '
copy()
link = zipfile.ZipInfo("en/link")
link.create_system = 3
link.external_attr = (0o120777 << 16)
zout.writestr(link, "/etc/passwd")'
expect_status "verify: a symlink is refused" 1 "entry 'en/link' is a symbolic link" "$WAYMARK" verify "$TMP/bad.zip"
tamper "duplicate" '
import warnings; warnings.simplefilter("ignore")
copy(); zout.writestr("en/about/index.html", "<p>other</p>")'
expect_status "verify: a duplicate name is refused" 1 "entry 'en/about/index.html' is in the zip twice" "$WAYMARK" verify "$TMP/bad.zip"
tamper "bomb" 'copy(); zout.writestr("en/bomb.html", bytes(50 << 20))'
expect_status "verify: a zip bomb (50 MiB of zeros) is refused by its ratio" 1 "entry 'en/bomb.html' expands too much" \
  "$WAYMARK" verify "$TMP/bad.zip"
printf 'PK\003\004 not really' > "$TMP/bad.zip"
expect_status "verify: a file that is not a zip fails" 1 'not a zip' "$WAYMARK" verify "$TMP/bad.zip"

# --- unpacking ------------------------------------------------------------------------

dest=$TMP/www/site
mkdir -p "$dest" && echo old > "$dest/old.html"
expect_status "verify --extract: unpacks a good bundle" 0 'unpacked into' \
  "$WAYMARK" verify "$good" -p "$keys/site.key.pub" --extract "$dest"
diff -r --exclude=SHA256SUMS "$dest" "$TMP/out2/site" >/dev/null && [ ! -e "$dest/old.html" ] \
  && (cd "$dest" && sha256sum -c --quiet SHA256SUMS) \
  && pass "verify --extract: the folder is exactly the bundle (old files gone, sha256sum -c passes)" \
  || fail "verify --extract: the folder is exactly the bundle (old files gone, sha256sum -c passes)" "differs"
tamper "one byte" '
for info in zin.infolist():
    data = zin.read(info.filename)
    zout.writestr(info, data.replace(b"Waymark", b"Waymork", 1) if info.filename.endswith("privacy/index.html") else data)'
before=$(tree_sum "$TMP/www")
expect_status "verify --extract: a bad bundle unpacks nothing" 1 'nothing was unpacked' \
  "$WAYMARK" verify "$TMP/bad.zip" --extract "$dest"
[ "$(tree_sum "$TMP/www")" = "$before" ] && [ "$(ls -A "$TMP/www")" = site ] \
  && pass "verify --extract: the old folder is untouched and no staging folder is left" \
  || fail "verify --extract: the old folder is untouched and no staging folder is left" "$(ls -A "$TMP/www")"
