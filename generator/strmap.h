/* strmap: a small hash map from strings to ints, for the places where a
 * linear search over earlier items made hostile input quadratic or worse
 * (20,000 headings with the same text). Keys are copied. */
#ifndef WAYMARK_STRMAP_H
#define WAYMARK_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char **keys;     /* owned; NULL = empty slot */
    int *values;
    size_t cap, len;
    uint64_t *hashes; /* of each key: probes and growing skip most strcmps */
} strmap_t;

#define STRMAP_INIT {NULL, NULL, 0, 0, NULL}

/* The value slot of key (borrowed until the next insert), or NULL when key
 * is absent and create is false. A created slot starts at 0. */
int *strmap_slot(strmap_t *m, const char *key, bool create);
void strmap_free(strmap_t *m);

#endif
