#define _DEFAULT_SOURCE
#include "rcache.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "bytes.h"
#include "fs.h"
#include "path.h"
#include "sha256.h"
#include "strmap.h"
#include "xalloc.h"

#define FILE_NAME "render.cache"
#define FORMAT 1

/* An interned string knows its place in the pool, so rcache_save numbers
 * strings without looking them up again. */
typedef struct {
    uint32_t index; /* in the pool */
    uint32_t slot;  /* in the table being written (rcache_save), or UINT32_MAX */
    char text[];
} interned;

static interned *interned_of(const char *text)
{
    return (interned *)(void *)(text - offsetof(interned, text));
}

struct rcache {
    char *path;
    char *header;          /* the first line the file must start with */
    rcache_entry *old;     /* from the file, sorted by out_path */
    size_t nold;
    bool *kept;            /* one per old entry */
    rcache_entry *fresh;   /* put by this build (strings interned) */
    size_t nfresh, fresh_cap;
    strmap_t names;        /* interned strings: value = index in pool */
    interned **pool;
    size_t npool, pool_cap;
    char *block;           /* the strings read from the file (interned records) */
    pthread_mutex_t lock;
    size_t nkept;
};

/* --- strings ------------------------------------------------------------------ */

/* The one copy of s this cache owns (caller holds the lock or is alone). */
static const char *intern(rcache_t *c, const char *s)
{
    int *slot = strmap_slot(&c->names, s, true);
    if (*slot)
        return c->pool[*slot - 1]->text;
    size_t len = strlen(s);
    interned *it = xmalloc(sizeof *it + len + 1);
    it->index = (uint32_t)c->npool;
    it->slot = UINT32_MAX;
    memcpy(it->text, s, len + 1);
    xgrow((void **)&c->pool, &c->pool_cap, c->npool + 1, sizeof *c->pool);
    c->pool[c->npool++] = it;
    *slot = (int)c->npool; /* 0 is "new" */
    return it->text;
}

/* --- reading -------------------------------------------------------------------- */

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const rcache_entry *)a)->out_path, ((const rcache_entry *)b)->out_path);
}

/* A string of the file's table by index, or NULL (damage). */
static const char *string_at(rcache_t *c, byte_cursor *cur, const char **table, uint32_t n)
{
    (void)c;
    uint32_t i = cursor_u32(cur);
    if (!cur->ok || i >= n) {
        cur->ok = false;
        return NULL;
    }
    return table[i];
}

static bool read_entry(rcache_t *c, byte_cursor *cur, const char **table, uint32_t nstr,
                       rcache_entry *e)
{
    e->out_path = string_at(c, cur, table, nstr);
    const unsigned char *digest = cursor_bytes(cur, RCACHE_KEY_LEN);
    const unsigned char *hex = cursor_bytes(cur, 64);
    uint32_t lo = cursor_u32(cur), hi = cursor_u32(cur);
    e->template_path = string_at(c, cur, table, nstr);
    uint32_t n = cursor_u32(cur);
    if (!cur->ok || n > (size_t)(cur->end - cur->p) / 8)
        return false;
    memcpy(e->digest, digest, RCACHE_KEY_LEN);
    memcpy(e->hex, hex, 64);
    e->hex[64] = '\0';
    if (strspn(e->hex, "0123456789abcdef") != 64)
        return false;
    e->size = (uint64_t)lo | (uint64_t)hi << 32;
    rcache_dep *deps = xcalloc(n ? n : 1, sizeof *deps);
    e->deps = deps;
    e->ndeps = n;
    for (uint32_t i = 0; i < n; i++) {
        deps[i].page = string_at(c, cur, table, nstr);
        deps[i].field = string_at(c, cur, table, nstr);
    }
    uint32_t nrec = cursor_u32(cur);
    if (!cur->ok || nrec > (size_t)(cur->end - cur->p) / 4)
        return false;
    const char **record = xcalloc(nrec ? nrec : 1, sizeof *record);
    e->record = record;
    e->nrecord = nrec;
    for (uint32_t i = 0; i < nrec; i++)
        record[i] = string_at(c, cur, table, nstr);
    return cur->ok;
}

static void drop_old(rcache_t *c)
{
    for (size_t i = 0; i < c->nold; i++) {
        free((void *)c->old[i].deps);
        free((void *)c->old[i].record);
    }
    free(c->old);
    c->old = NULL;
    c->nold = 0;
}

