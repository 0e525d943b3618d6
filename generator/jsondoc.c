/* jsondoc: strict JSON parsing and string writing; see jsondoc.h. */
#include "jsondoc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *s;
    size_t len, pos;
    const char *error; /* static reason, set once */
    size_t error_pos;
} json_reader;

static void fail(json_reader *r, const char *reason)
{
    if (!r->error) {
        r->error = reason;
        r->error_pos = r->pos;
    }
}

static void skip_space(json_reader *r)
{
    while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) && r->s[r->pos])
        r->pos++;
}

static bool take(json_reader *r, char c)
{
    skip_space(r);
    if (r->pos < r->len && r->s[r->pos] == c) {
        r->pos++;
        return true;
    }
    return false;
}

static bool take_word(json_reader *r, const char *word)
{
    size_t n = strlen(word);
    if (r->len - r->pos >= n && !memcmp(r->s + r->pos, word, n)) {
        r->pos += n;
        return true;
    }
    return false;
}

static json_value *new_value(json_type type)
{
    json_value *v = xcalloc(1, sizeof *v);
    v->type = type;
    return v;
}

static int hex4(json_reader *r)
{
    if (r->len - r->pos < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->s[r->pos + (size_t)i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    r->pos += 4;
    return v;
}

static void put_code_point(buf_t *b, uint32_t cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    buf_putn(b, out, n);
}

/* \uXXXX, with surrogate pairs joined; a lone surrogate is an error. */
static bool read_unicode_escape(json_reader *r, buf_t *b)
{
    int hi = hex4(r);
    if (hi < 0)
        return false;
    uint32_t cp = (uint32_t)hi;
    if (hi >= 0xdc00 && hi <= 0xdfff)
        return false;
    if (hi >= 0xd800 && hi <= 0xdbff) {
        if (!take_word(r, "\\u"))
            return false;
        int lo = hex4(r);
        if (lo < 0xdc00 || lo > 0xdfff)
            return false;
        cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
    }
    if (cp == 0)
        return false; /* strings are NUL-terminated: refuse \u0000 */
    put_code_point(b, cp);
    return true;
}

static char *read_string(json_reader *r)
{
    if (!take(r, '"')) {
        fail(r, "expected a string");
        return NULL;
    }
    buf_t b = BUF_INIT;
    buf_putn(&b, "", 0);
    while (r->pos < r->len) {
        unsigned char c = (unsigned char)r->s[r->pos];
        if (c == '"') {
            r->pos++;
            return buf_detach(&b);
        }
        if (c < 0x20)
            break;
        if (c == '\\') {
            r->pos++;
            char e = r->pos < r->len ? r->s[r->pos++] : 0;
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *at = e ? strchr(from, e) : NULL;
            if (at) {
                buf_putc(&b, to[at - from]);
            } else if (e != 'u' || !read_unicode_escape(r, &b)) {
                fail(r, "bad escape in a string");
                buf_free(&b);
                return NULL;
            }
            continue;
        }
        size_t w;
        if (utf8_decode(r->s + r->pos, r->len - r->pos, &w) < 0)
            break;
        buf_putn(&b, r->s + r->pos, w);
        r->pos += w;
    }
    fail(r, "unterminated string, control character or invalid UTF-8");
    buf_free(&b);
    return NULL;
}

static bool read_digits(json_reader *r)
{
    size_t start = r->pos;
    while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
        r->pos++;
    return r->pos > start;
}

static json_value *read_number(json_reader *r)
{
    size_t start = r->pos;
    if (r->pos < r->len && r->s[r->pos] == '-')
        r->pos++;
    bool leading_zero = r->pos < r->len && r->s[r->pos] == '0';
    size_t int_start = r->pos;
    bool ok = read_digits(r) && !(leading_zero && r->pos - int_start > 1);
    if (ok && r->pos < r->len && r->s[r->pos] == '.') {
        r->pos++;
        ok = read_digits(r);
    }
    if (ok && r->pos < r->len && (r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
        r->pos++;
        if (r->pos < r->len && (r->s[r->pos] == '+' || r->s[r->pos] == '-'))
            r->pos++;
        ok = read_digits(r);
    }
    if (!ok) {
        fail(r, "bad number");
        return NULL;
    }
    char *text = xstrndup(r->s + start, r->pos - start);
    json_value *v = new_value(JSON_NUMBER);
    v->number = strtod(text, NULL);
    free(text);
    if (!isfinite(v->number)) {
        free(v);
        fail(r, "number out of range");
        return NULL;
    }
    return v;
}

static json_value *read_value(json_reader *r, int depth);

static void push_item(json_value *v, size_t *cap, json_value *item, char *key)
{
    xgrow((void **)&v->items, cap, v->len + 1, sizeof *v->items);
    if (v->type == JSON_OBJECT) {
        v->keys = xrealloc(v->keys, *cap * sizeof *v->keys);
        v->keys[v->len] = key;
    }
    v->items[v->len++] = item;
}

static json_value *read_container(json_reader *r, int depth, bool object)
{
    json_value *v = new_value(object ? JSON_OBJECT : JSON_ARRAY);
    size_t cap = 0;
    char close = object ? '}' : ']';
    if (take(r, close))
        return v;
    do {
        char *key = NULL;
        if (object) {
            skip_space(r);
            key = read_string(r);
            if (!key)
                break;
            if (!take(r, ':')) {
                free(key);
                fail(r, "expected ':'");
                break;
            }
        }
        json_value *item = read_value(r, depth + 1);
        if (!item) {
            free(key);
            break;
        }
        push_item(v, &cap, item, key);
    } while (take(r, ','));
    if (!r->error && !take(r, close))
        fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
    if (r->error) {
        json_free(v);
        return NULL;
    }
    return v;
}

static json_value *read_value(json_reader *r, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        fail(r, "nested too deeply");
        return NULL;
    }
    skip_space(r);
    if (r->pos >= r->len) {
        fail(r, "unexpected end");
        return NULL;
    }
    char c = r->s[r->pos];
    if (c == '{' || c == '[') {
        r->pos++;
        return read_container(r, depth, c == '{');
    }
    if (c == '"') {
        char *s = read_string(r);
        if (!s)
            return NULL;
        json_value *v = new_value(JSON_STRING);
        v->string = s;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return read_number(r);
    if (take_word(r, "true"))
        return new_value(JSON_TRUE);
    if (take_word(r, "false"))
        return new_value(JSON_FALSE);
    if (take_word(r, "null"))
        return new_value(JSON_NULL);
    fail(r, "unexpected character");
    return NULL;
}

json_value *json_parse(const char *text, size_t len, char **err)
{
    json_reader r = {text, len, 0, NULL, 0};
    json_value *v = read_value(&r, 0);
    skip_space(&r);
    if (v && r.pos != r.len) {
        fail(&r, "text after the value");
        json_free(v);
        v = NULL;
    }
    if (!v) {
        int line = 1, col = 1;
        for (size_t i = 0; i < r.error_pos && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        *err = xasprintf("line %d, column %d: %s", line, col, r.error ? r.error : "bad JSON");
    }
    return v;
}

void json_free(json_value *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->len; i++) {
        json_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const json_value *json_get(const json_value *object, const char *key)
{
    if (!object || object->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < object->len; i++)
        if (!strcmp(object->keys[i], key))
            return object->items[i];
    return NULL;
}

const char *json_string(const json_value *v)
{
    return v && v->type == JSON_STRING ? v->string : NULL;
}

bool json_is_null(const json_value *v)
{
    return !v || v->type == JSON_NULL;
}

void json_put_string(buf_t *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c == '\n') {
            buf_puts(b, "\\n");
        } else if (c == '\r') {
            buf_puts(b, "\\r");
        } else if (c == '\t') {
            buf_puts(b, "\\t");
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '"');
}
