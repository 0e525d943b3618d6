#!/usr/bin/env bash
# waymark serve over real HTTP on loopback (curl): static files from a folder
# and from a zip, headers, 304, HEAD, 404, path safety, survey answers (every
# kind of bad one stores nothing), export, preview rebuilds, SIGTERM, and a
# kill -9 in the middle of a stream of answers.
. "$(dirname "$0")/lib.sh"
FIX=$REPO/tests/fixtures/serve
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# start LOG ARGS...: starts a server on a free loopback port; sets PORT and PID.
start() {
  local log=$1; shift
  "$WAYMARK" serve "$@" --listen 127.0.0.1:0 2>"$log" &
  PID=$!; PIDS+=("$PID"); PORT=
  for _ in $(seq 200); do
    PORT=$(sed -n 's|^waymark: serving .* at http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log")
    [ -n "$PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
url() { echo "http://127.0.0.1:$PORT/$1"; }
# status URL [curl args...]: prints the status, body in $TMP/body, headers in $TMP/head.
status() { local u=$1; shift; : >"$TMP/body"; curl -s -D "$TMP/head" -o "$TMP/body" -w '%{http_code}' "$@" "$(url "$u")"; }
header() { grep -i "^$1:" "$TMP/head" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
expect() { # NAME WANT GOT
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "wanted '$2', got '$3'"; fi
}

# The default site, built, plus a hand-written survey schema (the contract).
"$WAYMARK" build "$REPO" -o "$TMP/x" --quiet || { fail "serve: build" "the default site did not build"; exit 0; }
SITE=$TMP/x/site
ZIP=$(ls "$TMP"/x/*.zip)
mkdir -p "$SITE/surveys/wellbeing"
cp "$FIX/surveys/wellbeing/schema.json" "$SITE/surveys/wellbeing/"

# --- options -------------------------------------------------------------------------
"$WAYMARK" serve "$SITE" --listen 0.0.0.0:0 >/dev/null 2>"$TMP/err"
expect "serve: refuses a non-loopback address without --public" "2" "$?"
grep -q -- '--public' "$TMP/err" && pass "serve: says to add --public" || fail "serve: says to add --public" "$(cat "$TMP/err")"
"$WAYMARK" serve "$TMP/nowhere" >/dev/null 2>&1
expect "serve: a missing site is a usage error" "2" "$?"

# --- static files from the folder ------------------------------------------------------
DB=$TMP/answers.sqlite
start "$TMP/folder.log" "$SITE" --responses "$DB" --locales "$REPO/locales" || { fail "serve: start" "$(cat "$TMP/folder.log")"; exit 0; }
FPORT=$PORT FPID=$PID

expect "serve: GET / is 200" 200 "$(status "")"
cmp -s "$TMP/body" "$SITE/index.html" && pass "serve: GET / is index.html" || fail "serve: GET / is index.html" "bodies differ"
meta_csp=$(sed -n 's/.*http-equiv="Content-Security-Policy" content="\([^"]*\)".*/\1/p' "$SITE/index.html" | sed "s/&#39;/'/g")
expect "serve: CSP header matches the meta tag" "$meta_csp" "$(header Content-Security-Policy)"
expect "serve: Referrer-Policy" "no-referrer" "$(header Referrer-Policy)"
expect "serve: X-Content-Type-Options" "nosniff" "$(header X-Content-Type-Options)"
expect "serve: X-Frame-Options" "DENY" "$(header X-Frame-Options)"
grep -q 'camera=()' <(header Permissions-Policy) && pass "serve: Permissions-Policy" || fail "serve: Permissions-Policy" "missing"
expect "serve: no Server header" "" "$(header Server)"
expect "serve: HTML MIME type" "text/html; charset=utf-8" "$(header Content-Type)"
etag=$(header ETag)
[[ $etag =~ ^\"[0-9a-f]{8}-[0-9a-f]+\"$ ]] && pass "serve: strong ETag" || fail "serve: strong ETag" "$etag"
[ -n "$(header Last-Modified)" ] && pass "serve: Last-Modified" || fail "serve: Last-Modified" "missing"
expect "serve: If-None-Match gives 304" 304 "$(status "" -H "If-None-Match: $etag")"
expect "serve: 304 has no body" 0 "$(wc -c <"$TMP/body")"
expect "serve: weak If-None-Match list gives 304" 304 "$(status "" -H "If-None-Match: \"x\", W/$etag")"
expect "serve: another ETag gives 200" 200 "$(status "" -H 'If-None-Match: "00000000-0"')"
expect "serve: HEAD is 200" 200 "$(status "" -I)"
expect "serve: HEAD has no body" 0 "$(curl -s -I -o /dev/null -w '%{size_download}' "$(url "")")"
expect "serve: HEAD has GET's length" "$(wc -c <"$SITE/index.html")" "$(header Content-Length)"
expect "serve: CSS MIME type" "text/css; charset=utf-8" "$( status style.css >/dev/null; header Content-Type)"
expect "serve: a folder without / redirects" "301 en/" "$(status en) $(header Location)"
status en/ >/dev/null; cmp -s "$TMP/body" "$SITE/en/index.html" && pass "serve: dir/ serves dir/index.html" || fail "serve: dir/ serves dir/index.html" "bodies differ"

expect "serve: unknown path is 404" 404 "$(status en/no/such/page)"
grep -q '<html lang="en"' "$TMP/body" && grep -q 'href="../../../style.css"' "$TMP/body" \
  && pass "serve: 404 page of the language, links rebased" || fail "serve: 404 page of the language, links rebased" "$(grep stylesheet "$TMP/body")"
status fi/nope >/dev/null; grep -q '<html lang="fi"' "$TMP/body" && pass "serve: Finnish path gets the Finnish 404" || fail "serve: Finnish path gets the Finnish 404" "other page"
status zz/nope >/dev/null; grep -q '<html lang="en"' "$TMP/body" && grep -q 'href="../style.css"' "$TMP/body" \
  && pass "serve: other paths get the default language's 404" || fail "serve: other paths get the default language's 404" "other page"

for bad in 'en/%2e%2e/index.html' 'en/../index.html' 'a%00b' 'a%5cb' 'en//index.html' 'a%zz' 'en/./index.html'; do
  expect "serve: unsafe path $bad is 400" 400 "$(status "$bad" --path-as-is)"
done
expect "serve: DELETE is 405" 405 "$(status "" -X DELETE)"
expect "serve: GET on the endpoint is 405" 405 "$(status submit)"
expect "serve: POST elsewhere is 405" 405 "$(status en/ -d a=1)"

# --- the same site from the zip, byte for byte --------------------------------------------
start "$TMP/zip.log" "$ZIP" --responses "$TMP/zip.sqlite" || fail "serve: start from zip" "$(cat "$TMP/zip.log")"
ZPORT=$PORT ZPID=$PID
# fetch_all PORT DIR < paths: one curl for every path, bodies under DIR;
# prints "status type etag csp" per path.
fetch_all() {
  local cfg=$TMP/curl-$1.cfg e; : >"$cfg"
  while IFS= read -r e; do
    printf 'url = "http://127.0.0.1:%s/%s"\noutput = "%s/%s"\n' "$1" "$e" "$2" "$e" >>"$cfg"
  done
  curl -s --create-dirs -K "$cfg" -w '%{http_code} %{content_type} %header{etag} %header{content-security-policy}\n'
}
unzip -Z1 "$ZIP" | grep -vx SHA256SUMS >"$TMP/entries"
fetch_all "$ZPORT" "$TMP/fromzip" <"$TMP/entries" >"$TMP/zipmeta"
fetch_all "$FPORT" "$TMP/fromdir" <"$TMP/entries" >"$TMP/dirmeta"
n=$(wc -l <"$TMP/entries")
if ! diff -rq "$TMP/fromzip" "$TMP/fromdir" >"$TMP/diff"; then fail "serve: zip equals folder byte for byte" "$(head -3 "$TMP/diff")"
elif [ "$(cd "$TMP/fromzip" && xargs -d '\n' sha256sum <"$TMP/entries")" != "$(cd "$SITE" && xargs -d '\n' sha256sum <"$TMP/entries")" ]; then fail "serve: zip equals folder byte for byte" "not the built files"
elif ! cmp -s "$TMP/zipmeta" "$TMP/dirmeta" || grep -qv '^200 ' "$TMP/zipmeta"; then fail "serve: zip equals folder byte for byte" "headers differ: $(diff "$TMP/zipmeta" "$TMP/dirmeta" | head -3)"
else pass "serve: zip equals folder byte for byte ($n files; same status, type, ETag, CSP)"; fi
differ=
for p in en/ fi/ en/nope zz; do
  a=$(curl -s -w '%{http_code}' "http://127.0.0.1:$ZPORT/$p" | sha256sum); b=$(curl -s -w '%{http_code}' "http://127.0.0.1:$FPORT/$p" | sha256sum)
  [ "$a" = "$b" ] || differ="$differ $p"
done
expect "serve: the zip's SHA256SUMS is served" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ZPORT/SHA256SUMS")"
[ -z "$differ" ] && pass "serve: zip equals folder for folders and 404s" || fail "serve: zip equals folder for folders and 404s" "$differ"
PORT=$ZPORT; expect "serve: zip ETag 304" 304 "$(status "" -H "If-None-Match: $etag")"
stop "$ZPID"; PORT=$FPORT

# --- survey answers: every bad kind stores nothing ------------------------------------------
H="_survey=wellbeing&_version=3f2a9c0d1e4b5a6c&_lang=en"
OK="$H&age=1&feel.sleep=2&feel.food=3&help_before=2"
count() { sqlite3 "$DB" 'SELECT count(*) FROM answers' 2>/dev/null || echo none; }
rejected() { # NAME STATUS TEXT BODY [curl args]
  local name=$1 want=$2 text=$3 body=$4; shift 4
  local before got
  before=$(count)
  got=$(status submit --data-binary "$body" "$@")
  if [ "$got" != "$want" ]; then fail "serve: $name" "status $got, wanted $want"
  elif ! grep -qF "$text" "$TMP/body"; then fail "serve: $name" "page lacks '$text'"
  elif [ "$(count)" != "$before" ]; then fail "serve: $name" "something was stored"
  else pass "serve: $name: $want, nothing stored"; fi
}
expect "serve: a valid answer gets 303" 303 "$(status submit -d "$OK")"
expect "serve: 303 to the thanks page" "en/surveys/wellbeing-thanks/index.html" "$(header Location)"
rejected "unknown survey" 400 "does not collect answers here" "_survey=nope&_version=3f2a9c0d1e4b5a6c&_lang=en&age=1"
rejected "wrong version" 400 "has changed since you opened it" "_survey=wellbeing&_version=0123456789abcdef&_lang=en&age=1"
rejected "unknown language" 400 "could not be read" "_survey=wellbeing&_version=3f2a9c0d1e4b5a6c&_lang=de&age=1"
rejected "unknown field" 400 "could not be read" "$OK&extra=1"
rejected "invalid code" 400 "Question 1: please choose one of the offered answers" "$H&age=5&feel.sleep=2&feel.food=3&help_before=2"
rejected "text too long" 400 "Question 9: the text is too long" "$OK&postcode=123456"
rejected "pattern" 400 "Question 9: the answer is not in the expected form" "$OK&postcode=1234a"
rejected "number out of range" 400 "Question 8: please enter a number" "$OK&count=101"
rejected "missing required" 400 "Question 6: please answer this question" "$H&age=1&feel.sleep=2&feel.food=3"
rejected "missing required when shown" 400 "Question 7: please answer this question" "$H&age=1&feel.sleep=2&feel.food=3&help_before=1"
rejected "answer to a hidden question" 400 "Question 7: this question does not apply" "$OK&help_where=home"
rejected "duplicate fields" 400 "could not be read" "$OK&age=2"
rejected "malformed urlencoding" 400 "could not be read" "$OK&help_where=%zz"
rejected "raw byte in body" 400 "could not be read" "$OK&comment=a b"
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
rejected "oversize body" 413 "too long to be received" "$OK&comment=$big"
rejected "oversize chunked body" 413 "too long to be received" "$OK&comment=$big" -H 'Transfer-Encoding: chunked'
rejected "not a form" 415 "could not be read" '{"age": 1}' -H 'Content-Type: application/json'
rejected "Finnish page from locales/fi.po" 400 'lang="fi"' "_survey=wellbeing&_version=3f2a9c0d1e4b5a6c&_lang=fi&age=5"
grep -q "Vastaustasi ei tallennettu" "$TMP/body" && pass "serve: the answer page is in Finnish" || fail "serve: the answer page is in Finnish" "$(grep '<h1' "$TMP/body")"
status submit -d "$H&age=5" >/dev/null
expect "serve: answer pages carry the CSP" "$meta_csp" "$(header Content-Security-Policy)"

# --- valid answers stored exactly -----------------------------------------------------------
expect "serve: Finnish answer 303 to the Finnish thanks page" "303 fi/surveys/wellbeing-thanks/index.html" \
  "$(status submit -d "_survey=wellbeing&_version=3f2a9c0d1e4b5a6c&_lang=fi&age=2&topics=a&topics=other&topics.other=oma+%22vastaus%22%2C+kiitos&feel.sleep=1&feel.food=3&help_before=1&help_where=kotona&count=7&postcode=00100&comment=rivi1%0D%0Arivi2&mood=") $(header Location)"
expect "serve: two answers stored" 2 "$(count)"
expect "serve: stored codes exactly" \
  '{"age":"2","topics":["a","other"],"topics.other":"oma \"vastaus\", kiitos","feel.sleep":"1","feel.food":"3","help_before":"1","help_where":"kotona","count":"7","postcode":"00100","comment":"rivi1\r\nrivi2"}' \
  "$(sqlite3 "$DB" 'SELECT answers FROM answers ORDER BY id DESC LIMIT 1')"
expect "serve: survey, version, language, date only" "wellbeing|3f2a9c0d1e4b5a6c|fi|$(date -u +%F)" \
  "$(sqlite3 "$DB" 'SELECT survey, version, lang, date FROM answers ORDER BY id DESC LIMIT 1')"
expect "serve: no other columns" "id survey version lang date answers" "$(sqlite3 "$DB" 'SELECT name FROM pragma_table_info("answers")' | tr '\n' ' ' | sed 's/ $//')"
expect "serve: WAL mode" wal "$(sqlite3 "$DB" 'PRAGMA journal_mode')"
grep -q '127\.0\.0\.1\|curl' <(grep -v '^waymark: ' "$TMP/folder.log") && fail "serve: the log holds no address or agent" "$(head -3 "$TMP/folder.log")" || pass "serve: the log holds no address or agent"
grep -q '^POST /submit 303$' "$TMP/folder.log" && pass "serve: the log is method, path, status" || fail "serve: the log is method, path, status" "$(tail -2 "$TMP/folder.log")"

# --- export -----------------------------------------------------------------------------------
"$WAYMARK" responses export "$DB" --survey wellbeing --format csv >"$TMP/out.csv" 2>/dev/null
expect "responses: CSV header, one column per code" \
  "response,survey,version,lang,date,age,topics.a,topics.b,topics.c,topics.other,topics.other_text,country,mood,feel.sleep,feel.food,help_before,help_where,count,postcode,comment,supports.x,supports.y" \
  "$(head -1 "$TMP/out.csv" | tr -d '\r')"
expect "responses: CSV row" \
  "2,wellbeing,3f2a9c0d1e4b5a6c,fi,$(date -u +%F),2,1,0,0,1,\"oma \"\"vastaus\"\", kiitos\",,,1,3,1,kotona,7,00100,\"rivi1" \
  "$(sed -n 3p "$TMP/out.csv" | tr -d '\r')"
expect "responses: unanswered choices are 0, hidden ones empty" "1,wellbeing,3f2a9c0d1e4b5a6c,en,$(date -u +%F),1,0,0,0,0,,,,2,3,2,,,,,," \
  "$(sed -n 2p "$TMP/out.csv" | tr -d '\r')"
"$WAYMARK" responses export "$DB" --survey wellbeing --format json --version 3f2a9c0d1e4b5a6c >"$TMP/out.json" 2>/dev/null
python3 - "$TMP/out.json" <<'PY' && pass "responses: JSON export" || fail "responses: JSON export" "$(head -c 300 "$TMP/out.json")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 2, rows
r = rows[1]
assert r["response"] == 2 and r["lang"] == "fi" and r["age"] == "2" and r["topics.a"] == 1 and r["topics.b"] == 0
assert r["count"] == 7 and r["comment"] == "rivi1\r\nrivi2" and r["country"] is None
assert rows[0]["topics.a"] == 0 and rows[0]["supports.x"] is None
assert r["supports.x"] == 0 and r["supports.y"] == 0
PY
expect "responses: --version filters" 0 "$("$WAYMARK" responses export "$DB" --survey wellbeing --version 0000000000000000 --format json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
"$WAYMARK" responses export "$DB" >/dev/null 2>&1
expect "responses: --survey is required" 2 "$?"

# --- SIGTERM ----------------------------------------------------------------------------------
kill -TERM "$FPID" 2>/dev/null; wait "$FPID"; rc=$?
expect "serve: SIGTERM stops it cleanly" "0" "$rc"
grep -q 'stopping (SIGTERM)' "$TMP/folder.log" && pass "serve: says it stops" || fail "serve: says it stops" "$(tail -1 "$TMP/folder.log")"
expect "serve: the database is intact after SIGTERM" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')"

# --- timestamps none, and the per-survey cap ---------------------------------------------------
DB2=$TMP/capped.sqlite
start "$TMP/capped.log" "$SITE" --responses "$DB2" --timestamps none --max-per-minute 2 --quiet
s1=$(status submit -d "$OK"); s2=$(status submit -d "$OK"); s3=$(status submit -d "$OK")
expect "serve: the per-survey cap gives 429 after 2" "303 303 429 60" "$s1 $s2 $s3 $(header Retry-After)"
expect "serve: over the cap nothing is stored" 2 "$(sqlite3 "$DB2" 'SELECT count(*) FROM answers')"
expect "serve: --timestamps none stores no date" "2" "$(sqlite3 "$DB2" 'SELECT count(*) FROM answers WHERE date IS NULL')"
expect "serve: --quiet logs nothing per request" 1 "$(wc -l <"$TMP/capped.log")"
stop "$PID"

# --- preview: rebuild on change, build errors as a page ------------------------------------------
copy_site "$REPO" "$TMP/src"
start "$TMP/watch.log" --watch "$TMP/src" --responses "$TMP/watch.sqlite" || fail "serve: --watch starts" "$(cat "$TMP/watch.log")"
expect "serve: --watch serves the built site" 200 "$(status en/about/)"
sed -i 's/^title: .*/title: "Changed title 7731"/' "$TMP/src/content/en/about.md"
status en/about/ >/dev/null
grep -q 'Changed title 7731' "$TMP/body" && pass "serve: --watch rebuilds on change" || fail "serve: --watch rebuilds on change" "old page"
printf -- '---\ntitle: "unclosed\n---\nx\n' >"$TMP/src/content/en/broken.md"
expect "serve: a failed build is a 500 page" 500 "$(status en/about/)"
grep -q 'content/en/broken.md:[0-9]*' "$TMP/body" && pass "serve: the page lists path:line" || fail "serve: the page lists path:line" "$(grep -c li "$TMP/body")"
grep -q '<script' "$TMP/body" && fail "serve: the error page is escaped" "script" || pass "serve: the error page is escaped"
rm "$TMP/src/content/en/broken.md"
expect "serve: fixed, it serves again" 200 "$(status en/about/)"
stop "$PID"

# --- crash: kill -9 during a stream of answers ----------------------------------------------------
DB3=$TMP/crash.sqlite
start "$TMP/crash.log" "$SITE" --responses "$DB3" --max-per-minute 0 --quiet
CPORT=$PORT
# One curl sends 300 answers in a row on one connection, printing each
# status as it arrives; the server is killed after about 60.
cfg=$TMP/crash.cfg; : >"$cfg"
for i in $(seq 10000 10299); do
  printf 'url = "http://127.0.0.1:%s/submit"\ndata = "%s&postcode=%s"\noutput = "/dev/null"\nmax-time = 5\nwrite-out = "%s %%{http_code}\\n"\nnext\n' "$CPORT" "$OK" "$i" "$i" >>"$cfg"
done
curl -s --rate 100/s -K "$cfg" >"$TMP/statuses" 2>/dev/null &
client=$!
for _ in $(seq 300); do [ "$(sqlite3 "$DB3" 'SELECT count(*) FROM answers' 2>/dev/null)" -ge 60 ] 2>/dev/null && break; sleep 0.02; done
kill -9 "$PID"; wait "$PID" 2>/dev/null
wait "$client"
grep ' 303$' "$TMP/statuses" | cut -d' ' -f1 >"$TMP/acked"
acked=$(wc -l <"$TMP/acked")
start "$TMP/crash2.log" "$SITE" --responses "$DB3" --quiet
stored=$(sqlite3 "$DB3" "SELECT json_extract(answers, '\$.postcode') FROM answers" | sort)
missing=$(comm -23 <(sort "$TMP/acked") <(echo "$stored"))
[ "$acked" -ge 60 ] && [ "$acked" -lt 300 ] && [ -z "$missing" ] \
  && pass "serve: kill -9 lost none of $acked acknowledged answers" || fail "serve: kill -9 lost no acknowledged answer" "acked $acked, missing: $(echo $missing | head -c 200)"
expect "serve: integrity_check after kill -9" ok "$(sqlite3 "$DB3" 'PRAGMA integrity_check')"
expect "serve: still takes answers after restart" 303 "$(status submit -d "$OK")"
stop "$PID"
