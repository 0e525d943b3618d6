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
#include "strmap.h"
#include "utf8.h"
#include "xalloc.h"

#define SUMMARY_MAX 300

/* Raw HTML is already sanitized, so the renderer may pass it through. */
#define RENDER_OPTIONS (CMARK_OPT_UNSAFE | CMARK_OPT_FOOTNOTES)
static const char *const EXTENSIONS[] = {"table", "strikethrough", "autolink", "tagfilter", NULL};
/* Ids the default theme uses for its own landmarks. */
static const char *const RESERVED_IDS[] = {"main", "toc-title", "top",
                                           /* programme templates */
                                           "safety-title", "modules-title", "steps-title",
                                           "resume-title", "step-position", NULL};

typedef struct {
    cmark_node *node; /* in the tree until give_heading_ids replaces it */
    int level;
    char *text;
    char *id;
} heading;

typedef struct {
    cmark_node **items;
    size_t len, cap;
} node_list;

typedef struct {
    const md_input *in;
    int depth;        /* 0 for the page, 1 inside an exercise block */
    diags_t *d;
    size_t errors;
    node_list blocks; /* exercise blocks, in order */
    heading *headings;
    size_t nheadings, headings_cap;
    buf_t text;       /* all plain text, for the word count */
    char *summary;
    md_link *links;
    size_t nlinks, links_cap;
    strmap_t ids;     /* every id given out, reserved ones included */
    strmap_t next_n;  /* heading slug -> the next number to try after it */
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

/* The first of base, base-1, base-2 ... not given out yet. next_n
 * remembers where the search for each base stopped, so many headings with
 * the same text cost linear time, not cubic. */
static char *unique_id(render_state *st, const char *base)
{
    if (!st->ids.len)
        for (const char *const *r = RESERVED_IDS; *r; r++)
            strmap_slot(&st->ids, *r, true);
    int n = *strmap_slot(&st->next_n, base, true);
    char *id = n ? xasprintf("%s-%d", base, n) : xstrdup(base);
    while (strmap_slot(&st->ids, id, false)) {
        free(id);
        id = xasprintf("%s-%d", base, ++n);
    }
    *strmap_slot(&st->next_n, base, true) = n + 1;
    strmap_slot(&st->ids, id, true);
    return id;
}

static void add_heading(render_state *st, cmark_node *node)
{
    buf_t text = BUF_INIT;
    plain_text(node, &text);
    char *base = md_heading_slug(buf_cstr(&text));
    char *id = unique_id(st, base);
    free(base);
    xgrow((void **)&st->headings, &st->headings_cap, st->nheadings + 1, sizeof *st->headings);
    st->headings[st->nheadings++] = (heading){node, cmark_node_get_heading_level(node),
                                              buf_detach(&text), id};
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

static cmark_node *html_inline(const char *html)
{
    cmark_node *n = cmark_node_new(CMARK_NODE_HTML_INLINE);
    cmark_node_set_literal(n, html);
    return n;
}

/* An external link becomes its text between two inline HTML tags, so it
 * can carry rel. Inline HTML, not a custom inline: every container a link
 * can sit in (table cells too) accepts inline HTML, while cmark refuses a
 * custom inline in a table cell, and the link and its text were lost. */
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
    cmark_node_insert_before(link, html_inline(buf_cstr(&open)));
    buf_free(&open);
    cmark_node *child;
    while ((child = cmark_node_first_child(link)))
        cmark_node_insert_before(link, child);
    cmark_node_insert_before(link, html_inline("</a>"));
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

static void record_link(render_state *st, const char *url, const char *href, int line, int col)
{
    xgrow((void **)&st->links, &st->links_cap, st->nlinks + 1, sizeof *st->links);
    st->links[st->nlinks++] = (md_link){xstrdup(url), xstrdup(href), line, col};
}

/* Fixes a link or image (fix_link_or_image) and records links as written. */
static bool fix_link_or_image(render_state *st, cmark_node *node);

static bool fix_link(render_state *st, cmark_node *node)
{
    if (cmark_node_get_type(node) != CMARK_NODE_LINK)
        return fix_link_or_image(st, node);
    char *url = xstrdup(cmark_node_get_url(node));
    int line = file_line(st, node), col = cmark_node_get_start_column(node);
    bool replaced = fix_link_or_image(st, node);
    if (!replaced || path_url_is_absolute(url))
        record_link(st, url, replaced ? url : cmark_node_get_url(node), line, col);
    free(url);
    return replaced;
}

/* Returns true when the node was replaced (the caller must not touch it). */
static bool fix_link_or_image(render_state *st, cmark_node *node)
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

static void push_node(node_list *list, cmark_node *n)
{
    xgrow((void **)&list->items, &list->cap, list->len + 1, sizeof *list->items);
    list->items[list->len++] = n;
}

static bool is_exercise_block(cmark_node *n)
{
    const char *title;
    size_t title_len;
    int length, offset;
    char fence;
    return cmark_node_get_fenced(n, &length, &offset, &fence) &&
           exercise_kind_of(cmark_node_get_fence_info(n), &title, &title_len) != EXERCISE_NONE;
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
        case CMARK_NODE_CODE_BLOCK:
            if (st->depth == 0 && is_exercise_block(n))
                push_node(&st->blocks, n);
            /* fall through */
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
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

/* cmark has no way to give a heading an id, so each heading becomes a
 * custom block holding its own HTML, rendered alone, with the id put into
 * its opening tag. (Rendering the page with data-sourcepos on every block
 * and swapping them for ids afterwards cost a pass over every page's HTML.) */
static void give_heading_ids(render_state *st, cmark_llist *extensions)
{
    for (size_t i = 0; i < st->nheadings; i++) {
        heading *h = &st->headings[i];
        char *alone = cmark_render_html(h->node, RENDER_OPTIONS, extensions);
        buf_t html = BUF_INIT;
        /* alone is "<hN>...": the id goes after "<hN". */
        buf_putn(&html, alone, 3);
        buf_puts(&html, " id=\"");
        buf_put_html(&html, h->id, strlen(h->id));
        buf_putc(&html, '"');
        buf_puts(&html, alone + 3);
        cmark_node *custom = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
        cmark_node_set_on_enter(custom, buf_cstr(&html));
        cmark_node_set_on_exit(custom, "");
        cmark_node_replace(h->node, custom);
        cmark_node_free(h->node);
        h->node = NULL;
        buf_free(&html);
        free(alone);
    }
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

/* --- exercise blocks ------------------------------------------------------ */

static int render_document(const md_input *in, int depth, md_output *out, diags_t *d);

/* cmark lets an unclosed fence run to the end of the page, silently
 * swallowing the rest: for an exercise that is an editor's mistake. */
static void check_closed(render_state *st, cmark_node *node, cmark_node *doc, exercise_kind kind)
{
    int open = cmark_node_get_start_line(node), end = cmark_node_get_end_line(node);
    if (end < cmark_node_get_end_line(doc) ||
        exercise_fence_closed(st->in->text, st->in->len, open, end))
        return;
    diag_error(st->d, st->in->path, file_line(st, node), cmark_node_get_start_column(node),
               "this %s block is never closed: end it with a fence line like the one that "
               "opens it (```)",
               exercise_kind_name(kind));
    st->errors++;
}

/* Renders the block's text as Markdown and puts the exercise's HTML in
 * place of the code block. */
static void make_exercise(render_state *st, cmark_node *node, cmark_node *doc, exercise_t *ex,
                          int *prompts, int *callouts)
{
    const char *title;
    size_t title_len;
    ex->kind = exercise_kind_of(cmark_node_get_fence_info(node), &title, &title_len);
    ex->title = title_len ? xstrndup(title, title_len) : NULL;
    ex->line = file_line(st, node);
    ex->number = ex->kind == EXERCISE_WARNING ? 0 : ++*prompts;
    exercise_set_label(ex, st->in->labels);
    check_closed(st, node, doc, ex->kind);

    const char *literal = cmark_node_get_literal(node);
    md_input inner = *st->in;
    inner.text = literal ? literal : "";
    inner.len = strlen(inner.text);
    inner.first_line = ex->line + 1;
    inner.want_toc = false;
    md_output body;
    if (render_document(&inner, st->depth + 1, &body, st->d) < 0)
        st->errors++;
    ex->html = body.html;
    body.html = NULL;
    md_output_free(&body);

    char *base = ex->kind == EXERCISE_WARNING ? xasprintf("callout-%d", ++*callouts)
                                              : xasprintf("exercise-%d", ex->number);
    char *id = unique_id(st, base);
    char *html = exercise_page_html(ex, id);
    cmark_node *custom = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
    cmark_node_set_on_enter(custom, html);
    cmark_node_set_on_exit(custom, "");
    cmark_node_replace(node, custom);
    cmark_node_free(node);
    free(html);
    free(id);
    free(base);
}

static void make_exercises(render_state *st, cmark_node *doc, md_output *out)
{
    if (!st->blocks.len)
        return;
    out->exercises = xcalloc(st->blocks.len, sizeof *out->exercises);
    out->nexercises = st->blocks.len;
    int prompts = 0, callouts = 0;
    for (size_t i = 0; i < st->blocks.len; i++)
        make_exercise(st, st->blocks.items[i], doc, &out->exercises[i], &prompts, &callouts);
}

/* --- rendering ------------------------------------------------------------ */

/* --- table size ------------------------------------------------------------ */

/* cmark-gfm 0.29.0.gfm.6 pads every row of a table to the header's width
 * with no limit, so a 35 KB page of 5,000 columns and 5,000 rows made 25
 * million cells and ran for minutes. Later cmark-gfm caps the padded cells
 * at 0x80000; this is the same cap, checked before parsing: a delimiter
 * row's columns times the lines up to the next blank line. */
#define MAX_TABLE_CELLS 0x80000

static size_t delimiter_row_columns(const char *s, const char *end)
{
    size_t pipes = 0;
    bool dash = false;
    for (; s < end; s++) {
        if (*s == '|')
            pipes++;
        else if (*s == '-')
            dash = true;
        else if (*s != ':' && *s != ' ' && *s != '\t' && *s != '\r')
            return 0;
    }
    return dash ? pipes + 1 : 0;
}

static bool is_blank(const char *s, const char *end)
{
    for (; s < end; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r')
            return false;
    return true;
}

/* The 1-based line (within text) of a table too large to render, or 0. */
static int oversized_table(const char *text, size_t len)
{
    const char *end = text + len;
    size_t columns = 0, rows = 0;
    int line = 1, table_line = 0;
    for (const char *s = text; s < end; line++) {
        const char *eol = memchr(s, '\n', (size_t)(end - s));
        if (!eol)
            eol = end;
        size_t c = delimiter_row_columns(s, eol);
        if (is_blank(s, eol)) {
            columns = 0;
        } else if (c > 1 && c > columns) {
            columns = c, rows = 0, table_line = line;
        } else if (columns && ++rows * columns > MAX_TABLE_CELLS) {
            return table_line;
        }
        s = eol + 1;
    }
    return 0;
}

int md_render(const md_input *in, md_output *out, diags_t *d)
{
    int big = oversized_table(in->text, in->len);
    if (big) {
        diag_error(d, in->path, in->first_line + big - 1, 1,
                   "table too large: its columns times its rows pass %d cells; split it",
                   MAX_TABLE_CELLS);
        *out = (md_output){.html = xstrdup(""), .summary = xstrdup("")};
        return -1;
    }
    return render_document(in, 0, out, d);
}


static int render_document(const md_input *in, int depth, md_output *out, diags_t *d)
{
    render_state st = {.in = in, .depth = depth, .d = d};
    cmark_parser *parser = new_parser(RENDER_OPTIONS);
    cmark_parser_feed(parser, in->text, in->len);
    cmark_node *doc = cmark_parser_finish(parser);
    process_tree(&st, doc);
    *out = (md_output){0};
    make_exercises(&st, doc, out);
    cmark_llist *extensions = cmark_parser_get_syntax_extensions(parser);
    give_heading_ids(&st, extensions);
    char *html = cmark_render_html(doc, RENDER_OPTIONS, extensions);
    /* Every page's HTML is kept for the whole render: no growth slack. */
    out->html = xrealloc(html, strlen(html) + 1);
    out->toc_html = in->want_toc ? table_of_contents(&st) : NULL;
    out->summary = st.summary ? st.summary : xstrdup("");
    out->words = utf8_count_words(st.text.data ? st.text.data : "", st.text.len);
    out->links = st.links;
    out->nlinks = st.nlinks;
    cmark_node_free(doc);
    cmark_parser_free(parser);
    for (size_t i = 0; i < st.nheadings; i++) {
        free(st.headings[i].text);
        free(st.headings[i].id);
    }
    free(st.headings);
    free(st.blocks.items);
    buf_free(&st.text);
    strmap_free(&st.ids);
    strmap_free(&st.next_n);
    return st.errors ? -1 : 0;
}

void md_output_free(md_output *out)
{
    free(out->html);
    free(out->toc_html);
    free(out->summary);
    md_links_free(out->links, out->nlinks);
    exercise_free_list(out->exercises, out->nexercises);
    *out = (md_output){0};
}

void md_links_free(md_link *links, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(links[i].url);
        free(links[i].href);
    }
    free(links);
}
