/* buf: the one growable string builder of the project.
 *
 * A zeroed buf_t (BUF_INIT) is an empty buffer. data is always
 * NUL-terminated once anything was written; buf_cstr() works on an empty one.
 * The buffer owns data until buf_detach() hands it to the caller. */
#ifndef WAYMARK_BUF_H
#define WAYMARK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT {NULL, 0, 0}

void buf_putn(buf_t *b, const char *s, size_t n);
/* Makes room for extra more bytes at once (a writer that knows its size
 * spares the buffer's doublings, each a copy into fresh memory). */
void buf_reserve(buf_t *b, size_t extra);
void buf_puts(buf_t *b, const char *s);
void buf_putc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Append v in decimal, as printf's PRIu64 / PRId64 would, without printf's
 * cost (for files of thousands of numbered lines). */
void buf_put_u64(buf_t *b, uint64_t v);
void buf_put_i64(buf_t *b, int64_t v);
/* Appends s with & < > " ' escaped, safe in HTML text and quoted attributes. */
void buf_put_html(buf_t *b, const char *s, size_t n);
/* Appends s as one CSV field (RFC 4180): quoted, with quotes doubled, when
 * it holds a comma, a quote or a line break; NULL appends nothing. */
void buf_put_csv(buf_t *b, const char *s);
void buf_reset(buf_t *b);              /* len = 0, keeps the memory */
const char *buf_cstr(buf_t *b);        /* borrowed, valid until the next write */
char *buf_detach(buf_t *b);            /* caller frees; b becomes empty */
void buf_free(buf_t *b);

#endif
