#include "diag.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

void diag_add(diags_t *d, diag_level level, const char *path, int line, int col,
              const char *fmt, va_list ap)
{
    xgrow((void **)&d->items, &d->cap, d->len + 1, sizeof *d->items);
    buf_t msg = BUF_INIT;
    buf_vprintf(&msg, fmt, ap);
    d->items[d->len++] = (diag_t){level, xstrdup(path ? path : "waymark"), line, col,
                                  buf_detach(&msg)};
    if (level == DIAG_ERROR)
        d->errors++;
    else
        d->warnings++;
}

void diag_error(diags_t *d, const char *path, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, DIAG_ERROR, path, line, col, fmt, ap);
    va_end(ap);
}

void diag_warning(diags_t *d, const char *path, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, DIAG_WARNING, path, line, col, fmt, ap);
    va_end(ap);
}

void diag_merge(diags_t *into, diags_t *from)
{
    if (!from->len) { /* from->items may be NULL: memcpy must not see it */
        diag_free(from);
        return;
    }
    xgrow((void **)&into->items, &into->cap, into->len + from->len, sizeof *into->items);
    memcpy(into->items + into->len, from->items, from->len * sizeof *from->items);
    into->len += from->len;
    into->errors += from->errors;
    into->warnings += from->warnings;
    free(from->items);
    *from = (diags_t)DIAGS_INIT;
}

static int compare_items(const void *a, const void *b)
{
    const diag_t *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    return strcmp(x->msg, y->msg);
}

char *diag_format(const diag_t *item)
{
    buf_t out = BUF_INIT;
    buf_puts(&out, item->path);
    if (item->line > 0) {
        buf_printf(&out, ":%d", item->line);
        if (item->col > 0)
            buf_printf(&out, ":%d", item->col);
    }
    buf_printf(&out, ": %s: %s", item->level == DIAG_ERROR ? "error" : "warning", item->msg);
    return buf_detach(&out);
}

void diag_print(diags_t *d, FILE *out)
{
    if (d->len > 1)
        qsort(d->items, d->len, sizeof *d->items, compare_items);
    for (size_t i = 0; i < d->len; i++) {
        char *line = diag_format(&d->items[i]);
        fprintf(out, "%s\n", line);
        free(line);
    }
}

void diag_free(diags_t *d)
{
    for (size_t i = 0; i < d->len; i++) {
        free(d->items[i].path);
        free(d->items[i].msg);
    }
    free(d->items);
    *d = (diags_t)DIAGS_INIT;
}
