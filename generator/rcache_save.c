/* rcache_save: writing the render cache (rcache.h, rcache_impl.h). */
#define _DEFAULT_SOURCE
#include "rcache.h"
#include "rcache_impl.h"

#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "bytes.h"
#include "fs.h"
#include "path.h"
#include "sha256.h"
#include "strmap.h"
#include "xalloc.h"

/* --- writing -------------------------------------------------------------------- */

/* What rcache_save writes: strings and values numbered in the order the
 * entries name them, each once; when appending (the file's are mostly
 * still used), the file's strings and values keep their numbers and only
 * this build's come after them (base). */
typedef struct {
    rcache_t *c;
    uint32_t string_base, value_base;
    struct { const char *text; size_t len; } *strings; /* from string_base on */
    size_t nstrings, strings_cap, string_bytes;
    uint32_t *old_string;  /* per string of the file: its new number, or NONE */
    uint32_t *value_pages, *value_fields;
    unsigned char (*digests)[RCACHE_VALUE_LEN];
    size_t nvalues, values_cap;
    uint32_t *old_value;   /* per value of the file: its new number, or NONE */
    uint32_t *fresh_value; /* per value of this build: its new number, or NONE */
    bool unify;            /* the file's values are numbered too (see add_value) */
    uint64_t *slots;       /* open addressing: (page << 32 | field) + 1, 0 = free */
    uint32_t *slot_value;
    size_t nslots;
} table;

