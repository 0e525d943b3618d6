#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Open addressing with linear probing; cap is a power of two. */
static size_t find(const strmap_t *m, const char *key, uint64_t h)
{
    size_t i = (size_t)h & (m->cap - 1);
    while (m->keys[i] && (m->hashes[i] != h || strcmp(m->keys[i], key)))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void grow(strmap_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    strmap_t bigger = {xcalloc(cap, sizeof *bigger.keys), xcalloc(cap, sizeof *bigger.values),
                       cap, m->len, xcalloc(cap, sizeof *bigger.hashes)};
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t j = (size_t)m->hashes[i] & (cap - 1);
            while (bigger.keys[j])
                j = (j + 1) & (cap - 1);
            bigger.keys[j] = m->keys[i];
            bigger.values[j] = m->values[i];
            bigger.hashes[j] = m->hashes[i];
        }
    free(m->keys);
    free(m->values);
    free(m->hashes);
    *m = bigger;
}

int *strmap_slot(strmap_t *m, const char *key, bool create)
{
    uint64_t h = hash(key);
    if (m->cap) {
        size_t i = find(m, key, h);
        if (m->keys[i])
            return &m->values[i];
    }
    if (!create)
        return NULL;
    if ((m->len + 1) * 2 > m->cap)
        grow(m);
    size_t i = find(m, key, h);
    m->keys[i] = xstrdup(key);
    m->values[i] = 0;
    m->hashes[i] = h;
    m->len++;
    return &m->values[i];
}

void strmap_free(strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->values);
    free(m->hashes);
    *m = (strmap_t)STRMAP_INIT;
}
