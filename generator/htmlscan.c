/* htmlscan: a hand-written, fail-closed tokenizer over each written page.
 *
 * It reads the page as an HTML5 tokenizer does, but accepts only the
 * well-formed subset waymark writes; every construct it cannot classify is
 * a violation. Text is skipped with memchr, so the cost is mostly the tags.
 * (gumbo would build a whole tree per page: too slow for every page.) */
#include "htmlscan.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "htmltok.h"
#include "xalloc.h"

#define MAX_REPORTED 20
#define MAX_ATTRS 64

typedef struct {
    const char *name; /* into the page */
    size_t name_len;
    const char *value; /* into the page, still encoded; NULL: no value */
    size_t value_len;
} attr_t;

typedef enum {
    TAG_OTHER,
    TAG_FORBIDDEN, /* never allowed: frames, plugins, svg, math ... */
    TAG_SCRIPT,    /* forbidden, and its text runs to </script> */
    TAG_A,
    TAG_LINK,
    TAG_META,
    TAG_FORM,
    TAG_HTML,
    TAG_HEAD,
    TAG_BODY,
    TAG_STYLE,
    TAG_TITLE,    /* RCDATA: text up to </title> */
    TAG_TEXTAREA, /* RCDATA: text up to </textarea> */
    TAG_TEMPLATE
} tag_kind;

typedef struct {
    const char *at; /* the '<' */
    char name[16];  /* lowercased; "" when longer */
    size_t name_len;
    tag_kind kind;
    attr_t attrs[MAX_ATTRS];
    int nattrs;
} tag_t;

