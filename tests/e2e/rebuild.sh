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
  printf 'return { name = "gen", title = "Generated", base_url = "http://gen.onion/", languages = {\n  { code = "en", name = "English" }, { code = "fi", name = "Suomi" } } }\n' >"$site/site.lua"
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

[ -f "$TMP/re/.cache/markdown.idx" ] && [ -f "$TMP/re/.cache/markdown.pack" ] && [ -f "$TMP/re/.cache/render.cache" ] \
  && pass "rebuild: the Markdown and render caches are kept in out/.cache" \
  || fail "rebuild: the Markdown and render caches are kept in out/.cache" "$(ls -A "$TMP/re/.cache" 2>&1)"

kept=$TMP/re/site/en/posts/post-50/index.html
before=$(stat -c '%i %Y.%y' "$kept")
printf '\nOne more sentence.\n' >>"$site/content/en/posts/post-07.md"
build "$TMP/re" --jobs 3
cold "rebuild: after editing one page, the same bytes as a build from scratch"
[ "$(stat -c '%i %Y.%y' "$kept")" = "$before" ] \
  && pass "rebuild: an unchanged page is not rewritten" \
  || fail "rebuild: an unchanged page is not rewritten" "$kept was written again"

# the edited page changes, and only the pages that show what changed
sums() { (cd "$1/site" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
sums "$TMP/re" >"$TMP/sums.before"
printf '\nA body edit.\n' >>"$site/content/en/posts/post-13.md"
build "$TMP/re"
cold "rebuild: after a body edit, the same bytes as a build from scratch"
sums "$TMP/re" >"$TMP/sums.after"
diff "$TMP/sums.before" "$TMP/sums.after" >"$TMP/sums.diff"
changed=$(grep -c '^>' "$TMP/sums.diff")
grep -q '^> .*en/posts/post-13/index.html' "$TMP/sums.diff" && [ "$changed" -le 3 ] \
  && pass "rebuild: a body edit changes that page (and nothing that does not show it)" \
  || fail "rebuild: a body edit changes that page (and nothing that does not show it)" "$changed files changed"

sed -i 's/^title: "Post 08 en"/title: "Post eight"/' "$site/content/en/posts/post-08.md"
build "$TMP/re"
cold "rebuild: after a title change (other pages list it), the same bytes as from scratch"

# The source cache models an unchanged file without reading it; a file
# edited in place to the same size with its modification time put back
# still changed (its change time moved).
[ -f "$TMP/re/.cache/sources.cache" ] \
  && pass "rebuild: the source cache is kept in out/.cache" \
  || fail "rebuild: the source cache is kept in out/.cache" "$(ls -A "$TMP/re/.cache" 2>&1)"
page=$site/content/en/posts/post-12.md
touch -r "$page" "$TMP/stamp"
python3 -c 'import sys; p = sys.argv[1]; d = open(p).read(); open(p, "r+").write(d.replace("Post 12 en", "Post 12 EN"))' "$page" # same inode
touch -r "$TMP/stamp" "$page"
build "$TMP/re"
grep -q 'Post 12 EN' "$TMP/re/site/en/posts/post-12/index.html" \
  && pass "rebuild: a same-size edit with the old modification time is picked up" \
  || fail "rebuild: a same-size edit with the old modification time is picked up" "old title kept"
cold "rebuild: after a same-size edit, the same bytes as from scratch"
printf '\nThe body grows.\n' >>"$site/content/fi/posts/post-14.md"
python3 -c 'import sys; p = sys.argv[1]; d = bytearray(open(p, "rb").read()); d[len(d) // 2] ^= 1; open(p, "wb").write(d)' \
  "$TMP/re/.cache/sources.cache"
build "$TMP/re"
cold "rebuild: a damaged source cache is not used"

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

# Files put into the output by hand are removed, also in folders that the
# last listing recorded (site.manifest) and that are therefore not read
# again: adding a file changes the folder's status. Folders changed in the
# two seconds before a listing are not recorded, hence the pause.
sleep 2.2
build "$TMP/re"
folders=$(grep -c '^dir ' "$TMP/re/.cache/site.manifest" || true)
[ "$folders" -gt 100 ] \
  && pass "rebuild: the output's folders are recorded for the next listing ($folders)" \
  || fail "rebuild: the output's folders are recorded for the next listing" "$folders dir lines"
printf 'stray\n' >"$TMP/re/site/en/posts/post-13/stray.html"
mkdir -p "$TMP/re/site/fi/posts/post-13/extra"
printf 'stray\n' >"$TMP/re/site/fi/posts/post-13/extra/x.html"
build "$TMP/re"
[ ! -e "$TMP/re/site/en/posts/post-13/stray.html" ] && [ ! -e "$TMP/re/site/fi/posts/post-13/extra" ] \
  && pass "rebuild: files put into recorded output folders by hand are removed" \
  || fail "rebuild: files put into recorded output folders by hand are removed" "$(ls -R "$TMP/re/site/en/posts/post-13" "$TMP/re/site/fi/posts/post-13" 2>&1 | tr '\n' ' ')"
cold "rebuild: after removing files put there by hand, the same bytes as from scratch"

# what every page sees: a template, a catalog, site.lua
mkdir -p "$site/themes/default/templates"
{ cat "$REPO/themes/default/templates/post.html"; printf '<p>A local note.</p>\n'; } >"$site/themes/default/templates/post.html"
build "$TMP/re"
grep -q 'A local note' "$TMP/re/site/en/posts/post-20/index.html" \
  && pass "rebuild: a changed template renders every page again" \
  || fail "rebuild: a changed template renders every page again" "post-20 does not show the new template"
cold "rebuild: after a template change, the same bytes as from scratch"
mkdir -p "$site/locales"
printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Skip to content"\nmsgstr "Hyppää sisältöön"\n' >"$site/locales/fi.po"
build "$TMP/re"
grep -q 'Hyppää sisältöön' "$TMP/re/site/fi/posts/post-20/index.html" \
  && pass "rebuild: a changed catalog renders every page again" \
  || fail "rebuild: a changed catalog renders every page again" "fi post-20 does not show the new text"
cold "rebuild: after a catalog change, the same bytes as from scratch"
sed -i 's/title = "Generated"/title = "Generated again"/' "$site/site.lua"
build "$TMP/re"
grep -q 'Generated again' "$TMP/re/site/en/modules/m3/5-step/index.html" \
  && pass "rebuild: a changed site.lua renders every page again" \
  || fail "rebuild: a changed site.lua renders every page again" "a step page shows the old title"
cold "rebuild: after a site.lua change, the same bytes as from scratch"

# damaged caches are ignored
mdpack=$TMP/re/.cache/markdown.pack
printf 'XXXXXXXXXXXXXXXX' | dd of="$mdpack" bs=1 seek=$(( $(stat -c %s "$mdpack") / 2 )) conv=notrunc status=none
rc=$TMP/re/.cache/render.cache
printf 'XXXXXXXXXXXXXXXX' | dd of="$rc" bs=1 seek=$(( $(stat -c %s "$rc") / 2 )) conv=notrunc status=none
printf '\nEdited once more.\n' >>"$site/content/en/posts/post-14.md"
if build "$TMP/re"; then cold "rebuild: damaged Markdown and render caches are not used"
else fail "rebuild: damaged Markdown and render caches are not used" "the build failed"; fi
head -c 100 "$TMP/re/.cache/markdown.idx" >"$TMP/idx" && mv "$TMP/idx" "$TMP/re/.cache/markdown.idx"
head -c 300 "$rc" >"$TMP/rc" && mv "$TMP/rc" "$rc"
build "$TMP/re"
cold "rebuild: truncated Markdown and render caches are not used"
# the Markdown cache's HTML is read only when a page needs it: damage
# found then (the entry's head is intact) means converting that page again
build "$TMP/re"
at=$(grep -obUa 'help</em> text for post 30,' "$mdpack" | head -1 | cut -d: -f1)
if [ -n "$at" ]; then
  printf 'HELP' | dd of="$mdpack" bs=1 seek="$at" conv=notrunc status=none
  rm -f "$rc" # every page renders: every page's HTML is fetched
  if build "$TMP/re" && grep -q '<em>help</em> text for post 30,' "$TMP/re/site/en/posts/post-30/index.html"; then
    cold "rebuild: HTML found damaged when read from the Markdown cache is converted again"
  else
    fail "rebuild: HTML found damaged when read from the Markdown cache is converted again" "post-30 is wrong or the build failed"
  fi
  rm -f "$rc"
  build "$TMP/re" && cold "rebuild: the build after one that found damaged HTML is right too"
else
  fail "rebuild: HTML found damaged when read from the Markdown cache is converted again" "post-30's HTML not found in the pack"
fi
sed -i '1s/^waymark-render-cache [0-9]* [^ ]*/waymark-render-cache 1 9.9.9/' "$rc"
sed -i '1s/^waymark-markdown-cache [0-9]* [^ ]*/waymark-markdown-cache 1 9.9.9/' "$TMP/re/.cache/markdown.idx"
build "$TMP/re"
cold "rebuild: caches of another waymark version are not used"

# a rebuild that breaks a link fails as a build from scratch does, and
# leaves out/ as it was: a missing anchor on an unchanged page (its record
# comes from the render cache), then a missing page
linker=$(grep -l 'post-16.md#part-two' "$site"/content/en/posts/*.md | head -1)
sums_before=$(tree_sum "$TMP/re/site")
# the zip is written while the links are checked: it must not be put in
# place either, nor its cache updated, nor anything left beside them
published() { (cd "$TMP/re" && sha256sum ./*.zip SHA256SUMS .cache/*; ls -A . .cache); }
published_before=$(published)
sed -i 's/^## Part two/## Part 2/' "$site/content/en/posts/post-16.md"
build "$TMP/re" 2>"$TMP/re.err"; re_rc=$?
"$WAYMARK" check "$site" 2>"$TMP/cold.err" >/dev/null
[ $re_rc -ne 0 ] && grep -q "${linker#$site/}" "$TMP/re.err" && diff <(grep ': error:' "$TMP/re.err") <(grep ': error:' "$TMP/cold.err") >/dev/null \
  && [ "$(tree_sum "$TMP/re/site")" = "$sums_before" ] && [ "$(published)" = "$published_before" ] \
  && pass "rebuild: a broken anchor on an unchanged page fails with the message a cold build gives" \
  || fail "rebuild: a broken anchor on an unchanged page fails with the message a cold build gives" "rc $re_rc; $(head -3 "$TMP/re.err" "$TMP/cold.err" | tr '\n' ' ')"
sed -i 's/^## Part 2/## Part two/' "$site/content/en/posts/post-16.md"
printf '\nSee [gone](post-99.md).\n' >>"$site/content/en/posts/post-17.md"
build "$TMP/re" 2>"$TMP/re.err"; re_rc=$?
"$WAYMARK" check "$site" 2>"$TMP/cold.err" >/dev/null
[ $re_rc -ne 0 ] && grep -q 'content/en/posts/post-17.md:[0-9]*:[0-9]*: error' "$TMP/re.err" \
  && diff <(grep ': error:' "$TMP/re.err") <(grep ': error:' "$TMP/cold.err") >/dev/null && [ "$(tree_sum "$TMP/re/site")" = "$sums_before" ] \
  && [ "$(published)" = "$published_before" ] \
  && pass "rebuild: a broken link fails with the file:line a cold build gives, out/ untouched" \
  || fail "rebuild: a broken link fails with the file:line a cold build gives, out/ untouched" "rc $re_rc; $(head -3 "$TMP/re.err" | tr '\n' ' ')"
sed -i 's/^See \[gone\](post-99.md)\.$//' "$site/content/en/posts/post-17.md"
build "$TMP/re"
cold "rebuild: after fixing the links, the same bytes as from scratch"

# the site folder is put in place before the zip replaces the old one: a
# folder that cannot take its page (a file is where the page's folder was)
# fails the build, and the old zip and SHA256SUMS stay (the bundle cache
# may keep the new entries: they are named by their content)
zip_before=$(cd "$TMP/re" && sha256sum gen.zip SHA256SUMS)
printf '\nOne more line.\n' >>"$site/content/en/posts/post-13.md"
rm -rf "$TMP/re/site/en/posts/post-13" && echo 'in the way' >"$TMP/re/site/en/posts/post-13"
build "$TMP/re" 2>"$TMP/re.err"; re_rc=$?
[ $re_rc -ne 0 ] && grep -q 'cannot move en/posts/post-13/index.html into place' "$TMP/re.err" \
  && [ "$(cd "$TMP/re" && sha256sum gen.zip SHA256SUMS)" = "$zip_before" ] \
  && pass "rebuild: a site folder that cannot be updated fails the build and keeps the old zip" \
  || fail "rebuild: a site folder that cannot be updated fails the build and keeps the old zip" "rc $re_rc; $(head -3 "$TMP/re.err" | tr '\n' ' ')"
rm -f "$TMP/re/site/en/posts/post-13"
build "$TMP/re"
cold "rebuild: once the folder is free again, the same bytes as from scratch"

pack=$TMP/re/.cache/bundle.pack
pack_before=$(stat -c %s "$pack")
printf '\nOne more line.\n' >>"$site/content/en/posts/post-11.md"
build "$TMP/re"
pack_after=$(stat -c %s "$pack")
cold "rebuild: one edited post, the same bytes as from scratch"
grown=$((pack_after - pack_before))
[ "$grown" -gt 0 ] && [ $((grown * 10)) -lt "$pack_before" ] \
  && pass "rebuild: the zip cache grows by the changed entries only ($grown of $pack_before bytes)" \
  || fail "rebuild: the zip cache grows by the changed entries only" "$pack_before -> $pack_after"
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
