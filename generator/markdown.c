#include "markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "path.h"
#include "sanitize.h"
#include "utf8.h"
#include "xalloc.h"

#define SUMMARY_MAX 300

static const char *const EXTENSIONS[] = {"table", "strikethrough", "autolink", "tagfilter", NULL};
/* Ids the default theme uses for its own landmarks. */
static const char *const RESERVED_IDS[] = {"main", "toc-title", "top", NULL};

typedef struct {
    int line, col;  /* as cmark reports them, for matching data-sourcepos */
    int level;
    char *text;
    char *id;
} heading;

typedef struct {
    const md_input *in;
    diags_t *d;
    size_t errors;
    heading *headings;
    size_t nheadings, headings_cap;
    buf_t text;       /* all plain text, for the word count */
    char *summary;
} render_state;

static cmark_parser *new_parser(int options);

/* Also marks the extensions' inline characters once, for every thread
 * (cmarkfix.c says why). */
void md_init(void)
{
    cmark_gfm_core_extensions_ensure_registered();
    cmark_parser *parser = new_parser(CMARK_OPT_DEFAULT);
    cmark_manage_extensions_special_characters(parser, 1);
    cmark_parser_free(parser);
}

static int file_line(const render_state *st, cmark_node *node)
{
    return st->in->first_line + cmark_node_get_start_line(node) - 1;
}

/* --- plain text and ids --------------------------------------------------- */

static void plain_text(cmark_node *node, buf_t *out)
{
    cmark_iter *it = cmark_iter_new(node);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
            buf_puts(out, cmark_node_get_literal(n));
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            buf_putc(out, ' ');
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
}

char *md_heading_slug(const char *text)
{
    buf_t id = BUF_INIT;
    bool dash = false;
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (*s >= 0x80 || isalnum(*s)) {
            if (dash && id.len)
                buf_putc(&id, '-');
            dash = false;
            buf_putc(&id, *s < 0x80 ? (char)tolower(*s) : (char)*s);
        } else if (*s != '\'' && *s != '.') {
            dash = true;
        }
    }
    if (!id.len)
        buf_puts(&id, "section");
    return buf_detach(&id);
}

static bool id_taken(const render_state *st, const char *id)
{
    for (const char *const *r = RESERVED_IDS; *r; r++)
        if (!strcmp(*r, id))
            return true;
    for (size_t i = 0; i < st->nheadings; i++)
        if (!strcmp(st->headings[i].id, id))
            return true;
    return false;
}

static void add_heading(render_state *st, cmark_node *node)
{
    buf_t text = BUF_INIT;
    plain_text(node, &text);
    char *base = md_heading_slug(buf_cstr(&text));
    char *id = xstrdup(base);
    for (int n = 1; id_taken(st, id); n++) {
        free(id);
        id = xasprintf("%s-%d", base, n);
    }
    free(base);
    xgrow((void **)&st->headings, &st->headings_cap, st->nheadings + 1, sizeof *st->headings);
    st->headings[st->nheadings++] = (heading){
        cmark_node_get_start_line(node), cmark_node_get_start_column(node),
        cmark_node_get_heading_level(node), buf_detach(&text), id};
}

static void take_summary(render_state *st, cmark_node *paragraph)
{
    buf_t text = BUF_INIT;
    plain_text(paragraph, &text);
    if (text.len > SUMMARY_MAX) {
        size_t cut = SUMMARY_MAX;
        while (cut > 0 && text.data[cut] != ' ')
            cut--;
        if (cut == 0) /* one long word: cut on a character boundary */
            for (cut = SUMMARY_MAX; cut > 0 && ((unsigned char)text.data[cut] & 0xC0) == 0x80; cut--)
                ;
        text.len = cut;
        buf_puts(&text, "…");
    }
    st->summary = buf_detach(&text);
}

/* --- links and raw HTML --------------------------------------------------- */

static bool has_scheme(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0;
}

/* Replaces node by its children (a link that must go keeps its text). */
static void unwrap(cmark_node *node)
{
    cmark_node *child;
    while ((child = cmark_node_first_child(node)))
        cmark_node_insert_before(node, child);
    cmark_node_unlink(node);
    cmark_node_free(node);
}