typedef struct {
    const char *html, *end;
    const char *out_path;
    const scan_rules *rules;
    diags_t *d;
    int violations;
    const char *line_start; /* position cache for line:col */
    int line;
    buf_t tmp;
    bool head_closed;
    bool seen_html_lang, seen_html_dir, seen_charset, seen_viewport, seen_csp, seen_referrer;
} scanner;

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
static bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_alnum(unsigned char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
static bool is_tag_name_char(unsigned char c) { return is_alnum(c) || c == '-'; }
static bool is_attr_name_char(unsigned char c)
{
    return is_alnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
}

static bool ieq(const char *s, size_t n, const char *lower)
{
    size_t i = 0;
    for (; i < n && lower[i]; i++)
        if ((char)(s[i] | (is_alpha((unsigned char)s[i]) ? 0x20 : 0)) != lower[i])
            return false;
    return i == n && lower[i] == '\0';
}

static bool starts_ieq(const char *s, const char *end, const char *lower)
{
    size_t n = strlen(lower);
    return (size_t)(end - s) >= n && ieq(s, n, lower);
}

/* Line and column (in characters) of p; cheap for increasing positions. */
static void position(scanner *s, const char *p, int *line, int *col)
{
    if (p < s->line_start) {
        s->line_start = s->html;
        s->line = 1;
    }
    for (const char *q = s->line_start; q < p; q++)
        if (*q == '\n') {
            s->line++;
            s->line_start = q + 1;
        }
    int c = 1;
    for (const char *q = s->line_start; q < p; q++)
        if (((unsigned char)*q & 0xC0) != 0x80)
            c++;
    *line = s->line;
    *col = c;
}

static void violation(scanner *s, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void violation(scanner *s, const char *at, const char *fmt, ...)
{
    if (++s->violations > MAX_REPORTED)
        return;
    int line = 0, col = 0;
    if (at)
        position(s, at, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    diag_add(s->d, DIAG_ERROR, s->out_path, line, col, fmt, ap);
    va_end(ap);
}

/* Every element with a rule of its own; the rest are TAG_OTHER. */
static const struct {
    const char *name;
    size_t len;
    tag_kind kind;
} tag_kinds[] = {
#define K(name, kind) {name, sizeof name - 1, kind}
    K("a", TAG_A), K("area", TAG_A), K("link", TAG_LINK), K("meta", TAG_META),
    K("form", TAG_FORM), K("html", TAG_HTML), K("head", TAG_HEAD), K("body", TAG_BODY),
    K("style", TAG_STYLE), K("title", TAG_TITLE), K("textarea", TAG_TEXTAREA),
    K("template", TAG_TEMPLATE), K("script", TAG_SCRIPT),
    K("iframe", TAG_FORBIDDEN), K("frame", TAG_FORBIDDEN), K("frameset", TAG_FORBIDDEN),
    K("object", TAG_FORBIDDEN), K("embed", TAG_FORBIDDEN), K("applet", TAG_FORBIDDEN),
    K("base", TAG_FORBIDDEN), K("svg", TAG_FORBIDDEN), K("math", TAG_FORBIDDEN),
    K("portal", TAG_FORBIDDEN), K("fencedframe", TAG_FORBIDDEN),
    /* these change how the rest is tokenized */
    K("noscript", TAG_FORBIDDEN), K("xmp", TAG_FORBIDDEN), K("noembed", TAG_FORBIDDEN),
    K("noframes", TAG_FORBIDDEN), K("plaintext", TAG_FORBIDDEN),
    K("isindex", TAG_FORBIDDEN), K("param", TAG_FORBIDDEN),
#undef K
};

static tag_kind classify_tag(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof tag_kinds / sizeof *tag_kinds; i++)
        if (tag_kinds[i].len == len && tag_kinds[i].name[0] == name[0] &&
            memcmp(tag_kinds[i].name, name, len) == 0)
            return tag_kinds[i].kind;
    return TAG_OTHER;
}

static const attr_t *find_attr(const tag_t *t, const char *lower)
{
    for (int i = 0; i < t->nattrs; i++)
        if (ieq(t->attrs[i].name, t->attrs[i].name_len, lower))
            return &t->attrs[i];
    return NULL;
}

/* The decoded value of a in s->tmp (borrowed until the next call); NULL when
 * a has unknown named references and strict is set. */
static const char *decoded(scanner *s, const attr_t *a, bool strict, size_t *len)
{
    buf_reset(&s->tmp);
    int unknown = a->value ? htmltok_decode_attr(a->value, a->value_len, &s->tmp) : 0;
    if (unknown && strict) {
        violation(s, a->name, "unknown character reference in attribute %.*s",
                  (int)a->name_len, a->name);
        return NULL;
    }
    *len = s->tmp.len;
    return buf_cstr(&s->tmp);
}

static void trim(const char **v, size_t *n)
{
    while (*n && is_space((unsigned char)**v)) {
        (*v)++;
        (*n)--;
    }
    while (*n && is_space((unsigned char)(*v)[*n - 1]))
        (*n)--;
}

/* Does the decoded, white-space separated list v contain token? */
static bool has_token(const char *v, size_t n, const char *token)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space((unsigned char)v[i]))
            i++;
        size_t start = i;
        while (i < n && !is_space((unsigned char)v[i]))
            i++;
        if (i > start && ieq(v + start, i - start, token))
            return true;
    }
    return false;
}

static bool attr_equals(scanner *s, const attr_t *a, const char *lower)
{
    size_t n;
    const char *v = a ? decoded(s, a, false, &n) : NULL;
    if (!v)
        return false;
    trim(&v, &n);
    return ieq(v, n, lower);
}

static bool rel_has(scanner *s, const tag_t *t, const char *token)
{
    const attr_t *rel = find_attr(t, "rel");
    size_t n;
    const char *v = rel ? decoded(s, rel, false, &n) : NULL;
    return v && has_token(v, n, token);
}

/* CSS in style attributes and <style>: one violation for its first problem. */
static void check_css(scanner *s, const char *at, const char *css, size_t n)
{
    const char *problem = htmltok_css_problem(css, n);
    if (problem)
        violation(s, at, "%s", problem);
}

/* ---- URL attributes ---- */

typedef enum { ATTR_OTHER, ATTR_URL, ATTR_STYLE, ATTR_SRCDOC } attr_kind;

