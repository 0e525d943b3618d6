/* mdcache: converted Markdown kept between builds (out/.cache/markdown.*).
 *
 * An entry is what md_render made of one page (HTML, table of contents,
 * summary, words, links, exercises, and the warnings it reported), under a
 * key: the SHA-256 of everything the conversion read (site.c says what).
 * Entries are appended to markdown.pack; markdown.idx, replaced whole
 * (written beside, then renamed), lists the entries of the last build.
 * Both name the waymark version and a format number; the index ends with a
 * SHA-256 of itself and each entry carries a CRC-32. A missing, foreign,
 * truncated or damaged file or entry is a miss: the page is converted
 * again, never trusted blindly.
 *
 * The new index holds exactly the entries this build looked up or put
 * (the pages no longer in the site are pruned); when less than half of the
 * pack is still used, mdcache_save writes it again with only those.
 * Lookups and puts may come from any thread. */
#ifndef WAYMARK_MDCACHE_H
#define WAYMARK_MDCACHE_H

#include <stdbool.h>

#include "diag.h"
#include "markdown.h"

#define MDCACHE_KEY_LEN 32

typedef struct mdcache mdcache_t;

/* Opens the cache in cache_dir for a build by waymark version (NULL when
 * the pack cannot be written: the build runs without a cache). */
mdcache_t *mdcache_open(const char *cache_dir, const char *version);
/* On a hit fills *out (free with md_output_free), adds the warnings the
 * conversion reported to d and returns true; else false, *out untouched. */
bool mdcache_get(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], md_output *out,
                 diags_t *d);
/* Keeps out under key, with the warnings d->items[from..] (not errors:
 * a conversion with errors is not kept). */
void mdcache_put(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], const md_output *out,
                 const diags_t *d, size_t from);
/* Writes the new index (compacting the pack first when it is mostly
 * unused). 0, or -1 (the index is then removed: the next build converts
 * everything). */
int mdcache_save(mdcache_t *c);
/* The conversions are over: lets the old pack go from memory (lookups
 * after this miss). */
void mdcache_done_reading(mdcache_t *c);
/* The build failed: takes back what this build appended to the pack, so
 * out/.cache is as the last successful build left it (save or discard,
 * then free). */
void mdcache_discard(mdcache_t *c);
/* Frees c (discarding unless saved). NULL is fine. */
void mdcache_free(mdcache_t *c);
/* Entries found and entries put since open (for WAYMARK_TIMINGS). */
void mdcache_counts(const mdcache_t *c, size_t *hits, size_t *puts);

#endif
