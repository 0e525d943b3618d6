#include "frontmatter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "bytes.h"
#include "utf8.h"
#include "xalloc.h"

enum { FM_MAX_DEPTH = 32, FM_MAX_NODES = 100000 };

/* ---- Finding the front matter in the file ---- */

typedef struct {
    size_t yaml_start, yaml_len; /* the text between the two marker lines */
    size_t body_start;           /* just after the closing line */
    int body_line;
} fm_split;

static size_t line_end(const char *s, size_t len, size_t from)
{
    const char *nl = memchr(s + from, '\n', len - from);
    return nl ? (size_t)(nl - s) : len;
}

/* A marker line may carry trailing blanks and the \r of a CRLF file. */
static bool is_marker_line(const char *s, size_t n, const char *marker)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n == 3 && memcmp(s, marker, 3) == 0;
}

/* 1 with *sp filled when s starts with front matter, 0 when it has none,
 * -1 when the opening line is never closed. */
static int find_front_matter(const char *s, size_t len, fm_split *sp)
{
    size_t eol = line_end(s, len, 0);
    if (!is_marker_line(s, eol, "---"))
        return 0;
    int line = 2;
    for (size_t pos = eol + 1; pos < len; line++) {
        size_t end = line_end(s, len, pos);
        if (is_marker_line(s + pos, end - pos, "---") || is_marker_line(s + pos, end - pos, "...")) {
            sp->yaml_start = eol + 1;
            sp->yaml_len = pos - sp->yaml_start;
            sp->body_start = end < len ? end + 1 : len;
            sp->body_line = line + 1;
            return 1;
        }
        pos = end + 1;
    }
    return -1;
}

/* ---- Positions ----
 * libyaml reports positions inside the YAML text, counting characters, and
 * breaks lines at a lone CR, NEL, LS and PS too. Walking the text ourselves
 * gives the line and column an editor shows (lines end at '\n'). Requests
 * come in almost increasing order, so the cursor rarely restarts. */

typedef struct {
    int line, col;
} fm_pos;

typedef struct {
    const char *text;
    size_t len;
    size_t byte, chr; /* where the cursor is: byte offset and character index */
    fm_pos pos;       /* the file position of that character */
    int first_line;   /* file line of the text's first line */
} fm_cursor;

static void cursor_reset(fm_cursor *c)
{
    c->byte = 0;
    c->chr = 0;
    c->pos = (fm_pos){c->first_line, 1};
    /* libyaml skips a byte order mark at the start without counting it. */
    if (c->len >= 3 && memcmp(c->text, "\xEF\xBB\xBF", 3) == 0) {
        c->byte = 3;
        c->pos.col = 2;
    }
}

static void cursor_step(fm_cursor *c)
{
    size_t width;
    utf8_decode(c->text + c->byte, c->len - c->byte, &width);
    if (c->text[c->byte] == '\n')
        c->pos = (fm_pos){c->pos.line + 1, 1};
    else
        c->pos.col++;
    c->byte += width;
    c->chr++;
}

static fm_pos cursor_at_char(fm_cursor *c, size_t index)
{
    if (index < c->chr)
        cursor_reset(c);
    while (c->chr < index && c->byte < c->len)
        cursor_step(c);
    return c->pos;
}

static fm_pos cursor_at_byte(fm_cursor *c, size_t offset)
{
    if (offset < c->byte)
        cursor_reset(c);
    while (c->byte < offset && c->byte < c->len)
        cursor_step(c);
    return c->pos;
}

/* ---- Building the tree from libyaml events ---- */

typedef struct {
    fm_node *node;          /* the open list or map; owned by its parent or the root */
    size_t cap;             /* capacity of node->items and node->keys */
    char *key;              /* map: a key waiting for its value (owned) */
    fm_pos key_pos;
    fm_pos *key_positions;  /* map: where each key was given (owned) */
    size_t key_positions_cap;
} fm_frame;

