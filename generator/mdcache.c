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

#include <libdeflate.h>

#include "buf.h"
#include "bytes.h"
#include "fs.h"
#include "path.h"
#include "sha256.h"
#include "xalloc.h"

#define PACK_NAME "markdown.pack"
#define INDEX_NAME "markdown.idx"
#define FORMAT 2
#define NO_STRING UINT32_MAX
/* key, offset u64, then u32s: head length and CRC, HTML length and CRC */
#define INDEX_ITEM (MDCACHE_KEY_LEN + 24)
#define TRAILER (16 + 32)                 /* pack size u64, count u64, SHA-256 of the rest */
#define COMPACT_MIN (1u << 20)            /* packs smaller than this are never compacted */

/* An entry is its head (every field but the HTML, and the warnings)
 * followed by the HTML, each with its own CRC-32: a lookup reads the
 * head only, the HTML is read when some page needs it (mdcache_fetch). */
typedef struct {
    unsigned char key[MDCACHE_KEY_LEN];
    uint64_t offset;
    uint32_t head_len, head_crc;
    uint32_t html_len, html_crc;
} entry;

struct mdcache {
    char *header;       /* the line both files start with */
    char *pack, *index; /* paths */
    unsigned char *map; /* the pack as it was at open (read-only), or NULL */
    size_t map_len;
    int fd;             /* the pack, for reading heads (-1: none) */
    entry *old;         /* the index, sorted by key */
    size_t nold;
    FILE *out;          /* the pack, appended to */
    int out_reader;     /* the same file, for fetching what this build put (-1: not open) */
    uint64_t flushed;   /* out's bytes the reader can see */
    char *fresh_pack;   /* a pack written anew goes here until saved (else NULL) */
    uint64_t start;     /* the pack's size at open, when appended to */
    uint64_t offset;    /* its size */
    entry *fresh;       /* the new index: entries found or put by this build */
    size_t nfresh, cap;
    uint64_t live;      /* bytes of the pack the new index uses */
    bool failed;
    pthread_mutex_t lock;
    size_t hits, puts;
};

/* --- little-endian encoding ------------------------------------------------ */

static void put_str(buf_t *b, const char *s)
{
    if (!s) {
        bytes_put_u32(b, NO_STRING);
        return;
    }
    size_t n = strlen(s);
    bytes_put_u32(b, (uint32_t)n);
    buf_putn(b, s, n);
}

/* An int kept as u32 (lines, columns, numbers). */
static int get_int(byte_cursor *c)
{
    return (int)(int32_t)cursor_u32(c);
}