static const struct {
    const char *name;
    size_t len;
    attr_kind kind;
} attr_kinds[] = {
#define K(name, kind) {name, sizeof name - 1, kind}
    K("href", ATTR_URL), K("src", ATTR_URL), K("srcset", ATTR_URL), K("action", ATTR_URL),
    K("formaction", ATTR_URL), K("poster", ATTR_URL), K("background", ATTR_URL),
    K("cite", ATTR_URL), K("data", ATTR_URL), K("codebase", ATTR_URL),
    K("longdesc", ATTR_URL), K("manifest", ATTR_URL), K("ping", ATTR_URL),
    K("xlink:href", ATTR_URL), K("icon", ATTR_URL), K("profile", ATTR_URL),
    K("usemap", ATTR_URL), K("lowsrc", ATTR_URL), K("dynsrc", ATTR_URL),
    K("imagesrcset", ATTR_URL), K("archive", ATTR_URL), K("classid", ATTR_URL),
    K("style", ATTR_STYLE), K("srcdoc", ATTR_SRCDOC),
#undef K
};

static attr_kind classify_attr(const attr_t *a)
{
    char name[12];
    if (a->name_len >= sizeof name)
        return ATTR_OTHER;
    for (size_t i = 0; i < a->name_len; i++)
        name[i] = (char)(a->name[i] | (is_alpha((unsigned char)a->name[i]) ? 0x20 : 0));
    for (size_t i = 0; i < sizeof attr_kinds / sizeof *attr_kinds; i++)
        if (attr_kinds[i].len == a->name_len && attr_kinds[i].name[0] == name[0] &&
            memcmp(attr_kinds[i].name, name, a->name_len) == 0)
            return attr_kinds[i].kind;
    return ATTR_OTHER;
}

static bool is_script_scheme(const char *scheme)
{
    return !strcmp(scheme, "javascript") || !strcmp(scheme, "vbscript") ||
           !strcmp(scheme, "data");
}

/* Judges one URL of attribute a on tag t. */
static void check_url(scanner *s, const tag_t *t, const attr_t *a, const char *v, size_t n)
{
    char scheme[HTMLTOK_SCHEME_MAX];
    htmltok_url_kind kind = htmltok_url_classify(v, n, scheme);
    int nl = (int)a->name_len;
    if (kind == URL_ABSOLUTE && is_script_scheme(scheme)) {
        violation(s, a->name, "%s: URL in attribute %.*s", scheme, nl, a->name);
        return;
    }
    bool external = kind != URL_RELATIVE;
    bool is_href = ieq(a->name, a->name_len, "href");
    if (t->kind == TAG_A && is_href) {
        if (kind == URL_ABSOLUTE && strcmp(scheme, "http") && strcmp(scheme, "https") &&
            strcmp(scheme, "mailto") && strcmp(scheme, "tel")) {
            violation(s, a->name, "link with %s: URL (only http, https, mailto, tel)",
                      scheme[0] ? scheme : "an unknown");
            return;
        }
        bool exempt = kind == URL_ABSOLUTE && (!strcmp(scheme, "mailto") || !strcmp(scheme, "tel"));
        if (external && !exempt &&
            !(rel_has(s, t, "noreferrer") && rel_has(s, t, "noopener")))
            violation(s, t->at, "external link without rel=\"noreferrer noopener\"");
        return;
    }
    bool is_action = ieq(a->name, a->name_len, "action") ||
                     ieq(a->name, a->name_len, "formaction");
    if (is_action) {
        const char *want = s->rules->form_action;
        if (!want && t->kind == TAG_FORM)
            return; /* the <form> itself is reported */
        if (!want || strlen(want) != n || memcmp(want, v, n) != 0)
            violation(s, a->name, "form %.*s is not the configured form action", nl, a->name);
        return;
    }
    if (!external)
        return;
    if (t->kind == TAG_LINK && is_href && attr_equals(s, find_attr(t, "rel"), "alternate"))
        return;
    violation(s, a->name, "external resource in attribute %.*s (only relative URLs)", nl,
              a->name);
}