typedef struct {
    const char *path;
    const char *what; /* "front matter" or "the YAML file", as messages call it */
    diags_t *d;
    fm_cursor cur;
    fm_node *root; /* owned; every node created is reachable from here or freed */
    fm_frame stack[FM_MAX_DEPTH];
    int depth;
    size_t nodes;
    bool failed; /* an error was reported but reading went on (duplicate keys) */
} fm_builder;

static fm_pos mark_pos(fm_builder *b, yaml_mark_t mark)
{
    return cursor_at_char(&b->cur, mark.index);
}

static bool count_node(fm_builder *b, fm_pos pos)
{
    if (++b->nodes <= FM_MAX_NODES)
        return true;
    diag_error(b->d, b->path, pos.line, pos.col,
               "%s has too many values (more than %d)", b->what, FM_MAX_NODES);
    return false;
}

static fm_node *new_node(fm_kind kind, fm_pos pos)
{
    fm_node *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = pos.line;
    n->col = pos.col;
    return n;
}

static void append_item(fm_frame *f, char *key, fm_pos key_pos, fm_node *item)
{
    fm_node *c = f->node;
    size_t keys_cap = f->cap;
    xgrow((void **)&c->items, &f->cap, c->len + 1, sizeof *c->items);
    if (c->kind == FM_MAP) {
        xgrow((void **)&c->keys, &keys_cap, c->len + 1, sizeof *c->keys);
        xgrow((void **)&f->key_positions, &f->key_positions_cap, c->len + 1,
              sizeof *f->key_positions);
        c->keys[c->len] = key;
        f->key_positions[c->len] = key_pos;
    }
    c->items[c->len++] = item;
}

/* Gives n a place in the tree: the root, a list item, a map key or a map
 * value. On failure n is freed and false returned. */
static bool attach(fm_builder *b, fm_node *n)
{
    fm_pos pos = {n->line, n->col};
    if (b->depth == 0) {
        if (n->kind == FM_MAP && !b->root) {
            b->root = n;
            return true;
        }
        diag_error(b->d, b->path, pos.line, pos.col,
                   "%s must be a mapping of keys to values", b->what);
        fm_free(n);
        return false;
    }
    fm_frame *f = &b->stack[b->depth - 1];
    if (f->node->kind == FM_LIST) {
        append_item(f, NULL, pos, n);
        return true;
    }
    if (f->key) {
        append_item(f, f->key, f->key_pos, n);
        f->key = NULL;
        return true;
    }
    if (n->kind != FM_SCALAR) {
        diag_error(b->d, b->path, pos.line, pos.col,
                   "a key in %s must be text, not a list or a mapping", b->what);
        fm_free(n);
        return false;
    }
    f->key = n->text;
    f->key_pos = pos;
    n->text = NULL;
    fm_free(n);
    return true;
}

static bool add_scalar(fm_builder *b, const yaml_event_t *e)
{
    fm_pos pos = mark_pos(b, e->start_mark);
    if (!count_node(b, pos))
        return false;
    const char *value = (const char *)e->data.scalar.value;
    size_t len = e->data.scalar.length;
    if (memchr(value, '\0', len)) {
        diag_error(b->d, b->path, pos.line, pos.col,
                   "%s text may not contain a NUL character", b->what);
        return false;
    }
    fm_node *n = new_node(FM_SCALAR, pos);
    n->text = xstrndup(value, len);
    n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach(b, n);
}

static bool open_container(fm_builder *b, fm_kind kind, yaml_mark_t mark)
{
    fm_pos pos = mark_pos(b, mark);
    if (b->depth == FM_MAX_DEPTH) {
        diag_error(b->d, b->path, pos.line, pos.col,
                   "%s nested too deeply (more than %d levels)", b->what, FM_MAX_DEPTH);
        return false;
    }
    if (!count_node(b, pos))
        return false;
    fm_node *n = new_node(kind, pos);
    if (!attach(b, n))
        return false;
    b->stack[b->depth++] = (fm_frame){.node = n};
    return true;
}

typedef struct {
    const char *key;
    size_t index;
} key_ref;

