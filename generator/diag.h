/* diag: the one error reporter. Errors are data.
 *
 * Every stage reports problems here with the source position that caused
 * them and keeps going, so one run shows every problem. A stage never prints
 * or exits; main() prints the collected list and turns the count into the
 * exit code. A diags_t is not shared between threads: each worker fills its
 * own and the caller merges them (diag_merge), then diag_print sorts by
 * path, line and column so output does not depend on scheduling. */
#ifndef WAYMARK_DIAG_H
#define WAYMARK_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { DIAG_ERROR, DIAG_WARNING } diag_level;

typedef struct {
    diag_level level;
    char *path; /* owned; site-relative where possible */
    int line;   /* 1-based; 0 = whole file */
    int col;    /* 1-based; 0 = whole line */
    char *msg;  /* owned */
} diag_t;

typedef struct {
    diag_t *items;
    size_t len, cap;
    size_t errors, warnings;
} diags_t;

#define DIAGS_INIT {NULL, 0, 0, 0, 0}

void diag_error(diags_t *d, const char *path, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void diag_warning(diags_t *d, const char *path, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void diag_add(diags_t *d, diag_level level, const char *path, int line, int col,
              const char *fmt, va_list ap);
/* Moves every item of from into into; from is left empty. */
void diag_merge(diags_t *into, diags_t *from);
/* Prints "path:line:col: error: message" lines, sorted, to out. */
void diag_print(diags_t *d, FILE *out);
/* Formats one item as printed (caller frees). */
char *diag_format(const diag_t *item);
void diag_free(diags_t *d);

#endif