/* srcset: every token that is not a width/density descriptor is a URL. */
static void check_srcset(scanner *s, const tag_t *t, const attr_t *a, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_space((unsigned char)v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && !is_space((unsigned char)v[i]) && v[i] != ',')
            i++;
        if (i == start)
            break;
        size_t len = i - start, d = 0;
        while (d < len && ((v[start + d] >= '0' && v[start + d] <= '9') || v[start + d] == '.'))
            d++;
        bool descriptor = d > 0 && d + 1 == len && strchr("wxh", v[start + d]);
        if (!descriptor)
            check_url(s, t, a, v + start, len);
    }
}

static void check_url_attr(scanner *s, const tag_t *t, const attr_t *a)
{
    if (ieq(a->name, a->name_len, "ping")) {
        violation(s, a->name, "attribute ping is not allowed");
        return;
    }
    size_t n;
    const char *v = decoded(s, a, true, &n);
    if (!v)
        return;
    /* check_url may decode other attributes into s->tmp: keep a copy. */
    char small[256];
    char *copy = n < sizeof small ? small : xmalloc(n + 1);
    memcpy(copy, v, n);
    if (ieq(a->name, a->name_len, "srcset") || ieq(a->name, a->name_len, "imagesrcset"))
        check_srcset(s, t, a, copy, n);
    else
        check_url(s, t, a, copy, n);
    if (copy != small)
        free(copy);
}

/* ---- per-element rules ---- */

static void check_meta(scanner *s, const tag_t *t)
{
    const attr_t *equiv = find_attr(t, "http-equiv");
    const attr_t *name = find_attr(t, "name");
    const attr_t *content = find_attr(t, "content");
    bool in_head = !s->head_closed;
    if (find_attr(t, "charset") && in_head)
        s->seen_charset = true;
    if (equiv) {
        if (attr_equals(s, equiv, "content-security-policy")) {
            size_t n = 0;
            const char *v = content ? decoded(s, content, false, &n) : NULL;
            const char *want = s->rules->csp;
            if (want && (!v || strlen(want) != n || memcmp(v, want, n) != 0))
                violation(s, t->at, "Content-Security-Policy differs from the configured one");
            else if (in_head)
                s->seen_csp = true;
        } else if (attr_equals(s, equiv, "refresh")) {
            violation(s, t->at, "<meta http-equiv=\"refresh\"> is not allowed");
        } else if (!attr_equals(s, equiv, "content-type") &&
                   !attr_equals(s, equiv, "content-language") &&
                   !attr_equals(s, equiv, "x-ua-compatible")) {
            violation(s, t->at, "<meta http-equiv> other than Content-Security-Policy, "
                                "Content-Type, Content-Language is not allowed");
        }
    }
    if (name && attr_equals(s, name, "viewport") && in_head)
        s->seen_viewport = true;
    if (name && attr_equals(s, name, "referrer")) {
        if (!attr_equals(s, content, "no-referrer"))
            violation(s, t->at, "referrer policy other than no-referrer");
        else if (in_head)
            s->seen_referrer = true;
    }
}

static bool allowed_in_head(const tag_t *t)
{
    return t->kind == TAG_HTML || t->kind == TAG_HEAD || t->kind == TAG_META ||
           t->kind == TAG_LINK || t->kind == TAG_STYLE || t->kind == TAG_TITLE ||
           t->kind == TAG_TEMPLATE || t->kind == TAG_FORBIDDEN || t->kind == TAG_SCRIPT;
}

static void check_element(scanner *s, const tag_t *t)
{
    switch (t->kind) {
    case TAG_SCRIPT:
        violation(s, t->at, "<script> is not allowed (pages must work without JavaScript)");
        break;
    case TAG_FORBIDDEN:
        violation(s, t->at, "<%s> is not allowed", t->name);
        break;
    case TAG_META:
        check_meta(s, t);
        break;
    case TAG_FORM:
        if (!s->rules->form_action)
            violation(s, t->at, "<form> is not allowed (no form action configured)");
        else if (!find_attr(t, "action"))
            violation(s, t->at, "<form> without the configured action");
        break;
    case TAG_HTML:
        s->seen_html_lang |= find_attr(t, "lang") != NULL;
        s->seen_html_dir |= find_attr(t, "dir") != NULL;
        break;
    default:
        break;
    }
    if (!allowed_in_head(t))
        s->head_closed = true;
}

