/* mdcache: converted Markdown kept between builds (out/.cache/markdown.*).
 *
 * An entry is what md_render made of one page (HTML, table of contents,
 * summary, words, links, exercises, and the warnings it reported), under a
 * key: the SHA-256 of everything the conversion read (site.c says what).
 * A lookup reads everything but the HTML, which stays in the pack (mapped,
 * not read) until mdcache_fetch: a rebuild reads the HTML of the few pages
 * it renders, not the whole site's.
 * Entries are appended to markdown.pack; markdown.idx, replaced whole
 * (written beside, then renamed), lists the entries of the last build.
 * Both name the waymark version and a format number; the index ends with a
 * SHA-256 of itself and each entry carries a CRC-32. A missing, foreign,
 * truncated or damaged file or entry is a miss: the page is converted
 * again, never trusted blindly. The HTML has a CRC-32 of its own, checked
 * when it is fetched: damage found then is a miss too (the caller converts
 * the page again).
 *
 * The new index holds exactly the entries this build looked up or put
 * (the pages no longer in the site are pruned); when less than half of the
 * pack is still used, mdcache_save writes it again with only those.
 * Lookups and puts may come from any thread. */
#ifndef WAYMARK_MDCACHE_H
#define WAYMARK_MDCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "markdown.h"

#define MDCACHE_KEY_LEN 32

typedef struct mdcache mdcache_t;

/* Where a page's HTML lies in the pack, and its CRC-32. */
typedef struct {
    uint64_t offset;
    uint32_t len, crc;
    bool put;         /* put by this build (else found: in the pack as opened) */
} mdcache_html;

/* Opens the cache in cache_dir for a build by waymark version (NULL when
 * the pack cannot be written: the build runs without a cache). */
mdcache_t *mdcache_open(const char *cache_dir, const char *version);
/* On a hit fills *out (free with md_output_free) but its html, which is
 * left NULL (*html says where it is: mdcache_fetch), adds the warnings the
 * conversion reported to d and returns true; else false, *out untouched. */
bool mdcache_get(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], md_output *out,
                 mdcache_html *html, diags_t *d);
/* The HTML of a hit or a put under key (caller frees), read from the pack
 * and checked; any number of times. NULL when it is damaged, or asked after mdcache_done_reading:
 * the entry then leaves the new index, and the caller converts the page
 * again (and may put the result). */
char *mdcache_fetch(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN],
                    const mdcache_html *html);
/* Keeps out under key, with the warnings d->items[from..] (not errors:
 * a conversion with errors is not kept). True when kept: *at then says
 * where its HTML is, so the caller may let it go and mdcache_fetch it
 * when needed (a cold build of a large site does not hold every page's
 * HTML at once). */
bool mdcache_put(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], const md_output *out,
                 const diags_t *d, size_t from, mdcache_html *at);
/* Writes the new index (compacting the pack first when it is mostly
 * unused). 0, or -1 (the index is then removed: the next build converts
 * everything). */
int mdcache_save(mdcache_t *c);
/* Nothing reads the pack any more (the conversions and every
 * mdcache_fetch are over): lets it go from memory (lookups and fetches
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
