#define _DEFAULT_SOURCE
#include "mdcache.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "buf.h"
#include "fs.h"
#include "path.h"
#include "sha256.h"
#include "xalloc.h"

#define FILE_NAME "markdown.cache"
#define FORMAT 1
#define NO_STRING UINT32_MAX
#define INDEX_ITEM (MDCACHE_KEY_LEN + 16) /* key, offset u64, len u32, crc u32 */
#define TRAILER (16 + 32)                 /* index offset u64, count u64, SHA-256 of index */

typedef struct {
    unsigned char key[MDCACHE_KEY_LEN];
    uint64_t offset;
    uint32_t len, crc;
} entry;

struct mdcache {
    unsigned char *map; /* the old file (read-only mapping), or NULL */
    size_t map_len, data_start, data_end;
    entry *old;         /* its index, sorted by key */
    size_t nold;
    char *path, *tmp;   /* the new file is written at tmp, renamed to path */
    FILE *out;
    uint64_t offset;
    entry *fresh;       /* the new file's index */
    size_t nfresh, cap;
    bool failed;
    pthread_mutex_t lock;
    size_t hits, puts;
};

/* --- little-endian encoding ------------------------------------------------ */

static void put_u32(buf_t *b, uint32_t v)
{
    unsigned char s[4] = {v, v >> 8, v >> 16, v >> 24};
    buf_putn(b, (const char *)s, 4);
}