static size_t padded(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

static uint32_t add_string(table *t, const char *s)
{
    xgrow((void **)&t->strings, &t->strings_cap, t->nstrings + 1, sizeof *t->strings);
    size_t len = strlen(s);
    t->strings[t->nstrings].text = s;
    t->strings[t->nstrings].len = len;
    t->string_bytes += 4 + padded(len + 1);
    return t->string_base + (uint32_t)t->nstrings++;
}

/* A string this build interned. */
static uint32_t fresh_string(table *t, const char *s)
{
    interned *it = interned_of(s);
    if (it->slot == NONE)
        it->slot = add_string(t, s);
    return it->slot;
}

/* A string of the file: the same number as an equal interned one. */
static uint32_t file_string(table *t, uint32_t i)
{
    if (t->old_string[i] != NONE)
        return t->old_string[i];
    const char *s = t->c->strings[i];
    int *pooled = t->c->npool ? strmap_slot(&t->c->names, s, false) : NULL;
    uint32_t n = pooled ? fresh_string(t, t->c->pool[*pooled - 1]->text) : add_string(t, s);
    t->old_string[i] = n;
    return n;
}

/* Where key's probe starts in a table of n (a power of two) slots. */
static size_t slot_of(uint64_t key, size_t n)
{
    key ^= key >> 31; /* both halves (page, field) reach every bit */
    key *= 0x9e3779b97f4a7c15u;
    key ^= key >> 29;
    return (size_t)key & (n - 1);
}

static void grow_slots(table *t)
{
    size_t old_n = t->nslots;
    uint64_t *old_slots = t->slots;
    uint32_t *old_values = t->slot_value;
    t->nslots = old_n ? 2 * old_n : 1024;
    t->slots = xcalloc(t->nslots, sizeof *t->slots);
    t->slot_value = xcalloc(t->nslots, sizeof *t->slot_value);
    for (size_t i = 0; i < old_n; i++) {
        if (!old_slots[i])
            continue;
        size_t k = slot_of(old_slots[i], t->nslots);
        while (t->slots[k])
            k = (k + 1) & (t->nslots - 1);
        t->slots[k] = old_slots[i];
        t->slot_value[k] = old_values[i];
    }
    free(old_slots);
    free(old_values);
}

static uint32_t push_value(table *t, uint32_t page, uint32_t field, const unsigned char *digest)
{
    if (t->nvalues == t->values_cap) {
        t->values_cap = t->values_cap ? 2 * t->values_cap : 1024;
        t->value_pages = xrealloc(t->value_pages, t->values_cap * sizeof *t->value_pages);
        t->value_fields = xrealloc(t->value_fields, t->values_cap * sizeof *t->value_fields);
        t->digests = xrealloc(t->digests, t->values_cap * sizeof *t->digests);
    }
    memcpy(t->digests[t->nvalues], digest, RCACHE_VALUE_LEN);
    t->value_pages[t->nvalues] = page;
    t->value_fields[t->nvalues] = field;
    return t->value_base + (uint32_t)t->nvalues++;
}

/* The number of the value (page, field) in the new file, added with
 * digest the first time. This build's values are each one (page, field)
 * already (rcache_put): only when the file's are numbered too do equal
 * ones need finding. */
static uint32_t add_value(table *t, uint32_t page, uint32_t field, const unsigned char *digest)
{
    if (!t->unify)
        return push_value(t, page, field, digest);
    if (2 * (t->nvalues + 1) > t->nslots)
        grow_slots(t);
    uint64_t key = ((uint64_t)page << 32 | field) + 1;
    size_t k = slot_of(key, t->nslots);
    while (t->slots[k] && t->slots[k] != key)
        k = (k + 1) & (t->nslots - 1);
    if (!t->slots[k]) {
        t->slots[k] = key;
        t->slot_value[k] = push_value(t, page, field, digest);
    }
    return t->slot_value[k];
}

static uint32_t file_value(table *t, uint32_t i)
{
    if (t->old_value[i] == NONE) {
        uint32_t page = file_string(t, value_string(t->c, i, 0));
        uint32_t field = file_string(t, value_string(t->c, i, 1));
        t->old_value[i] = add_value(t, page, field, rcache_value(t->c, i).digest);
    }
    return t->old_value[i];
}

/* One of this build's values (rcache_put), numbered for the new file. */
static uint32_t fresh_value_number(table *t, uint32_t v)
{
    const rcache_t *c = t->c;
    if (t->fresh_value[v] == NONE)
        t->fresh_value[v] = add_value(t, fresh_string(t, c->fv_page[v]),
                                      fresh_string(t, c->fv_field[v]), c->fv_digest[v]);
    return t->fresh_value[v];
}

/* An entry to write: its strings and values numbered. */
typedef struct {
    const rcache_entry *e;
    const old_entry *old; /* NULL: put by this build */
    uint32_t out, tpl;
    uint32_t *values, *records; /* owned; NULL: kept where it is */
    bool twin; /* another entry for the same page is written instead */
    uint64_t at; /* its offset in the pack */
} planned;

static int compare_planned(const void *a, const void *b)
{
    return strcmp(((const planned *)a)->e->out_path, ((const planned *)b)->e->out_path);
}

static void number_entry(table *t, planned *p, bool appending)
{
    const rcache_entry *e = p->e;
    if (p->old && appending)
        return;
    p->values = xcalloc(e->ndeps ? e->ndeps : 1, sizeof *p->values);
    p->records = xcalloc(e->nrecord ? e->nrecord : 1, sizeof *p->records);
    if (p->old) {
        p->out = file_string(t, p->old->out);
        p->tpl = file_string(t, p->old->tpl);
        for (size_t i = 0; i < e->ndeps; i++)
            p->values[i] = file_value(t, e->values[i]);
        for (size_t i = 0; i < e->nrecord; i++)
            p->records[i] = file_string(t, p->old->records[i]);
        return;
    }
    p->out = fresh_string(t, e->out_path);
    p->tpl = fresh_string(t, e->template_path);
    for (size_t i = 0; i < e->ndeps; i++)
        p->values[i] = fresh_value_number(t, e->values[i]);
    for (size_t i = 0; i < e->nrecord; i++)
        p->records[i] = fresh_string(t, e->record[i]);
}

/* The segment goes to the file through a small buffer, hashed on the
 * way: at 100,000 pages it is hundreds of MB, which held whole would be
 * as many fresh pages of memory to fault in. */
#define SEGMENT_BUFFER ((size_t)1 << 20)

typedef struct {
    FILE *f;
    unsigned char *buf;
    size_t used;
    uint64_t flushed; /* bytes of the segment written before buf */
    sha256_stream sha;
    bool ok;
} segment_writer;

static void flush_segment(segment_writer *w)
{
    sha256_add(&w->sha, w->buf, w->used);
    w->ok = w->ok && fwrite(w->buf, 1, w->used, w->f) == w->used;
    w->flushed += w->used;
    w->used = 0;
}

static void put_bytes(segment_writer *w, const void *s, size_t n)
{
    const unsigned char *p = s;
    while (n > 0) {
        if (w->used == SEGMENT_BUFFER)
            flush_segment(w);
        size_t take = SEGMENT_BUFFER - w->used < n ? SEGMENT_BUFFER - w->used : n;
        memcpy(w->buf + w->used, p, take);
        w->used += take;
        p += take;
        n -= take;
    }
}

static void put_u32(segment_writer *w, uint32_t v)
{
    unsigned char b[4];
    bytes_store_u32(b, v);
    put_bytes(w, b, 4);
}

/* Where the next byte goes, from the segment's start. */
static uint64_t segment_offset(const segment_writer *w)
{
    return w->flushed + w->used;
}

static void put_entry(segment_writer *w, const planned *pl)
{
    const rcache_entry *e = pl->e;
    put_u32(w, pl->out);
    put_bytes(w, e->digest, RCACHE_KEY_LEN);
    put_bytes(w, e->hex, 64);
    put_u32(w, (uint32_t)e->size);
    put_u32(w, (uint32_t)(e->size >> 32));
    put_u32(w, pl->tpl);
    put_u32(w, (uint32_t)e->ndeps);
    for (size_t i = 0; i < e->ndeps; i++)
        put_u32(w, pl->values[i]);
    put_u32(w, (uint32_t)e->nrecord);
    for (size_t i = 0; i < e->nrecord; i++)
        put_u32(w, pl->records[i]);
}

static size_t entry_bytes(const rcache_entry *e)
{
    return 4 + RCACHE_KEY_LEN + 64 + 8 + 4 + 4 + 4 * e->ndeps + 4 + 4 * e->nrecord;
}

static void table_free(table *t)
{
    free(t->strings);
    free(t->old_string);
    free(t->value_pages);
    free(t->value_fields);
    free(t->digests);
    free(t->old_value);
    free(t->fresh_value);
    free(t->slots);
    free(t->slot_value);
}

/* Whether the entries in use are most of the pack (its entries' bytes and
 * its values): then this build's entries are appended as a segment; else
 * the pack is written anew with only what is used. */
static bool mostly_used(const rcache_t *c)
{
    if (!c->nold)
        return false;
    size_t kept_bytes = 0, used = 0;
    bool *seen = xcalloc(c->nvalues ? c->nvalues : 1, sizeof *seen);
    for (size_t i = 0; i < c->nold; i++) {
        if (!c->kept[i])
            continue;
        kept_bytes += c->old[i].len;
        const rcache_entry *e = &c->old[i].e;
        for (size_t k = 0; k < e->ndeps; k++) {
            used += !seen[e->values[k]];
            seen[e->values[k]] = true;
        }
    }
    free(seen);
    return 2 * kept_bytes >= c->all_bytes && 2 * used >= c->nvalues;
}

/* Writes to f a segment holding what t numbered and the entries of all
 * that are written (not twins, not kept where they are); each one's at
 * gets its place from the segment's start. The segment's SHA-256 (its
 * last 32 bytes) into digest, its length into *len; false when writing
 * failed. */
static bool write_segment(FILE *f, const table *t, planned *all, size_t n, size_t bytes,
                          size_t nentries, unsigned char digest[32], uint64_t *len)
{
    segment_writer w = {.f = f, .buf = xmalloc(SEGMENT_BUFFER), .ok = true};
    sha256_begin(&w.sha);
    uint64_t body = t->string_bytes + t->nvalues * VALUE_BYTES + bytes;
    put_u32(&w, (uint32_t)t->nstrings);
    put_u32(&w, (uint32_t)t->nvalues);
    put_u32(&w, (uint32_t)nentries);
    put_u32(&w, 0);
    put_u32(&w, (uint32_t)body);
    put_u32(&w, (uint32_t)(body >> 32));
    static const unsigned char zeros[4] = {0};
    for (size_t i = 0; i < t->nstrings; i++) {
        size_t slen = t->strings[i].len;
        put_u32(&w, (uint32_t)slen);
        put_bytes(&w, t->strings[i].text, slen + 1);
        put_bytes(&w, zeros, padded(slen + 1) - (slen + 1));
    }
    for (size_t i = 0; i < t->nvalues; i++) {
        put_u32(&w, t->value_pages[i]);
        put_u32(&w, t->value_fields[i]);
        put_bytes(&w, t->digests[i], RCACHE_VALUE_LEN);
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i].twin || !all[i].values)
            continue;
        all[i].at = segment_offset(&w);
        put_entry(&w, &all[i]);
    }
    flush_segment(&w);
    sha256_end(&w.sha, digest);
    w.ok = w.ok && fwrite(digest, 1, 32, f) == 32;
    *len = w.flushed + 32;
    free(w.buf);
    return w.ok;
}

