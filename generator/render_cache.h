/* render_cache: checking pages kept from the last build (rcache.h)
 * against the values their templates read, each value once.
 *
 * A kept page still holds when its context is unchanged and every value
 * (page, field) it read has the digest it had. Thousands of pages read the
 * same values (a home's title, a post's URL in every list that shows
 * it), so each value of the file is worked out at most once per build,
 * by whichever render thread needs it first, and remembered for the rest. */
#ifndef WAYMARK_RENDER_CACHE_H
#define WAYMARK_RENDER_CACHE_H

#include <stdbool.h>

#include "buf.h"
#include "diag.h"
#include "linkcheck.h"
#include "output.h"
#include "page_field.h"
#include "rcache.h"
#include "site.h"

typedef struct render_cache render_cache_t;

/* The digest a value has now (false: the page is gone or the value has
 * no canonical form, so it counts as changed). */
typedef bool (*render_cache_value_fn)(void *ctx, const char *page, const char *field,
                                      unsigned char digest[RCACHE_VALUE_LEN]);

/* A checker for the entries of c (NULL c gives NULL), for a build writing
 * to out and recording links (may be NULL); caller frees. */
render_cache_t *render_cache_new(rcache_t *c, output_t *out, linkcheck_t *links);
void render_cache_free(render_cache_t *rc);
/* Whether every value entry e (from rcache_find) read still has the
 * digest it had: value_now(ctx, ...) is asked only for values no page has
 * asked about yet. Any thread (each passes its own ctx). */
bool render_cache_holds(render_cache_t *rc, const rcache_entry *e,
                        render_cache_value_fn value_now, void *ctx);
/* Keeps page p (at index in site->pages) as the last build wrote it when
 * its context digest is context (render_cache_context) and every value it
 * read holds: its file in out/site is kept, its link check record taken
 * from the cache. True with *size set, else the page must be rendered. */
bool render_cache_reuse(render_cache_t *rc, const page_t *p, size_t index,
                        const unsigned char context[RCACHE_KEY_LEN],
                        render_cache_value_fn value_now, void *ctx, uint64_t *size);
/* Keeps what page p read (deps, with their digests) and wrote (the
 * template it started from, the HTML's SHA-256 hex and size) for the next
 * build. */
void render_cache_remember(render_cache_t *rc, const page_t *p, size_t index,
                           const unsigned char context[RCACHE_KEY_LEN], const rcache_dep *deps,
                           size_t ndeps, const char *template_path, const char *hex,
                           uint64_t size);

/* A value's digest from its canonical bytes (rtrace_value). */
void render_cache_digest(const buf_t *canonical, unsigned char digest[RCACHE_VALUE_LEN]);

/* Appends to b the value of field of page q as every page that reads it
 * sees it, for the fields that are plain data in the model (title, url as
 * the path it leads to, parent as that page's path...); false (b
 * untouched) for the others, which render.c writes from their Lua value. */
bool render_cache_plain_value(const site_t *site, const page_t *q, page_field f, buf_t *b);

/* The digest of what page p's render reads besides page fields: its kind,
 * source, template choice, Markdown (by its key), the pages its language
 * links lead to; stylesheet is the CSS file's path. Reading p's HTML
 * (a page without a Markdown key) reports to d. b is scratch. */
void render_cache_context(const site_t *site, const page_t *p, const char *stylesheet,
                          buf_t *b, diags_t *d, unsigned char digest[RCACHE_KEY_LEN]);

#endif
