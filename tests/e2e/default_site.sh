#!/usr/bin/env bash
# The repository's own site: builds, is reproducible, obeys the output rules.
. "$(dirname "$0")/lib.sh"

site=$TMP/site
copy_site "$REPO" "$site"

build() { # OUT [extra args...]
  local out=$1; shift
  SOURCE_DATE_EPOCH=${EPOCH:-1767225600} "$WAYMARK" build "$site" -o "$out" --quiet "$@"
}

if build "$TMP/a"; then pass "default site: builds"; else fail "default site: builds" "exit $?"; exit 0; fi
build "$TMP/b" --jobs 1
cmp -s "$TMP/a/waymark.zip" "$TMP/b/waymark.zip" \
  && pass "default site: two builds (--jobs 2 and --jobs 1) give byte-identical zips" \
  || fail "default site: two builds (--jobs 2 and --jobs 1) give byte-identical zips" "zips differ"

build "$TMP/gz1" --jobs 1 --precompress
build "$TMP/gz2" --jobs 2 --precompress
gz_count=$(find "$TMP/gz2/site" -name '*.html.gz' | wc -l)
if [ "$gz_count" -gt 0 ] && cmp -s "$TMP/gz1/waymark.zip" "$TMP/gz2/waymark.zip" \
   && gunzip -c "$TMP/gz2/site/en/index.html.gz" | cmp -s - "$TMP/gz2/site/en/index.html"; then
  pass "default site: --precompress gives the same .gz files with --jobs 1 and 2 ($gz_count pages)"
else
  fail "default site: --precompress gives the same .gz files with --jobs 1 and 2" "$gz_count .html.gz; zips or gunzip differ"
fi

touch "$site"/content/en/*.md   # newer file times must not matter under SOURCE_DATE_EPOCH
build "$TMP/c" --jobs 2
cmp -s "$TMP/a/waymark.zip" "$TMP/c/waymark.zip" \
  && pass "default site: file times do not leak into the zip" \
  || fail "default site: file times do not leak into the zip" "zips differ after touch"

EPOCH=1800000000 build "$TMP/d"
if cmp -s "$TMP/a/waymark.zip" "$TMP/d/waymark.zip"; then
  fail "default site: another SOURCE_DATE_EPOCH changes only timestamps" "zips are identical"
else
  names_a=$(unzip -Z1 "$TMP/a/waymark.zip"); names_d=$(unzip -Z1 "$TMP/d/waymark.zip")
  sums_a=$(unzip -p "$TMP/a/waymark.zip" SHA256SUMS); sums_d=$(unzip -p "$TMP/d/waymark.zip" SHA256SUMS)
  dates_a=$(unzip -Z -T "$TMP/a/waymark.zip" | awk '/^-/ {print $7}' | sort -u)
  dates_d=$(unzip -Z -T "$TMP/d/waymark.zip" | awk '/^-/ {print $7}' | sort -u)
  if [ "$names_a" = "$names_d" ] && [ "$sums_a" = "$sums_d" ] && [ "$dates_a" != "$dates_d" ] \
     && [ "$(echo "$dates_a" | wc -l)" = 1 ]; then
    pass "default site: another SOURCE_DATE_EPOCH changes only timestamps"
  else
    fail "default site: another SOURCE_DATE_EPOCH changes only timestamps" "names, contents or dates differ unexpectedly"
  fi
fi

mkdir -p "$TMP/unz" && (cd "$TMP/unz" && unzip -q "$TMP/a/waymark.zip")
(cd "$TMP/unz" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1 \
  && pass "default site: SHA256SUMS inside the zip checks every entry" \
  || fail "default site: SHA256SUMS inside the zip checks every entry" "sha256sum -c failed"
cmp -s "$TMP/unz/SHA256SUMS" "$TMP/a/SHA256SUMS" \
  && pass "default site: SHA256SUMS beside the zip equals the one inside" \
  || fail "default site: SHA256SUMS beside the zip equals the one inside" "differ"
grep -q . <(diff -r -q "$TMP/unz" "$TMP/a/site" | grep -v SHA256SUMS) \
  && fail "default site: the zip holds exactly out/site" "$(diff -r -q "$TMP/unz" "$TMP/a/site" | head -3)" \
  || pass "default site: the zip holds exactly out/site"

out=$TMP/a/site
for l in en fi es ar; do
  [ -f "$out/$l/index.html" ] && [ -f "$out/$l/about/index.html" ] && [ -f "$out/$l/404.html" ] \
    && pass "default site: $l home, about and 404 pages" || fail "default site: $l home, about and 404 pages" "missing"
done
grep -q 'Suomi' "$out/index.html" && grep -q 'العربية' "$out/index.html" && grep -q 'Español' "$out/index.html" \
  && pass "default site: root page names each language in its own script" \
  || fail "default site: root page names each language in its own script" "names missing"
grep -q '<html lang="ar" dir="rtl"' "$out/ar/index.html" && grep -q '<html lang="fi" dir="ltr"' "$out/fi/index.html" \
  && pass "default site: lang and dir on <html>" || fail "default site: lang and dir on <html>" "attributes wrong"

# The output rules, checked from outside the program too.
bad=$(grep -rliE '<script|javascript:|vbscript:|[[:space:]]on[a-z]+[[:space:]]*=' "$out" --include='*.html')
[ -z "$bad" ] && pass "default site: no script, event attribute or javascript: URL" \
  || fail "default site: no script, event attribute or javascript: URL" "$bad"
missing=""
for f in $(find "$out" -name '*.html'); do
  grep -qE 'http-equiv="Content-Security-Policy" content="default-src (&#39;|'"'"')none' "$f" || missing="$missing $f(csp)"
  grep -q '<meta name="referrer" content="no-referrer">' "$f" || missing="$missing $f(referrer)"
  grep -qE '(src|href)="(https?:)?//' "$f" && grep -E '<(img|link|iframe|script)[^>]*(src|href)="(https?:)?//' "$f" >/dev/null && missing="$missing $f(external)"
done
[ -z "$missing" ] && pass "default site: every page has the CSP and no-referrer meta tags and no external resource" \
  || fail "default site: every page has the CSP and no-referrer meta tags and no external resource" "$missing"
grep -q 'hreflang="fi"' "$out/en/about/index.html" && grep -q 'hreflang="ar"' "$out/en/about/index.html" \
  && pass "default site: hreflang links to translations" || fail "default site: hreflang links to translations" "none"
abs=$(grep -rhoE '(href|src)="/[^"]*"' "$out" --include='*.html' | head -3)
[ -z "$abs" ] && pass "default site: no root-absolute links" || fail "default site: no root-absolute links" "$abs"
