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
  if [ -n "$re" ] && ! grep -qE "$re" <<<"$out"; then fail "$name" "expected /$re/ in: $(echo "$out" | tail -3 | tr '\n' ' ')"; return; fi
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

# --- the deploy kit, served by nginx on loopback --------------------------------------

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }
ng=$TMP/nginx; mkdir -p "$ng"
port=$(free_port); serve_port=$(free_port)
dsite=$TMP/deploy-site
copy_site "$REPO" "$dsite"
mkdir -p "$dsite/surveys" && printf 'id: s\nsections:\n  - id: a\n    title: A\n    questions:\n      - id: q\n        type: text\n        text: Anything?\n' > "$dsite/surveys/s.yaml"
sed -i '$d' "$dsite/site.lua"   # drop the closing brace, then add the deploy settings
cat >> "$dsite/site.lua" <<LUA
  deploy = { root = "$ng/www", listen = "127.0.0.1:$port", serve = "127.0.0.1:$serve_port" },
  onion_location = "http://exampleexampleexampleexampleexampleexampleexample234.onion/",
  official_addresses = { "http://exampleexampleexampleexampleexampleexampleexample234.onion/" },
  signing = { public_key_file = "$keys/site.key.pub" },
}
LUA
if "$WAYMARK" build "$dsite" -o "$ng/out" --quiet --precompress --sign "$keys/site.key"; then
  pass "deploy: the site builds with deploy settings and --precompress"
else
  fail "deploy: the site builds with deploy settings and --precompress" "exit $?"
fi
kit=$ng/out/deploy
page=$ng/out/site/fi/official-addresses/index.html
grep -q "<code class=\"key\">$(sed -n 2p "$keys/site.key.pub")</code>" "$page" \
  && grep -q 'exampleexample.*234\.onion/</code>' "$page" && grep -q 'Allekirjoitusavain' "$page" \
  && pass "official addresses: the page publishes the addresses and the signing key (site.public_key)" \
  || fail "official addresses: the page publishes the addresses and the signing key (site.public_key)" "$(grep -A8 'official-list' "$page" | head -12)"
[ -f "$kit/nginx-server.conf" ] && [ -f "$kit/torrc" ] && [ -f "$kit/README.txt" ] && [ ! -e "$ng/out/site/deploy" ] \
  && pass "deploy: out/deploy has the server block, torrc and README (not inside out/site)" \
  || fail "deploy: out/deploy has the server block, torrc and README (not inside out/site)" "$(ls "$ng/out" "$kit")"
grep -qx "HiddenServicePort 80 127.0.0.1:$port" "$kit/torrc" && grep -q '^HiddenServiceDir /var/lib/tor/waymark/$' "$kit/torrc" \
  && pass "deploy: torrc points the onion service at nginx's port" || fail "deploy: torrc points the onion service at nginx's port" "$(cat "$kit/torrc")"
grep -q 'Onion-Location "http://example.*\.onion$request_uri"' "$kit/nginx-clearnet-mirror.conf" \
  && pass "deploy: onion_location gives the clearnet mirror an Onion-Location header" \
  || fail "deploy: onion_location gives the clearnet mirror an Onion-Location header" "$(cat "$kit/nginx-clearnet-mirror.conf" 2>&1 | head -3)"
"$WAYMARK" verify "$ng/out/waymark.zip" -p "$keys/site.key.pub" --extract "$ng/www" -q 2>"$TMP/verify.err" \
  && pass "deploy: the signed bundle is verified and unpacked into deploy.root" || fail "deploy: the signed bundle is verified and unpacked into deploy.root" "exit $?: $(cat "$TMP/verify.err")"

cat > "$ng/nginx.conf" <<CONF
pid $ng/nginx.pid;
error_log $ng/error.log;
events {}
http {
    client_body_temp_path $ng/tmp-body;
    proxy_temp_path $ng/tmp-proxy;
    fastcgi_temp_path $ng/tmp-fastcgi;
    uwsgi_temp_path $ng/tmp-uwsgi;
    scgi_temp_path $ng/tmp-scgi;
    include $kit/nginx-server.conf;
}
CONF
expect_status "deploy: nginx -t accepts the server block" 0 'syntax is ok' nginx -t -c "$ng/nginx.conf" -p "$ng" -g 'daemon off; master_process off;'

# A stand-in for `waymark serve`: answers a POST with what it was sent.
python3 - "$serve_port" >"$ng/backend.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        reply = ("path=%s xff=%r body=%s" % (self.path, self.headers.get("X-Forwarded-For"), body.decode())).encode()
        self.send_response(200); self.send_header("Content-Type", "text/plain"); self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
