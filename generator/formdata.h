/* formdata: a strict reader of application/x-www-form-urlencoded bodies.
 *
 * Survey answers arrive as the body of an HTML form POST. Browsers write
 * "name=value" pairs joined by '&', spaces as '+', every other byte outside
 * [A-Za-z0-9*-._] as %XX. Anything else (an empty pair, a pair without '=',
 * a bad %XX, a raw non-ASCII or control byte, a decoded NUL or control
 * character other than tab/CR/LF, text that is not UTF-8) is refused as
 * malformed, so the validator only ever sees what a browser could send.
 * Fields keep their order, and repeated names stay repeated: the validator
 * decides which questions may repeat. */
#ifndef WAYMARK_FORMDATA_H
#define WAYMARK_FORMDATA_H

#include <stddef.h>

#define FORM_MAX_FIELDS 2000

typedef struct {
    char *name;  /* owned, decoded, NUL-terminated */
    char *value; /* owned, decoded, NUL-terminated */
} form_field;

typedef struct {
    form_field *items; /* owned */
    size_t len, cap;
} form_t;

#define FORM_INIT {NULL, 0, 0}

/* Parses len bytes of body into out (which must be FORM_INIT). Returns 0,
 * or -1 with *err set to a static English reason; out is then empty. */
int form_parse(const char *body, size_t len, form_t *out, const char **err);
void form_free(form_t *f);

/* How many fields are named name. */
size_t form_count(const form_t *f, const char *name);
/* The value of the first field named name, or NULL (borrowed). */
const char *form_get(const form_t *f, const char *name);

#endif
