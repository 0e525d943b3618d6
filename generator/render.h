/* render: every page through its Lua template, on all cores.
 *
 * Each worker thread owns one sandboxed Lua state with the theme's
 * templates compiled once and site.lua's table loaded; pages are handed out
 * by pool_run. A template sees the page as a read-only object whose fields
 * are computed on access (README.md, "What a template sees"); relative URLs
 * are computed from the page being rendered. Each rendered page is checked
 * against the output rules (htmlscan) and written to the output folder. */
#ifndef WAYMARK_RENDER_H
#define WAYMARK_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "diag.h"
#include "linkcheck.h"
#include "site.h"

typedef struct {
    const char *out_dir;               /* staging folder; NULL: render and check only */
    const char *const *template_dirs;  /* NULL-terminated, first wins */
    const char *const *template_names; /* the same, as shown in messages */
    catalog_t *const *catalogs;        /* one per language (borrowed) */
    const char *stylesheet;            /* site-root path of the CSS file */
    size_t jobs;
    struct output *output;             /* when set, pages go through output_put
                                          (out_dir is then its staging folder) */
    catalog_t *const *theme_catalogs;  /* the theme's built-in catalogs, one per
                                          language (borrowed); NULL: none */
    linkcheck_t *links;                /* records every page for the link check; may be NULL */
    struct rcache *cache;              /* rendered pages kept from the last build
                                          (rcache.h; needs output); may be NULL */
} render_options;

typedef struct {
    size_t *pages_per_language; /* owned, one per language */
    size_t pages;
    uint64_t bytes;
    uint64_t *page_bytes;       /* owned; HTML size of each page, by index in site->pages */
} render_stats;

/* Renders and writes every page of site. Returns 0, or -1 when errors were
 * reported. stats is filled either way; free with render_stats_free. */
int render_site(const site_t *site, const render_options *opts, render_stats *stats,
                diags_t *d);
void render_stats_free(render_stats *stats);

#endif
