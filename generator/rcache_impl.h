/* rcache_impl: what rcache.c (reading the render cache) and
 * rcache_save.c (writing it) share: the file's layout and the cache's
 * state. Not a contract for other modules: they use rcache.h. */
#ifndef WAYMARK_RCACHE_IMPL_H
#define WAYMARK_RCACHE_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "bytes.h"
#include "rcache.h"
#include "strmap.h"

#define FILE_NAME "render.cache"
#define INDEX_NAME "render.idx"
#define FORMAT 4
#define NONE UINT32_MAX
#define SEGMENT_HEAD (16 + 8)

/* render.cache, after its header line and zeros to a multiple of 4
 * bytes, is segments, only ever appended to (a build adds one with what
 * it rendered, or writes the file anew when most of it is unused):
 *   u32 strings, u32 values, u32 entries, u32 0, u64 body length, body,
 *   SHA-256 of the segment before it; the body is:
 *   strings, each as u32 length, bytes, NUL, zeros to a multiple of 4
 *   values, each as u32 page, u32 field (strings), digest
 *   entries, each as u32 out_path, context digest, hex, u64 size,
 *            u32 template, u32 n + n value numbers, u32 n + n record strings
 * Strings and values are numbered across segments, in order. Every number
 * is at a multiple of 4 and used where the file is mapped.
 * render.idx, replaced whole: its header line, the pack size it covers,
 * the SHA-256 of the first segment (which pack), u32 count, then the
 * offsets (u64) of the entries in use, by out_path; a SHA-256 of it all. */

/* An interned string knows its place in the pool, so rcache_save numbers
 * strings without looking them up again. */
typedef struct {
    uint32_t slot; /* in the table being written (rcache_save), or NONE */
    char text[];
} interned;

static inline interned *interned_of(const char *text)
{
    return (interned *)(void *)(text - offsetof(interned, text));
}

/* An entry read from the file, with the numbers of its strings. */
typedef struct {
    rcache_entry e;      /* first: rcache_keep gets back here from &e */
    uint32_t out, tpl;   /* string numbers */
    const uint32_t *records; /* e.nrecord string numbers */
    const unsigned char *bytes; /* the entry as the file has it */
    size_t len;
} old_entry;

struct rcache {
    char *path, *index;
    char *header;          /* the first line the pack must start with */
    unsigned char *map;    /* the pack, mapped */
    size_t map_len;
    uint64_t pack_size;    /* the bytes the index covers */
    unsigned char first[32]; /* the first segment's SHA-256 */
    const char **strings;  /* the pack's strings, into map */
    uint32_t nstrings, strings_cap;
    const unsigned char **values; /* the pack's values, into map */
    uint32_t nvalues, values_cap;
    old_entry *all;        /* every entry of the pack, in pack order */
    size_t nall, all_cap, all_bytes;
    old_entry *old;        /* the entries in use, sorted by out_path */
    size_t nold;
    bool *kept;            /* one per old entry */
    rcache_entry *fresh;   /* put by this build (strings interned, arrays owned;
                              values: numbers of the fresh values below) */
    size_t nfresh, fresh_cap;
    /* the values this build's entries read, each (page, field) once */
    const char **fv_page, **fv_field; /* interned */
    unsigned char (*fv_digest)[RCACHE_VALUE_LEN];
    uint32_t nfv, fv_cap;
    uint32_t *fv_slots;    /* open addressing: value number + 1, 0 = free */
    size_t fv_nslots;
    strmap_t names;        /* interned strings: value = index in pool + 1 */
    interned **pool;
    size_t npool, pool_cap;
    struct rcache_address { /* the interned copy of a string rcache_put */
        const char *address; /* knows by its address (open addressing; */
        const char *text;    /* NULL address = free) */
    } *addr_slots;
    size_t naddr, naddr_slots;
    pthread_mutex_t lock;
    size_t nkept;
    /* rcache_save_write's result, for rcache_save_commit */
    struct rcache_pending {
        bool written;        /* the pack is written and index holds its index */
        char *new_pack;      /* written beside the pack (NULL: appended to it) */
        bool appended;       /* the pack has bytes past what its index covers */
        buf_t index;
    } pending;
};

/* A value is u32 page, u32 field, digest: read in place. */
#define VALUE_BYTES (8 + RCACHE_VALUE_LEN)

static inline int compare_entries(const void *a, const void *b)
{
    return strcmp(((const rcache_entry *)a)->out_path, ((const rcache_entry *)b)->out_path);
}

/* The page and field string numbers of value i. */
static inline uint32_t value_string(const rcache_t *c, uint32_t i, int which)
{
    return bytes_u32_at(c->values[i] + 4 * (size_t)which);
}

#endif