/* A string (caller frees) or NULL; a string with a NUL inside is damage. */
static char *get_str(byte_cursor *c)
{
    uint32_t n = cursor_u32(c);
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

/* The head: every field but the HTML, and the warnings. */
static void encode_head(buf_t *b, const md_output *out, const diags_t *d, size_t from)
{
    put_str(b, out->toc_html);
    put_str(b, out->summary);
    bytes_put_u64(b, out->words);
    bytes_put_u32(b, (uint32_t)out->nlinks);
    for (size_t i = 0; i < out->nlinks; i++) {
        put_str(b, out->links[i].url);
        put_str(b, out->links[i].href);
        bytes_put_u32(b, (uint32_t)out->links[i].line);
        bytes_put_u32(b, (uint32_t)out->links[i].col);
    }
    bytes_put_u32(b, (uint32_t)out->nexercises);
    for (size_t i = 0; i < out->nexercises; i++) {
        const exercise_t *ex = &out->exercises[i];
        bytes_put_u32(b, (uint32_t)ex->kind);
        bytes_put_u32(b, (uint32_t)ex->number);
        bytes_put_u32(b, (uint32_t)ex->line);
        put_str(b, ex->title);
        put_str(b, ex->label);
        put_str(b, ex->html);
    }
    size_t nd = d ? d->len - from : 0;
    bytes_put_u32(b, (uint32_t)nd);
    for (size_t i = 0; i < nd; i++) {
        const diag_t *it = &d->items[from + i];
        put_str(b, it->path);
        bytes_put_u32(b, (uint32_t)it->line);
        bytes_put_u32(b, (uint32_t)it->col);
        put_str(b, it->msg);
    }
}

static void decode_links(byte_cursor *c, md_output *out)
{
    uint32_t n = cursor_u32(c);
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

static void decode_exercises(byte_cursor *c, md_output *out)
{
    uint32_t n = cursor_u32(c);
    if (!c->ok || n > (uint32_t)(c->end - c->p) / 24)
        return (void)(c->ok = false);
    out->exercises = n ? xcalloc(n, sizeof *out->exercises) : NULL;
    out->nexercises = n;
    for (uint32_t i = 0; i < n; i++) {
        exercise_t *ex = &out->exercises[i];
        uint32_t kind = cursor_u32(c);
        ex->kind = kind <= EXERCISE_WARNING ? (exercise_kind)kind : EXERCISE_NONE;
        ex->number = get_int(c);
        ex->line = get_int(c);
        ex->title = get_str(c);
        ex->label = get_str(c);
        ex->html = get_str(c);
    }
}

/* The warnings go into a separate list first: a damaged entry adds none. */
static void decode_diags(byte_cursor *c, diags_t *warnings)
{
    uint32_t n = cursor_u32(c);
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

static bool decode_head(const unsigned char *p, size_t len, md_output *out, diags_t *warnings)
{
    byte_cursor c = {p, p + len, true};
    *out = (md_output){0};
    out->toc_html = get_str(&c);
    out->summary = get_str(&c);
    out->words = (size_t)cursor_u64(&c);
    decode_links(&c, out);
    decode_exercises(&c, out);
    decode_diags(&c, warnings);
    if (c.ok && c.p == c.end)
        return true;
    md_output_free(out);
    return false;
}

/* --- the files ----------------------------------------------------------------
 *
 * markdown.pack: the header line, then entries, only ever appended to.
 * markdown.idx: the header line, the index (sorted by key), the pack size
 * it covers, the entry count and a SHA-256 of all that; replaced whole
 * (written beside and renamed), so a build that stops half way leaves the
 * last index, which names only bytes that were complete. When less than
 * half of the pack is used, the pack is written again with those entries. */

static int compare_keys(const void *a, const void *b)
{
    return memcmp(((const entry *)a)->key, ((const entry *)b)->key, MDCACHE_KEY_LEN);
}

/* Parses and checks the index file against the mapped pack. */
static bool read_index(mdcache_t *c, const unsigned char *data, size_t len)
{
    size_t hlen = strlen(c->header);
    if (len < hlen + TRAILER || memcmp(data, c->header, hlen) || !c->map ||
        c->map_len < hlen || memcmp(c->map, c->header, hlen))
        return false;
    unsigned char digest[32];
    sha256(data, len - 32, digest);
    if (memcmp(digest, data + len - 32, 32))
        return false;
    const unsigned char *trailer = data + len - TRAILER;
    uint64_t pack_size = bytes_u64_at(trailer), n = bytes_u64_at(trailer + 8);
    size_t items = len - TRAILER - hlen;
    if (pack_size > c->map_len || items % INDEX_ITEM || items / INDEX_ITEM != n)
        return false;
    c->old = xcalloc(n ? n : 1, sizeof *c->old);
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *it = data + hlen + i * INDEX_ITEM;
        entry *e = &c->old[i];
        memcpy(e->key, it, MDCACHE_KEY_LEN);
        e->offset = bytes_u64_at(it + MDCACHE_KEY_LEN);
        e->head_len = bytes_u32_at(it + MDCACHE_KEY_LEN + 8);
        e->head_crc = bytes_u32_at(it + MDCACHE_KEY_LEN + 12);
        e->html_len = bytes_u32_at(it + MDCACHE_KEY_LEN + 16);
        e->html_crc = bytes_u32_at(it + MDCACHE_KEY_LEN + 20);
        c->nold = (size_t)i + 1;
        uint64_t len = (uint64_t)e->head_len + e->html_len;
        if (e->offset < hlen || e->offset > pack_size || len > pack_size - e->offset ||
            (i > 0 && compare_keys(&c->old[i - 1], e) >= 0))
            return false;
    }
    return true;
}

static void map_pack(mdcache_t *c)
{
    int fd = open(c->pack, O_RDONLY);
    struct stat st;
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        /* not populated: a rebuild reads the heads and few pages' HTML */
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            c->map = m;
            c->map_len = (size_t)st.st_size;
            c->fd = fd;
            return;
        }
    }
    close(fd);
}

