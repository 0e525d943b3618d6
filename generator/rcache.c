#define _DEFAULT_SOURCE
#include "rcache.h"

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

static interned *interned_of(const char *text)
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
    rcache_entry *fresh;   /* put by this build (strings interned, arrays owned) */
    size_t nfresh, fresh_cap;
    strmap_t names;        /* interned strings: value = index in pool + 1 */
    interned **pool;
    size_t npool, pool_cap;
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
    it->slot = NONE;
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

static uint32_t string_number(rcache_t *c, byte_cursor *cur)
{
    uint32_t i = cursor_u32(cur);
    if (cur->ok && i < c->nstrings)
        return i;
    cur->ok = false;
    return 0;
}

/* Skips the zeros that bring the cursor to a multiple of 4 from the
 * start of the file (the map is page-aligned). */
static bool skip_padding(const rcache_t *c, byte_cursor *cur)
{
    size_t n = (4 - (size_t)(cur->p - c->map) % 4) % 4;
    const unsigned char *pad = cursor_bytes(cur, n);
    return pad && (n == 0 || !memcmp(pad, "\0\0\0", n));
}

/* Grows a u32-counted array (xgrow works on size_t counts). */
static void grow(void **items, uint32_t *cap, size_t need, size_t size)
{
    size_t c = *cap;
    xgrow(items, &c, need, size);
    *cap = (uint32_t)(c > UINT32_MAX ? UINT32_MAX : c);
}

static bool read_strings(rcache_t *c, byte_cursor *cur, uint32_t n)
{
    if (n > (size_t)(cur->end - cur->p) / 8 || n > UINT32_MAX - c->nstrings - 1)
        return false;
    grow((void **)&c->strings, &c->strings_cap, (size_t)c->nstrings + n + 1, sizeof *c->strings);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = cursor_u32(cur);
        const unsigned char *s = len < UINT32_MAX ? cursor_bytes(cur, (size_t)len + 1) : NULL;
        if (!s || s[len] || memchr(s, '\0', len) || !skip_padding(c, cur))
            return false;
        c->strings[c->nstrings++] = (const char *)s;
    }
    return cur->ok;
}

/* A value is u32 page, u32 field, digest: checked here, read in place. */
#define VALUE_BYTES (8 + RCACHE_VALUE_LEN)

static bool read_values(rcache_t *c, byte_cursor *cur, uint32_t n)
{
    if (n > (size_t)(cur->end - cur->p) / VALUE_BYTES || n > UINT32_MAX - c->nvalues - 1)
        return false;
    grow((void **)&c->values, &c->values_cap, (size_t)c->nvalues + n + 1, sizeof *c->values);
    for (uint32_t i = 0; cur->ok && i < n; i++) {
        c->values[c->nvalues++] = cur->p;
        string_number(c, cur);
        string_number(c, cur);
        cursor_bytes(cur, RCACHE_VALUE_LEN);
    }
    return cur->ok;
}

/* n u32 numbers below limit, used where the file has them (aligned,
 * little-endian); NULL when one is not. */
static const uint32_t *read_numbers(byte_cursor *cur, uint32_t n, uint32_t limit)
{
    const unsigned char *at = cursor_bytes(cur, (size_t)n * 4);
    if (!at)
        return NULL;
    const uint32_t *numbers = (const uint32_t *)(const void *)at;
    for (uint32_t i = 0; i < n; i++)
        if (numbers[i] >= limit)
            return NULL;
    return numbers;
}

static bool read_entry(rcache_t *c, byte_cursor *cur, old_entry *o)
{
    rcache_entry *e = &o->e;
    o->bytes = cur->p;
    o->out = string_number(c, cur);
    const unsigned char *digest = cursor_bytes(cur, RCACHE_KEY_LEN);
    const unsigned char *hex = cursor_bytes(cur, 64);
    uint64_t size = cursor_u64(cur);
    o->tpl = string_number(c, cur);
    uint32_t ndeps = cursor_u32(cur);
    if (!cur->ok || ndeps > (size_t)(cur->end - cur->p) / 4)
        return false;
    memcpy(e->digest, digest, RCACHE_KEY_LEN);
    memcpy(e->hex, hex, 64);
    e->hex[64] = '\0';
    if (strspn(e->hex, "0123456789abcdef") != 64)
        return false;
    e->out_path = c->strings[o->out];
    e->template_path = c->strings[o->tpl];
    e->size = size;
    e->ndeps = ndeps;
    e->values = read_numbers(cur, ndeps, c->nvalues);
    uint32_t nrec = cursor_u32(cur);
    if (!e->values || !cur->ok || nrec > (size_t)(cur->end - cur->p) / 4)
        return false;
    e->nrecord = nrec;
    o->records = read_numbers(cur, nrec, c->nstrings);
    o->len = (size_t)(cur->p - o->bytes);
    return o->records != NULL;
}

