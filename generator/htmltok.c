#include "htmltok.h"

#include <string.h>

static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static int is_url_ignored(unsigned char c) { return c == '\t' || c == '\n' || c == '\r'; }
static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int starts_ieq(const char *p, const char *end, const char *lower)
{
    size_t n = strlen(lower);
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((char)(p[i] | (is_alpha((unsigned char)p[i]) ? 0x20 : 0)) != lower[i])
            return 0;
    return 1;
}

htmltok_url_kind htmltok_url_classify(const char *url, size_t len,
                                      char scheme[HTMLTOK_SCHEME_MAX])
{
    const unsigned char *s = (const unsigned char *)url;
    size_t i = 0, n = 0;
    scheme[0] = '\0';
    while (i < len && s[i] <= 0x20) /* leading C0 controls and space */
        i++;
    size_t start = i;
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    for (; i < len; i++) {
        unsigned char c = s[i];
        if (is_url_ignored(c))
            continue;
        if (c == ':' && n > 0) {
            if (n >= HTMLTOK_SCHEME_MAX)
                scheme[0] = '\0';
            else
                scheme[n] = '\0';
            return URL_ABSOLUTE;
        }
        if (n == 0 ? !is_alpha(c) : !(is_alnum(c) || c == '+' || c == '-' || c == '.'))
            break;
        if (n + 1 < HTMLTOK_SCHEME_MAX)
            scheme[n] = (char)(c | (is_alpha(c) ? 0x20 : 0));
        n++;
    }
    scheme[0] = '\0';
    int slashes = 0;
    for (i = start; i < len && slashes < 2; i++) {
        if (is_url_ignored(s[i]))
            continue;
        if (s[i] != '/' && s[i] != '\\')
            break;
        slashes++;
    }
    return slashes == 2 ? URL_PROTOCOL_RELATIVE : URL_RELATIVE;
}

typedef struct {
    const char *name;
    const char *text;
} named_ref;

/* Every named reference that decodes to ASCII (so none can spell a scheme
 * unnoticed), plus common typographic ones. */
static const named_ref named_refs[] = {
    {"AMP", "&"}, {"DiacriticalGrave", "`"}, {"GT", ">"}, {"Hat", "^"}, {"LT", "<"},
    {"NewLine", "\n"}, {"QUOT", "\""}, {"Tab", "\t"}, {"UnderBar", "_"},
    {"VerticalLine", "|"}, {"amp", "&"}, {"apos", "'"}, {"ast", "*"}, {"bsol", "\\"},
    {"colon", ":"}, {"comma", ","}, {"commat", "@"}, {"dollar", "$"}, {"equals", "="},
    {"excl", "!"}, {"fjlig", "fj"}, {"grave", "`"}, {"gt", ">"}, {"lbrace", "{"},
    {"lbrack", "["}, {"lcub", "{"}, {"lowbar", "_"}, {"lpar", "("}, {"lsqb", "["},
    {"lt", "<"}, {"midast", "*"}, {"num", "#"}, {"percnt", "%"}, {"period", "."},
    {"plus", "+"}, {"quest", "?"}, {"quot", "\""}, {"rbrace", "}"}, {"rbrack", "]"},
    {"rcub", "}"}, {"rpar", ")"}, {"rsqb", "]"}, {"semi", ";"}, {"sol", "/"},
    {"verbar", "|"}, {"vert", "|"},
    {"nbsp", "\xc2\xa0"}, {"copy", "\xc2\xa9"}, {"reg", "\xc2\xae"},
    {"hellip", "\xe2\x80\xa6"}, {"ndash", "\xe2\x80\x93"}, {"mdash", "\xe2\x80\x94"},
    {"lsquo", "\xe2\x80\x98"}, {"rsquo", "\xe2\x80\x99"}, {"ldquo", "\xe2\x80\x9c"},
    {"rdquo", "\xe2\x80\x9d"}, {"laquo", "\xc2\xab"}, {"raquo", "\xc2\xbb"},
    {"euro", "\xe2\x82\xac"}, {"middot", "\xc2\xb7"},
};

/* Legacy references a browser decodes without ';' that yield ASCII. */
static const named_ref legacy_refs[] = {
    {"amp", "&"}, {"AMP", "&"}, {"lt", "<"}, {"LT", "<"},
    {"gt", ">"}, {"GT", ">"}, {"quot", "\""}, {"QUOT", "\""},
};

static const char *lookup(const named_ref *table, size_t count, const char *name, size_t n)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(table[i].name) == n && memcmp(table[i].name, name, n) == 0)
            return table[i].text;
    return NULL;
}

static void put_utf8(buf_t *out, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_putn(out, u, n);
}

