#include "tpllua.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/* The generated chunk is the template function. Its _ENV upvalue is a
 * private helpers table (env, esc, cat); line 1 starts with a prelude that
 * switches _ENV to a per-render environment, and every template newline is
 * one newline of the generated code, so Lua's line numbers are the
 * template's. Output is collected in a local table and concatenated once. */

#define PRELUDE                                                                            \
    "local _WM_c=...;local _WM_e,_WM_cat,_WM_o,_WM_n=esc,cat,{},0;"                        \
    "local _ENV=env(_WM_c);"
#define SUFFIX " return _WM_cat(_WM_o,\"\",1,_WM_n)"
#define EMIT "_WM_n=_WM_n+1;_WM_o[_WM_n]="

typedef struct {
    buf_t out;
    /* newlines the generated code has beyond the template's (after a line
     * comment); the next template newlines in text repay them */
    int debt;
} translation_t;

/* A newline of the template outside any output text. */
static void emit_newline(translation_t *t)
{
    if (t->debt > 0)
        t->debt--;
    else
        buf_putc(&t->out, '\n');
}

static void emit_newlines_in(translation_t *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n')
            emit_newline(t);
}

/* Text as a quoted Lua string; its newlines stay real newlines ("\" then a
 * line break) so that line numbers hold. */
static void emit_text(translation_t *t, const char *s, size_t n)
{
    if (n == 0)
        return;
    buf_puts(&t->out, EMIT "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' && t->debt > 0) {
            t->debt--;
            buf_puts(&t->out, "\\n");
        } else if (c == '\n') {
            buf_puts(&t->out, "\\\n");
        } else if (c == '"' || c == '\\') {
            buf_putc(&t->out, '\\');
            buf_putc(&t->out, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(&t->out, "\\%03u", c);
        } else {
            buf_putc(&t->out, (char)c);
        }
    }
    buf_puts(&t->out, "\";");
}

/* Level of the long bracket "[==[" starting at s, or -1. */
static int long_bracket_level(const char *s, size_t n)
{
    size_t i = 1;
    while (i < n && s[i] == '=')
        i++;
    return n > 0 && s[0] == '[' && i < n && s[i] == '[' ? (int)(i - 1) : -1;
}

/* Index just past the "]==]" of the given level at or after i, or n. */
static size_t skip_long_bracket(const char *s, size_t n, size_t i, int level)
{
    for (; i < n; i++) {
        if (s[i] != ']')
            continue;
        size_t j = i + 1;
        while (j < n && s[j] == '=')
            j++;
        if ((int)(j - i - 1) == level && j < n && s[j] == ']')
            return j + 1;
    }
    return n;
}

/* Whether Lua code ends inside a "--" line comment, which would swallow the
 * generated code that follows on the same line. */
static bool ends_in_line_comment(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int level;
        if (s[i] == '"' || s[i] == '\'') {
            char quote = s[i++];
            while (i < n && s[i] != quote && s[i] != '\n')
                i += s[i] == '\\' ? 2 : 1;
            i++;
        } else if ((level = long_bracket_level(s + i, n - i)) >= 0) {
            i = skip_long_bracket(s, n, i + (size_t)level + 2, level);
        } else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
            i += 2;
            if ((level = long_bracket_level(s + i, n - i)) >= 0) {
                i = skip_long_bracket(s, n, i + (size_t)level + 2, level);
                continue;
            }
            while (i < n && s[i] != '\n')
                i++;
            if (i >= n)
                return true;
        } else {
            i++;
        }
    }
    return false;
}

static void emit_code(translation_t *t, const char *s, size_t n)
{
    buf_putn(&t->out, s, n);
    if (ends_in_line_comment(s, n)) {
        buf_putc(&t->out, '\n');
        t->debt++;
    }
}

static void emit_tag(translation_t *t, char kind, const char *body, size_t n)
{
    if (kind == '#') {
        emit_newlines_in(t, body, n);
    } else if (kind == '{') {
        buf_puts(&t->out, EMIT "_WM_e(");
        emit_code(t, body, n);
        buf_puts(&t->out, ");");
    } else {
        buf_putc(&t->out, ' ');
        emit_code(t, body, n);
        buf_puts(&t->out, " ;");
    }
}

/* Bytes at the start of s that a "-" trims after a tag: spaces and tabs,
 * then one line break. */
static size_t trim_after_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n')
        return i + 2;
    if (i < n && s[i] == '\n')
        return i + 1;
    return i;
}

static size_t trim_blanks_end(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

/* Length of s once a "-" before a tag trimmed its end: spaces and tabs,
 * one line break, and the spaces and tabs that ended the line before. */
static size_t trim_before_len(const char *s, size_t n)
{
    n = trim_blanks_end(s, n);
    if (n > 0 && s[n - 1] == '\n') {
        n--;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        n = trim_blanks_end(s, n);
    }
    return n;
}

/* Index of the next "{{", "{%" or "{#" at or after from, or len. */
static size_t find_tag(const char *s, size_t len, size_t from)
{
    for (size_t i = from; i + 1 < len; i++)
        if (s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#'))
            return i;
    return len;
}

static size_t find_close(const char *s, size_t len, size_t from, char kind)
{
    char first = kind == '{' ? '}' : kind;
    for (size_t i = from; i + 1 < len; i++)
        if (s[i] == first && s[i + 1] == '}')
            return i;
    return len;
}

static int count_newlines(const char *s, size_t n)
{
    int count = 0;
    for (size_t i = 0; i < n; i++)
        count += s[i] == '\n';
    return count;
}

/* Emits the text between two tags, trimmed as the dashes ask. */
static void emit_text_between(translation_t *t, const char *s, size_t n, bool trim_start,
                              bool trim_end)
{
    size_t skip = trim_start ? trim_after_len(s, n) : 0;
    emit_newlines_in(t, s, skip);
    s += skip;
    n -= skip;
    size_t keep = trim_end ? trim_before_len(s, n) : n;
    emit_text(t, s, keep);
    emit_newlines_in(t, s + keep, n - keep);
}

char *tpl_translate(const char *text, size_t len, int *err_line, char **err)
{
    *err_line = 0;
    *err = NULL;
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        *err_line = 1 + count_newlines(text, (size_t)(nul - text));
        *err = xstrdup("a template cannot contain a NUL byte");
        return NULL;
    }
    translation_t t = {BUF_INIT, 0};
    buf_puts(&t.out, PRELUDE);
    size_t pos = 0;
    int line = 1;
    bool trim_next = false;
    for (;;) {
        size_t open = find_tag(text, len, pos);
        bool trim_before = open + 2 < len && text[open + 2] == '-';
        emit_text_between(&t, text + pos, open - pos, trim_next, trim_before);
        if (open == len)
            break;
        line += count_newlines(text + pos, open - pos);
        char kind = text[open + 1];
        size_t body = open + 2 + trim_before;
        size_t close = find_close(text, len, body, kind);
        if (close == len) {
            buf_free(&t.out);
            *err_line = line;
            *err = xasprintf("'{%c' is not closed by '%c}'", kind, kind == '{' ? '}' : kind);
            return NULL;
        }
        trim_next = close > body && text[close - 1] == '-';
        emit_tag(&t, kind, text + body, close - body - trim_next);
        line += count_newlines(text + open, close - open);
        pos = close + 2;
    }
    buf_puts(&t.out, SUFFIX);
    return buf_detach(&t.out);
}