/* Reads the file after its header line (checksum already checked). */
static bool read_body(rcache_t *c, byte_cursor *cur)
{
    uint32_t nstr = cursor_u32(cur);
    if (!cur->ok || nstr > (size_t)(cur->end - cur->p) / 4)
        return false;
    /* the file's strings, in one block (no lookups: the table is unique) */
    const char **table = xcalloc(nstr ? nstr : 1, sizeof *table);
    size_t room = (size_t)(cur->end - cur->p) + (size_t)nstr * (sizeof(interned) + 4), used = 0;
    c->block = xmalloc(room);
    for (uint32_t i = 0; cur->ok && i < nstr; i++) {
        uint32_t len = cursor_u32(cur);
        const unsigned char *s = cursor_bytes(cur, len);
        size_t need = (sizeof(interned) + len + 1 + 3) & ~(size_t)3;
        if (s && !memchr(s, '\0', len) && used + need <= room) {
            interned *it = (interned *)(void *)(c->block + used);
            it->index = UINT32_MAX;
            it->slot = UINT32_MAX;
            memcpy(it->text, s, len);
            it->text[len] = '\0';
            table[i] = it->text;
            used += need;
        } else {
            cur->ok = false;
        }
    }
    uint32_t n = cursor_u32(cur);
    bool ok = cur->ok && n <= (size_t)(cur->end - cur->p) / 120;
    if (ok) {
        c->old = xcalloc(n ? n : 1, sizeof *c->old);
        for (uint32_t i = 0; ok && i < n; i++) {
            c->nold = i + 1;
            ok = read_entry(c, cur, table, nstr, &c->old[i]) &&
                 (i == 0 || compare_entries(&c->old[i - 1], &c->old[i]) < 0);
        }
    }
    free(table);
    return ok && cur->p == cur->end;
}

static void read_file(rcache_t *c)
{
    char *data;
    size_t len, hlen = strlen(c->header);
    if (fs_read_file(c->path, &data, &len) < 0)
        return;
    unsigned char digest[32];
    if (len >= hlen + 32 && !memcmp(data, c->header, hlen)) {
        sha256(data, len - 32, digest);
        byte_cursor cur = {(unsigned char *)data + hlen, (unsigned char *)data + len - 32, true};
        if (memcmp(digest, data + len - 32, 32) || !read_body(c, &cur))
            drop_old(c);
    }
    free(data);
}

static void hash_file(buf_t *b, const char *path)
{
    char *data;
    size_t len;
    unsigned char digest[32];
    if (fs_read_file(path, &data, &len) < 0) {
        buf_printf(b, "missing %s\n", path);
        return;
    }
    sha256(data, len, digest);
    free(data);
    buf_printf(b, "file %s ", path);
    buf_putn(b, (const char *)digest, sizeof digest);
    buf_putc(b, '\n');
}

void rcache_global_key(const char *const *dirs, size_t ndirs, const char *const *files,
                       size_t nfiles, const char *extra, unsigned char key[RCACHE_KEY_LEN])
{
    buf_t b = {0};
    buf_printf(&b, "%d\n%s\n", FORMAT, extra);
    for (size_t i = 0; i < ndirs; i++) {
        fs_list_t list = {0};
        if (!fs_is_dir(dirs[i]) || fs_list_files(dirs[i], &list) < 0) {
            buf_printf(&b, "no folder %s\n", dirs[i]);
            continue;
        }
        buf_printf(&b, "folder %s\n", dirs[i]);
        for (size_t k = 0; k < list.len; k++) {
            char *path = path_join(dirs[i], list.paths[k]);
            hash_file(&b, path);
            free(path);
        }
        fs_list_free(&list);
    }
    for (size_t i = 0; i < nfiles; i++)
        hash_file(&b, files[i]);
    sha256(b.data, b.len, key);
    buf_free(&b);
}