/* An external link becomes a custom inline so it can carry rel. */
static void mark_external(cmark_node *link)
{
    buf_t open = BUF_INIT;
    const char *url = cmark_node_get_url(link);
    const char *title = cmark_node_get_title(link);
    buf_puts(&open, "<a href=\"");
    buf_put_html(&open, url, strlen(url));
    buf_puts(&open, "\"");
    if (title && *title) {
        buf_puts(&open, " title=\"");
        buf_put_html(&open, title, strlen(title));
        buf_puts(&open, "\"");
    }
    buf_puts(&open, " rel=\"noreferrer noopener\">");
    cmark_node *custom = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
    cmark_node_set_on_enter(custom, buf_cstr(&open));
    cmark_node_set_on_exit(custom, "</a>");
    buf_free(&open);
    cmark_node *child;
    while ((child = cmark_node_first_child(link)))
        cmark_node_append_child(custom, child);
    cmark_node_replace(link, custom);
    cmark_node_free(link);
}

static void resolve_relative(render_state *st, cmark_node *node, const char *url)
{
    if (!st->in->resolve || url[0] == '#' || !*url)
        return;
    const char *why = NULL;
    char *resolved = st->in->resolve(st->in->resolve_ctx, url, &why);
    if (!resolved) {
        diag_error(st->d, st->in->path, file_line(st, node), cmark_node_get_start_column(node),
                   "broken link '%s': %s", url, why ? why : "cannot be resolved");
        st->errors++;
        return;
    }
    cmark_node_set_url(node, resolved);
    free(resolved);
}

/* Returns true when the node was replaced (the caller must not touch it). */
static bool fix_link(render_state *st, cmark_node *node)
{
    const char *url = cmark_node_get_url(node);
    int line = file_line(st, node), col = cmark_node_get_start_column(node);
    bool image = cmark_node_get_type(node) == CMARK_NODE_IMAGE;
    if (!path_url_is_absolute(url) && url[0] != '\\') {
        resolve_relative(st, node, url);
        return false;
    }
    if (image) {
        diag_error(st->d, st->in->path, line, col,
                   "image '%s' is not a file of this site; pages may not load anything from elsewhere",
                   url);
        st->errors++;
        return false;
    }
    if (has_scheme(url, "http:") || has_scheme(url, "https:")) {
        mark_external(node);
        return true;
    }
    if (has_scheme(url, "mailto:") || has_scheme(url, "tel:"))
        return false;
    diag_warning(st->d, st->in->path, line, col,
                 "removed link to '%.40s': only http, https, mailto and tel links are allowed", url);
    unwrap(node);
    return true;
}

static void sanitize_node(render_state *st, cmark_node *node)
{
    const char *raw = cmark_node_get_literal(node);
    bool is_inline = cmark_node_get_type(node) == CMARK_NODE_HTML_INLINE;
    char *safe = sanitize_html(raw, strlen(raw), is_inline, st->in->path, file_line(st, node),
                               cmark_node_get_start_column(node), st->d);
    cmark_node_set_literal(node, safe);
    free(safe);
}

/* --- walking the tree ----------------------------------------------------- */

typedef struct {
    cmark_node **items;
    size_t len, cap;
} node_list;

static void push_node(node_list *list, cmark_node *n)
{
    xgrow((void **)&list->items, &list->cap, list->len + 1, sizeof *list->items);
    list->items[list->len++] = n;
}

/* Collects first, then changes: cmark's iterator must not see a node
 * replaced under it. */
static void process_tree(render_state *st, cmark_node *doc)
{
    node_list links = {0}, raw = {0};
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_HEADING:
            add_heading(st, n);
            break;
        case CMARK_NODE_PARAGRAPH:
            if (!st->summary && cmark_node_get_type(cmark_node_parent(n)) == CMARK_NODE_DOCUMENT)
                take_summary(st, n);
            break;
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_CODE_BLOCK:
            buf_puts(&st->text, cmark_node_get_literal(n));
            buf_putc(&st->text, ' ');
            break;
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
            push_node(&links, n);
            break;
        case CMARK_NODE_HTML_BLOCK:
        case CMARK_NODE_HTML_INLINE:
            push_node(&raw, n);
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
    for (size_t i = 0; i < raw.len; i++)
        sanitize_node(st, raw.items[i]);
    /* Innermost last: an image inside a link is fixed before its link. */
    for (size_t i = links.len; i-- > 0;)
        fix_link(st, links.items[i]);
    free(links.items);
    free(raw.items);
}

/* --- HTML output ---------------------------------------------------------- */

static const heading *heading_at(const render_state *st, int line, int col)
{
    for (size_t i = 0; i < st->nheadings; i++)
        if (st->headings[i].line == line && st->headings[i].col == col)
            return &st->headings[i];
    return NULL;
}

