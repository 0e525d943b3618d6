#!/usr/bin/env bash
# The blog on the fixture tests/blog/ (en: a page of posts plus one, a future
# post and a draft; fi: exactly one page; es: one post; ar: Arabic tags and a
# series; page_size 3), built with the repository's theme and locales:
# ordering, pagination boundaries (0, 1, a page, a page plus one), --future
# and --drafts, tag slugs, series, related posts, reading time, dates per
# language, Atom feeds (xmllint against tests/atom.rng), errors, and the Nu
# Html Checker on every page written.
. "$(dirname "$0")/lib.sh"

site=$TMP/site
copy_site "$REPO/tests/blog" "$site"
cp -r "$REPO/locales" "$site/"

build() { # OUT [args...]: builds $site into OUT; prints the summary line
  local out=$1; shift
  SOURCE_DATE_EPOCH=1767225600 "$WAYMARK" build "$site" -o "$out" --no-bundle "$@"
}

# ok NAME CONDITION...: passes when the command succeeds (quietly)
ok() { local name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "${why:-check failed}"; fi; why=; }
# titles FILE: the post titles listed on a page, in order, one line
titles() { grep -o 'class="post-entry-title"><a href="[^"]*">[^<]*' "$1" | sed 's/.*">//' | tr '\n' ' '; }
has() { grep -qF -- "$2" "$1"; }

summary=$(build "$TMP/a" 2>&1)
if [ $? -ne 0 ]; then fail "blog: the fixture builds" "$summary"; exit 0; fi
pass "blog: the fixture builds"
out=$TMP/a/site
why="$summary" ok "blog: the summary counts the Atom feeds" grep -q 'and 15 Atom feeds' <<<"$summary"

# --- ordering and pagination ------------------------------------------------
got=$(titles "$out/en/posts/index.html")
why="got: $got" ok "blog: the index lists the newest posts first, a page at a time" \
  test "$got" = "Gamma Beta Alpha "
got=$(titles "$out/en/posts/page/2/index.html")
why="got: $got" ok "blog: a page plus one post gives a second page with that one post" \
  test "$got" = "Delta "
ok "blog: no third page" test ! -e "$out/en/posts/page/3/index.html"
ok "blog: page 1 says 'Page 1 of 2' and links to page 2 as next" \
  bash -c "grep -q 'Page 1 of 2' '$out/en/posts/index.html' && grep -q 'href=\"page/2/index.html\" rel=\"next\"' '$out/en/posts/index.html'"
ok "blog: page 2 links back to page 1 as prev and has no next" \
  bash -c "grep -q 'href=\"../../index.html\" rel=\"prev\"' '$out/en/posts/page/2/index.html' && ! grep -q 'rel=\"next\"' '$out/en/posts/page/2/index.html'"
got=$(titles "$out/fi/posts/index.html")
why="got: $got" ok "blog: exactly a page of posts is one page, newest first" \
  bash -c "test '$got' = 'Fi gamma Fi beta Fi alpha ' && test ! -e '$out/fi/posts/page/2' && ! grep -q 'Sivu 1/1' '$out/fi/posts/index.html'"
ok "blog: one post gives one index page (made by the build: no _index.md)" \
  bash -c "test \"\$(grep -c 'class=\"post-entry\"' '$out/es/posts/index.html')\" = 1 && grep -q '<h1>Artículos</h1>' '$out/es/posts/index.html'"
mkdir -p "$TMP/zero" && copy_site "$site" "$TMP/zero"
rm "$TMP/zero"/content/en/posts/[a-z]*.md
if SOURCE_DATE_EPOCH=1767225600 "$WAYMARK" build "$TMP/zero" -o "$TMP/zero/out" --no-bundle --quiet; then
  z=$TMP/zero/out/site/en/posts
  ok "blog: no posts: the index says so, with no pager, tags or archive pages" \
    bash -c "grep -q 'No articles yet.' '$z/index.html' && test ! -e '$z/page' && test ! -e '$z/tags' && test ! -e '$z/archive' && test ! -e '$TMP/zero/out/site/en/feed.xml'"