static char *blob_header(const char *name, const char *version,
                         const unsigned char key[RCACHE_KEY_LEN])
{
    char hex[2 * RCACHE_KEY_LEN + 1];
    for (size_t i = 0; i < RCACHE_KEY_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    return xasprintf("waymark-cached %s %d %s %s\n", name, FORMAT, version, hex);
}

char *rcache_blob_get(const char *cache_dir, const char *name, const char *version,
                      const unsigned char key[RCACHE_KEY_LEN], size_t *len)
{
    char *path = path_join(cache_dir, name), *head = blob_header(name, version, key), *data;
    size_t n, hlen = strlen(head);
    char *result = NULL;
    if (fs_read_file(path, &data, &n) == 0) {
        unsigned char digest[32];
        if (n >= hlen + 32 && !memcmp(data, head, hlen)) {
            sha256(data, n - 32, digest);
            if (!memcmp(digest, data + n - 32, 32)) {
                *len = n - 32 - hlen;
                result = xstrndup(data + hlen, *len);
            }
        }
        free(data);
    }
    free(head);
    free(path);
    return result;
}

void rcache_blob_put(const char *cache_dir, const char *name, const char *version,
                     const unsigned char key[RCACHE_KEY_LEN], const char *data, size_t len)
{
    char *path = path_join(cache_dir, name), *head = blob_header(name, version, key);
    char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
    buf_t b = {0};
    buf_puts(&b, head);
    buf_putn(&b, data, len);
    unsigned char digest[32];
    sha256(b.data, b.len, digest);
    buf_putn(&b, (const char *)digest, 32);
    if (fs_mkdir_p(cache_dir) < 0 || fs_write_file(tmp, b.data, b.len) < 0 ||
        rename(tmp, path) < 0) {
        unlink(tmp);
        unlink(path);
    }
    buf_free(&b);
    free(tmp);
    free(head);
    free(path);
}

rcache_t *rcache_open(const char *cache_dir, const char *version,
                      const unsigned char global[RCACHE_KEY_LEN])
{
    rcache_t *c = xcalloc(1, sizeof *c);
    char hex[2 * RCACHE_KEY_LEN + 1];
    for (size_t i = 0; i < RCACHE_KEY_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", global[i]);
    c->header = xasprintf("waymark-render-cache %d %s %s\n", FORMAT, version, hex);
    c->path = path_join(cache_dir, FILE_NAME);
    pthread_mutex_init(&c->lock, NULL);
    read_file(c);
    c->kept = xcalloc(c->nold ? c->nold : 1, sizeof *c->kept);
    return c;
}

const rcache_entry *rcache_find(const rcache_t *c, const char *out_path)
{
    if (!c || !c->nold)
        return NULL;
    rcache_entry probe = {.out_path = out_path};
    return bsearch(&probe, c->old, c->nold, sizeof *c->old, compare_entries);
}

void rcache_keep(rcache_t *c, const rcache_entry *e)
{
    pthread_mutex_lock(&c->lock);
    if (!c->kept[e - c->old])
        c->nkept++;
    c->kept[e - c->old] = true;
    pthread_mutex_unlock(&c->lock);
}

void rcache_put(rcache_t *c, const rcache_entry *e)
{
    pthread_mutex_lock(&c->lock);
    xgrow((void **)&c->fresh, &c->fresh_cap, c->nfresh + 1, sizeof *c->fresh);
    rcache_entry *n = &c->fresh[c->nfresh++];
    *n = *e;
    n->out_path = intern(c, e->out_path);
    n->template_path = intern(c, e->template_path);
    rcache_dep *deps = xcalloc(e->ndeps ? e->ndeps : 1, sizeof *deps);
    for (size_t i = 0; i < e->ndeps; i++)
        deps[i] = (rcache_dep){intern(c, e->deps[i].page), intern(c, e->deps[i].field)};
    n->deps = deps;
    const char **record = xcalloc(e->nrecord ? e->nrecord : 1, sizeof *record);
    for (size_t i = 0; i < e->nrecord; i++)
        record[i] = intern(c, e->record[i]);
    n->record = record;
    pthread_mutex_unlock(&c->lock);
}

/* --- writing -------------------------------------------------------------------- */

static void reset_slots(const rcache_entry *e)
{
    interned_of(e->out_path)->slot = UINT32_MAX;
    interned_of(e->template_path)->slot = UINT32_MAX;
    for (size_t i = 0; i < e->ndeps; i++) {
        interned_of(e->deps[i].page)->slot = UINT32_MAX;
        interned_of(e->deps[i].field)->slot = UINT32_MAX;
    }
    for (size_t i = 0; i < e->nrecord; i++)
        interned_of(e->record[i])->slot = UINT32_MAX;
}

/* The table being written: its strings in order, and their bytes. */
typedef struct {
    const char **strings;
    size_t n, cap, bytes;
} table;

static void number_string(table *t, const char *s)
{
    interned *it = interned_of(s);
    if (it->slot != UINT32_MAX)
        return;
    it->slot = (uint32_t)t->n;
    xgrow((void **)&t->strings, &t->cap, t->n + 1, sizeof *t->strings);
    t->strings[t->n++] = s;
    t->bytes += 4 + strlen(s);
}

/* Numbers e's strings in the order write_entry names them; returns the
 * size of its record. */
static size_t number_entry(table *t, const rcache_entry *e)
{
    number_string(t, e->out_path);
    number_string(t, e->template_path);
    for (size_t i = 0; i < e->ndeps; i++) {
        number_string(t, e->deps[i].page);
        number_string(t, e->deps[i].field);
    }
    for (size_t i = 0; i < e->nrecord; i++)
        number_string(t, e->record[i]);
    return 4 + RCACHE_KEY_LEN + 64 + 8 + 4 + 4 + 8 * e->ndeps + 4 + 4 * e->nrecord;
}

/* Writing into a block sized beforehand (the file is tens of MB: no
 * growing buffer, no second copy). */
static unsigned char *write_bytes(unsigned char *p, const void *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static unsigned char *write_entry(unsigned char *p, const rcache_entry *e)
{
    p = bytes_store_u32(p, interned_of(e->out_path)->slot);
    p = write_bytes(p, e->digest, RCACHE_KEY_LEN);
    p = write_bytes(p, e->hex, 64);
    p = bytes_store_u32(p, (uint32_t)e->size);
    p = bytes_store_u32(p, (uint32_t)(e->size >> 32));
    p = bytes_store_u32(p, interned_of(e->template_path)->slot);
    p = bytes_store_u32(p, (uint32_t)e->ndeps);
    for (size_t i = 0; i < e->ndeps; i++) {
        p = bytes_store_u32(p, interned_of(e->deps[i].page)->slot);
        p = bytes_store_u32(p, interned_of(e->deps[i].field)->slot);
    }
    p = bytes_store_u32(p, (uint32_t)e->nrecord);
    for (size_t i = 0; i < e->nrecord; i++)
        p = bytes_store_u32(p, interned_of(e->record[i])->slot);
    return p;
}

int rcache_save(rcache_t *c)
{
    /* every entry to write, sorted by out_path (one per page) */
    size_t n = 0;
    const rcache_entry **all = xcalloc(c->nkept + c->nfresh + 1, sizeof *all);
    for (size_t i = 0; i < c->nold; i++)
        if (c->kept[i])
            all[n++] = &c->old[i];
    for (size_t i = 0; i < c->nfresh; i++)
        all[n++] = &c->fresh[i];
    rcache_entry *sorted = xcalloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = *all[i];
    qsort(sorted, n, sizeof *sorted, compare_entries);
    for (size_t i = 0; i < c->npool; i++)
        c->pool[i]->slot = UINT32_MAX;
    for (size_t i = 0; i < c->nold; i++) /* the file's strings: reset where used */
        reset_slots(&c->old[i]);
    /* number the strings first: the table comes before the entries */
    table t = {0};
    size_t nentries = 0, entry_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !compare_entries(&sorted[i - 1], &sorted[i])) {
            /* one of two for the same page is written (both describe the same
             * bytes or neither is used); NULL marks the other */
            sorted[i].template_path = NULL;
            continue;
        }
        entry_bytes += number_entry(&t, &sorted[i]);
        nentries++;
    }
    size_t hlen = strlen(c->header), len = hlen + 4 + t.bytes + 4 + entry_bytes + 32;
    unsigned char *file = xmalloc(len), *p = write_bytes(file, c->header, hlen);
    p = bytes_store_u32(p, (uint32_t)t.n);
    for (size_t i = 0; i < t.n; i++) {
        size_t slen = strlen(t.strings[i]);
        p = bytes_store_u32(p, (uint32_t)slen);
        p = write_bytes(p, t.strings[i], slen);
    }
    p = bytes_store_u32(p, (uint32_t)nentries);
    for (size_t i = 0; i < n; i++)
        if (sorted[i].template_path)
            p = write_entry(p, &sorted[i]);
    sha256(file, (size_t)(p - file), p);
    char *tmp = xasprintf("%s.tmp-%ld", c->path, (long)getpid());
    int rc = fs_write_file(tmp, file, len) == 0 && rename(tmp, c->path) == 0 ? 0 : -1;
    if (rc < 0) {
        unlink(tmp);
        unlink(c->path);
    }
    free(tmp);
    free(file);
    free(t.strings);
    free(sorted);
    free(all);
    return rc;
}

void rcache_free(rcache_t *c)
{
    if (!c)
        return;
    drop_old(c);
    for (size_t i = 0; i < c->nfresh; i++) {
        free((void *)c->fresh[i].deps);
        free((void *)c->fresh[i].record);
    }
    free(c->fresh);
    free(c->kept);
    for (size_t i = 0; i < c->npool; i++)
        free(c->pool[i]);
    free(c->pool);
    free(c->block);
    strmap_free(&c->names);
    pthread_mutex_destroy(&c->lock);
    free(c->header);
    free(c->path);
    free(c);
}

void rcache_counts(const rcache_t *c, size_t *kept, size_t *put)
{
    *kept = c ? c->nkept : 0;
    *put = c ? c->nfresh : 0;
}
