/* rcache: rendered pages kept between builds (out/.cache/render.cache).
 *
 * An entry says: the page written at out_path, rendered with the theme,
 * catalogs, surveys and site.lua the file was made for (the global key in
 * its header), read its own context (what picks its template, its
 * language list...: hashed to digest) and exactly these fields of these
 * pages (deps: every page.field the templates looked at, its own
 * included); the HTML it made has SHA-256 hex and size. Each field a page
 * read is a value of the file: (page, field) and a digest of what it held,
 * kept once however many pages read it. A rebuild that finds the same
 * context and every value it read unchanged gets the same HTML, so
 * render.c can keep the file out/site already holds instead of running the
 * templates, checking each value once for all the pages that read it
 * (render_cache.h); the link check takes the record kept with it instead
 * of reading that file again.
 *
 * The file names the waymark version, a format number and the global key,
 * and ends with a SHA-256 of the rest; its numbers are used where it is
 * mapped, on little-endian machines (elsewhere it is ignored): a missing, foreign, truncated or
 * damaged file is ignored (every page is rendered). rcache_save writes
 * only the entries kept or put by this build (the rest are pruned),
 * atomically. Lookups, keeps and puts may come from any thread. */
#ifndef WAYMARK_RCACHE_H
#define WAYMARK_RCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RCACHE_KEY_LEN 32
#define RCACHE_VALUE_LEN 16 /* a value's digest: the first bytes of a SHA-256 */

/* One field of one page a render read, and a digest of its value then. */
typedef struct {
    const char *page;  /* the page's out_path */
    const char *field; /* the field name */
    unsigned char digest[RCACHE_VALUE_LEN];
} rcache_dep;

typedef struct {
    const char *out_path;
    unsigned char digest[RCACHE_KEY_LEN]; /* of the page's own context */
    char hex[65];
    uint64_t size;
    const char *template_path; /* for the link check's messages */
    size_t ndeps;
    const rcache_dep *deps;    /* rcache_put: the fields read */
    const uint32_t *values;    /* rcache_find: the fields read, as numbers of rcache_value */
    size_t nrecord;
    const char *const *record; /* rcache_put: the page's link check record
                                  (linkcheck.h); rcache_find: see rcache_record */
} rcache_entry;

typedef struct rcache rcache_t;

/* The global key: the SHA-256 of extra and of the names and bytes of
 * every file below each of dirs (a missing one is named as missing) and of
 * each of files. Everything a template can see besides pages (templates,
 * catalogs, surveys, site.lua, themes) must be below one of them. */
void rcache_global_key(const char *const *dirs, size_t ndirs, const char *const *files,
                       size_t nfiles, const char *extra, unsigned char key[RCACHE_KEY_LEN]);
/* A whole-build output kept under the global key (the stylesheet):
 * cache_dir/<name>, with the version, the key and a SHA-256 of it all.
 * Get returns the bytes (caller frees) or NULL when missing, foreign or
 * damaged; put writes it atomically (a failure only loses the copy). */
char *rcache_blob_get(const char *cache_dir, const char *name, const char *version,
                      const unsigned char key[RCACHE_KEY_LEN], size_t *len);
void rcache_blob_put(const char *cache_dir, const char *name, const char *version,
                     const unsigned char key[RCACHE_KEY_LEN], const char *data, size_t len);

/* Opens cache_dir/render.cache for a build with this version and global
 * key; never NULL. */
rcache_t *rcache_open(const char *cache_dir, const char *version,
                      const unsigned char global[RCACHE_KEY_LEN]);
/* The entry for out_path, or NULL (borrowed until rcache_free). */
const rcache_entry *rcache_find(const rcache_t *c, const char *out_path);
/* How many values the file holds, and value i of them (its strings
 * borrowed until rcache_free): a found entry's values are such numbers. */
size_t rcache_nvalues(const rcache_t *c);
rcache_dep rcache_value(const rcache_t *c, uint32_t i);
/* Fills items (e->nrecord of them, strings borrowed until rcache_free)
 * with the link check record of an entry rcache_find returned. */
void rcache_record(const rcache_t *c, const rcache_entry *e, const char **items);
/* Keeps an entry found by rcache_find in the next file. */
void rcache_keep(rcache_t *c, const rcache_entry *e);
/* Puts a new entry (deps and record, not values); its strings are copied.
 * Its out_path and its deps' page and field strings are known by their
 * address: each address must hold the same text until rcache_free (the
 * site's page paths and page_field names do). */
void rcache_put(rcache_t *c, const rcache_entry *e);
/* Saving is in two steps, so the slow one can run on a thread while the
 * build goes on and the cache still follows the build's outcome:
 * rcache_save_write writes the kept and put entries beside render.cache
 * (or appends them to it, past what its index covers), touching nothing
 * the cache in use reads; rcache_save_commit then puts them in use
 * (keep) or drops them, leaving the cache as it was. No rcache_put or
 * rcache_keep after rcache_save_write. Both return 0 or -1 (after a
 * failed commit the old index is removed). */
int rcache_save_write(rcache_t *c);
int rcache_save_commit(rcache_t *c, bool keep);
/* Both steps at once. */
int rcache_save(rcache_t *c);
void rcache_free(rcache_t *c);
/* Entries kept and put since open (for WAYMARK_TIMINGS). */
void rcache_counts(const rcache_t *c, size_t *kept, size_t *put);

#endif