else
  fail "blog: no posts: the index says so, with no pager, tags or archive pages" "build failed"
fi

# --- future posts and drafts ---------------------------------------------------
ok "blog: a future post and a draft are left out" \
  bash -c "test ! -e '$out/en/posts/future' && test ! -e '$out/en/posts/draft' && ! grep -rq 'Future\|Draft' '$out/en/posts/index.html' '$out/en/feed.xml'"
build "$TMP/f" --future --drafts --quiet
got=$(titles "$TMP/f/site/en/posts/index.html")
why="got: $got" ok "blog: --future and --drafts publish them, in date order" \
  bash -c "test '$got' = 'Future Gamma Draft ' && grep -q '<title>Future</title>' '$TMP/f/site/en/feed.xml'"

# --- tags ------------------------------------------------------------------------
for dir in en/posts/tags/prevention fi/posts/tags/ennaltaehkäisy-tutkimus fi/posts/tags/äiti \
           es/posts/tags/prevención-temprana es/posts/tags/qué-hacer ar/posts/tags/الوقاية \
           ar/posts/tags/طلب-المساعدة ar/posts/tags/سؤال; do
  ok "blog: tag page $dir/ (page and feed)" test -f "$out/$dir/index.html" -a -f "$out/$dir/feed.xml"
done
ok "blog: the tags overview counts posts per tag" \
  bash -c "grep -q 'Prevention <span class=\"count\">3 articles</span>' '$out/en/posts/tags/index.html' && grep -q 'Research <span class=\"count\">2 articles</span>' '$out/en/posts/tags/index.html'"
ok "blog: tag links on a post are URL-safe relative links" \
  has "$out/ar/posts/alpha/index.html" 'href="../tags/طلب-المساعدة/index.html"'
ok "blog: tag pages with the same slug in two languages are translations" \
  bash -c "grep -q 'hreflang=\"ar\"' '$out/en/posts/tags/index.html' && grep -q 'hreflang=\"fi\"' '$out/en/posts/archive/2026/index.html'"

# --- series, related posts, reading time, authors, dates -------------------------
got=$(titles "$out/en/posts/series/test-series/index.html")
why="got: $got" ok "blog: the series page lists parts by series_part, not by date" \
  test "$got" = "Beta Alpha Gamma "
ok "blog: a part says 'Part 2 of 3 in' its series, with previous, next and series links" \
  bash -c "grep -q 'Part 2 of 3 in <a href=\"../series/test-series/index.html\">Test Series</a>' '$out/en/posts/alpha/index.html' && grep -q 'href=\"../beta/index.html\" rel=\"prev\"' '$out/en/posts/alpha/index.html' && grep -q 'href=\"../gamma/index.html\" rel=\"next\"' '$out/en/posts/alpha/index.html'"
ok "blog: the first part has no previous part, the last no next" \
  bash -c "! grep -q 'rel=\"prev\"' '$out/en/posts/beta/index.html' && ! grep -q 'rel=\"next\"' '$out/en/posts/gamma/index.html'"
ok "blog: an Arabic series page, in Arabic" has "$out/ar/posts/beta/index.html" 'الجزء 2 من 2 في سلسلة'
related=$(sed -n '/class="related"/,/<\/section>/p' "$out/en/posts/alpha/index.html" > "$TMP/rel.html"; titles "$TMP/rel.html")
why="got: $related" ok "blog: related posts: most shared tags first, then newest" test "$related" = "Gamma Beta "
ok "blog: no related posts when no tag is shared" bash -c "! grep -q 'class=\"related\"' '$out/en/posts/delta/index.html'"
ok "blog: reading time (601 words: 4 minutes; a few words: 1 minute)" \
  bash -c "grep -q '4 minutes read' '$out/en/posts/gamma/index.html' && grep -q '1 minute read' '$out/en/posts/beta/index.html'"
