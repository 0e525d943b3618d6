#define _DEFAULT_SOURCE
#include "srccache.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "bytes.h"
#include "fs.h"
#include "path.h"
#include "sha256.h"
#include "xalloc.h"

#define FILE_NAME "sources.cache"
#define FORMAT 2
/* An entry's bytes besides its path and tree: two lengths and their
 * '\0's, nine numbers, the body's line and digest. */
#define ENTRY_FIXED_BYTES (2 * (4 + 1) + 9 * 8 + 4 + 32)

struct srccache {
    char *path, *header;
    unsigned char *data;   /* the file: the old entries' strings lie in it */
    bool data_read;        /* read into memory (it could not be mapped) */
    size_t data_len;
    srccache_entry *old;   /* the file's, sorted by path */
    size_t nold;
    srccache_entry *noted; /* this build's */
    size_t nnoted, noted_cap;
    pthread_mutex_t lock;
    char *written;         /* srccache_save_write's file, not yet in place */
};

/* Whether s lies in the file read (a string a noted entry borrows). */
static bool in_file(const srccache_t *c, const char *s)
{
    const char *data = (const char *)c->data;
    return data && s >= data && s < data + c->data_len;
}

static void entry_free(const srccache_t *c, srccache_entry *e)
{
    if (!in_file(c, e->path))
        free(e->path);
    if (!in_file(c, e->tree))
        free(e->tree);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(((const srccache_entry *)a)->path, ((const srccache_entry *)b)->path);
}

/* Strings are written with a '\0' after them, so that entries read back
 * can point into the file's bytes. */
static void put_bytes(buf_t *b, const char *s, size_t len)
{
    bytes_put_u32(b, (uint32_t)len);
    buf_putn(b, s, len);
    buf_putc(b, '\0');
}

static char *borrow_bytes(byte_cursor *cur, size_t *len)
{
    uint32_t n = cursor_u32(cur);
    const unsigned char *s = cursor_bytes(cur, (size_t)n + 1);
    if (!s || s[n] != '\0')
        return NULL;
    if (len)
        *len = n;
    return (char *)s;
}

/* The entries of a file whose header and seal were checked; false when
 * anything in it does not read. */
static bool read_entries(srccache_t *c, byte_cursor *cur)
{
    uint32_t n = cursor_u32(cur);
    if (!cur->ok || n > (size_t)(cur->end - cur->p))
        return false;
    c->old = xcalloc(n ? n : 1, sizeof *c->old);
    for (c->nold = 0; c->nold < n; c->nold++) {
        srccache_entry *e = &c->old[c->nold];
        e->path = borrow_bytes(cur, NULL);
        e->tree = borrow_bytes(cur, &e->tree_len);
        e->front_len = (size_t)cursor_u64(cur);
        e->size = cursor_u64(cur);
        e->ino = cursor_u64(cur);
        e->dev = cursor_u64(cur);
        e->mtime_s = (int64_t)cursor_u64(cur);
        e->mtime_ns = (int64_t)cursor_u64(cur);
        e->ctime_s = (int64_t)cursor_u64(cur);
        e->ctime_ns = (int64_t)cursor_u64(cur);
        e->body_len = (size_t)cursor_u64(cur);
        e->body_line = (int)cursor_u32(cur);
        const unsigned char *digest = cursor_bytes(cur, 32);
        if (!e->path || !e->tree || !digest || e->front_len > e->size ||
            e->front_len + e->body_len != e->size)
            return false;
        memcpy(e->body_digest, digest, 32);
        if (c->nold > 0 && strcmp(c->old[c->nold - 1].path, e->path) >= 0)
            return false; /* written sorted, one per path */
    }
    return cur->p == cur->end;
}

/* The file's bytes: mapped, or read where it cannot be mapped. */
static unsigned char *load_bytes(srccache_t *c, size_t *len)
{
    unsigned char *data = fs_map_file(c->path, len);
    if (data || errno == ENOENT)
        return data;
    char *text;
    if (fs_read_file(c->path, &text, len) < 0)
        return NULL;
    c->data_read = true;
    return (unsigned char *)text;
}

static void release_bytes(const srccache_t *c, unsigned char *data, size_t len)
{
    if (c->data_read)
        free(data);
    else
        fs_unmap_file(data, len);
}

static void read_file(srccache_t *c)
{
    size_t len;
    unsigned char *data = load_bytes(c, &len);
    if (!data)
        return;
    size_t hlen = strlen(c->header);
    unsigned char digest[32];
    bool ok = len >= hlen + 32 && !memcmp(data, c->header, hlen);
    if (ok) {
        sha256(data, len - 32, digest);
        ok = !memcmp(digest, data + len - 32, 32);
    }
    if (ok) {
        byte_cursor cur = {data + hlen, data + len - 32, true};
        ok = read_entries(c, &cur);
    }
    if (!ok) {
        free(c->old);
        c->old = NULL;
        c->nold = 0;
        release_bytes(c, data, len);
        return;
    }
    c->data = data;
    c->data_len = len;
}

srccache_t *srccache_open(const char *cache_dir, const char *version)
{
    srccache_t *c = xcalloc(1, sizeof *c);
    c->path = path_join(cache_dir, FILE_NAME);
    c->header = xasprintf("waymark-sources %d %s\n", FORMAT, version);
    pthread_mutex_init(&c->lock, NULL);
    read_file(c);
    /* room for as many as the last build noted, in one piece: doubling
     * copied the list a dozen times while the pages loaded */
    xgrow((void **)&c->noted, &c->noted_cap, c->nold, sizeof *c->noted);
    return c;
}

