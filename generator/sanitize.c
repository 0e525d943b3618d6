/* sanitize: raw HTML from Markdown, parsed by gumbo (as a browser reads it)
 * and written back canonically with only the allowed elements and
 * attributes. The output never carries anything htmlscan would reject. */
#include "sanitize.h"

#include <gumbo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "htmltok.h"
#include "xalloc.h"

#define MAX_DEPTH 256

typedef struct {
    buf_t out;
    const char *raw; /* the whole piece, for positions */
    size_t len;
    size_t base; /* where the text given to gumbo starts in raw */
    const char *path;
    int line, col;
    diags_t *d;
} sanitizer;

static const GumboTag allowed_tags[] = {
    GUMBO_TAG_A,       GUMBO_TAG_ABBR,   GUMBO_TAG_B,          GUMBO_TAG_BDI,
    GUMBO_TAG_BDO,     GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BR,     GUMBO_TAG_CAPTION,
    GUMBO_TAG_CITE,    GUMBO_TAG_CODE,   GUMBO_TAG_COL,        GUMBO_TAG_COLGROUP,
    GUMBO_TAG_DD,      GUMBO_TAG_DEL,    GUMBO_TAG_DETAILS,    GUMBO_TAG_DFN,
    GUMBO_TAG_DIV,     GUMBO_TAG_DL,     GUMBO_TAG_DT,         GUMBO_TAG_EM,
    GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE, GUMBO_TAG_H1,      GUMBO_TAG_H2,
    GUMBO_TAG_H3,      GUMBO_TAG_H4,     GUMBO_TAG_H5,         GUMBO_TAG_H6,
    GUMBO_TAG_HR,      GUMBO_TAG_I,      GUMBO_TAG_IMG,        GUMBO_TAG_INS,
    GUMBO_TAG_KBD,     GUMBO_TAG_LI,     GUMBO_TAG_MARK,       GUMBO_TAG_OL,
    GUMBO_TAG_P,       GUMBO_TAG_PRE,    GUMBO_TAG_Q,          GUMBO_TAG_RP,
    GUMBO_TAG_RT,      GUMBO_TAG_RUBY,   GUMBO_TAG_S,          GUMBO_TAG_SAMP,
    GUMBO_TAG_SMALL,   GUMBO_TAG_SPAN,   GUMBO_TAG_STRONG,     GUMBO_TAG_SUB,
    GUMBO_TAG_SUMMARY, GUMBO_TAG_SUP,    GUMBO_TAG_TABLE,      GUMBO_TAG_TBODY,
    GUMBO_TAG_TD,      GUMBO_TAG_TFOOT,  GUMBO_TAG_TH,         GUMBO_TAG_THEAD,
    GUMBO_TAG_TIME,    GUMBO_TAG_TR,     GUMBO_TAG_U,          GUMBO_TAG_UL,
    GUMBO_TAG_VAR,     GUMBO_TAG_WBR,
};

/* Removed together with everything inside them. */
static const GumboTag dropped_with_content[] = {
    GUMBO_TAG_SCRIPT,   GUMBO_TAG_STYLE,    GUMBO_TAG_IFRAME, GUMBO_TAG_OBJECT,
    GUMBO_TAG_EMBED,    GUMBO_TAG_TEMPLATE, GUMBO_TAG_NOSCRIPT, GUMBO_TAG_SVG,
    GUMBO_TAG_MATH,     GUMBO_TAG_TEXTAREA, GUMBO_TAG_SELECT, GUMBO_TAG_TITLE,
    GUMBO_TAG_NOEMBED,  GUMBO_TAG_NOFRAMES,
};

static bool tag_in(GumboTag tag, const GumboTag *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == tag)
            return true;
    return false;
}

static bool is_allowed(GumboTag tag)
{
    return tag_in(tag, allowed_tags, sizeof allowed_tags / sizeof *allowed_tags);
}