/* The new index: the entries in use, by out_path. */
static void make_index(const rcache_t *c, const planned *all, size_t n, uint64_t pack_size,
                       const unsigned char first[32], buf_t *b)
{
    buf_puts(b, c->header);
    bytes_put_u64(b, pack_size);
    buf_putn(b, (const char *)first, 32);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += !all[i].twin;
    bytes_put_u32(b, (uint32_t)count);
    for (size_t i = 0; i < n; i++)
        if (!all[i].twin)
            bytes_put_u64(b, all[i].at);
    bytes_seal(b);
}

/* The file the new segment goes to: the pack itself, truncated to what
 * its index covers (a save that stopped half way may have left more),
 * when appending; else a new pack beside it (its name in *new_pack),
 * its header written. NULL when it cannot be opened. */
static FILE *open_pack(const rcache_t *c, bool appending, char **new_pack)
{
    *new_pack = NULL;
    if (appending) {
        if (truncate(c->path, (off_t)c->pack_size) < 0)
            return NULL;
        return fopen(c->path, "ab");
    }
    static const char zeros[4] = {0};
    size_t hlen = strlen(c->header), pad = (4 - hlen % 4) % 4;
    char *tmp = fs_temp_path(c->path);
    FILE *f = fopen(tmp, "wb");
    if (f && fwrite(c->header, 1, hlen, f) == hlen && fwrite(zeros, 1, pad, f) == pad) {
        *new_pack = tmp;
        return f;
    }
    if (f)
        fclose(f);
    unlink(tmp);
    free(tmp);
    return NULL;
}