static int compare_key_refs(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Sorting finds duplicates in n log n, so a fuzzed map with 50,000 keys
 * costs nothing; each later occurrence is reported against the first. */
static void report_duplicate_keys(fm_builder *b, const fm_frame *f)
{
    const fm_node *map = f->node;
    if (map->len < 2)
        return;
    key_ref *refs = xmalloc(map->len * sizeof *refs);
    for (size_t i = 0; i < map->len; i++)
        refs[i] = (key_ref){map->keys[i], i};
    qsort(refs, map->len, sizeof *refs, compare_key_refs);
    size_t first = 0;
    for (size_t i = 1; i < map->len; i++) {
        if (strcmp(refs[i].key, refs[first].key) != 0) {
            first = i;
            continue;
        }
        fm_pos at = f->key_positions[refs[i].index];
        diag_error(b->d, b->path, at.line, at.col, "duplicate key '%s' (first given at line %d)",
                   refs[i].key, f->key_positions[refs[first].index].line);
        b->failed = true;
    }
    free(refs);
}

static void free_frame(fm_frame *f)
{
    free(f->key);
    free(f->key_positions);
    *f = (fm_frame){0};
}

static void close_container(fm_builder *b)
{
    if (b->depth == 0)
        return;
    fm_frame *f = &b->stack[--b->depth];
    if (f->node->kind == FM_MAP)
        report_duplicate_keys(b, f);
    free_frame(f);
}

static bool handle_event(fm_builder *b, const yaml_event_t *e)
{
    switch (e->type) {
    case YAML_SCALAR_EVENT:
        return add_scalar(b, e);
    case YAML_SEQUENCE_START_EVENT:
        return open_container(b, FM_LIST, e->start_mark);
    case YAML_MAPPING_START_EVENT:
        return open_container(b, FM_MAP, e->start_mark);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        close_container(b);
        return true;
    case YAML_ALIAS_EVENT: {
        fm_pos pos = mark_pos(b, e->start_mark);
        diag_error(b->d, b->path, pos.line, pos.col,
                   "YAML aliases (*name) are not allowed in %s", b->what);
        return false;
    }
    default: /* stream and document boundaries; anchors and tags are ignored */
        return true;
    }
}

/* libyaml's messages name the problem and, for a construct left open, what
 * it was reading and where that started ("while scanning a quoted scalar"). */
static void report_yaml_error(fm_builder *b, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) {
        diag_error(b->d, b->path, 0, 0, "out of memory while reading %s", b->what);
        return;
    }
    fm_pos at = p->error == YAML_READER_ERROR ? cursor_at_byte(&b->cur, p->problem_offset)
                                               : mark_pos(b, p->problem_mark);
    bool at_tab = b->cur.byte < b->cur.len && b->cur.text[b->cur.byte] == '\t';
    buf_t msg = BUF_INIT;
    buf_puts(&msg, p->problem ? p->problem : "invalid YAML");
    if (p->error == YAML_READER_ERROR && p->problem_value >= 0)
        buf_printf(&msg, " (U+%04X)", (unsigned)p->problem_value);
    if (p->context) {
        fm_pos ctx = mark_pos(b, p->context_mark);
        buf_printf(&msg, " %s (which started at line %d, column %d)", p->context, ctx.line,
                   ctx.col);
    }
    if (at_tab)
        buf_puts(&msg, "; YAML does not allow tabs for indentation, use spaces");
    diag_error(b->d, b->path, at.line, at.col, "%s", buf_cstr(&msg));
    buf_free(&msg);
}

static bool read_events(fm_builder *b, yaml_parser_t *parser)
{
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(parser, &e)) {
            report_yaml_error(b, parser);
            return false;
        }
        bool ok = handle_event(b, &e);
        bool end = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
        if (!ok || end)
            return ok;
    }
}

/* The tree of the YAML text (an empty map when it holds no document), or
 * NULL after reporting errors. Caller frees with fm_free. */