void srccache_set_status(srccache_entry *e, const struct stat *st)
{
    e->size = (uint64_t)st->st_size;
    e->ino = (uint64_t)st->st_ino;
    e->dev = (uint64_t)st->st_dev;
    e->mtime_s = (int64_t)st->st_mtim.tv_sec;
    e->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
    e->ctime_s = (int64_t)st->st_ctim.tv_sec;
    e->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

const srccache_entry *srccache_lookup(const srccache_t *c, const char *path)
{
    if (!c || !c->nold)
        return NULL;
    srccache_entry probe = {.path = (char *)path};
    return bsearch(&probe, c->old, c->nold, sizeof *c->old, compare_paths);
}

bool srccache_matches(const srccache_entry *e, const struct stat *st)
{
    srccache_entry now = {0};
    srccache_set_status(&now, st);
    return e->size == now.size && e->ino == now.ino && e->dev == now.dev &&
           e->mtime_s == now.mtime_s && e->mtime_ns == now.mtime_ns &&
           e->ctime_s == now.ctime_s && e->ctime_ns == now.ctime_ns;
}

const srccache_entry *srccache_find(const srccache_t *c, const char *path, const struct stat *st)
{
    const srccache_entry *e = srccache_lookup(c, path);
    return e && srccache_matches(e, st) ? e : NULL;
}

void srccache_loaded(srccache_t *c)
{
    if (!c)
        return;
    free(c->old); /* their strings are the file's, which noted entries borrow */
    c->old = NULL;
    c->nold = 0;
}

void srccache_note(srccache_t *c, const srccache_entry *e)
{
    if (!c)
        return;
    srccache_entry copy = *e;
    /* an entry found in the file borrows its strings: copying them was a
     * large share of a rebuild's loading (fresh memory) */
    if (!in_file(c, e->path))
        copy.path = xstrdup(e->path);
    if (!in_file(c, e->tree)) {
        copy.tree = xmalloc(e->tree_len + 1);
        memcpy(copy.tree, e->tree, e->tree_len);
        copy.tree[e->tree_len] = '\0';
    }
    pthread_mutex_lock(&c->lock);
    xgrow((void **)&c->noted, &c->noted_cap, c->nnoted + 1, sizeof *c->noted);
    c->noted[c->nnoted++] = copy;
    pthread_mutex_unlock(&c->lock);
}

int srccache_save_write(srccache_t *c)
{
    if (!c)
        return -1;
    srccache_save_commit(c, false);
    if (c->nnoted > 1)
        qsort(c->noted, c->nnoted, sizeof *c->noted, compare_paths);
    buf_t b = BUF_INIT;
    size_t size = strlen(c->header) + 4 + 32;
    for (size_t i = 0; i < c->nnoted; i++)
        size += ENTRY_FIXED_BYTES + strlen(c->noted[i].path) + c->noted[i].tree_len;
    buf_reserve(&b, size);
    buf_puts(&b, c->header);
    bytes_put_u32(&b, (uint32_t)c->nnoted);
    for (size_t i = 0; i < c->nnoted; i++) {
        const srccache_entry *e = &c->noted[i];
        put_bytes(&b, e->path, strlen(e->path));
        put_bytes(&b, e->tree, e->tree_len);
        bytes_put_u64(&b, e->front_len);
        bytes_put_u64(&b, e->size);
        bytes_put_u64(&b, e->ino);
        bytes_put_u64(&b, e->dev);
        bytes_put_u64(&b, (uint64_t)e->mtime_s);
        bytes_put_u64(&b, (uint64_t)e->mtime_ns);
        bytes_put_u64(&b, (uint64_t)e->ctime_s);
        bytes_put_u64(&b, (uint64_t)e->ctime_ns);
        bytes_put_u64(&b, e->body_len);
        bytes_put_u32(&b, (uint32_t)e->body_line);
        buf_putn(&b, (const char *)e->body_digest, 32);
    }
    bytes_seal(&b);
    char *tmp = fs_temp_path(c->path);
    int rc = fs_write_file(tmp, b.data, b.len);
    buf_free(&b);
    if (rc == 0) {
        c->written = tmp;
    } else {
        unlink(tmp);
        free(tmp);
    }
    return rc;
}

int srccache_save_commit(srccache_t *c, bool keep)
{
    if (!c || !c->written)
        return keep ? -1 : 0;
    int rc = keep ? rename(c->written, c->path) : -1;
    if (rc < 0)
        unlink(c->written);
    free(c->written);
    c->written = NULL;
    return keep ? rc : 0;
}

int srccache_save(srccache_t *c)
{
    int rc = srccache_save_write(c);
    return srccache_save_commit(c, true) == 0 && rc == 0 ? 0 : -1;
}

void srccache_free(srccache_t *c)
{
    if (!c)
        return;
    srccache_save_commit(c, false);
    srccache_loaded(c);
    for (size_t i = 0; i < c->nnoted; i++)
        entry_free(c, &c->noted[i]);
    free(c->noted);
    release_bytes(c, c->data, c->data_len);
    pthread_mutex_destroy(&c->lock);
    free(c->header);
    free(c->path);
    free(c);
}
