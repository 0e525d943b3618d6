/* xalloc: allocation that never returns NULL.
 *
 * A static site generator cannot do anything useful once malloc fails, so
 * every allocation goes through these and the process exits with a message
 * instead of threading NULL checks through every caller. */
#ifndef WAYMARK_XALLOC_H
#define WAYMARK_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);                 /* caller frees */
void *xcalloc(size_t count, size_t size); /* caller frees */
void *xrealloc(void *p, size_t n);       /* caller frees the result */
char *xstrdup(const char *s);            /* caller frees; NULL stays NULL */
char *xstrndup(const char *s, size_t n); /* caller frees */
char *xasprintf(const char *fmt, ...)    /* caller frees */
    __attribute__((format(printf, 1, 2)));

/* Grows *items (of elem_size bytes each) so that at least need elements fit. */
void xgrow(void **items, size_t *cap, size_t need, size_t elem_size);

#endif