static bool read_entries(rcache_t *c, byte_cursor *cur, uint32_t n)
{
    /* an entry is at least 120 bytes */
    if (n > (size_t)(cur->end - cur->p) / 120)
        return false;
    xgrow((void **)&c->all, &c->all_cap, c->nall + n + 1, sizeof *c->all);
    for (uint32_t i = 0; i < n; i++) {
        old_entry *o = &c->all[c->nall];
        *o = (old_entry){0};
        if (!read_entry(c, cur, o))
            return false;
        c->all_bytes += o->len;
        c->nall++;
    }
    return true;
}

/* One segment: checked whole, then read. */
static bool read_segment(rcache_t *c, byte_cursor *cur, bool first)
{
    const unsigned char *start = cur->p;
    uint32_t nstrings = cursor_u32(cur), nvalues = cursor_u32(cur), nentries = cursor_u32(cur);
    uint32_t zero = cursor_u32(cur);
    uint64_t len = cursor_u64(cur);
    if (!cur->ok || zero || len % 4 || len > (uint64_t)(cur->end - cur->p))
        return false;
    byte_cursor body = {cur->p, cur->p + len, true};
    cur->p += len;
    const unsigned char *digest = cursor_bytes(cur, 32);
    if (!digest)
        return false;
    unsigned char now[32];
    sha256(start, SEGMENT_HEAD + (size_t)len, now);
    if (memcmp(now, digest, 32) || (first && memcmp(digest, c->first, 32)))
        return false;
    return read_strings(c, &body, nstrings) && read_values(c, &body, nvalues) &&
           read_entries(c, &body, nentries) && body.p == body.end;
}

static void drop_old(rcache_t *c)
{
    free(c->strings);
    free(c->values);
    free(c->all);
    free(c->old);
    c->strings = NULL;
    c->values = NULL;
    c->all = NULL;
    c->old = NULL;
    c->nstrings = c->nvalues = c->strings_cap = c->values_cap = 0;
    c->nall = c->all_cap = c->all_bytes = c->nold = 0;
}

static void map_file(rcache_t *c)
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
}

static int compare_offsets(const void *a, const void *b)
{
    const unsigned char *x = ((const old_entry *)a)->bytes, *y = ((const old_entry *)b)->bytes;
    return x < y ? -1 : x > y;
}

/* The entries the index names, in its order (by out_path). */
static bool read_index(rcache_t *c, const unsigned char *data, size_t len)
{
    size_t hlen = strlen(c->header);
    if (len < hlen + 8 + 32 + 4 + 32 || memcmp(data, c->header, hlen))
        return false;
    unsigned char digest[32];
    sha256(data, len - 32, digest);
    if (memcmp(digest, data + len - 32, 32))
        return false;
    byte_cursor cur = {data + hlen, data + len - 32, true};
    c->pack_size = cursor_u64(&cur);
    const unsigned char *first = cursor_bytes(&cur, 32);
    uint32_t n = cursor_u32(&cur);
    if (!cur.ok || n != (size_t)(cur.end - cur.p) / 8 || (size_t)(cur.end - cur.p) % 8 ||
        c->pack_size > c->map_len)
        return false;
    memcpy(c->first, first, 32);
    return true;
}

static bool pick_entries(rcache_t *c, const unsigned char *offsets, uint32_t n)
{
    c->old = xcalloc(n ? n : 1, sizeof *c->old);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = bytes_u64_at(offsets + 8 * (size_t)i);
        if (at >= c->pack_size)
            return false;
        old_entry probe = {.bytes = c->map + at};
        old_entry *o = c->nall ? bsearch(&probe, c->all, c->nall, sizeof *c->all,
                                         compare_offsets) : NULL;
        if (!o)
            return false;
        c->old[c->nold++] = *o;
        if (i > 0 && compare_entries(&c->old[i - 1].e, &c->old[i].e) >= 0)
            return false;
    }
    return true;
}