static bool is_void(GumboTag tag)
{
    return tag == GUMBO_TAG_BR || tag == GUMBO_TAG_COL || tag == GUMBO_TAG_HR ||
           tag == GUMBO_TAG_IMG || tag == GUMBO_TAG_WBR;
}

static bool attr_allowed(GumboTag tag, const char *name)
{
    static const char *const global[] = {"id", "class", "title", "lang", "dir"};
    static const struct {
        GumboTag tag;
        const char *names[5];
    } per_tag[] = {
        {GUMBO_TAG_A, {"href"}},
        {GUMBO_TAG_IMG, {"src", "alt", "width", "height"}},
        {GUMBO_TAG_TD, {"colspan", "rowspan", "scope", "headers"}},
        {GUMBO_TAG_TH, {"colspan", "rowspan", "scope", "headers"}},
        {GUMBO_TAG_TIME, {"datetime"}},
        {GUMBO_TAG_DEL, {"datetime"}},
        {GUMBO_TAG_INS, {"datetime"}},
        {GUMBO_TAG_DETAILS, {"open"}},
        {GUMBO_TAG_OL, {"start", "reversed", "type"}},
    };
    for (size_t i = 0; i < sizeof global / sizeof *global; i++)
        if (!strcmp(name, global[i]))
            return true;
    for (size_t i = 0; i < sizeof per_tag / sizeof *per_tag; i++)
        if (per_tag[i].tag == tag)
            for (size_t j = 0; j < 5 && per_tag[i].names[j]; j++)
                if (!strcmp(name, per_tag[i].names[j]))
                    return true;
    return false;
}

