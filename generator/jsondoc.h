/* jsondoc: a small strict JSON reader (RFC 8259) into a read-only tree,
 * and the one JSON string writer.
 *
 * waymark reads JSON it wrote itself (surveys/<id>/schema.json) and writes
 * answers and exports as JSON. The reader refuses anything RFC 8259 does
 * not allow (comments, trailing commas, bad escapes, invalid UTF-8, lone
 * surrogates), limits nesting to 64 levels, and keeps object members in
 * file order. The whole tree belongs to its root: json_free(root). */
#ifndef WAYMARK_JSONDOC_H
#define WAYMARK_JSONDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

typedef enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value json_value;
struct json_value {
    json_type type;
    double number;      /* JSON_NUMBER */
    char *string;       /* JSON_STRING: owned, NUL-terminated (may hold no NUL) */
    json_value **items; /* JSON_ARRAY / JSON_OBJECT: owned values */
    char **keys;        /* JSON_OBJECT: owned member names, parallel to items */
    size_t len;
};

/* Parses text; returns the root (caller frees with json_free), or NULL with
 * a message "line L, column C: reason" in *err (caller frees). */
json_value *json_parse(const char *text, size_t len, char **err);
void json_free(json_value *v);

/* The member named key of an object, or NULL (borrowed). */
const json_value *json_get(const json_value *object, const char *key);
/* The string of a JSON_STRING, else NULL (borrowed). */
const char *json_string(const json_value *v);
bool json_is_null(const json_value *v); /* true for NULL (absent) too */

/* Appends s as a JSON string literal (quotes, escapes; UTF-8 kept). */
void json_put_string(buf_t *b, const char *s);

#endif