static void put_u64(buf_t *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_str(buf_t *b, const char *s)
{
    if (!s) {
        put_u32(b, NO_STRING);
        return;
    }
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    buf_putn(b, s, n);
}

static uint32_t get_u32_at(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64_at(const unsigned char *p)
{
    return get_u32_at(p) | (uint64_t)get_u32_at(p + 4) << 32;
}

/* A reader that turns any overrun into a failed read, never a crash. */
typedef struct {
    const unsigned char *p, *end;
    bool ok;
} cursor;

static uint32_t get_u32(cursor *c)
{
    if (!c->ok || c->end - c->p < 4) {
        c->ok = false;
        return 0;
    }
    uint32_t v = get_u32_at(c->p);
    c->p += 4;
    return v;
}

static uint64_t get_u64(cursor *c)
{
    uint64_t lo = get_u32(c);
    return lo | (uint64_t)get_u32(c) << 32;
}

/* An int kept as u32 (lines, columns, numbers). */
static int get_int(cursor *c)
{
    return (int)(int32_t)get_u32(c);
}

/* A string (caller frees) or NULL; a string with a NUL inside is damage. */
static char *get_str(cursor *c)
{
    uint32_t n = get_u32(c);
    if (!c->ok || n == NO_STRING)
        return NULL;
    if ((size_t)(c->end - c->p) < n || memchr(c->p, '\0', n)) {
        c->ok = false;
        return NULL;
    }
    char *s = xstrndup((const char *)c->p, n);
    c->p += n;
    return s;
}

/* --- one entry --------------------------------------------------------------- */

static void encode(buf_t *b, const md_output *out, const diags_t *d, size_t from)
{
    put_str(b, out->html);
    put_str(b, out->toc_html);
    put_str(b, out->summary);
    put_u64(b, out->words);
    put_u32(b, (uint32_t)out->nlinks);
    for (size_t i = 0; i < out->nlinks; i++) {
        put_str(b, out->links[i].url);
        put_str(b, out->links[i].href);
        put_u32(b, (uint32_t)out->links[i].line);
        put_u32(b, (uint32_t)out->links[i].col);
    }
    put_u32(b, (uint32_t)out->nexercises);
    for (size_t i = 0; i < out->nexercises; i++) {
        const exercise_t *ex = &out->exercises[i];
        put_u32(b, (uint32_t)ex->kind);
        put_u32(b, (uint32_t)ex->number);
        put_u32(b, (uint32_t)ex->line);
        put_str(b, ex->title);
        put_str(b, ex->label);
        put_str(b, ex->html);
    }
    size_t nd = d ? d->len - from : 0;
    put_u32(b, (uint32_t)nd);
    for (size_t i = 0; i < nd; i++) {
        const diag_t *it = &d->items[from + i];
        put_str(b, it->path);
        put_u32(b, (uint32_t)it->line);
        put_u32(b, (uint32_t)it->col);
        put_str(b, it->msg);
    }
}

static void decode_links(cursor *c, md_output *out)
{
    uint32_t n = get_u32(c);
    if (!c->ok || n > (uint32_t)(c->end - c->p) / 16)
        return (void)(c->ok = false);
    out->links = xcalloc(n ? n : 1, sizeof *out->links);
    out->nlinks = n;
    for (uint32_t i = 0; i < n; i++) {
        out->links[i].url = get_str(c);
        out->links[i].href = get_str(c);
        out->links[i].line = get_int(c);
        out->links[i].col = get_int(c);
    }
}

static void decode_exercises(cursor *c, md_output *out)
{
    uint32_t n = get_u32(c);
    if (!c->ok || n > (uint32_t)(c->end - c->p) / 24)
        return (void)(c->ok = false);
    out->exercises = n ? xcalloc(n, sizeof *out->exercises) : NULL;
    out->nexercises = n;
    for (uint32_t i = 0; i < n; i++) {
        exercise_t *ex = &out->exercises[i];
        uint32_t kind = get_u32(c);
        ex->kind = kind <= EXERCISE_WARNING ? (exercise_kind)kind : EXERCISE_NONE;
        ex->number = get_int(c);
        ex->line = get_int(c);
        ex->title = get_str(c);
        ex->label = get_str(c);
        ex->html = get_str(c);
    }
}

/* The warnings go into a separate list first: a damaged entry adds none. */
static void decode_diags(cursor *c, diags_t *warnings)
{
    uint32_t n = get_u32(c);
    for (uint32_t i = 0; c->ok && i < n; i++) {
        char *path = get_str(c);
        int line = get_int(c), col = get_int(c);
        char *msg = get_str(c);
        if (c->ok && path && msg)
            diag_warning(warnings, path, line, col, "%s", msg);
        else
            c->ok = false;
        free(path);
        free(msg);
    }
}

static bool decode(const unsigned char *p, size_t len, md_output *out, diags_t *warnings)
{
    cursor c = {p, p + len, true};
    *out = (md_output){0};
    out->html = get_str(&c);
    out->toc_html = get_str(&c);
    out->summary = get_str(&c);
    out->words = (size_t)get_u64(&c);
    decode_links(&c, out);
    decode_exercises(&c, out);
    decode_diags(&c, warnings);
    if (c.ok && out->html && c.p == c.end)
        return true;
    md_output_free(out);
    return false;
}

/* --- the old file -------------------------------------------------------------- */

static char *header_line(const char *version)
{
    return xasprintf("waymark-markdown-cache %d %s\n", FORMAT, version);
}

static int compare_keys(const void *a, const void *b)
{
    return memcmp(((const entry *)a)->key, ((const entry *)b)->key, MDCACHE_KEY_LEN);
}

/* Checks the header, trailer and index; false leaves c without an old file. */
static bool read_index(mdcache_t *c, const char *version)
{
    char *head = header_line(version);
    size_t hlen = strlen(head);
    bool ok = c->map_len >= hlen + TRAILER && !memcmp(c->map, head, hlen);
    free(head);
    if (!ok)
        return false;
    const unsigned char *trailer = c->map + c->map_len - TRAILER;
    uint64_t at = get_u64_at(trailer), n = get_u64_at(trailer + 8);
    uint64_t index_end = c->map_len - TRAILER;
    if (at < hlen || at > index_end || (index_end - at) / INDEX_ITEM != n ||
        (index_end - at) % INDEX_ITEM)
        return false;
    unsigned char digest[32];
    sha256(c->map + at, (size_t)(index_end - at), digest);
    if (memcmp(digest, trailer + 16, 32))
        return false;
    c->old = xcalloc(n ? n : 1, sizeof *c->old);
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *it = c->map + at + i * INDEX_ITEM;
        entry *e = &c->old[i];
        memcpy(e->key, it, MDCACHE_KEY_LEN);
        e->offset = get_u64_at(it + MDCACHE_KEY_LEN);
        e->len = get_u32_at(it + MDCACHE_KEY_LEN + 8);
        e->crc = get_u32_at(it + MDCACHE_KEY_LEN + 12);
        if (e->offset < hlen || e->offset > at || e->len > at - e->offset ||
            (i > 0 && compare_keys(&c->old[i - 1], e) >= 0))
            return false;
    }
    c->nold = (size_t)n;
    c->data_start = hlen;
    c->data_end = (size_t)at;
    return true;
}

static void map_old(mdcache_t *c, const char *version)
{
    int fd = open(c->path, O_RDONLY);
    struct stat st;
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            c->map = m;
            c->map_len = (size_t)st.st_size;
        }
    }
    close(fd);
    if (c->map && !read_index(c, version)) {
        free(c->old);
        c->old = NULL;
        c->nold = 0;
    }
}

/* --- the new file -------------------------------------------------------------- */