static bool same_name(const attr_t *a, const attr_t *b)
{
    if (a->name_len != b->name_len)
        return false;
    for (size_t i = 0; i < a->name_len; i++)
        if ((a->name[i] | 0x20) != (b->name[i] | 0x20))
            return false;
    return true;
}

static void check_style_attr(scanner *s, const attr_t *a)
{
    size_t n;
    const char *v = decoded(s, a, true, &n);
    if (!v)
        return;
    char *css = xstrndup(v, n);
    check_css(s, a->name, css, n);
    free(css);
}

static void check_attrs(scanner *s, const tag_t *t)
{
    for (int i = 0; i < t->nattrs; i++) {
        const attr_t *a = &t->attrs[i];
        int nl = (int)a->name_len;
        for (int j = 0; j < i; j++)
            if (same_name(&t->attrs[j], a))
                violation(s, a->name, "duplicate attribute %.*s", nl, a->name);
        if (a->name_len >= 2 && (a->name[0] | 0x20) == 'o' && (a->name[1] | 0x20) == 'n') {
            violation(s, a->name, "event handler attribute %.*s is not allowed", nl, a->name);
            continue;
        }
        switch (classify_attr(a)) {
        case ATTR_URL:
            check_url_attr(s, t, a);
            break;
        case ATTR_STYLE:
            check_style_attr(s, a);
            break;
        case ATTR_SRCDOC:
            violation(s, a->name, "attribute srcdoc is not allowed");
            break;
        case ATTR_OTHER:
            break;
        }
    }
}

/* ---- the tokenizer ---- */

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && is_space((unsigned char)*p))
        p++;
    return p;
}

/* The "</name" that ends a raw text element, as the tokenizer finds it. */
static const char *find_end_tag(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        const char *after = p + 2 + n;
        if (after < end && p[1] == '/' && ieq(p + 2, n, name) &&
            (is_space((unsigned char)*after) || *after == '/' || *after == '>'))
            return p;
        p++;
    }
    return NULL;
}

/* Reads one attribute value after '='; returns the position after it, or
 * NULL after reporting a violation. */
static const char *scan_value(scanner *s, const tag_t *t, attr_t *a, const char *p)
{
    const char *end = s->end;
    if (p < end && (*p == '"' || *p == '\'')) {
        const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
        if (!close) {
            violation(s, t->at, "unterminated attribute value in <%s>", t->name);
            return NULL;
        }
        a->value = p + 1;
        a->value_len = (size_t)(close - p - 1);
        p = close + 1;
        if (p < end && !is_space((unsigned char)*p) && *p != '>' && *p != '/') {
            violation(s, p, "missing space after attribute value");
            return NULL;
        }
        return p;
    }
    const char *v = p;
    for (; p < end && !is_space((unsigned char)*p) && *p != '>'; p++)
        if (strchr("\"'<=`", *p)) {
            violation(s, p, "unexpected character '%c' in unquoted attribute value", *p);
            return NULL;
        }
    if (p == v) {
        violation(s, v, "missing attribute value");
        return NULL;
    }
    a->value = v;
    a->value_len = (size_t)(p - v);
    return p;
}

/* Reads the attributes up to '>'; returns the position after the tag, or
 * NULL after reporting a violation. */