static fm_node *parse_yaml(const char *text, size_t len, int first_line, const char *what,
                           const char *path, diags_t *d)
{
    fm_builder b = {.path = path, .what = what, .d = d,
                    .cur = {.text = text, .len = len, .first_line = first_line}};
    cursor_reset(&b.cur);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        diag_error(d, path, 0, 0, "out of memory while reading %s", what);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    bool ok = read_events(&b, &parser) && !b.failed;
    yaml_parser_delete(&parser);
    while (b.depth > 0)
        free_frame(&b.stack[--b.depth]);
    if (!ok) {
        fm_free(b.root);
        return NULL;
    }
    return b.root ? b.root : new_node(FM_MAP, (fm_pos){1, 1});
}

/* ---- Public API ---- */

int fm_read(const char *src, size_t len, const char *path, fm_page *out, diags_t *d)
{
    *out = (fm_page){NULL, NULL, 0, 0};
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        src += 3;
        len -= 3;
    }
    int line, col;
    if (!utf8_validate(src, len, &line, &col)) {
        diag_error(d, path, line, col, "invalid UTF-8");
        return -1;
    }
    fm_split sp;
    int found = find_front_matter(src, len, &sp);
    if (found < 0) {
        diag_error(d, path, 1, 1, "front matter is not closed (expected a line '---')");
        return -1;
    }
    if (found == 0) {
        *out = (fm_page){NULL, src, len, 1};
        return 0;
    }
    /* the YAML starts on the line after "---" */
    fm_node *root = parse_yaml(src + sp.yaml_start, sp.yaml_len, 2, "front matter", path, d);
    if (!root)
        return -1;
    *out = (fm_page){root, src + sp.body_start, len - sp.body_start, sp.body_line};
    return 0;
}

fm_node *fm_read_document(const char *src, size_t len, const char *path, diags_t *d)
{
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        src += 3;
        len -= 3;
    }
    int line, col;
    if (!utf8_validate(src, len, &line, &col)) {
        diag_error(d, path, line, col, "invalid UTF-8");
        return NULL;
    }
    return parse_yaml(src, len, 1, "the YAML file", path, d);
}

void fm_free(fm_node *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->len; i++) {
        fm_free(node->items[i]);
        if (node->keys)
            free(node->keys[i]);
    }
    free(node->items);
    free(node->keys);
    free(node->text);
    free(node);
}