backend=$!
wait_port "$serve_port"
nginx -c "$ng/nginx.conf" -p "$ng" -g 'daemon off; master_process off;' 2>>"$ng/error.log" &
nginx_pid=$!
if wait_port "$port"; then
  base=http://127.0.0.1:$port
  h=$(curl -s -D - -o "$ng/about.html" "$base/en/about/")
  header() { echo "$h" | tr -d '\r' | sed -n "s/^$1: //Ip" | head -1; }
  meta_csp=$(sed -n 's/.*http-equiv="Content-Security-Policy" content="\([^"]*\)".*/\1/p' "$ng/about.html" | sed "s/&#39;/'/g")
  [ "$(echo "$h" | head -1 | tr -d '\r')" = "HTTP/1.1 200 OK" ] && grep -q '<h1' "$ng/about.html" \
    && pass "nginx: serves a page of the unpacked bundle" || fail "nginx: serves a page of the unpacked bundle" "$(echo "$h" | head -1)"
  [ -n "$meta_csp" ] && [ "$(header Content-Security-Policy)" = "$meta_csp" ] \
    && pass "nginx: the CSP header equals the page's meta tag" || fail "nginx: the CSP header equals the page's meta tag" "header '$(header Content-Security-Policy)' meta '$meta_csp'"
  [ "$(header Referrer-Policy)" = no-referrer ] && [ "$(header X-Content-Type-Options)" = nosniff ] \
    && [ "$(header X-Frame-Options)" = DENY ] && [[ $(header Permissions-Policy) == *"camera=()"* ]] \
    && pass "nginx: Referrer-Policy, X-Content-Type-Options, X-Frame-Options, Permissions-Policy" \
    || fail "nginx: Referrer-Policy, X-Content-Type-Options, X-Frame-Options, Permissions-Policy" "$(echo "$h" | tr '\r\n' '  ')"
  [ "$(header Server)" = nginx ] && [ "$(header Content-Type)" = "text/html; charset=utf-8" ] && [ "$(header Cache-Control)" = no-cache ] \
    && pass "nginx: no version in Server, text/html; charset=utf-8, pages revalidated" \
    || fail "nginx: no version in Server, text/html; charset=utf-8, pages revalidated" "$(header Server) / $(header Content-Type) / $(header Cache-Control)"
  css=$(curl -s -D - -o /dev/null "$base/style.css" | tr -d '\r')
  grep -qi '^Content-Type: text/css; charset=utf-8' <<<"$css" && grep -qi '^Cache-Control: max-age=3600' <<<"$css" \
    && pass "nginx: the stylesheet as text/css, cached for an hour" || fail "nginx: the stylesheet as text/css, cached for an hour" "$css"
  gz=$(curl -s -D - -o "$ng/gz" -H 'Accept-Encoding: gzip' "$base/en/about/" | tr -d '\r')
  grep -qi '^Content-Encoding: gzip' <<<"$gz" && cmp -s "$ng/gz" "$ng/www/en/about/index.html.gz" \
    && pass "nginx: gzip_static serves the precompressed .gz" || fail "nginx: gzip_static serves the precompressed .gz" "$(echo "$gz" | head -8 | tr '\n' ' ')"
  r=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base/en/about")
  [ "$r" = "301 $base/en/about/" ] && pass "nginx: a folder without its slash is redirected (relative links keep working)" \
    || fail "nginx: a folder without its slash is redirected (relative links keep working)" "$r"
  r=$(curl -s -D - -o /dev/null "$base/fi/no/such/page/" | tr -d '\r')
  grep -q '^HTTP/1.1 302' <<<"$r" && grep -qx 'Location: /fi/404.html' <<<"$r" && grep -q '^X-Frame-Options: DENY' <<<"$r" \
    && grep -q "<html lang=\"fi\"" <(curl -s "$base/fi/404.html") \
    && pass "nginx: a missing page leads to its language's 404 page, with the headers" \
    || fail "nginx: a missing page leads to its language's 404 page, with the headers" "$(echo "$r" | head -5 | tr '\n' ' ')"
  r=$(curl -s -X POST --data 'q1=2' -H 'X-Forwarded-For: 203.0.113.9' "$base/submit")
  [ "$r" = "path=/submit xff='' body=q1=2" ] || [ "$r" = "path=/submit xff=None body=q1=2" ] \
    && pass "nginx: the survey endpoint reaches waymark serve, without the client's address" \
    || fail "nginx: the survey endpoint reaches waymark serve, without the client's address" "$r"
  [ ! -s "$ng/access.log" ] && ! ls "$ng"/logs/access.log >/dev/null 2>&1 \
    && pass "nginx: no access log" || fail "nginx: no access log" "$(ls "$ng" "$ng/logs" 2>&1)"