/* Source position of byte offset off of raw, reported at the Markdown line. */
static void report(sanitizer *s, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(sanitizer *s, size_t off, const char *fmt, ...)
{
    int line = s->line, col = s->col;
    if (off > s->len)
        off = s->len;
    for (size_t i = 0; i < off; i++) {
        if (s->raw[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)s->raw[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    diag_add(s->d, DIAG_WARNING, s->path, line, col, fmt, ap);
    va_end(ap);
}

/* The element's name for messages: known tags by enum, others as written. */
static void element_name(const GumboElement *e, char name[32])
{
    if (e->tag != GUMBO_TAG_UNKNOWN) {
        snprintf(name, 32, "%s", gumbo_normalized_tagname(e->tag));
        return;
    }
    GumboStringPiece piece = e->original_tag;
    gumbo_tag_from_original_text(&piece);
    size_t n = 0;
    for (size_t i = 0; i < piece.length && n < 31; i++) {
        char c = piece.data[i];
        if ((c >= 'A' && c <= 'Z'))
            c = (char)(c + 32);
        name[n++] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') ? c : '?';
    }
    name[n] = '\0';
    if (n == 0)
        snprintf(name, 32, "unknown");
}

/* Text content, escaped; NUL bytes never reach the page. */
static void put_text(buf_t *out, const char *text)
{
    buf_put_html(out, text, strlen(text));
}

static void put_attr(buf_t *out, const char *name, const char *value)
{
    buf_printf(out, " %s=\"", name);
    buf_put_html(out, value, strlen(value));
    buf_putc(out, '"');
}

/* href on <a>: relative, or http(s)/mailto/tel. Returns true when it is
 * a web link, written with rel="noreferrer noopener". */
static bool put_link(sanitizer *s, const GumboAttribute *a)
{
    char scheme[HTMLTOK_SCHEME_MAX];
    htmltok_url_kind kind = htmltok_url_classify(a->value, strlen(a->value), scheme);
    size_t off = s->base + a->name_start.offset;
    if (kind == URL_PROTOCOL_RELATIVE) {
        report(s, off, "removed link with protocol-relative URL (write https://...)");
        return false;
    }
    bool web = kind == URL_ABSOLUTE && (!strcmp(scheme, "http") || !strcmp(scheme, "https"));
    if (kind == URL_ABSOLUTE && !web && strcmp(scheme, "mailto") && strcmp(scheme, "tel")) {
        report(s, off, "removed link with %s: URL", scheme[0] ? scheme : "unknown");
        return false;
    }
    put_attr(&s->out, "href", a->value);
    if (web)
        put_attr(&s->out, "rel", "noreferrer noopener");
    return web;
}

static void put_image_source(sanitizer *s, const GumboAttribute *a)
{
    char scheme[HTMLTOK_SCHEME_MAX];
    htmltok_url_kind kind = htmltok_url_classify(a->value, strlen(a->value), scheme);
    if (kind == URL_RELATIVE) {
        put_attr(&s->out, "src", a->value);
        return;
    }
    report(s, s->base + a->name_start.offset,
           "removed image source with %s URL (images must be files of the site)",
           kind == URL_ABSOLUTE && scheme[0] ? scheme : "external");
}

static void put_start_tag(sanitizer *s, const GumboElement *e)
{
    const char *name = gumbo_normalized_tagname(e->tag);
    buf_printf(&s->out, "<%s", name);
    bool web_link = false;
    for (unsigned i = 0; i < e->attributes.length; i++) {
        const GumboAttribute *a = e->attributes.data[i];
        if (e->tag == GUMBO_TAG_A && !strcmp(a->name, "href")) {
            web_link = put_link(s, a);
        } else if (e->tag == GUMBO_TAG_IMG && !strcmp(a->name, "src")) {
            put_image_source(s, a);
        } else if (attr_allowed(e->tag, a->name)) {
            put_attr(&s->out, a->name, a->value);
        } else if (!(e->tag == GUMBO_TAG_A && !strcmp(a->name, "rel"))) {
            report(s, s->base + a->name_start.offset, "removed attribute %s on <%s>", a->name,
                   name);
        }
    }
    /* A user's rel on <a> is replaced: web links get ours, others none. */
    const GumboAttribute *rel = gumbo_get_attribute(&e->attributes, "rel");
    if (e->tag == GUMBO_TAG_A && rel && !web_link)
        report(s, s->base + rel->name_start.offset, "removed attribute rel on <a>");
    buf_putc(&s->out, '>');
}

static void put_node(sanitizer *s, const GumboNode *node, int depth);

static void put_children(sanitizer *s, const GumboElement *e, int depth)
{
    for (unsigned i = 0; i < e->children.length; i++)
        put_node(s, e->children.data[i], depth + 1);
}

static void put_element(sanitizer *s, const GumboElement *e, int depth)
{
    char name[32];
    element_name(e, name);
    size_t off = s->base + e->start_pos.offset;
    bool written = e->original_tag.length > 0;
    if (e->tag_namespace != GUMBO_NAMESPACE_HTML ||
        tag_in(e->tag, dropped_with_content,
               sizeof dropped_with_content / sizeof *dropped_with_content)) {
        report(s, off, "removed <%s> element and its content (raw HTML is limited to a safe "
                       "subset)", name);
        return;
    }
    if (depth > MAX_DEPTH) {
        report(s, off, "removed content nested deeper than %d elements", MAX_DEPTH);
        return;
    }
    if (!is_allowed(e->tag)) {
        if (written)
            report(s, off, "removed <%s> element (raw HTML is limited to a safe subset)", name);
        put_children(s, e, depth);
        return;
    }
    put_start_tag(s, e);
    /* The parser drops a newline right after <pre>: keep a leading one. */
    if (e->tag == GUMBO_TAG_PRE && e->children.length > 0) {
        const GumboNode *first = e->children.data[0];
        if ((first->type == GUMBO_NODE_TEXT || first->type == GUMBO_NODE_WHITESPACE) &&
            first->v.text.text[0] == '\n')
            buf_putc(&s->out, '\n');
    }
    put_children(s, e, depth);
    /* Only end tags that were written: an element left open here may be
     * closed by a later piece (<details> ... </details> around Markdown). */
    if (!is_void(e->tag) && e->original_end_tag.length > 0)
        buf_printf(&s->out, "</%s>", gumbo_normalized_tagname(e->tag));
}

static void put_node(sanitizer *s, const GumboNode *node, int depth)
{
    switch (node->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
        put_text(&s->out, node->v.text.text);
        break;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
        put_element(s, &node->v.element, depth);
        break;
    default: /* comments, CDATA (only in SVG/MathML), the document */
        break;
    }
}

static GumboOutput *parse_fragment(const char *html, size_t len, GumboOptions *options)
{
    *options = kGumboDefaultOptions;
    options->fragment_context = GUMBO_TAG_DIV;
    options->fragment_namespace = GUMBO_NAMESPACE_HTML;
    options->max_errors = 0;
    return gumbo_parse_with_options(options, html, len);
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Length of a plain end tag "</name>" at p (0 if not one); its tag in *tag. */
static size_t end_tag_at(const char *p, const char *end, GumboTag *tag)
{
    if (end - p < 3 || p[0] != '<' || p[1] != '/' || !is_alnum(p[2]))
        return 0;
    const char *q = p + 2;
    while (q < end && is_alnum(*q))
        q++;
    *tag = gumbo_tagn_enum(p + 2, (unsigned)(q - p - 2));
    while (q < end && is_space(*q))
        q++;
    return q < end && *q == '>' ? (size_t)(q + 1 - p) : 0;
}

static void put_end_tag(sanitizer *s, GumboTag tag)
{
    if (is_allowed(tag) && !is_void(tag))
        buf_printf(&s->out, "</%s>", gumbo_normalized_tagname(tag));
}

/* Length of a comment at p as the HTML tokenizer ends it: "<!-->" and
 * "<!--->" end at once, others at the first "-->" or "--!>" (0: none). */
static size_t comment_at(const char *p, const char *end)
{
    if (end - p < 4 || memcmp(p, "<!--", 4))
        return 0;
    const char *q = p + 4;
    if (q < end && *q == '>')
        return 5;
    if (end - q >= 2 && q[0] == '-' && q[1] == '>')
        return 6;
    for (; end - q >= 3; q++) {
        if (q[0] == '-' && q[1] == '-' && q[2] == '>')
            return (size_t)(q + 3 - p);
        if (end - q >= 4 && q[0] == '-' && q[1] == '-' && q[2] == '!' && q[3] == '>')
            return (size_t)(q + 4 - p);
    }
    return 0;
}

/* End tags (and white space, comments) before any content: gumbo would
 * ignore them, but they close elements opened by an earlier piece. */
static size_t put_leading_end_tags(sanitizer *s, const char *p, const char *end)
{
    const char *start = p;
    for (;;) {
        const char *ws = p;
        while (p < end && is_space(*p))
            p++;
        buf_putn(&s->out, ws, (size_t)(p - ws));
        GumboTag tag;
        size_t n = end_tag_at(p, end, &tag);
        if (n) {
            put_end_tag(s, tag);
            p += n;
            continue;
        }
        size_t comment = comment_at(p, end);
        if (comment) {
            p += comment;
            continue;
        }
        return (size_t)(p - start);
    }
}

/* End tags at the very end of the piece, found backwards; returns the
 * length of that tail. */
static size_t trailing_end_tags(const char *raw, size_t len)
{
    size_t tail = len;
    for (;;) {
        size_t t = tail;
        while (t > 0 && is_space(raw[t - 1]))
            t--;
        if (t == 0 || raw[t - 1] != '>')
            return len - tail;
        size_t lt = t - 1;
        while (lt > 0 && raw[lt] != '<')
            lt--;
        GumboTag tag;
        if (raw[lt] != '<' || end_tag_at(raw + lt, raw + t, &tag) != t - lt)
            return len - tail;
        tail = lt;
    }
}

static void put_trailing_end_tags(sanitizer *s, const char *p, const char *end)
{
    while (p < end) {
        GumboTag tag;
        size_t n = end_tag_at(p, end, &tag);
        if (n) {
            put_end_tag(s, tag);
            p += n;
        } else {
            buf_putc(&s->out, *p++); /* white space between them */
        }
    }
}

/* A tag cut off by the end of the piece is dropped by the parser. */
static void warn_unterminated_tag(sanitizer *s, size_t from, size_t len)
{
    const char *p = s->raw + from;
    size_t last_lt = len, last_gt = len;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '<' && i + 1 < len && (is_alnum(p[i + 1]) || p[i + 1] == '/'))
            last_lt = i;
        else if (p[i] == '>')
            last_gt = i;
    }
    if (last_lt < len && (last_gt == len || last_gt < last_lt))
        report(s, from + last_lt, "removed unterminated tag at the end of the HTML block");
}

static void sanitize_block(sanitizer *s)
{
    const char *end = s->raw + s->len;
    size_t lead = put_leading_end_tags(s, s->raw, end);
    size_t tail = trailing_end_tags(s->raw + lead, s->len - lead);
    size_t body = s->len - lead - tail;
    if (body > 0) {
        warn_unterminated_tag(s, lead, body);
        GumboOptions options;
        s->base = lead;
        GumboOutput *out = parse_fragment(s->raw + lead, body, &options);
        put_children(s, &out->root->v.element, 0);
        gumbo_destroy_output(&options, out);
    }
    put_trailing_end_tags(s, s->raw + lead + body, end);
}

/* The name in "<name ..." for a message when gumbo kept no element. */
static void raw_tag_name(const char *raw, size_t len, char name[32])
{
    size_t n = 0;
    for (size_t i = 1; i < len && n < 31 && is_alnum(raw[i]); i++)
        name[n++] = (char)((raw[i] >= 'A' && raw[i] <= 'Z') ? raw[i] + 32 : raw[i]);
    name[n] = '\0';
}

static void sanitize_inline(sanitizer *s)
{
    const char *raw = s->raw, *end = raw + s->len;
    GumboTag tag;
    if (end_tag_at(raw, end, &tag) == s->len) {
        put_end_tag(s, tag);
        return;
    }
    if (s->len >= 4 && !memcmp(raw, "<!--", 4))
        return; /* comments are notes to editors, not content */
    if (s->len < 2 || raw[0] != '<' || !is_alnum(raw[1])) {
        report(s, 0, "removed raw HTML that is not a plain tag (declaration, CDATA or "
                     "processing instruction)");
        return;
    }
    GumboOptions options;
    GumboOutput *out = parse_fragment(raw, s->len, &options);
    const GumboVector *children = &out->root->v.element.children;
    const GumboElement *e = NULL;
    for (unsigned i = 0; i < children->length && !e; i++) {
        const GumboNode *n = children->data[i];
        if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
            e = &n->v.element;
    }
    char name[32];
    if (!e) {
        raw_tag_name(raw, s->len, name);
        report(s, 0, "removed <%s> tag (raw HTML is limited to a safe subset)", name);
    } else if (e->tag_namespace != GUMBO_NAMESPACE_HTML || !is_allowed(e->tag)) {
        element_name(e, name);
        report(s, e->start_pos.offset, "removed <%s> element (raw HTML is limited to a safe "
                                       "subset)", name);
    } else {
        put_start_tag(s, e);
    }
    gumbo_destroy_output(&options, out);
}

char *sanitize_html(const char *raw, size_t len, bool is_inline, const char *src_path, int line,
                    int col, diags_t *d)
{
    sanitizer s = {BUF_INIT, raw, len, 0, src_path, line, col, d};
    if (is_inline)
        sanitize_inline(&s);
    else
        sanitize_block(&s);
    if (!s.out.data)
        return xstrdup("");
    return buf_detach(&s.out);
}
