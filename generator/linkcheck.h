/* linkcheck: every internal link of the written site leads somewhere.
 *
 * While pages render, each page's HTML is recorded: the ids it has and
 * the links it makes. Afterwards every relative link must resolve to a
 * written file (a page, a content file, the stylesheet, a theme file) and
 * its #fragment, when it points at a page, to an id in that page. A broken
 * link is an error where it was written:
 *   - a Markdown link at its file:line:col (markdown.c already refuses a
 *     missing .md or file; this adds the #fragment of [x](#id) and
 *     [x](page.md#id));
 *   - a link in raw HTML of the content at its Markdown file;
 *   - a link made by a template at the template that rendered the page
 *     (it may also come from base.html or a partial), reported once per
 *     template and link.
 * External links (http, https) are never fetched; linkcheck_external lists
 * them with where they are written. */
#ifndef WAYMARK_LINKCHECK_H
#define WAYMARK_LINKCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "site.h"

typedef struct linkcheck linkcheck_t;

/* A collector for site's pages (borrowed; must outlive the collector). */
linkcheck_t *linkcheck_new(const site_t *site);
void linkcheck_free(linkcheck_t *lc);

/* Records page index's rendered HTML; content_html is its content's HTML
 * (site_page_html; NULL: none), to tell content links from template
 * links, and template_path names the template that rendered it, for
 * messages. Threads may record different pages at the same time. */
void linkcheck_record(linkcheck_t *lc, size_t index, const char *html, size_t len,
                      const char *content_html, const char *template_path);

/* Page index's record as strings (the render cache keeps it): "#id",
 * "c" + a content link, "t" + a template link, "x" + an external one.
 * Caller frees each string and the array; NULL when not recorded. */
char **linkcheck_record_strings(const linkcheck_t *lc, size_t index, size_t *n);
/* Records page index from such strings, as linkcheck_record would have
 * from the same HTML. The strings and template_path are borrowed: they
 * must outlive the collector. False (nothing recorded) when one is
 * malformed. */
bool linkcheck_record_from_strings(linkcheck_t *lc, size_t index, const char *const *items,
                                   size_t n, const char *template_path);

/* Checks every recorded page. other_files are the site-root paths of
 * every file written besides pages and content files (the stylesheet,
 * theme static files). The links are checked on jobs threads, reported
 * in page order. Returns the number of broken links. */
size_t linkcheck_run(linkcheck_t *lc, const char *const *other_files, size_t nother,
                     size_t jobs, diags_t *d);

/* "path:line:col: url" lines, one per external link, sorted (caller frees). */
char *linkcheck_external(const linkcheck_t *lc);

/* The ids and link targets (href/src) of an HTML text, in order (pure;
 * for tests). Each list and string is owned by the caller. */
void linkcheck_scan(const char *html, size_t len, char ***ids, size_t *nids, char ***links,
                    size_t *nlinks);

#endif
