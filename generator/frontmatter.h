/* frontmatter: a page's YAML front matter, read with libyaml.
 *
 * A page starts with a line "---", then YAML, then a line "---" (or "...").
 * The YAML becomes a small tree of maps, lists and scalars that remembers
 * the line and column of every node, so later stages can point at the exact
 * key that is wrong. Aliases are refused (alias bombs), nesting is capped
 * at 32 levels and the node count at 100,000. */
#ifndef WAYMARK_FRONTMATTER_H
#define WAYMARK_FRONTMATTER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

typedef enum { FM_SCALAR, FM_LIST, FM_MAP } fm_kind;

typedef struct fm_node {
    fm_kind kind;
    int line, col;           /* 1-based position in the page's file */
    char *text;              /* FM_SCALAR: the value (owned) */
    bool plain;              /* FM_SCALAR: unquoted, so true/12/null are typed */
    size_t len;              /* FM_LIST/FM_MAP: number of items */
    char **keys;             /* FM_MAP: keys (owned), parallel to items */
    struct fm_node **items;  /* owned */
} fm_node;

typedef struct {
    fm_node *root;     /* FM_MAP, or NULL when the page has no front matter */
    const char *body;  /* borrowed: the Markdown after the front matter */
    size_t body_len;
    int body_line;     /* line in the file where body starts */
} fm_page;

/* Splits src (a whole .md file) into front matter and body, parsing the
 * YAML. Reports errors at path:line:col and returns -1 on failure (then
 * out->root is NULL and nothing needs freeing). A UTF-8 BOM is skipped and
 * is not part of body. out->root is owned by the caller (fm_free). */
int fm_read(const char *src, size_t len, const char *path, fm_page *out, diags_t *d);
/* Parses src as one whole YAML document (a .yaml file) into a tree with
 * the same rules as front matter (a mapping at the top, no aliases, the
 * same limits); positions are file lines from 1. Returns NULL after
 * reporting errors; caller frees with fm_free. */
fm_node *fm_read_document(const char *src, size_t len, const char *path, diags_t *d);
void fm_free(fm_node *node);

/* The tree as bytes, appended to out (root may be NULL: no front matter),
 * and back: fm_decode gives 0 and *root (NULL for none; caller frees), or
 * -1 when the bytes are not such a tree. */
void fm_encode(const fm_node *root, buf_t *out);
int fm_decode(const void *data, size_t len, fm_node **root);

/* The value of key in a map, or NULL (borrowed). */
const fm_node *fm_get(const fm_node *map, const char *key);
/* Scalar helpers: NULL/false/0 when absent or not a scalar. A YAML null
 * (a plain empty value, ~ or null) counts as absent for all three. */
const char *fm_string(const fm_node *map, const char *key);
/* Parses a plain true/false; reports a type error for anything else. */
bool fm_bool(const fm_node *map, const char *key, bool fallback, const char *path, diags_t *d);
/* Parses a number; reports a type error for anything else. */
double fm_number(const fm_node *map, const char *key, double fallback, const char *path,
                 diags_t *d);

#endif