ok "blog: author and authors" \
  bash -c "grep -q 'By Ada' '$out/en/posts/alpha/index.html' && grep -q 'By Ben, Bea' '$out/en/posts/beta/index.html'"
ok "blog: English dates, and the updated date" \
  bash -c "grep -q '<time datetime=\"2026-03-10\">10 March 2026</time>' '$out/en/posts/gamma/index.html' && grep -q 'Updated <time datetime=\"2026-04-01\">1 April 2026</time>' '$out/en/posts/gamma/index.html'"
ok "blog: Finnish dates" has "$out/fi/posts/gamma/index.html" '<time datetime="2026-03-10">10.03.2026</time>'
ok "blog: Spanish dates" has "$out/es/posts/alpha/index.html" '<time datetime="2026-03-10">10 de marzo de 2026</time>'
ok "blog: Arabic dates" has "$out/ar/posts/beta/index.html" '<time datetime="2026-03-10">10 مارس 2026</time>'
ok "blog: the archive groups posts by year, newest year first, with a page per year" \
  bash -c "test \"\$(grep -o 'id=\"year-[0-9]*\"' '$out/en/posts/archive/index.html' | tr '\n' ' ')\" = 'id=\"year-2026\" id=\"year-2025\" ' && grep -q 'Delta' '$out/en/posts/archive/2025/index.html' && ! grep -q 'Gamma' '$out/en/posts/archive/2025/index.html'"
ok "blog: the home lists featured and latest posts" \
  bash -c "sed -n '/featured-title/,/<\/section>/p' '$out/en/index.html' | grep -q '>Beta<' && sed -n '/latest-title/,/<\/section>/p' '$out/en/index.html' | grep -q '>Gamma<'"
ok "blog: pages link their feed in <head>" \
  bash -c "grep -q '<link rel=\"alternate\" type=\"application/atom+xml\" href=\"../../feed.xml\"' '$out/en/posts/alpha/index.html' && grep -q 'type=\"application/atom+xml\" href=\"feed.xml\"' '$out/en/posts/tags/prevention/index.html'"

# --- Atom feeds -------------------------------------------------------------------
feeds=$(find "$out" -name feed.xml | sort)
bad=$(for f in $feeds; do xmllint --noout --relaxng "$REPO/tests/atom.rng" "$f" >/dev/null 2>&1 || echo "$f"; done)
why="invalid: $bad" ok "blog: every feed ($(echo "$feeds" | wc -l)) is valid Atom (xmllint, tests/atom.rng)" test -z "$bad"
cp "$out/en/feed.xml" "$TMP/broken.xml" && sed -i '0,/<id>/s/<id>[^<]*<\/id>//' "$TMP/broken.xml"
ok "blog: the schema rejects a feed without an id" bash -c "! xmllint --noout --relaxng '$REPO/tests/atom.rng' '$TMP/broken.xml'"
# RFC 4287 rules a schema cannot say: unique entry ids, one alternate link per entry
xp() { xmllint --xpath "$1" "$2" 2>/dev/null; }
ids=$(xp '//*[local-name()="entry"]/*[local-name()="id"]/text()' "$out/en/feed.xml" | sort)
why="$ids" ok "blog: entry ids are unique absolute URLs" \
  bash -c "test \"\$(echo '$ids' | sort -u | wc -l)\" = 4 && ! echo '$ids' | grep -v '^http://blogtest.example.onion/en/posts/'"
ok "blog: every entry has one alternate link, and the feed links to itself" \
  bash -c "test \"\$(xmllint --xpath 'count(//*[local-name()=\"entry\"]/*[local-name()=\"link\"][@rel=\"alternate\"])' '$out/en/feed.xml')\" = 4 && grep -q '<link rel=\"self\" type=\"application/atom+xml\" href=\"http://blogtest.example.onion/en/feed.xml\"/>' '$out/en/feed.xml'"
