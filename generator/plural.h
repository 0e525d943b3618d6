/* plural: gettext's Plural-Forms header ("nplurals=N; plural=EXPR;").
 *
 * The expression is gettext's subset of C on unsigned long: the variable n,
 * decimal numbers, ( ), unary !, * / % + - < <= > >= == != && || and ?:,
 * with C precedence. It is compiled once into a small node array, then
 * evaluated without allocating, so one compiled rule may be used from many
 * threads at once. Evaluation follows GNU gettext's runtime: a division or
 * modulo by zero, or a value >= nplurals, selects form 0. */
#ifndef WAYMARK_PLURAL_H
#define WAYMARK_PLURAL_H

#include <stdbool.h>

typedef struct plural plural_t;

/* Compiles a header value; returns NULL with *err set to a static message
 * when it is malformed. Caller frees with plural_free. */
plural_t *plural_compile(const char *header_value, const char **err);
void plural_free(plural_t *p);

int plural_nplurals(const plural_t *p);
/* The expression's value for n; false on division or modulo by zero. */
bool plural_value(const plural_t *p, unsigned long n, unsigned long *value);
/* The form index for n, always in 0..nplurals-1 (see above). */
int plural_index(const plural_t *p, unsigned long n);

#endif
