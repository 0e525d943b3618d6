#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void reserve(buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    b->data[b->len] = '\0'; /* an empty buffer's cstr/detach is "" too */
}

void buf_reserve(buf_t *b, size_t extra) { reserve(b, extra); }

void buf_putn(buf_t *b, const char *s, size_t n)
{
    reserve(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(buf_t *b, const char *s) { buf_putn(b, s, strlen(s)); }

void buf_putc(buf_t *b, char c) { buf_putn(b, &c, 1); }

void buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
    /* Formatted straight into the spare room; only text longer than that is
     * formatted twice (measuring first was most of a short line's cost). */
    reserve(b, 63);
    va_list copy;
    va_copy(copy, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data + b->len, room, fmt, copy);
    va_end(copy);
    if (n <= 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
}

/* Decimal digits of v, written backwards ending at end; returns the first. */
static char *decimal(char *end, uint64_t v)
{
    do
        *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

void buf_put_u64(buf_t *b, uint64_t v)
{
    char digits[20], *end = digits + sizeof digits, *start = decimal(end, v);
    buf_putn(b, start, (size_t)(end - start));
}

void buf_put_i64(buf_t *b, int64_t v)
{
    char digits[21], *end = digits + sizeof digits;
    /* the magnitude as unsigned, so INT64_MIN does not overflow */
    char *start = decimal(end, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    if (v < 0)
        *--start = '-';
    buf_putn(b, start, (size_t)(end - start));
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_put_html(buf_t *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *entity = NULL;
        switch (s[i]) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&#39;"; break;
        default: continue;
        }
        buf_putn(b, s + start, i - start);
        buf_puts(b, entity);
        start = i + 1;
    }
    buf_putn(b, s + start, n - start);
}

void buf_put_csv(buf_t *b, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        buf_puts(b, s);
        return;
    }
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Both terminate explicitly: a buffer never written to has fresh,
 * unterminated storage after reserve(). */
const char *buf_cstr(buf_t *b)
{
    reserve(b, 0);
    b->data[b->len] = '\0';
    return b->data;
}

char *buf_detach(buf_t *b)
{
    reserve(b, 0);
    b->data[b->len] = '\0'; /* a buffer never written to is "" too */
    char *s = b->data;
    *b = (buf_t)BUF_INIT;
    return s;
}

void buf_free(buf_t *b)
{
    free(b->data);
    *b = (buf_t)BUF_INIT;
}
