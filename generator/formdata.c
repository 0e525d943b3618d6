/* formdata: strict x-www-form-urlencoded parsing; see formdata.h. */
#include "formdata.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "path.h"
#include "utf8.h"
#include "xalloc.h"

/* Bytes a browser may leave unencoded, plus the few that other clients
 * (curl --data-urlencode, Python's urlencode) leave as they are. */
static bool is_plain_byte(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("*-._~!'()", c) != NULL);
}

/* A decoded character that a form field may hold: anything printable,
 * plus tab and the line breaks of a textarea. */
static bool is_allowed_char(int32_t cp)
{
    if (cp == '\t' || cp == '\r' || cp == '\n')
        return true;
    return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0);
}

static bool check_text(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t w;
        int32_t cp = utf8_decode(s + i, len - i, &w);
        if (cp < 0 || !is_allowed_char(cp))
            return false;
        i += w;
    }
    return true;
}

/* Decodes s[0..len) into *out (caller frees). */
static int decode_part(const char *s, size_t len, char **out, const char **err)
{
    buf_t b = BUF_INIT;
    buf_putn(&b, "", 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            buf_putc(&b, ' ');
        } else if (c == '%') {
            int byte = path_percent_byte(s + i, len - i);
            if (byte < 0) {
                buf_free(&b);
                *err = "a '%' not followed by two hexadecimal digits";
                return -1;
            }
            buf_putc(&b, (char)byte);
            i += 2;
        } else if (is_plain_byte(c)) {
            buf_putc(&b, (char)c);
        } else {
            buf_free(&b);
            *err = "a character that must be percent-encoded";
            return -1;
        }
    }
    if (!check_text(b.data, b.len)) {
        buf_free(&b);
        *err = "text that is not UTF-8, or holds a control character";
        return -1;
    }
    *out = buf_detach(&b);
    return 0;
}

static int parse_pair(const char *s, size_t len, form_t *out, const char **err)
{
    const char *eq = memchr(s, '=', len);
    if (len == 0) {
        *err = "an empty field ('&&', or '&' at either end)";
        return -1;
    }
    if (!eq) {
        *err = "a field without '='";
        return -1;
    }
    if (eq == s) {
        *err = "a field without a name";
        return -1;
    }
    char *name = NULL, *value = NULL;
    if (decode_part(s, (size_t)(eq - s), &name, err) < 0)
        return -1;
    if (decode_part(eq + 1, len - (size_t)(eq - s) - 1, &value, err) < 0) {
        free(name);
        return -1;
    }
    xgrow((void **)&out->items, &out->cap, out->len + 1, sizeof *out->items);
    out->items[out->len++] = (form_field){name, value};
    return 0;
}

int form_parse(const char *body, size_t len, form_t *out, const char **err)
{
    *out = (form_t)FORM_INIT;
    if (len == 0)
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && body[i] != '&')
            continue;
        if (out->len == FORM_MAX_FIELDS) {
            *err = "too many fields";
            form_free(out);
            return -1;
        }
        if (parse_pair(body + start, i - start, out, err) < 0) {
            form_free(out);
            return -1;
        }
        start = i + 1;
    }
    return 0;
}

void form_free(form_t *f)
{
    for (size_t i = 0; i < f->len; i++) {
        free(f->items[i].name);
        free(f->items[i].value);
    }
    free(f->items);
    *f = (form_t)FORM_INIT;
}

size_t form_count(const form_t *f, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < f->len; i++)
        n += !strcmp(f->items[i].name, name);
    return n;
}

const char *form_get(const form_t *f, const char *name)
{
    for (size_t i = 0; i < f->len; i++)
        if (!strcmp(f->items[i].name, name))
            return f->items[i].value;
    return NULL;
}