static void read_file(rcache_t *c)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    return; /* its numbers are used in place, as a little-endian machine reads them */
#endif
    size_t hlen = strlen(c->header), len;
    char *index;
    map_file(c);
    if (!c->map || c->map_len < hlen || memcmp(c->map, c->header, hlen) ||
        fs_read_file(c->index, &index, &len) < 0)
        return;
    const unsigned char *idx = (const unsigned char *)index;
    bool ok = read_index(c, idx, len);
    byte_cursor cur = {c->map + hlen, c->map + (ok ? c->pack_size : hlen), ok};
    ok = ok && skip_padding(c, &cur);
    for (bool first = true; ok && cur.p < cur.end; first = false)
        ok = read_segment(c, &cur, first);
    size_t at = hlen + 8 + 32;
    ok = ok && pick_entries(c, idx + at + 4, bytes_u32_at(idx + at));
    if (!ok)
        drop_old(c);
    free(index);
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
    c->index = path_join(cache_dir, INDEX_NAME);
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
    const old_entry *o = bsearch(&probe, c->old, c->nold, sizeof *c->old, compare_entries);
    return o ? &o->e : NULL;
}

size_t rcache_nvalues(const rcache_t *c)
{
    return c ? c->nvalues : 0;
}

/* The page and field string numbers of value i. */
static uint32_t value_string(const rcache_t *c, uint32_t i, int which)
{
    return bytes_u32_at(c->values[i] + 4 * (size_t)which);
}

rcache_dep rcache_value(const rcache_t *c, uint32_t i)
{
    rcache_dep v = {c->strings[value_string(c, i, 0)], c->strings[value_string(c, i, 1)], {0}};
    memcpy(v.digest, c->values[i] + 8, RCACHE_VALUE_LEN);
    return v;
}

void rcache_record(const rcache_t *c, const rcache_entry *e, const char **items)
{
    const old_entry *o = (const old_entry *)(const void *)e;
    for (size_t i = 0; i < e->nrecord; i++)
        items[i] = c->strings[o->records[i]];
}

void rcache_keep(rcache_t *c, const rcache_entry *e)
{
    size_t i = (size_t)((const old_entry *)(const void *)e - c->old);
    pthread_mutex_lock(&c->lock);
    if (!c->kept[i])
        c->nkept++;
    c->kept[i] = true;
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
    for (size_t i = 0; i < e->ndeps; i++) {
        deps[i] = e->deps[i];
        deps[i].page = intern(c, e->deps[i].page);
        deps[i].field = intern(c, e->deps[i].field);
    }
    n->deps = deps;
    n->values = NULL;
    const char **record = xcalloc(e->nrecord ? e->nrecord : 1, sizeof *record);
    for (size_t i = 0; i < e->nrecord; i++)
        record[i] = intern(c, e->record[i]);
    n->record = record;
    pthread_mutex_unlock(&c->lock);
}

/* --- writing -------------------------------------------------------------------- */

/* What rcache_save writes: strings and values numbered in the order the
 * entries name them, each once; when appending (the file's are mostly
 * still used), the file's strings and values keep their numbers and only
 * this build's come after them (base). */