static void unmap_pack(mdcache_t *c)
{
    if (c->map)
        munmap(c->map, c->map_len);
    if (c->fd >= 0)
        close(c->fd);
    c->map = NULL;
    c->fd = -1;
}

static void load_old(mdcache_t *c)
{
    char *data;
    size_t len;
    map_pack(c);
    if (fs_read_file(c->index, &data, &len) < 0)
        return;
    if (!read_index(c, (const unsigned char *)data, len)) {
        free(c->old);
        c->old = NULL;
        c->nold = 0;
    }
    free(data);
}

/* Appends to the pack when the index could be read, else starts a new one. */
static bool start_pack(mdcache_t *c)
{
    if (c->nold) {
        c->out = fopen(c->pack, "ab");
        if (c->out && fseek(c->out, 0, SEEK_END) == 0) {
            long at = ftell(c->out);
            if (at >= 0) {
                c->offset = c->start = (uint64_t)at;
                return true;
            }
        }
        if (c->out)
            fclose(c->out);
        c->out = NULL;
        c->nold = 0;
    }
    /* written beside the old pack and renamed over it by mdcache_save, so a
     * failed build leaves the old cache as it was */
    c->fresh_pack = fs_temp_path(c->pack);
    c->out = fopen(c->fresh_pack, "wb");
    if (!c->out)
        return false;
    c->offset = strlen(c->header);
    return fwrite(c->header, 1, c->offset, c->out) == c->offset;
}

mdcache_t *mdcache_open(const char *cache_dir, const char *version)
{
    if (fs_mkdir_p(cache_dir) < 0)
        return NULL;
    mdcache_t *c = xcalloc(1, sizeof *c);
    c->header = xasprintf("waymark-markdown-cache %d %s\n", FORMAT, version);
    c->pack = path_join(cache_dir, PACK_NAME);
    c->index = path_join(cache_dir, INDEX_NAME);
    c->fd = -1;
    c->out_reader = -1;
    pthread_mutex_init(&c->lock, NULL);
    load_old(c);
    if (c->map && !c->nold) /* the pack is not used: it is written anew */
        unmap_pack(c);
    if (!start_pack(c)) {
        mdcache_free(c);
        return NULL;
    }
    return c;
}

/* Adds an entry to the new index (caller holds the lock). */
static void index_add(mdcache_t *c, const entry *e)
{
    xgrow((void **)&c->fresh, &c->cap, c->nfresh + 1, sizeof *c->fresh);
    c->fresh[c->nfresh++] = *e;
    c->live += (uint64_t)e->head_len + e->html_len;
}

/* Takes key out of the new index: its entry turned out damaged. */
static void index_drop(mdcache_t *c, const unsigned char *key)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nfresh; i++) {
        if (memcmp(c->fresh[i].key, key, MDCACHE_KEY_LEN))
            continue;
        c->live -= (uint64_t)c->fresh[i].head_len + c->fresh[i].html_len;
        c->fresh[i--] = c->fresh[--c->nfresh];
    }
    pthread_mutex_unlock(&c->lock);
}

