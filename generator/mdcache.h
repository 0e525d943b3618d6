/* mdcache: converted Markdown kept between builds (out/.cache/markdown.cache).
 *
 * An entry is what md_render made of one page (HTML, table of contents,
 * summary, words, links, exercises, and the warnings it reported), under a
 * key: the SHA-256 of everything the conversion read (site.c says what).
 * The file is one append-only run of entries followed by a sorted index and
 * a trailer; it names the waymark version and a format number. A missing,
 * foreign, truncated or damaged file, or a damaged entry (each carries a
 * CRC-32), is a miss: the page is converted again, never trusted blindly.
 *
 * mdcache_open reads the old file and starts the new one beside it; every
 * entry looked up or put goes into the new file, so mdcache_save keeps
 * exactly the pages of this build (the rest are pruned) and renames it
 * into place. Lookups and puts may come from any thread. */
#ifndef WAYMARK_MDCACHE_H
#define WAYMARK_MDCACHE_H

#include <stdbool.h>

#include "diag.h"
#include "markdown.h"

#define MDCACHE_KEY_LEN 32

typedef struct mdcache mdcache_t;

/* Opens cache_dir/markdown.cache for a build by waymark version (NULL when
 * the new file cannot be started: the build runs without a cache). */
mdcache_t *mdcache_open(const char *cache_dir, const char *version);
/* On a hit fills *out (free with md_output_free), adds the warnings the
 * conversion reported to d and returns true; else false, *out untouched. */
bool mdcache_get(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], md_output *out,
                 diags_t *d);
/* Keeps out under key, with the warnings d->items[from..] (not errors:
 * a conversion with errors is not kept). */
void mdcache_put(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], const md_output *out,
                 const diags_t *d, size_t from);
/* Writes the new file in place of the old one. 0, or -1 (the old file is
 * then removed, so a half-written cache is never read). */
int mdcache_save(mdcache_t *c);
/* Frees c; an unsaved new file is removed. NULL is fine. */
void mdcache_free(mdcache_t *c);
/* Entries found and entries put since open (for WAYMARK_TIMINGS). */
void mdcache_counts(const mdcache_t *c, size_t *hits, size_t *puts);

#endif
