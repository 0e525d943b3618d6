#!/usr/bin/env bash
# Output does not depend on --jobs, and a rebuild (which reuses out/.cache
# and rewrites only what changed) gives the same bytes as a build from
# scratch: after an edit, a removed page, a damaged cache, a hand-edited
# output file. A generated 300-page site (posts with Hugo-style links,
# modules with steps, a table, an image) in English and Finnish.
. "$(dirname "$0")/lib.sh"

site=$TMP/site
export SOURCE_DATE_EPOCH=1767225600

generate() {
  mkdir -p "$site"
  printf 'return { name = "gen", title = "Generated", languages = {\n  { code = "en", name = "English" }, { code = "fi", name = "Suomi" } } }\n' >"$site/site.lua"
  local lang i m s
  for lang in en fi; do
    local c=$site/content/$lang
    mkdir -p "$c/posts" "$c/modules"
    printf -- '---\ntitle: "Home %s"\n---\nWelcome. See [the posts](posts/_index.md).\n' "$lang" >"$c/_index.md"
    printf -- '---\ntitle: Posts\n---\n' >"$c/posts/_index.md"
    printf -- '---\ntitle: Modules\n---\n' >"$c/modules/_index.md"
    for i in $(seq -w 1 90); do
      {
        printf -- '---\ntitle: "Post %s %s"\ndate: 2025-%02d-%02dT10:00:00Z\ntags: [help, step]\nsummary: "Post %s in short."\n---\n' \
          "$i" "$lang" $((10#$i % 12 + 1)) $((10#$i % 28 + 1)) "$i"
        printf '## Part one\n\nSome *help* text for post %s, with a [link](../post-%02d/) and [another](post-%02d.md#part-two).\n\n' \
          "$i" $((10#$i % 90 + 1)) $(((10#$i + 7) % 90 + 1))
        printf '## Part two\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n'
      } >"$c/posts/post-$i.md"
    done
    for m in 1 2 3 4 5 6; do
      mkdir -p "$c/modules/m$m"
      printf -- '---\ntitle: "Module %s"\nweight: %s\n---\nAbout module %s.\n' "$m" "$m" "$m" >"$c/modules/m$m/_index.md"
      for s in $(seq -w 1 9); do
        printf -- '---\ntitle: "Step %s"\nweight: %s\n---\nDo step %s. Back to [the module](../).\n' "$s" "$((10#$s))" "$s" \
          >"$c/modules/m$m/$s-step.md"
      done
    done
  done
  python3 -c 'import struct,sys,zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))' >"$site/content/en/posts/photo.png"
  printf '![A photo](photo.png)\n' >>"$site/content/en/posts/post-01.md"
}

build() { # OUT [extra args...]
  local out=$1; shift
  "$WAYMARK" build "$site" -o "$out" --quiet "$@"
}

# same NAME A B: the two output folders hold the same bytes.
same() {
  if cmp -s "$2/gen.zip" "$3/gen.zip" && cmp -s "$2/SHA256SUMS" "$3/SHA256SUMS" \
     && diff -r "$2/site" "$3/site" >/dev/null; then
    pass "$1"
  else
    fail "$1" "$(diff -rq "$2/site" "$3/site" 2>&1 | head -3 | tr '\n' ' ') $(cmp "$2/gen.zip" "$3/gen.zip" 2>&1)"
  fi
}

# cold NAME: a build from scratch of the site as it is now, compared with $TMP/re.
cold() {
  rm -rf "$TMP/cold"
  build "$TMP/cold" --jobs 2
  same "$1" "$TMP/cold" "$TMP/re"
}

generate
pages=$(find "$site/content" -name '*.md' | wc -l)
if build "$TMP/j1" --jobs 1; then pass "rebuild: a generated $pages-page site builds"; else fail "rebuild: a generated $pages-page site builds" "exit $?"; exit 0; fi
build "$TMP/j2" --jobs 2
build "$TMP/j4" --jobs 4
same "rebuild: --jobs 1 and --jobs 2 give the same zip and site" "$TMP/j1" "$TMP/j2"
same "rebuild: --jobs 1 and --jobs 4 give the same zip and site" "$TMP/j1" "$TMP/j4"
grep -q 'href="../post-05/index.html"' "$TMP/j1/site/en/posts/post-04/index.html" \
  && pass "rebuild: Hugo-style directory links lead to the page" \
  || fail "rebuild: Hugo-style directory links lead to the page" "no link to ../post-05/index.html"

build "$TMP/re" --jobs 4
[ -f "$TMP/re/.cache/site.manifest" ] && [ -f "$TMP/re/.cache/bundle.idx" ] \
  && pass "rebuild: the build keeps its cache in out/.cache" \
  || fail "rebuild: the build keeps its cache in out/.cache" "$(ls -A "$TMP/re/.cache" 2>&1)"
same "rebuild: the cache stays out of the site and the zip" "$TMP/j1" "$TMP/re"

kept=$TMP/re/site/en/posts/post-50/index.html
before=$(stat -c '%i %Y.%y' "$kept")
printf '\nOne more sentence.\n' >>"$site/content/en/posts/post-07.md"
build "$TMP/re" --jobs 3
cold "rebuild: after editing one page, the same bytes as a build from scratch"
[ "$(stat -c '%i %Y.%y' "$kept")" = "$before" ] \
  && pass "rebuild: an unchanged page is not rewritten" \
  || fail "rebuild: an unchanged page is not rewritten" "$kept was written again"

sed -i 's/^title: "Post 08 en"/title: "Post eight"/' "$site/content/en/posts/post-08.md"
build "$TMP/re"
cold "rebuild: after a title change (other pages list it), the same bytes as from scratch"

rm "$site/content/en/posts/post-09.md" "$site/content/fi/posts/post-09.md"
sed -i 's|(../post-09/)|(../post-10/)|; s|(post-09.md#part-two)|(post-10.md#part-two)|' "$site"/content/*/posts/*.md
build "$TMP/re"
[ ! -e "$TMP/re/site/en/posts/post-09" ] \
  && pass "rebuild: a removed page's folder is gone" \
  || fail "rebuild: a removed page's folder is gone" "$(ls "$TMP/re/site/en/posts/post-09" 2>&1)"
cold "rebuild: after removing a page, the same bytes as from scratch"

printf 'edited by hand\n' >"$TMP/re/site/en/posts/post-11/index.html"
build "$TMP/re"
cold "rebuild: an output file edited by hand is written again"

pack=$TMP/re/.cache/bundle.pack
printf 'XXXXXXXXXXXXXXXX' | dd of="$pack" bs=1 seek=$(( $(stat -c %s "$pack") / 2 )) conv=notrunc status=none
printf '\nEdited again.\n' >>"$site/content/en/posts/post-12.md"
build "$TMP/re"
cold "rebuild: damaged cached zip entries are not used"

printf 'waymark-bundle-cache 1 zlib=0 level=6\nnonsense\n' >"$TMP/re/.cache/bundle.idx"
sed -i '2s/^[0-9a-f]\{8\}/00000000/' "$TMP/re/.cache/site.manifest"
build "$TMP/re"
cold "rebuild: a foreign bundle index and a tampered manifest are ignored"

rm -rf "$TMP/re/.cache"
build "$TMP/re" --jobs 1
cold "rebuild: without a cache, the same bytes"

printf -- '---\ntitle: [broken\n---\n' >"$site/content/en/broken.md"
sums_before=$(tree_sum "$TMP/re/site")
if build "$TMP/re" 2>/dev/null; then
  fail "rebuild: a failed rebuild leaves the output as it was" "the build succeeded"
else
  [ "$(tree_sum "$TMP/re/site")" = "$sums_before" ] && cmp -s "$TMP/re/gen.zip" "$TMP/cold/gen.zip" \
    && pass "rebuild: a failed rebuild leaves the output as it was" \
    || fail "rebuild: a failed rebuild leaves the output as it was" "out/ changed"
fi
rm "$site/content/en/broken.md"
build "$TMP/re"
cold "rebuild: after a failed build, the next one is right"