mdcache_t *mdcache_open(const char *cache_dir, const char *version)
{
    if (fs_mkdir_p(cache_dir) < 0)
        return NULL;
    mdcache_t *c = xcalloc(1, sizeof *c);
    c->path = path_join(cache_dir, FILE_NAME);
    c->tmp = xasprintf("%s.tmp-%ld", c->path, (long)getpid());
    c->out = fopen(c->tmp, "wb");
    if (!c->out) {
        free(c->path);
        free(c->tmp);
        free(c);
        return NULL;
    }
    char *head = header_line(version);
    c->offset = strlen(head);
    c->failed = fwrite(head, 1, c->offset, c->out) != c->offset;
    free(head);
    pthread_mutex_init(&c->lock, NULL);
    map_old(c, version);
    return c;
}

/* Appends one entry's bytes to the new file (caller holds the lock). */
static void append(mdcache_t *c, const unsigned char *key, const void *data, uint32_t len,
                   uint32_t crc)
{
    if (c->failed)
        return;
    if (fwrite(data, 1, len, c->out) != len) {
        c->failed = true;
        return;
    }
    xgrow((void **)&c->fresh, &c->cap, c->nfresh + 1, sizeof *c->fresh);
    entry *e = &c->fresh[c->nfresh++];
    memcpy(e->key, key, MDCACHE_KEY_LEN);
    e->offset = c->offset;
    e->len = len;
    e->crc = crc;
    c->offset += len;
}

bool mdcache_get(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], md_output *out,
                 diags_t *d)
{
    if (!c || !c->nold)
        return false;
    entry probe;
    memcpy(probe.key, key, MDCACHE_KEY_LEN);
    const entry *e = bsearch(&probe, c->old, c->nold, sizeof *c->old, compare_keys);
    if (!e)
        return false;
    const unsigned char *data = c->map + e->offset;
    if ((uint32_t)crc32(0L, data, e->len) != e->crc)
        return false;
    diags_t warnings = DIAGS_INIT;
    if (!decode(data, e->len, out, &warnings)) {
        diag_free(&warnings);
        return false;
    }
    diag_merge(d, &warnings);
    diag_free(&warnings);
    pthread_mutex_lock(&c->lock);
    append(c, key, data, e->len, e->crc);
    c->hits++;
    pthread_mutex_unlock(&c->lock);
    return true;
}

void mdcache_put(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], const md_output *out,
                 const diags_t *d, size_t from)
{
    if (!c || !out->html)
        return;
    for (size_t i = from; d && i < d->len; i++)
        if (d->items[i].level == DIAG_ERROR)
            return;
    buf_t b = {0};
    encode(&b, out, d, from);
    if (b.len < UINT32_MAX) {
        uint32_t crc = (uint32_t)crc32(0L, (const unsigned char *)b.data, (uInt)b.len);
        pthread_mutex_lock(&c->lock);
        append(c, key, b.data, (uint32_t)b.len, crc);
        c->puts++;
        pthread_mutex_unlock(&c->lock);
    }
    buf_free(&b);
}

/* The index, sorted, one entry per key, then the trailer. */
static bool write_index(mdcache_t *c)
{
    qsort(c->fresh, c->nfresh, sizeof *c->fresh, compare_keys);
    buf_t b = {0};
    size_t n = 0;
    for (size_t i = 0; i < c->nfresh; i++) {
        if (i > 0 && !compare_keys(&c->fresh[i - 1], &c->fresh[i]))
            continue;
        buf_putn(&b, (const char *)c->fresh[i].key, MDCACHE_KEY_LEN);
        put_u64(&b, c->fresh[i].offset);
        put_u32(&b, c->fresh[i].len);
        put_u32(&b, c->fresh[i].crc);
        n++;
    }
    unsigned char digest[32];
    sha256(b.data ? b.data : "", b.len, digest);
    put_u64(&b, c->offset);
    put_u64(&b, n);
    buf_putn(&b, (const char *)digest, 32);
    bool ok = fwrite(b.data, 1, b.len, c->out) == b.len;
    buf_free(&b);
    return ok;
}

int mdcache_save(mdcache_t *c)
{
    if (!c || !c->out)
        return -1;
    bool ok = !c->failed && write_index(c);
    ok = fclose(c->out) == 0 && ok;
    c->out = NULL;
    if (ok && rename(c->tmp, c->path) == 0)
        return 0;
    unlink(c->tmp);
    unlink(c->path);
    return -1;
}

void mdcache_free(mdcache_t *c)
{
    if (!c)
        return;
    if (c->out) {
        fclose(c->out);
        unlink(c->tmp);
    }
    if (c->map)
        munmap(c->map, c->map_len);
    pthread_mutex_destroy(&c->lock);
    free(c->old);
    free(c->fresh);
    free(c->path);
    free(c->tmp);
    free(c);
}

void mdcache_counts(const mdcache_t *c, size_t *hits, size_t *puts)
{
    *hits = c ? c->hits : 0;
    *puts = c ? c->puts : 0;
}