static int hex_value(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes "&#...;" at s[0]; returns bytes consumed, 0 if not a reference. */
static size_t decode_numeric(const char *s, size_t n, buf_t *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 2;
    int base = 10;
    if (i < n && (u[i] | 0x20) == 'x') {
        base = 16;
        i++;
    }
    size_t digits = i;
    unsigned long cp = 0;
    for (; i < n; i++) {
        int v = base == 16 ? hex_value(u[i]) : (is_digit(u[i]) ? u[i] - '0' : -1);
        if (v < 0)
            break;
        if (cp <= 0x10FFFF)
            cp = cp * (unsigned long)base + (unsigned long)v;
    }
    if (i == digits)
        return 0;
    if (i < n && s[i] == ';')
        i++;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    put_utf8(out, cp);
    return i;
}

/* Decodes "&name;" at s[0]; returns bytes consumed (0: copy the '&'). */
static size_t decode_named(const char *s, size_t n, buf_t *out, int *unknown)
{
    size_t i = 1;
    while (i < n && is_alnum((unsigned char)s[i]))
        i++;
    size_t len = i - 1;
    if (len == 0)
        return 0;
    const char *text;
    if (i < n && s[i] == ';') {
        text = lookup(named_refs, sizeof named_refs / sizeof *named_refs, s + 1, len);
        if (!text) {
            (*unknown)++;
            return 0;
        }
        buf_puts(out, text);
        return i + 1;
    }
    /* Without ';' only legacy names decode, and not before '=' (an
     * alphanumeric would have extended the name already). */
    if (i < n && s[i] == '=')
        return 0;
    text = lookup(legacy_refs, sizeof legacy_refs / sizeof *legacy_refs, s + 1, len);
    if (!text)
        return 0;
    buf_puts(out, text);
    return i;
}

int htmltok_decode_attr(const char *s, size_t n, buf_t *out)
{
    int unknown = 0;
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        if (!amp) {
            buf_putn(out, s + i, n - i);
            break;
        }
        size_t at = (size_t)(amp - s);
        buf_putn(out, s + i, at - i);
        size_t used = (at + 1 < n && s[at + 1] == '#')
                          ? decode_numeric(s + at, n - at, out)
                          : decode_named(s + at, n - at, out, &unknown);
        if (used == 0) {
            buf_putc(out, '&');
            used = 1;
        }
        i = at + used;
    }
    return unknown;
}

/* ---- CSS ---- */

/* "//" once the URL parser has dropped tabs and newlines. */
static int has_double_slash(const char *v, size_t n)
{
    char prev = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_url_ignored((unsigned char)v[i]))
            continue;
        if (v[i] == '/' && prev == '/')
            return 1;
        prev = v[i];
    }
    return 0;
}

/* A CSS string or url() argument that names something off the site. */
static int css_url_is_external(const char *v, size_t n, int in_url)
{
    char scheme[HTMLTOK_SCHEME_MAX];
    htmltok_url_kind kind = htmltok_url_classify(v, n, scheme);
    if (kind == URL_PROTOCOL_RELATIVE || has_double_slash(v, n))
        return 1;
    if (kind != URL_ABSOLUTE)
        return 0;
    if (in_url || !strcmp(scheme, "data") || !strcmp(scheme, "javascript") ||
        !strcmp(scheme, "vbscript"))
        return 1;
    /* A quoted string such as "Note: x" is text, "https:x" is a URL. */
    const char *colon = memchr(v, ':', n);
    return colon && colon + 1 < v + n && !is_space((unsigned char)colon[1]);
}

/* Words that load or run something, anywhere (even in strings or inside a
 * longer word: strictness is cheaper than a CSS tokenizer). */
static const char *css_word_problem(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (starts_ieq(p, end, "@import"))
            return "CSS @import is not allowed";
        if (starts_ieq(p, end, "expression"))
            return "CSS expression is not allowed";
        if (starts_ieq(p, end, "behavior"))
            return "CSS behavior is not allowed";
        if (starts_ieq(p, end, "-moz-binding"))
            return "CSS -moz-binding is not allowed";
        if (starts_ieq(p, end, "//"))
            return "'//' in CSS (URLs in page CSS must be relative)";
    }
    return NULL;
}

/* url() arguments and strings must stay on the site. */
static const char *css_url_problem(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (starts_ieq(p, end, "url(")) {
            const char *v = p + 4, *close = memchr(v, ')', (size_t)(end - v));
            const char *stop = close ? close : end;
            while (v < stop && is_space((unsigned char)*v))
                v++;
            if (v < stop && (*v == '"' || *v == '\''))
                v++;
            if (css_url_is_external(v, (size_t)(stop - v), 1))
                return "CSS url() pointing off the site is not allowed";
            p += 3;
        } else if (*p == '"' || *p == '\'') {
            /* A string ends at its quote or, unterminated, at a newline. */
            const char *v = p + 1, *q = v;
            while (q < end && *q != *p && *q != '\n' && *q != '\r' && *q != '\f')
                q++;
            if (css_url_is_external(v, (size_t)(q - v), 0))
                return "CSS string with a URL pointing off the site is not allowed";
            p = q < end && *q == *p ? q : q - 1;
        }
    }
    return NULL;
}

const char *htmltok_css_problem(const char *css, size_t n)
{
    if (memchr(css, '\\', n))
        return "CSS escape (backslash) is not allowed in page CSS";
    /* Comments go first: old IE read "expression" split by a comment as one
     * word. An unterminated comment runs to the end. */
    buf_t c = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (css[i] == '/' && i + 1 < n && css[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < n && !(css[j] == '*' && css[j + 1] == '/'))
                j++;
            if (j + 1 >= n)
                break;
            i = j + 1;
            continue;
        }
        buf_putc(&c, css[i]);
    }
    const char *p = buf_cstr(&c);
    const char *problem = css_word_problem(p, p + c.len);
    if (!problem)
        problem = css_url_problem(p, p + c.len);
    buf_free(&c);
    return problem;
}
