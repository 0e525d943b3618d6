/* feed: the blog's Atom feeds (RFC 4287), one per language and one per tag.
 *
 * A feed reader fetches a feed from anywhere, so a feed needs absolute
 * URLs: they are made from site.lua's base_url, and without one no feed is
 * written (blog_build then marks no page as having one, and the build
 * summary says so). Each entry carries the post's full content as HTML,
 * its relative links made absolute. Feeds are XML: text is escaped, and
 * characters XML cannot hold are left out. The content is the post's
 * already sanitized HTML, so a feed never holds script. */
#ifndef WAYMARK_FEED_H
#define WAYMARK_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "diag.h"
#include "output.h"
#include "site.h"

/* Puts the feed of every page that has one (page->blog->feed) into the
 * new site (out NULL: makes them without writing, for `check`). Catalogs, one
 * per language, give the UI texts of feed titles. Returns how many feeds
 * were made; errors (a base_url that is not an absolute http(s) URL, a
 * failed write) are reported. */
size_t feed_write_all(const site_t *site, catalog_t *const *catalogs, output_t *out,
                      diags_t *d);

/* True when the site has posts but no base_url, so it has no feeds. */
bool feed_left_out(const site_t *site);

/* The Atom document of one list page with a feed (the posts index or a
 * tag page). Caller frees. Problems reading a post's HTML go to d. */
char *feed_xml(const site_t *site, const page_t *list, const catalog_t *own,
               const catalog_t *fallback, diags_t *d);

/* base_url joined with a site-root output path, "index.html" dropped and
 * the path percent-encoded (non-ASCII bytes too), e.g.
 * "http://x.onion/en/posts/%C3%A4/". Caller frees. */
char *feed_absolute_url(const char *base_url, const char *out_path);

#endif
