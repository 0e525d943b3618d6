/* bundlecache: deflated zip entries kept from the last build, by content.
 *
 * A rebuild deflates only what changed: every entry of a bundle is kept,
 * in its final (raw) form, in DIR/bundle.pack, and DIR/bundle.idx lists
 * them by the SHA-256 of their uncompressed bytes. A rebuild appends only
 * its new entries to the pack (a failed one takes them back); when less
 * than half of the pack is in use it is written anew. The index starts
 * with a version line naming the libdeflate version and level (another
 * may deflate differently) and ends with the SHA-256 of everything above
 * it; each packed entry carries the CRC-32 of its packed bytes, checked on
 * every read. A missing, foreign or corrupt cache is ignored, never
 * trusted: the entry is deflated again, giving the same bytes. */
#ifndef WAYMARK_BUNDLECACHE_H
#define WAYMARK_BUNDLECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char hex[65];         /* SHA-256 of the uncompressed bytes */
    int method;           /* 0 stored, 8 deflated */
    unsigned long crc;    /* CRC-32 of the uncompressed bytes */
    uint64_t size;        /* uncompressed size */
    uint64_t offset;      /* of the packed bytes in the pack file */
    uint64_t packed_len;
    unsigned long packed_crc;
} bcache_entry;

typedef struct bcache bcache_t;
typedef struct bcache_writer bcache_writer_t;

/* Opens dir's cache written with this deflate level; NULL when there is
 * none or it does not check out. Close with bcache_close. */
bcache_t *bcache_open(const char *dir, int level);
/* The entry for this content hash, or NULL (borrowed). Thread-safe. */
const bcache_entry *bcache_find(const bcache_t *c, const char *hex);
/* A reader of entries in pack order, for one thread: each entry's bytes,
 * checked against their CRC-32, borrowed until the next get (NULL when
 * they cannot be read or do not match). */
typedef struct bcache_reader bcache_reader;
bcache_reader *bcache_reader_new(const bcache_t *c);
const unsigned char *bcache_reader_get(bcache_reader *r, const bcache_entry *e);
void bcache_reader_free(bcache_reader *r);
void bcache_close(bcache_t *c);

/* Starts the next cache in dir, on top of old (the cache opened for this
 * build, may be NULL); nothing changes for a reader until it is
 * committed. NULL when dir cannot be written (then there is no cache). */
bcache_writer_t *bcache_create(const char *dir, int level, const bcache_t *old);
/* Adds one entry (from the writing thread only). kept: its entry in old,
 * when the bytes came from there (may be NULL). */
void bcache_add(bcache_writer_t *w, const char *hex, int method, unsigned long crc,
                uint64_t size, const void *packed, size_t packed_len, const bcache_entry *kept);
/* Renames the new cache into place (0), or drops it (-1); frees w. */
int bcache_commit(bcache_writer_t *w);
void bcache_abort(bcache_writer_t *w);

#endif