ok "blog: entries carry full content with absolute links" \
  has "$out/en/feed.xml" 'href=&quot;http://blogtest.example.onion/en/posts/beta/&quot;'
ok "blog: the summary is escaped text" has "$out/en/feed.xml" "Delta&#39;s own summary: &lt;not markup&gt; &amp; more."
ok "blog: dates are RFC 3339, the zone kept" has "$out/en/feed.xml" '<published>2025-12-24T18:30:00+02:00</published>'
ok "blog: Arabic tag feed URLs are percent-encoded" \
  has "$out/ar/posts/tags/الوقاية/feed.xml" 'href="http://blogtest.example.onion/ar/posts/tags/%D8%A7%D9%84%D9%88%D9%82%D8%A7%D9%8A%D8%A9/feed.xml"'
bad=$(grep -il '<script\|&lt;script' $feeds)
why="$bad" ok "blog: no feed holds a script" test -z "$bad"

sed 's|^  base_url = .*||' "$site/site.lua" > "$TMP/nobase.lua" && mkdir -p "$TMP/nb" && copy_site "$site" "$TMP/nb" && cp "$TMP/nobase.lua" "$TMP/nb/site.lua"
nb=$(SOURCE_DATE_EPOCH=1767225600 "$WAYMARK" build "$TMP/nb" -o "$TMP/nb/out" --no-bundle 2>&1)
why="$nb" ok "blog: without base_url no feed is written and the summary says so" \
  bash -c "grep -q 'feeds left out: site.lua has no base_url' <<<'$nb' && test -z \"\$(find '$TMP/nb/out/site' -name feed.xml)\" && ! grep -rq 'application/atom+xml' '$TMP/nb/out/site'"

# --- errors ---------------------------------------------------------------------
mkdir -p "$TMP/e" && copy_site "$site" "$TMP/e"
printf -- '---\ntitle: No date\n---\nText.\n' > "$TMP/e/content/en/posts/nodate.md"
printf -- '---\ntitle: Bad date\ndate: 2026-02-30\n---\nText.\n' > "$TMP/e/content/en/posts/baddate.md"
printf -- '---\ntitle: Twin\ndate: 2026-01-01\nseries: Test Series\nseries_part: 1\n---\nText.\n' > "$TMP/e/content/en/posts/twin.md"
err=$("$WAYMARK" build "$TMP/e" -o "$TMP/e/out" 2>&1)
rc=$?
why="$err" ok "blog: a post without a date is an error at its file" \
  grep -q "content/en/posts/nodate.md:1:1: error: a post needs a 'date'" <<<"$err"
why="$err" ok "blog: a malformed date is an error at its line and column" \
  grep -q "content/en/posts/baddate.md:3:7: error: 'date' must be a real date" <<<"$err"
why="$err" ok "blog: two parts with the same number are an error" \
  grep -q "series_part\|already has a part 1" <<<"$err"
ok "blog: on errors nothing is written" bash -c "test $rc = 1 && test ! -e '$TMP/e/out/site'"

# --- every page written passes the output scan (the build itself) and the Nu Html Checker
vnu=$REPO/tests/node_modules/vnu-jar/build/dist/vnu.jar
if [ -f "$vnu" ] && command -v java >/dev/null; then
  res=$(java -jar "$vnu" --errors-only --skip-non-html "$out" "$TMP/f/site" 2>&1)
  why="$(echo "$res" | head -5)" ok "blog: the Nu Html Checker finds no error on any page ($(find "$out" "$TMP/f/site" -name '*.html' | wc -l) pages)" test -z "$res"
else
  fail "blog: the Nu Html Checker finds no error on any page" "no java or vnu.jar (make test-deps; npm ci in tests/)"
fi