bool mdcache_get(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], md_output *out,
                 mdcache_html *html, diags_t *d)
{
    if (!c || !c->nold || !c->map)
        return false;
    entry probe;
    memcpy(probe.key, key, MDCACHE_KEY_LEN);
    const entry *e = bsearch(&probe, c->old, c->nold, sizeof *c->old, compare_keys);
    if (!e)
        return false;
    /* read, not touched through the map: a page fault per head costs
     * more than a read where faults are slow (virtual machines) */
    unsigned char *data = xmalloc(e->head_len ? e->head_len : 1);
    bool ok = pread(c->fd, data, e->head_len, (off_t)e->offset) == (ssize_t)e->head_len &&
              libdeflate_crc32(0, data, e->head_len) == e->head_crc;
    diags_t warnings = DIAGS_INIT;
    ok = ok && decode_head(data, e->head_len, out, &warnings);
    free(data);
    if (!ok) {
        diag_free(&warnings);
        return false;
    }
    diag_merge(d, &warnings);
    diag_free(&warnings);
    *html = (mdcache_html){e->offset + e->head_len, e->html_len, e->html_crc, false};
    pthread_mutex_lock(&c->lock);
    index_add(c, e);
    c->hits++;
    pthread_mutex_unlock(&c->lock);
    return true;
}

/* Reads len bytes at offset of the pack this build appends to (caller
 * frees), or NULL. What fwrite still buffers is flushed first. */
static unsigned char *read_put(mdcache_t *c, uint64_t offset, uint32_t len)
{
    pthread_mutex_lock(&c->lock);
    bool ok = c->out && !c->failed;
    if (ok && offset + len > c->flushed) {
        ok = fflush(c->out) == 0;
        c->flushed = c->offset;
    }
    if (ok && c->out_reader < 0)
        c->out_reader = open(c->fresh_pack ? c->fresh_pack : c->pack, O_RDONLY | O_CLOEXEC);
    int fd = ok ? c->out_reader : -1;
    pthread_mutex_unlock(&c->lock);
    unsigned char *data = fd >= 0 ? xmalloc((size_t)len + 1) : NULL;
    if (data && pread(fd, data, len, (off_t)offset) != (ssize_t)len) {
        free(data);
        data = NULL;
    }
    return data;
}

/* The checked copy of HTML (caller frees), or NULL. */
static char *checked_html(const unsigned char *data, const mdcache_html *html)
{
    if (!data || libdeflate_crc32(0, data, html->len) != html->crc ||
        memchr(data, '\0', html->len))
        return NULL;
    return xstrndup((const char *)data, html->len);
}

char *mdcache_fetch(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN],
                    const mdcache_html *html)
{
    if (!c)
        return NULL;
    char *text = NULL;
    if (html->put) {
        unsigned char *data = read_put(c, html->offset, html->len);
        text = checked_html(data, html);
        free(data);
    } else if (c->map && html->offset <= c->map_len && html->len <= c->map_len - html->offset) {
        text = checked_html(c->map + html->offset, html);
    }
    if (!text)
        index_drop(c, key);
    return text;
}

bool mdcache_put(mdcache_t *c, const unsigned char key[MDCACHE_KEY_LEN], const md_output *out,
                 const diags_t *d, size_t from, mdcache_html *at)
{
    if (!c || !out->html)
        return false;
    for (size_t i = from; d && i < d->len; i++)
        if (d->items[i].level == DIAG_ERROR)
            return false;
    bool kept = false;
    buf_t b = {0};
    encode_head(&b, out, d, from);
    size_t head = b.len, html = strlen(out->html);
    if (head < UINT32_MAX && html < UINT32_MAX - head) {
        /* the HTML is written from where it is, not copied after the head */
        entry e = {.head_len = (uint32_t)head,
                   .head_crc = libdeflate_crc32(0, b.data, head),
                   .html_len = (uint32_t)html,
                   .html_crc = libdeflate_crc32(0, out->html, html)};
        memcpy(e.key, key, MDCACHE_KEY_LEN);
        pthread_mutex_lock(&c->lock);
        if (!c->failed && fwrite(b.data, 1, head, c->out) == head &&
            fwrite(out->html, 1, html, c->out) == html) {
            e.offset = c->offset;
            index_add(c, &e);
            c->offset += head + html;
            *at = (mdcache_html){e.offset + head, e.html_len, e.html_crc, true};
            kept = true;
        } else {
            c->failed = true;
        }
        c->puts++;
        pthread_mutex_unlock(&c->lock);
    }
    buf_free(&b);
    return kept;
}