else
  fail "nginx: starts on loopback" "$(tail -5 "$ng/error.log")"
fi
kill "$nginx_pid" "$backend" 2>/dev/null
wait "$nginx_pid" "$backend" 2>/dev/null
nosurveys=$TMP/nosurveys && cp -r "$REPO/tests/sites/basic" "$nosurveys" && "$WAYMARK" build "$nosurveys" --quiet
grep -q 'location /submit' "$kit/nginx-server.conf" && ! grep -q 'location /submit' "$nosurveys/out/deploy/nginx-server.conf" \
  && pass "deploy: the survey endpoint is proxied only when the site has surveys/" \
  || fail "deploy: the survey endpoint is proxied only when the site has surveys/" "$(grep -c submit "$nosurveys/out/deploy/nginx-server.conf")"

# --- images: metadata removed, content-hashed names ------------------------------------

isite=$TMP/img-site
copy_site "$REPO/tests/sites/basic" "$isite"
mkdir -p "$isite/content/en/img"
# A 1x1 JPEG (JFIF + image data only), then the same with GPS, a comment, an
# artist and XMP added by exiftool: stripping must give back the first, byte for byte.
echo "FFD8FFE000104A46494600010101004800480000FFDB004300030202020202030202020303030304060404040404080606050609080A0A090809090A0C0F0C0A0B0E0B09090D110D0E0F101011100A0C12131210130F101010FFC9000B080001000101011100FFCC000600101005FFDA0008010100003F00D2CF20FFD9" \
  | xxd -r -p > "$TMP/clean.jpg"
cp "$TMP/clean.jpg" "$isite/content/en/img/photo.jpg"
exiftool -q -overwrite_original -GPSLatitude=60.1699 -GPSLatitudeRef=N -GPSLongitude=24.9384 -GPSLongitudeRef=E \
  -Comment="taken at home by Jane" -Artist="Jane Doe" -XMP-dc:Creator="Jane" "$isite/content/en/img/photo.jpg"
python3 - "$isite/content/en/img/chart.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
raw = b"".join(b"\0" + b"\x33\x66\x99" * 2 for _ in range(2))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) \
    + chunk(b"tEXt", b"Author\0Jane Doe") + chunk(b"tIME", bytes(7)) + chunk(b"gAMA", struct.pack(">I", 45455)) \
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"iTXt", b"Comment\0\0\0\0\0made at Jane's home") + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
printf -- '---\ntitle: Pictures\n---\n\n![A lake](img/photo.jpg) and ![a chart](img/chart.png)\n' > "$isite/content/en/pictures.md"
grep -q 'GPS Position' <(exiftool "$isite/content/en/img/photo.jpg") && grep -q 'Author' <(exiftool "$isite/content/en/img/chart.png") \
  && pass "images: the test photo carries GPS, a comment and an author" || fail "images: the test photo carries GPS, a comment and an author" "exiftool did not write them"
if "$WAYMARK" build "$isite" --quiet 2>"$TMP/img.err"; then
  jpg=$(ls "$isite"/out/site/en/img/photo.*.jpg 2>/dev/null); png=$(ls "$isite"/out/site/en/img/chart.*.png 2>/dev/null)
  [[ $(basename "$jpg") =~ ^photo\.[0-9a-f]{8}\.jpg$ ]] && [[ $(basename "$png") =~ ^chart\.[0-9a-f]{8}\.png$ ]] \
    && [ ! -e "$isite/out/site/en/img/photo.jpg" ] \
    && pass "images: copied under content-hashed names" || fail "images: copied under content-hashed names" "$(ls "$isite/out/site/en/img")"
  grep -q "src=\"../img/$(basename "$jpg")\"" "$isite/out/site/en/pictures/index.html" \
    && pass "images: the page links the hashed name" || fail "images: the page links the hashed name" "$(grep -o '<img[^>]*>' "$isite/out/site/en/pictures/index.html")"
  meta=$(exiftool -a -G1 "$jpg" "$png" | grep -iE 'gps|comment|artist|creator|author|xmp|exif|time stamp|modif' | grep -viE 'file (modification|access|inode)|exiftool')
  [ -z "$meta" ] && pass "images: exiftool finds no GPS, comment, author, EXIF or XMP left" || fail "images: exiftool finds no GPS, comment, author, EXIF or XMP left" "$meta"
  cmp -s "$jpg" "$TMP/clean.jpg" && pass "images: the JPEG's image data is unchanged (same bytes as before exiftool)" \
    || fail "images: the JPEG's image data is unchanged (same bytes as before exiftool)" "$(cmp "$jpg" "$TMP/clean.jpg")"
  chunks=$(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); i = 8; out = []
