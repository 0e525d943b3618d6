#define _DEFAULT_SOURCE
#include "rcache.h"
#include "rcache_impl.h"

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

/* Where address a's probe starts in n (a power of two) slots. */
static size_t address_slot(const char *a, size_t n)
{
    uint64_t key = (uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15u;
    return (size_t)(key >> 32) & (n - 1);
}

static void grow_addresses(rcache_t *c)
{
    size_t old_n = c->naddr_slots;
    struct rcache_address *old = c->addr_slots;
    c->naddr_slots = old_n ? 2 * old_n : 4096;
    c->addr_slots = xcalloc(c->naddr_slots, sizeof *c->addr_slots);
    for (size_t i = 0; i < old_n; i++) {
        if (!old[i].address)
            continue;
        size_t k = address_slot(old[i].address, c->naddr_slots);
        while (c->addr_slots[k].address)
            k = (k + 1) & (c->naddr_slots - 1);
        c->addr_slots[k] = old[i];
    }
    free(old);
}

/* intern for a string known by its address (rcache.h: rcache_put's deps
 * and out_path): each address is looked up by text once. */
static const char *intern_at(rcache_t *c, const char *s)
{
    if (2 * (c->naddr + 1) > c->naddr_slots)
        grow_addresses(c);
    size_t k = address_slot(s, c->naddr_slots);
    for (; c->addr_slots[k].address; k = (k + 1) & (c->naddr_slots - 1))
        if (c->addr_slots[k].address == s)
            return c->addr_slots[k].text;
    c->addr_slots[k].address = s;
    c->addr_slots[k].text = intern(c, s);
    c->naddr++;
    return c->addr_slots[k].text;
}

/* --- reading -------------------------------------------------------------------- */


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
    c->map = fs_map_file(c->path, &c->map_len);
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

static size_t pair_slot(const char *page, const char *field, size_t n)
{
    uint64_t key = (uint64_t)(uintptr_t)page * 0x9e3779b97f4a7c15u ^ (uint64_t)(uintptr_t)field;
    key ^= key >> 29;
    key *= 0xbf58476d1ce4e5b9u;
    key ^= key >> 32;
    return (size_t)key & (n - 1);
}

static void grow_fresh_values(rcache_t *c)
{
    size_t n = c->fv_nslots ? 2 * c->fv_nslots : 4096;
    uint32_t *slots = xcalloc(n, sizeof *slots);
    for (uint32_t v = 0; v < c->nfv; v++) {
        size_t k = pair_slot(c->fv_page[v], c->fv_field[v], n);
        while (slots[k])
            k = (k + 1) & (n - 1);
        slots[k] = v + 1;
    }
    free(c->fv_slots);
    c->fv_slots = slots;
    c->fv_nslots = n;
}

/* The number of the value (page, field) among this build's (both
 * interned), added with digest the first time (caller holds the lock). */
static uint32_t fresh_value(rcache_t *c, const char *page, const char *field,
                            const unsigned char *digest)
{
    if (2 * ((size_t)c->nfv + 1) > c->fv_nslots)
        grow_fresh_values(c);
    size_t k = pair_slot(page, field, c->fv_nslots);
    for (; c->fv_slots[k]; k = (k + 1) & (c->fv_nslots - 1)) {
        uint32_t v = c->fv_slots[k] - 1;
        if (c->fv_page[v] == page && c->fv_field[v] == field)
            return v;
    }
    if (c->nfv == c->fv_cap) {
        c->fv_cap = c->fv_cap ? 2 * c->fv_cap : 1024;
        c->fv_page = xrealloc(c->fv_page, c->fv_cap * sizeof *c->fv_page);
        c->fv_field = xrealloc(c->fv_field, c->fv_cap * sizeof *c->fv_field);
        c->fv_digest = xrealloc(c->fv_digest, c->fv_cap * sizeof *c->fv_digest);
    }
    c->fv_page[c->nfv] = page;
    c->fv_field[c->nfv] = field;
    memcpy(c->fv_digest[c->nfv], digest, RCACHE_VALUE_LEN);
    c->fv_slots[k] = c->nfv + 1;
    return c->nfv++;
}

void rcache_put(rcache_t *c, const rcache_entry *e)
{
    pthread_mutex_lock(&c->lock);
    xgrow((void **)&c->fresh, &c->fresh_cap, c->nfresh + 1, sizeof *c->fresh);
    rcache_entry *n = &c->fresh[c->nfresh++];
    *n = *e;
    n->out_path = intern_at(c, e->out_path);
    n->template_path = intern(c, e->template_path);
    uint32_t *values = xcalloc(e->ndeps ? e->ndeps : 1, sizeof *values);
    for (size_t i = 0; i < e->ndeps; i++)
        values[i] = fresh_value(c, intern_at(c, e->deps[i].page),
                                intern_at(c, e->deps[i].field), e->deps[i].digest);
    n->deps = NULL;
    n->values = values;
    const char **record = xcalloc(e->nrecord ? e->nrecord : 1, sizeof *record);
    for (size_t i = 0; i < e->nrecord; i++)
        record[i] = intern(c, e->record[i]);
    n->record = record;
    pthread_mutex_unlock(&c->lock);
}

void rcache_free(rcache_t *c)
{
    if (!c)
        return;
    rcache_save_commit(c, false); /* what was written and not committed */
    drop_old(c);
    fs_unmap_file(c->map, c->map_len);
    for (size_t i = 0; i < c->nfresh; i++) {
        free((void *)c->fresh[i].values);
        free((void *)c->fresh[i].record);
    }
    free(c->fresh);
    free(c->fv_page);
    free(c->fv_field);
    free(c->fv_digest);
    free(c->fv_slots);
    free(c->kept);
    for (size_t i = 0; i < c->npool; i++)
        free(c->pool[i]);
    free(c->pool);
    free(c->addr_slots);
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