/* Sorts the new index, one entry per key. */
static void sort_fresh(mdcache_t *c)
{
    if (c->nfresh > 1)
        qsort(c->fresh, c->nfresh, sizeof *c->fresh, compare_keys);
    size_t n = 0;
    for (size_t i = 0; i < c->nfresh; i++)
        if (n == 0 || compare_keys(&c->fresh[n - 1], &c->fresh[i]))
            c->fresh[n++] = c->fresh[i];
    c->nfresh = n;
}

/* Writes the pack again with only the entries in use (read from the
 * finished pack); the index then names their new places. */
static bool compact(mdcache_t *c)
{
    unmap_pack(c);
    map_pack(c);
    char *tmp = fs_temp_path(c->pack);
    FILE *f = fopen(tmp, "wb");
    uint64_t at = strlen(c->header);
    bool ok = f && c->map && fwrite(c->header, 1, at, f) == at;
    for (size_t i = 0; ok && i < c->nfresh; i++) {
        entry *e = &c->fresh[i];
        uint64_t len = (uint64_t)e->head_len + e->html_len;
        ok = e->offset + len <= c->map_len && fwrite(c->map + e->offset, 1, len, f) == len;
        e->offset = at;
        at += len;
    }
    if (f)
        ok = fclose(f) == 0 && ok;
    ok = ok && rename(tmp, c->pack) == 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    c->offset = at;
    return ok;
}

static bool write_index(mdcache_t *c)
{
    buf_t b = {0};
    buf_puts(&b, c->header);
    for (size_t i = 0; i < c->nfresh; i++) {
        buf_putn(&b, (const char *)c->fresh[i].key, MDCACHE_KEY_LEN);
        bytes_put_u64(&b, c->fresh[i].offset);
        bytes_put_u32(&b, c->fresh[i].head_len);
        bytes_put_u32(&b, c->fresh[i].head_crc);
        bytes_put_u32(&b, c->fresh[i].html_len);
        bytes_put_u32(&b, c->fresh[i].html_crc);
    }
    bytes_put_u64(&b, c->offset);
    bytes_put_u64(&b, c->nfresh);
    bytes_seal(&b);
    bool ok = fs_replace_file(c->index, b.data, b.len) == 0;
    buf_free(&b);
    return ok;
}

static void close_reader(mdcache_t *c)
{
    if (c->out_reader >= 0)
        close(c->out_reader);
    c->out_reader = -1;
}

int mdcache_save(mdcache_t *c)
{
    if (!c || !c->out)
        return -1;
    bool ok = !c->failed;
    ok = fclose(c->out) == 0 && ok;
    c->out = NULL;
    close_reader(c);
    if (c->fresh_pack) {
        unlink(c->index); /* the index never names bytes of another pack */
        ok = ok && rename(c->fresh_pack, c->pack) == 0;
    }
    sort_fresh(c);
    if (ok && c->offset > COMPACT_MIN && c->live < c->offset / 2)
        ok = compact(c);
    if (ok && write_index(c))
        return 0;
    unlink(c->index);
    return -1;
}

void mdcache_done_reading(mdcache_t *c)
{
    if (c)
        unmap_pack(c);
}

void mdcache_discard(mdcache_t *c)
{
    if (!c || !c->out)
        return;
    fclose(c->out);
    c->out = NULL;
    close_reader(c);
    if (c->fresh_pack)
        unlink(c->fresh_pack);
    else if (truncate(c->pack, (off_t)c->start) < 0)
        unlink(c->index); /* cannot take the new entries back: forget the cache */
}

void mdcache_free(mdcache_t *c)
{
    if (!c)
        return;
    mdcache_discard(c); /* neither saved nor discarded: as if the build failed */
    mdcache_done_reading(c);
    free(c->fresh_pack);
    pthread_mutex_destroy(&c->lock);
    free(c->old);
    free(c->fresh);
    free(c->header);
    free(c->pack);
    free(c->index);
    free(c);
}

void mdcache_counts(const mdcache_t *c, size_t *hits, size_t *puts)
{
    *hits = c ? c->hits : 0;
    *puts = c ? c->puts : 0;
}