/* cmark writes data-sourcepos="l:c-l:c" on blocks (CMARK_OPT_SOURCEPOS);
 * on headings it becomes the id, everywhere else it goes. Sanitized raw
 * HTML never carries data-* attributes, so every match is cmark's own. */
static char *place_heading_ids(const render_state *st, const char *html)
{
    static const char marker[] = " data-sourcepos=\"";
    buf_t out = BUF_INIT;
    const char *s = html, *hit;
    while ((hit = strstr(s, marker))) {
        buf_putn(&out, s, (size_t)(hit - s));
        const char *value = hit + sizeof marker - 1;
        const char *end = strchr(value, '"');
        if (!end)
            break;
        int line = 0, col = 0;
        const heading *h = NULL;
        bool is_heading = hit - html >= 3 && hit[-3] == '<' && hit[-2] == 'h' && isdigit((unsigned char)hit[-1]);
        if (is_heading && sscanf(value, "%d:%d", &line, &col) == 2)
            h = heading_at(st, line, col);
        if (h) {
            buf_puts(&out, " id=\"");
            buf_put_html(&out, h->id, strlen(h->id));
            buf_putc(&out, '"');
        }
        s = end + 1;
    }
    buf_puts(&out, s);
    return buf_detach(&out);
}

/* Nested lists of the level 2 and 3 headings. A list item stays open
 * until its next sibling, so a level-3 list nests inside its level-2 item. */
static char *table_of_contents(const render_state *st)
{
    buf_t toc = BUF_INIT;
    int depth = 0;
    bool item_open[3] = {false, false, false};
    for (size_t i = 0; i < st->nheadings; i++) {
        const heading *h = &st->headings[i];
        if (h->level < 2 || h->level > 3)
            continue;
        int level = h->level - 1;
        while (depth < level) {
            if (depth > 0 && !item_open[depth]) {
                buf_puts(&toc, "<li>");
                item_open[depth] = true;
            }
            buf_puts(&toc, "<ul>");
            item_open[++depth] = false;
        }
        while (depth > level) {
            buf_puts(&toc, item_open[depth] ? "</li></ul>" : "</ul>");
            depth--;
        }
        if (item_open[depth])
            buf_puts(&toc, "</li>");
        buf_puts(&toc, "<li><a href=\"#");
        buf_put_html(&toc, h->id, strlen(h->id));
        buf_puts(&toc, "\">");
        buf_put_html(&toc, h->text, strlen(h->text));
        buf_puts(&toc, "</a>");
        item_open[depth] = true;
    }
    if (!depth) {
        buf_free(&toc);
        return NULL;
    }
    for (; depth > 0; depth--)
        buf_puts(&toc, item_open[depth] ? "</li></ul>" : "</ul>");
    return buf_detach(&toc);
}

static cmark_parser *new_parser(int options)
{
    cmark_parser *parser = cmark_parser_new(options);
    for (const char *const *name = EXTENSIONS; *name; name++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(*name);
        if (ext)
            cmark_parser_attach_syntax_extension(parser, ext);
    }
    return parser;
}

int md_render(const md_input *in, md_output *out, diags_t *d)
{
    render_state st = {.in = in, .d = d};
    int options = CMARK_OPT_UNSAFE | CMARK_OPT_SOURCEPOS | CMARK_OPT_FOOTNOTES;
    cmark_parser *parser = new_parser(options);
    cmark_parser_feed(parser, in->text, in->len);
    cmark_node *doc = cmark_parser_finish(parser);
    process_tree(&st, doc);
    /* Raw HTML is already sanitized, so the renderer may pass it through. */
    char *html = cmark_render_html(doc, options, cmark_parser_get_syntax_extensions(parser));
    *out = (md_output){0};
    out->html = place_heading_ids(&st, html);
    out->toc_html = in->want_toc ? table_of_contents(&st) : NULL;
    out->summary = st.summary ? st.summary : xstrdup("");
    out->words = utf8_count_words(st.text.data ? st.text.data : "", st.text.len);
    free(html);
    cmark_node_free(doc);
    cmark_parser_free(parser);
    for (size_t i = 0; i < st.nheadings; i++) {
        free(st.headings[i].text);
        free(st.headings[i].id);
    }
    free(st.headings);
    buf_free(&st.text);
    return st.errors ? -1 : 0;
}

void md_output_free(md_output *out)
{
    free(out->html);
    free(out->toc_html);
    free(out->summary);
    *out = (md_output){0};
}