while i < len(d):
    n = struct.unpack(">I", d[i:i+4])[0]; out.append(d[i+4:i+8].decode()); i += 12 + n
print(" ".join(out))' "$png")
  [ "$chunks" = "IHDR gAMA IDAT IEND" ] && pass "images: the PNG keeps IHDR gAMA IDAT IEND only" || fail "images: the PNG keeps IHDR gAMA IDAT IEND only" "$chunks"
else
  fail "images: the site with photos builds" "exit $?"
fi
head -c 60 "$TMP/clean.jpg" > "$isite/content/en/img/cut.jpg"
expect_status "images: a damaged JPEG is an error (it could hide metadata)" 1 '^content/en/img/cut\.jpg: error: cannot remove the image.s metadata' \
  "$WAYMARK" build "$isite" --quiet
rm "$isite/content/en/img/cut.jpg"

# --- link check, external links, page weight --------------------------------------------

lsite=$TMP/link-site
copy_site "$REPO/tests/sites/basic" "$lsite"
printf -- '---\ntitle: Links\n---\n\nSee [who](about.md#who) and [the top](#links-here).\n\n## Links here\n\n[gone](#nowhere) and\n[also gone](about.md#nobody).\n\nOut: [a site](https://example.org/help) and <https://example.net/>.\n' > "$lsite/content/en/links.md"
expect_status "link check: a missing #anchor is an error at its Markdown line" 1 \
  "^content/en/links\.md:9:1: error: broken link '#nowhere': no id 'nowhere' in en/links/index\.html" \
  "$WAYMARK" check "$lsite"
expect_status "link check: a missing anchor in another page is an error at its line and column" 1 \
  "^content/en/links\.md:10:1: error: broken link 'about\.md#nobody': no id 'nobody' in en/about/index\.html" \
  "$WAYMARK" check "$lsite"
out=$("$WAYMARK" check "$lsite" 2>&1)
grep -qE "(#who|#links-here)'" <<<"$out" && fail "link check: existing anchors pass" "$out" || pass "link check: existing anchors pass"
sed -i '/nowhere\|nobody/d' "$lsite/content/en/links.md"
printf '<a href="../no-such-page/">x</a>\n' >> "$lsite/themes/plain/templates/page.html"
expect_status "link check: a template's broken link names the template" 1 \
  "^themes/plain/templates/page\.html: error: broken link '\.\./no-such-page/' \(on en/[a-z/]*index\.html\): no such file" \
  "$WAYMARK" check "$lsite"
sed -i '$d' "$lsite/themes/plain/templates/page.html"
ext=$("$WAYMARK" check "$lsite" --external 2>/dev/null)
grep -qx 'content/en/links\.md:[0-9]*:[0-9]*: https://example\.org/help' <<<"$ext" && grep -qx 'content/en/links\.md:[0-9]*:[0-9]*: https://example\.net/' <<<"$ext" \
  && pass "check --external: lists external links with file:line:col" || fail "check --external: lists external links with file:line:col" "$ext"
sed -i 's/^return {/return {\n  budget = { page_kb = 0.5 },/' "$lsite/site.lua"
expect_status "budget: a page over budget.page_kb is a warning" 0 "warning: page weighs .* over the budget of 0.5 KB" "$WAYMARK" build "$lsite"
expect_status "budget: --strict makes it an error" 1 "error: page weighs .* over the budget" "$WAYMARK" build "$lsite" --strict
out=$("$WAYMARK" build "$site" -o "$TMP/summary" 2>&1)
grep -qE '^  heaviest pages: [a-z]+/[^ ]* [0-9.]+ KB' <<<"$out" && grep -qE '^  HTML per language: en [0-9.]+ KB, fi [0-9.]+ KB, es [0-9.]+ KB, ar [0-9.]+ KB(, [a-z]+ [0-9.]+ KB)*$' <<<"$out" \
  && pass "build summary: heaviest pages and HTML per language" || fail "build summary: heaviest pages and HTML per language" "$out"
css=$(wc -c < "$TMP/summary/site/style.css")
[ "$css" -lt 12288 ] && pass "default theme: style.css is under 12 KB ($css bytes)" || fail "default theme: style.css is under 12 KB" "$css bytes"