static const char *scan_attrs(scanner *s, tag_t *t, const char *p)
{
    const char *end = s->end;
    for (;;) {
        p = skip_space(p, end);
        if (p == end)
            break;
        if (*p == '>')
            return p + 1;
        if (*p == '/') {
            if (p + 1 < end && p[1] == '>')
                return p + 2;
            violation(s, p, "'/' inside a tag not followed by '>'");
            return NULL;
        }
        const char *name = p;
        while (p < end && is_attr_name_char((unsigned char)*p))
            p++;
        if (p < end && (p == name || !(is_space((unsigned char)*p) || *p == '=' || *p == '>' ||
                                       *p == '/'))) {
            violation(s, p, "unexpected character '%c' in <%s> tag", *p, t->name);
            return NULL;
        }
        if (t->nattrs == MAX_ATTRS) {
            violation(s, name, "more than %d attributes", MAX_ATTRS);
            return NULL;
        }
        attr_t *a = &t->attrs[t->nattrs++];
        *a = (attr_t){name, (size_t)(p - name), NULL, 0};
        const char *after_name = skip_space(p, end);
        if (after_name < end && *after_name == '=') {
            p = scan_value(s, t, a, skip_space(after_name + 1, end));
            if (!p)
                return NULL;
        }
    }
    violation(s, t->at, "unterminated <%s> tag", t->name);
    return NULL;
}

/* After a raw text or RCDATA start tag: skips to its end tag. */
static const char *scan_raw_text(scanner *s, const tag_t *t, const char *p)
{
    const char *close = find_end_tag(p, s->end, t->name);
    if (!close) {
        violation(s, t->at, "<%s> without </%s>", t->name, t->name);
        return s->end;
    }
    if (t->kind == TAG_STYLE)
        check_css(s, p, p, (size_t)(close - p));
    return close;
}

static const char *scan_start_tag(scanner *s, const char *lt)
{
    tag_t t;
    t.at = lt;
    t.nattrs = 0;
    const char *p = lt + 1, *end = s->end;
    while (p < end && is_tag_name_char((unsigned char)*p))
        p++;
    t.name_len = (size_t)(p - lt - 1);
    if (t.name_len < sizeof t.name) {
        for (size_t i = 0; i < t.name_len; i++)
            t.name[i] = (char)(lt[1 + i] | (is_alpha((unsigned char)lt[1 + i]) ? 0x20 : 0));
        t.name[t.name_len] = '\0';
    } else {
        memcpy(t.name, "(long name)", 12);
    }
    if (p < end && !is_space((unsigned char)*p) && *p != '/' && *p != '>') {
        violation(s, p, "unexpected character '%c' in tag name", *p);
        return p + 1;
    }
    t.kind = t.name_len < sizeof t.name ? classify_tag(t.name, t.name_len) : TAG_OTHER;
    p = scan_attrs(s, &t, p);
    if (!p)
        return s->end;
    check_attrs(s, &t);
    check_element(s, &t);
    if (t.kind == TAG_STYLE || t.kind == TAG_TITLE || t.kind == TAG_TEXTAREA ||
        t.kind == TAG_SCRIPT)
        return scan_raw_text(s, &t, p);
    return p;
}

static const char *scan_end_tag(scanner *s, const char *lt)
{
    const char *p = lt + 2, *end = s->end;
    while (p < end && is_tag_name_char((unsigned char)*p))
        p++;
    size_t n = (size_t)(p - lt - 2);
    p = skip_space(p, end);
    if (p == end) {
        violation(s, lt, "unterminated end tag");
        return end;
    }
    if (*p != '>') {
        violation(s, p, "unexpected character '%c' in end tag", *p);
        return p + 1;
    }
    if (ieq(lt + 2, n, "head") || ieq(lt + 2, n, "html"))
        s->head_closed = true;
    return p + 1;
}

static bool contains_ci(const char *p, const char *end, const char *lower)
{
    for (; p < end; p++)
        if (starts_ieq(p, end, lower))
            return true;
    return false;
}

static const char *scan_comment(scanner *s, const char *lt)
{
    const char *body = lt + 4, *end = s->end, *p = body;
    if (starts_ieq(body, end, ">") || starts_ieq(body, end, "->")) {
        violation(s, lt, "malformed comment (<!--> or <!--->)");
        return body;
    }
    for (;;) {
        p = memchr(p, '-', (size_t)(end - p));
        if (!p || end - p < 3) {
            violation(s, lt, "unterminated comment");
            return end;
        }
        if (p[1] == '-' && p[2] == '>')
            break;
        if (p[1] == '-' && p[2] == '!' && end - p >= 4 && p[3] == '>') {
            violation(s, p, "comment closed with --!>");
            return p + 4;
        }
        p++;
    }
    if (contains_ci(body, p, "[if") || contains_ci(body, p, "[endif"))
        violation(s, lt, "conditional comment is not allowed");
    return p + 3;
}