typedef struct {
    rcache_t *c;
    uint32_t string_base, value_base;
    const char **strings;  /* from string_base on */
    size_t nstrings, strings_cap, string_bytes;
    uint32_t *old_string;  /* per string of the file: its new number, or NONE */
    uint32_t *value_pages, *value_fields;
    unsigned char (*digests)[RCACHE_VALUE_LEN];
    size_t nvalues, values_cap;
    uint32_t *old_value;   /* per value of the file: its new number, or NONE */
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
    t->strings[t->nstrings] = s;
    t->string_bytes += 4 + padded(strlen(s) + 1);
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

/* The number of the value (page, field) in the new file, added with
 * digest the first time. */
static uint32_t add_value(table *t, uint32_t page, uint32_t field, const unsigned char *digest)
{
    if (2 * (t->nvalues + 1) > t->nslots)
        grow_slots(t);
    uint64_t key = ((uint64_t)page << 32 | field) + 1;
    size_t k = slot_of(key, t->nslots);
    while (t->slots[k] && t->slots[k] != key)
        k = (k + 1) & (t->nslots - 1);
    if (t->slots[k])
        return t->slot_value[k];
    if (t->nvalues == t->values_cap) {
        t->values_cap = t->values_cap ? 2 * t->values_cap : 1024;
        t->value_pages = xrealloc(t->value_pages, t->values_cap * sizeof *t->value_pages);
        t->value_fields = xrealloc(t->value_fields, t->values_cap * sizeof *t->value_fields);
        t->digests = xrealloc(t->digests, t->values_cap * sizeof *t->digests);
    }
    memcpy(t->digests[t->nvalues], digest, RCACHE_VALUE_LEN);
    t->value_pages[t->nvalues] = page;
    t->value_fields[t->nvalues] = field;
    t->slots[k] = key;
    t->slot_value[k] = t->value_base + (uint32_t)t->nvalues;
    return t->value_base + (uint32_t)t->nvalues++;
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
        p->values[i] = add_value(t, fresh_string(t, e->deps[i].page),
                                 fresh_string(t, e->deps[i].field), e->deps[i].digest);
    for (size_t i = 0; i < e->nrecord; i++)
        p->records[i] = fresh_string(t, e->record[i]);
}

/* Writing into a block sized beforehand (the file is MBs: no growing
 * buffer, no second copy). */
static unsigned char *write_bytes(unsigned char *p, const void *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static unsigned char *write_entry(unsigned char *p, const planned *pl)
{
    const rcache_entry *e = pl->e;
    p = bytes_store_u32(p, pl->out);
    p = write_bytes(p, e->digest, RCACHE_KEY_LEN);
    p = write_bytes(p, e->hex, 64);
    p = bytes_store_u32(p, (uint32_t)e->size);
    p = bytes_store_u32(p, (uint32_t)(e->size >> 32));
    p = bytes_store_u32(p, pl->tpl);
    p = bytes_store_u32(p, (uint32_t)e->ndeps);
    for (size_t i = 0; i < e->ndeps; i++)
        p = bytes_store_u32(p, pl->values[i]);
    p = bytes_store_u32(p, (uint32_t)e->nrecord);
    for (size_t i = 0; i < e->nrecord; i++)
        p = bytes_store_u32(p, pl->records[i]);
    return p;
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

/* A segment holding what t numbered and the entries of all that are
 * written (not twins, not kept where they are); each one's at gets its
 * place from the segment's start. Caller frees; *len its size. */
static unsigned char *make_segment(const table *t, planned *all, size_t n, size_t bytes,
                                   size_t nentries, size_t *len)
{
    size_t body = t->string_bytes + t->nvalues * VALUE_BYTES + bytes;
    *len = SEGMENT_HEAD + body + 32;
    unsigned char *seg = xmalloc(*len), *p = seg + SEGMENT_HEAD;
    for (size_t i = 0; i < t->nstrings; i++) {
        size_t slen = strlen(t->strings[i]);
        p = bytes_store_u32(p, (uint32_t)slen);
        p = write_bytes(p, t->strings[i], slen + 1);
        while ((size_t)(p - seg) % 4)
            *p++ = 0;
    }
    for (size_t i = 0; i < t->nvalues; i++) {
        p = bytes_store_u32(p, t->value_pages[i]);
        p = bytes_store_u32(p, t->value_fields[i]);
        p = write_bytes(p, t->digests[i], RCACHE_VALUE_LEN);
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i].twin || !all[i].values)
            continue;
        all[i].at = (uint64_t)(p - seg);
        p = write_entry(p, &all[i]);
    }
    p = bytes_store_u32(seg, (uint32_t)t->nstrings);
    p = bytes_store_u32(p, (uint32_t)t->nvalues);
    p = bytes_store_u32(p, (uint32_t)nentries);
    p = bytes_store_u32(p, 0);
    p = bytes_store_u32(p, (uint32_t)body);
    bytes_store_u32(p, (uint32_t)((uint64_t)body >> 32));
    sha256(seg, SEGMENT_HEAD + body, seg + SEGMENT_HEAD + body);
    return seg;
}

/* The new index: the entries in use, by out_path. */
static bool write_index(const rcache_t *c, const planned *all, size_t n, uint64_t pack_size,
                        const unsigned char first[32])
{
    buf_t b = {0};
    buf_puts(&b, c->header);
    bytes_put_u64(&b, pack_size);
    buf_putn(&b, (const char *)first, 32);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += !all[i].twin;
    bytes_put_u32(&b, (uint32_t)count);
    for (size_t i = 0; i < n; i++)
        if (!all[i].twin)
            bytes_put_u64(&b, all[i].at);
    unsigned char digest[32];
    sha256(b.data, b.len, digest);
    buf_putn(&b, (const char *)digest, 32);
    char *tmp = xasprintf("%s.tmp-%ld", c->index, (long)getpid());
    bool ok = fs_write_file(tmp, b.data, b.len) == 0 && rename(tmp, c->index) == 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    buf_free(&b);
    return ok;
}

/* Appends seg to the pack as the index left it (a save that stopped
 * half way may have left more). */
static bool append_segment(const rcache_t *c, const unsigned char *seg, size_t len)
{
    if (truncate(c->path, (off_t)c->pack_size) < 0)
        return false;
    FILE *f = fopen(c->path, "ab");
    if (!f)
        return false;
    bool ok = fwrite(seg, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Writes the pack anew (beside it, then renamed): its header and seg. */
static bool write_pack(const rcache_t *c, const unsigned char *seg, size_t len, size_t hlen)
{
    static const char zeros[4] = {0};
    size_t pad = (4 - hlen % 4) % 4;
    char *tmp = xasprintf("%s.tmp-%ld", c->path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(c->header, 1, hlen, f) == hlen && fwrite(zeros, 1, pad, f) == pad &&
              fwrite(seg, 1, len, f) == len;
    if (f)
        ok = fclose(f) == 0 && ok;
    ok = ok && rename(tmp, c->path) == 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}

int rcache_save(rcache_t *c)
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
    table t = {.c = c};
    if (appending) {
        t.string_base = c->nstrings;
        t.value_base = c->nvalues;
    }
    t.old_string = xmalloc((c->nstrings + 1) * sizeof *t.old_string);
    memset(t.old_string, 0xff, (c->nstrings + 1) * sizeof *t.old_string);
    t.old_value = xmalloc((c->nvalues + 1) * sizeof *t.old_value);
    memset(t.old_value, 0xff, (c->nvalues + 1) * sizeof *t.old_value);
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
    size_t len, hlen = strlen(c->header);
    unsigned char *seg = make_segment(&t, all, n, bytes, nentries, &len);
    uint64_t base = appending ? c->pack_size : (hlen + 3) & ~(size_t)3;
    for (size_t i = 0; i < n; i++)
        if (!all[i].twin && all[i].values)
            all[i].at += base;
    unsigned char first[32];
    memcpy(first, appending ? c->first : seg + len - 32, 32);
    bool ok = appending ? append_segment(c, seg, len) : write_pack(c, seg, len, hlen);
    ok = ok && write_index(c, all, n, base + len, first);
    if (!ok)
        unlink(c->index);
    free(seg);
    for (size_t i = 0; i < n; i++) {
        free(all[i].values);
        free(all[i].records);
    }
    free(all);
    table_free(&t);
    return ok ? 0 : -1;
}

void rcache_free(rcache_t *c)
{
    if (!c)
        return;
    drop_old(c);
    if (c->map)
        munmap(c->map, c->map_len);
    for (size_t i = 0; i < c->nfresh; i++) {
        free((void *)c->fresh[i].deps);
        free((void *)c->fresh[i].record);
    }
    free(c->fresh);
    free(c->kept);
    for (size_t i = 0; i < c->npool; i++)
        free(c->pool[i]);
    free(c->pool);
    strmap_free(&c->names);
    pthread_mutex_destroy(&c->lock);
    free(c->header);
    free(c->path);
    free(c->index);
    free(c);
}

void rcache_counts(const rcache_t *c, size_t *kept, size_t *put)
{
    *kept = c ? c->nkept : 0;
    *put = c ? c->nfresh : 0;
}
