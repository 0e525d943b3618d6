/* langbundle: one zip per language (waymark build --bundle-per-language),
 * for partners who mirror only their own language.
 *
 * out/<name>-<lang>.zip holds that language's folder, the shared files
 * (the stylesheet, the theme's static files, anything else outside the
 * language folders) and the root page, with SHA256SUMS inside and
 * out/<name>-<lang>.SHA256SUMS beside it; the same reproducibility rules as
 * the full bundle (bundle.h). Every link inside keeps working:
 *   - a link to a page of another language leads to site.lua's base_url
 *     plus the page's path (absolute), or, without base_url, is left out:
 *     an <a> keeps its text but loses href (and hreflang, rel, type), a
 *     <link> is removed;
 *   - a file of another language that a page uses (an image a fallback
 *     page shows) is copied into the bundle.
 * Links are read from href and src attributes of the built HTML (which the
 * build writes quoted, with & escaped). */
#ifndef WAYMARK_LANGBUNDLE_H
#define WAYMARK_LANGBUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"

/* Writes out_dir/<name>-<lang>.zip for every language from the built site
 * in site_dir. Returns 0, or -1 after reporting. */
int langbundle_write_all(const config_t *cfg, const char *site_dir, const char *out_dir,
                         int64_t mtime, diags_t *d);

/* Rewrites the links of one HTML page written at page_path (site-root
 * relative) for a bundle: exists(path, ctx) says whether a site-root path
 * is in the bundle; other_page(path, ctx) whether it is a page of the full
 * site outside it; other_file(path, ctx) whether it is another file
 * of the full site, and copies it in. base_url may be NULL.
 * Returns the new HTML (caller frees). Exposed for the tests. */
typedef struct {
    bool (*exists)(const char *path, void *ctx);
    bool (*other_page)(const char *path, void *ctx);
    bool (*other_file)(const char *path, void *ctx); /* copies it in */
    void *ctx;
    const char *base_url;
} langbundle_links;

char *langbundle_rewrite_html(const char *html, size_t len, const char *page_path,
                              const langbundle_links *links);

#endif