static const char *scan_doctype(scanner *s, const char *lt)
{
    const char *end = s->end, *p = lt + 9;
    const char *q = skip_space(p, end);
    if (q > p && starts_ieq(q, end, "html")) {
        q = skip_space(q + 4, end);
        if (q < end && *q == '>')
            return q + 1;
    }
    violation(s, lt, "doctype other than <!DOCTYPE html>");
    return lt + 2;
}

static const char *scan_markup(scanner *s, const char *lt)
{
    const char *end = s->end;
    unsigned char c = lt + 1 < end ? (unsigned char)lt[1] : 0;
    if (is_alpha(c))
        return scan_start_tag(s, lt);
    if (c == '/' && lt + 2 < end && is_alpha((unsigned char)lt[2]))
        return scan_end_tag(s, lt);
    if (c == '!' && starts_ieq(lt, end, "<!--"))
        return scan_comment(s, lt);
    if (c == '!' && starts_ieq(lt, end, "<!doctype"))
        return scan_doctype(s, lt);
    if (c == '!')
        violation(s, lt, "'<!' that is neither a comment nor <!DOCTYPE html>");
    else if (c == '?')
        violation(s, lt, "processing instruction '<?' is not allowed");
    else if (c == '/')
        violation(s, lt, "malformed end tag");
    else
        violation(s, lt, "unescaped '<' in text");
    return lt + 1;
}

static void note_text(scanner *s, const char *p, const char *end)
{
    if (s->head_closed)
        return;
    for (; p < end; p++)
        if (!is_space((unsigned char)*p)) {
            s->head_closed = true;
            return;
        }
}

static void check_full_page(scanner *s)
{
    static const char *const missing_fmt = "missing %s";
    if (!s->seen_html_lang)
        diag_error(s->d, s->out_path, 1, 1, missing_fmt, "lang attribute on <html>");
    if (!s->seen_html_dir)
        diag_error(s->d, s->out_path, 1, 1, missing_fmt, "dir attribute on <html>");
    if (!s->seen_charset)
        diag_error(s->d, s->out_path, 1, 1, missing_fmt, "<meta charset> in <head>");
    if (!s->seen_viewport)
        diag_error(s->d, s->out_path, 1, 1, missing_fmt, "<meta name=\"viewport\"> in <head>");
    if (!s->seen_csp)
        diag_error(s->d, s->out_path, 1, 1, missing_fmt,
                   "<meta http-equiv=\"Content-Security-Policy\"> in <head>");
    if (!s->seen_referrer)
        diag_error(s->d, s->out_path, 1, 1, missing_fmt,
                   "<meta name=\"referrer\" content=\"no-referrer\"> in <head>");
    s->violations += !s->seen_html_lang + !s->seen_html_dir + !s->seen_charset +
                     !s->seen_viewport + !s->seen_csp + !s->seen_referrer;
}

int scan_page(const char *html, size_t len, const char *out_path, const scan_rules *rules,
              diags_t *d)
{
    scanner s = {.html = html, .end = html + len, .out_path = out_path, .rules = rules,
                 .d = d, .line_start = html, .line = 1, .tmp = BUF_INIT};
    for (const char *z = html; len && (z = memchr(z, '\0', (size_t)(s.end - z))) != NULL; z++)
        violation(&s, z, "NUL byte");
    const char *p = html;
    while (p < s.end) {
        const char *lt = memchr(p, '<', (size_t)(s.end - p));
        note_text(&s, p, lt ? lt : s.end);
        if (!lt)
            break;
        p = scan_markup(&s, lt);
    }
    if (s.violations > MAX_REPORTED)
        diag_error(d, out_path, 0, 0, "and %d more violations", s.violations - MAX_REPORTED);
    if (rules->full_page)
        check_full_page(&s);
    buf_free(&s.tmp);
    return s.violations;
}