const fm_node *fm_get(const fm_node *map, const char *key)
{
    if (!map || map->kind != FM_MAP)
        return NULL;
    for (size_t i = 0; i < map->len; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

static bool is_one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

/* A plain empty value, ~ or null: YAML's "no value", treated as absent. */
static bool is_null(const fm_node *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    return n->kind == FM_SCALAR && n->plain && is_one_of(n->text, nulls);
}

const char *fm_string(const fm_node *map, const char *key)
{
    const fm_node *n = fm_get(map, key);
    if (!n || n->kind != FM_SCALAR || is_null(n))
        return NULL;
    return n->text;
}

bool fm_bool(const fm_node *map, const char *key, bool fallback, const char *path, diags_t *d)
{
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    const fm_node *n = fm_get(map, key);
    if (!n || is_null(n))
        return fallback;
    bool is_true = n->kind == FM_SCALAR && is_one_of(n->text, trues);
    bool is_false = n->kind == FM_SCALAR && is_one_of(n->text, falses);
    if (n->plain && (is_true || is_false))
        return is_true;
    diag_error(d, path, n->line, n->col, "'%s' must be true or false%s", key,
               is_true || is_false ? " (without quotes)" : "");
    return fallback;
}

/* YAML 1.2 core decimal numbers only: no hex, no .inf, no "1_000". strtod
 * then does the conversion (the build runs in the C numeric locale). */
static bool parse_decimal(const char *s, double *out)
{
    static const char digits[] = "0123456789";
    const char *p = s + (*s == '+' || *s == '-');
    size_t whole = strspn(p, digits);
    p += whole;
    size_t fraction = 0;
    if (*p == '.') {
        fraction = strspn(++p, digits);
        p += fraction;
    }
    if (whole + fraction == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '+' || p[1] == '-');
        size_t exponent = strspn(p, digits);
        if (exponent == 0)
            return false;
        p += exponent;
    }
    if (*p)
        return false;
    char *end;
    double v = strtod(s, &end);
    if (end != p || !isfinite(v))
        return false;
    *out = v;
    return true;
}

double fm_number(const fm_node *map, const char *key, double fallback, const char *path,
                 diags_t *d)
{
    const fm_node *n = fm_get(map, key);
    if (!n || is_null(n))
        return fallback;
    double v;
    bool number = n->kind == FM_SCALAR && parse_decimal(n->text, &v);
    if (number && n->plain)
        return v;
    diag_error(d, path, n->line, n->col, "'%s' must be a number%s", key,
               number ? " (without quotes)" : "");
    return fallback;
}

/* ---- The tree as bytes (srccache keeps it, to spare a rebuild libyaml) ---- */

enum { ENCODED_NONE = 3 }; /* a page without front matter; else an fm_kind */

static void put_text(buf_t *out, const char *s)
{
    size_t n = strlen(s);
    bytes_put_u32(out, (uint32_t)n);
    buf_putn(out, s, n);
}

static void encode_node(const fm_node *n, buf_t *out)
{
    bytes_put_u32(out, (uint32_t)n->kind | (n->plain ? 0x100u : 0));
    bytes_put_u32(out, (uint32_t)n->line);
    bytes_put_u32(out, (uint32_t)n->col);
    if (n->kind == FM_SCALAR) {
        put_text(out, n->text ? n->text : "");
        return;
    }
    bytes_put_u32(out, (uint32_t)n->len);
    for (size_t i = 0; i < n->len; i++) {
        if (n->kind == FM_MAP)
            put_text(out, n->keys[i]);
        encode_node(n->items[i], out);
    }
}

void fm_encode(const fm_node *root, buf_t *out)
{
    if (root)
        encode_node(root, out);
    else
        bytes_put_u32(out, ENCODED_NONE);
}

static char *take_text(byte_cursor *cur)
{
    uint32_t n = cursor_u32(cur);
    const unsigned char *s = cursor_bytes(cur, n);
    return s ? xstrndup((const char *)s, n) : NULL;
}

/* The node at cur, or NULL when the bytes are not one. */
static fm_node *decode_node(byte_cursor *cur, uint32_t tag, int depth)
{
    fm_kind kind = (fm_kind)(tag & 0xff);
    if (depth > FM_MAX_DEPTH + 1 || (kind != FM_SCALAR && kind != FM_LIST && kind != FM_MAP))
        return NULL;
    fm_node *n = new_node(kind, (fm_pos){0, 0});
    n->plain = tag & 0x100u;
    n->line = (int)cursor_u32(cur);
    n->col = (int)cursor_u32(cur);
    if (kind == FM_SCALAR) {
        n->text = take_text(cur);
        if (!n->text || !cur->ok) {
            fm_free(n);
            return NULL;
        }
        return n;
    }
    uint32_t len = cursor_u32(cur);
    if (!cur->ok || len > (size_t)(cur->end - cur->p)) { /* each item takes bytes */
        fm_free(n);
        return NULL;
    }
    n->items = xcalloc(len ? len : 1, sizeof *n->items);
    n->keys = kind == FM_MAP ? xcalloc(len ? len : 1, sizeof *n->keys) : NULL;
    for (; n->len < len; n->len++) {
        char *key = kind == FM_MAP ? take_text(cur) : NULL;
        fm_node *item = (kind != FM_MAP || key) ? decode_node(cur, cursor_u32(cur), depth + 1)
                                               : NULL;
        if (!item) {
            free(key);
            fm_free(n);
            return NULL;
        }
        if (n->keys)
            n->keys[n->len] = key;
        n->items[n->len] = item;
    }
    return n;
}

int fm_decode(const void *data, size_t len, fm_node **root)
{
    byte_cursor cur = {data, (const unsigned char *)data + len, true};
    uint32_t tag = cursor_u32(&cur);
    *root = NULL;
    if (cur.ok && tag == ENCODED_NONE)
        return cur.p == cur.end ? 0 : -1;
    fm_node *n = cur.ok ? decode_node(&cur, tag, 1) : NULL;
    if (!n || n->kind != FM_MAP || cur.p != cur.end) {
        fm_free(n);
        return -1;
    }
    *root = n;
    return 0;
}