static void drop_pending(rcache_t *c)
{
    if (c->pending.appended && truncate(c->path, (off_t)c->pack_size) < 0) {
        /* back to the bytes the index covers failed: the next read ignores
         * the rest */
    }
    c->pending.appended = false;
    if (c->pending.new_pack)
        unlink(c->pending.new_pack);
    free(c->pending.new_pack);
    c->pending.new_pack = NULL;
    buf_free(&c->pending.index);
    c->pending.written = false;
}

int rcache_save_write(rcache_t *c)
{
    /* every entry to write, sorted by out_path (one per page) */
    size_t n = 0;
    planned *all = xcalloc(c->nkept + c->nfresh + 1, sizeof *all);
    for (size_t i = 0; i < c->nold; i++)
        if (c->kept[i])
            all[n++] = (planned){.e = &c->old[i].e, .old = &c->old[i]};
    for (size_t i = 0; i < c->nfresh; i++)
        all[n++] = (planned){.e = &c->fresh[i]};
    if (n > 1)
        qsort(all, n, sizeof *all, compare_planned);
    for (size_t i = 0; i < c->npool; i++)
        c->pool[i]->slot = NONE;
    bool appending = mostly_used(c);
    /* appending keeps the file's values where they are */
    table t = {.c = c, .unify = !appending && c->nkept > 0};
    if (appending) {
        t.string_base = c->nstrings;
        t.value_base = c->nvalues;
    }
    t.old_string = xmalloc((c->nstrings + 1) * sizeof *t.old_string);
    memset(t.old_string, 0xff, (c->nstrings + 1) * sizeof *t.old_string);
    t.old_value = xmalloc((c->nvalues + 1) * sizeof *t.old_value);
    memset(t.old_value, 0xff, (c->nvalues + 1) * sizeof *t.old_value);
    t.fresh_value = xmalloc(((size_t)c->nfv + 1) * sizeof *t.fresh_value);
    memset(t.fresh_value, 0xff, ((size_t)c->nfv + 1) * sizeof *t.fresh_value);
    size_t nentries = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        /* one of two for the same page is written (both describe the same
         * bytes or neither is used) */
        if (i > 0 && !compare_planned(&all[i - 1], &all[i])) {
            all[i].twin = true;
            continue;
        }
        number_entry(&t, &all[i], appending);
        if (all[i].values) {
            bytes += entry_bytes(all[i].e);
            nentries++;
        } else { /* kept where it is */
            all[i].at = (uint64_t)(all[i].old->bytes - c->map);
        }
    }
    drop_pending(c);
    uint64_t base = appending ? c->pack_size : (strlen(c->header) + 3) & ~(size_t)3;
    unsigned char digest[32];
    uint64_t len = 0;
    FILE *f = open_pack(c, appending, &c->pending.new_pack);
    c->pending.appended = f && appending;
    bool ok = f && write_segment(f, &t, all, n, bytes, nentries, digest, &len);
    if (f) {
        ok = fflush(f) == 0 && ok;
        ok = fclose(f) == 0 && ok;
    }
    if (ok) {
        for (size_t i = 0; i < n; i++)
            if (!all[i].twin && all[i].values)
                all[i].at += base;
        make_index(c, all, n, base + len, appending ? c->first : digest, &c->pending.index);
    }
    c->pending.written = ok;
    for (size_t i = 0; i < n; i++) {
        free(all[i].values);
        free(all[i].records);
    }
    free(all);
    table_free(&t);
    return ok ? 0 : -1;
}

int rcache_save_commit(rcache_t *c, bool keep)
{
    if (!keep) {
        drop_pending(c); /* an appended segment lies past what the index covers */
        return 0;
    }
    bool ok = c->pending.written;
    c->pending.appended = false; /* in use from now on, or dropped by the index */
    if (ok && c->pending.new_pack) {
        ok = rename(c->pending.new_pack, c->path) == 0;
        if (ok) {
            free(c->pending.new_pack);
            c->pending.new_pack = NULL;
        }
    }
    ok = ok && fs_replace_file(c->index, c->pending.index.data, c->pending.index.len) == 0;
    if (!ok)
        unlink(c->index);
    drop_pending(c);
    return ok ? 0 : -1;
}

int rcache_save(rcache_t *c)
{
    int rc = rcache_save_write(c);
    return rcache_save_commit(c, true) == 0 && rc == 0 ? 0 : -1;
}
