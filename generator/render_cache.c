#include "render_cache.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "programme.h"
#include "sha256.h"
#include "survey.h"
#include "surveys.h"
#include "xalloc.h"

enum { UNKNOWN, SAME, CHANGED };

struct render_cache {
    rcache_t *cache;          /* borrowed, as are out and links */
    output_t *out;
    linkcheck_t *links;
    size_t nvalues;
    /* per value: UNKNOWN until a thread works it out; two threads may
     * both do so, and then store the same answer */
    atomic_uchar *state;
};

render_cache_t *render_cache_new(rcache_t *c, output_t *out, linkcheck_t *links)
{
    if (!c)
        return NULL;
    render_cache_t *rc = xcalloc(1, sizeof *rc);
    rc->cache = c;
    rc->out = out;
    rc->links = links;
    rc->nvalues = rcache_nvalues(c);
    rc->state = xcalloc(rc->nvalues ? rc->nvalues : 1, sizeof *rc->state);
    for (size_t i = 0; i < rc->nvalues; i++)
        atomic_init(&rc->state[i], UNKNOWN);
    return rc;
}

void render_cache_free(render_cache_t *rc)
{
    if (!rc)
        return;
    free(rc->state);
    free(rc);
}

static bool value_holds(render_cache_t *rc, uint32_t i, render_cache_value_fn value_now,
                        void *ctx)
{
    unsigned char state = atomic_load_explicit(&rc->state[i], memory_order_relaxed);
    if (state == UNKNOWN) {
        rcache_dep v = rcache_value(rc->cache, i);
        unsigned char now[RCACHE_VALUE_LEN];
        bool same = value_now(ctx, v.page, v.field, now) &&
                    !memcmp(now, v.digest, RCACHE_VALUE_LEN);
        state = same ? SAME : CHANGED;
        atomic_store_explicit(&rc->state[i], state, memory_order_relaxed);
    }
    return state == SAME;
}

bool render_cache_holds(render_cache_t *rc, const rcache_entry *e,
                        render_cache_value_fn value_now, void *ctx)
{
    if (!rc || !e->values)
        return false;
    for (size_t k = 0; k < e->ndeps; k++)
        if (e->values[k] >= rc->nvalues || !value_holds(rc, e->values[k], value_now, ctx))
            return false;
    return true;
}

/* Whether a kept link check record has the form linkcheck.h gives it. */
static bool record_usable(const char *const *record, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!record[i][0] || !strchr("#ctx", record[i][0]))
            return false;
    return true;
}

bool render_cache_reuse(render_cache_t *rc, const page_t *p, size_t index,
                        const unsigned char context[RCACHE_KEY_LEN],
                        render_cache_value_fn value_now, void *ctx, uint64_t *size)
{
    const rcache_entry *e = rc ? rcache_find(rc->cache, p->out_path) : NULL;
    if (!e || memcmp(context, e->digest, RCACHE_KEY_LEN) ||
        !render_cache_holds(rc, e, value_now, ctx))
        return false;
    const char **record = xcalloc(e->nrecord ? e->nrecord : 1, sizeof *record);
    rcache_record(rc->cache, e, record);
    bool ok = (!rc->links || record_usable(record, e->nrecord)) &&
              output_keep(rc->out, p->out_path, e->hex, e->size, NULL, NULL) == 0;
    if (ok && rc->links)
        linkcheck_record_from_strings(rc->links, index, record, e->nrecord, e->template_path);
    free(record);
    if (!ok)
        return false;
    rcache_keep(rc->cache, e);
    *size = e->size;
    return true;
}

void render_cache_remember(render_cache_t *rc, const page_t *p, size_t index,
                           const unsigned char context[RCACHE_KEY_LEN], const rcache_dep *deps,
                           size_t ndeps, const char *template_path, const char *hex,
                           uint64_t size)
{
    rcache_entry e = {.out_path = p->out_path, .size = size, .template_path = template_path,
                      .deps = deps, .ndeps = ndeps};
    memcpy(e.hex, hex, sizeof e.hex);
    memcpy(e.digest, context, sizeof e.digest);
    char **record = rc->links ? linkcheck_record_strings(rc->links, index, &e.nrecord) : NULL;
    e.record = (const char *const *)record;
    if (!rc->links || record)
        rcache_put(rc->cache, &e);
    for (size_t i = 0; i < e.nrecord; i++)
        free(record[i]);
    free(record);
}

void render_cache_digest(const buf_t *canonical, unsigned char digest[RCACHE_VALUE_LEN])
{
    unsigned char full[32];
    sha256(canonical->data ? canonical->data : "", canonical->len, full);
    memcpy(digest, full, RCACHE_VALUE_LEN);
}

/* --- plain values ------------------------------------------------------------ */

/* tag, n in decimal, end: "s12:", "L3{" (by hand: thousands of pages'
 * values are formatted on every rebuild) */
static void put_count(buf_t *b, char tag, uint64_t n, char end)
{
    buf_putc(b, tag);
    buf_put_u64(b, n);
    buf_putc(b, end);
}

static void put_text(buf_t *b, const char *s)
{
    if (!s) {
        buf_putc(b, 'n');
        return;
    }
    size_t n = strlen(s);
    put_count(b, 's', n, ':');
    buf_putn(b, s, n);
}

static void put_page(buf_t *b, const page_t *p)
{
    put_text(b, p ? p->out_path : NULL);
}

static void put_pages(buf_t *b, page_t *const *pages, size_t n)
{
    put_count(b, 'L', n, '{');
    for (size_t i = 0; i < n; i++)
        if (pages[i])
            put_page(b, pages[i]);
    buf_putc(b, '}');
}

static void put_ancestors(buf_t *b, const page_t *p)
{
    buf_puts(b, "A{");
    for (const page_t *a = p->parent; a; a = a->parent)
        put_page(b, a);
    buf_putc(b, '}');
}

static void put_list(buf_t *b, const blog_list *l)
{
    put_pages(b, l->items, l->len);
}

/* The page's own feed (index, tag), else its language's (render.c). */
static const char *feed_of(const page_blog *b)
{
    if (b->feed)
        return b->feed;
    return b->index && b->index->blog ? b->index->blog->feed : NULL;
}

/* page.params: the front matter as it is (render.c gives it to Lua with
 * its plain scalars typed: the plain flag and the text decide that). */
static void put_front(buf_t *b, const fm_node *n, int depth)
{
    if (!n || depth > 64) {
        buf_putc(b, 'n');
        return;
    }
    switch (n->kind) {
    case FM_SCALAR:
        buf_putc(b, n->plain ? 'p' : 'q');
        put_text(b, n->text);
        break;
    case FM_LIST:
    case FM_MAP:
        put_count(b, n->kind == FM_LIST ? 'L' : 'M', n->len, '{');
        for (size_t i = 0; i < n->len; i++) {
            if (n->kind == FM_MAP)
                put_text(b, n->keys[i]);
            put_front(b, n->items[i], depth + 1);
        }
        buf_putc(b, '}');
        break;
    }
}

/* A posts index's pager (render.c push_pager). */
static void put_pager(buf_t *b, const page_blog *pb)
{
    put_count(b, 'G', pb->number, ' ');
    buf_put_u64(b, pb->count);
    buf_putc(b, ' ');
    put_page(b, pb->first);
    put_page(b, pb->pager_prev);
    put_page(b, pb->pager_next);
}

/* The blog fields that every page's templates read. */
static bool put_blog_value(const page_t *q, page_field f, buf_t *b)
{
    switch (f) {
    case PF_BLOG: case PF_UPDATED: case PF_AUTHORS: case PF_TAGS: case PF_SERIES:
    case PF_RELATED: case PF_POSTS_INDEX: case PF_TAGS_INDEX: case PF_ARCHIVE_INDEX:
    case PF_FEED: case PF_POSTS: case PF_PAGER: case PF_TOTAL:
        break;
    default:
        return false;
    }
    const page_blog *pb = q->blog;
    if (!pb) {
        buf_putc(b, 'n');
        return true;
    }
    bool list = pb->role > BLOG_POST;
    switch (f) {
    case PF_POSTS: if (list) put_list(b, &pb->posts); else buf_putc(b, 'n'); break;
    case PF_PAGER: if (pb->role == BLOG_INDEX) put_pager(b, pb); else buf_putc(b, 'n'); break;
    case PF_TOTAL:
        if (!list)
            buf_putc(b, 'n');
        else
            put_count(b, 'i', pb->role == BLOG_INDEX ? pb->first->blog->all.len
                              : pb->role == BLOG_TAGS ? pb->pages.len : pb->posts.len, ';');
        break;
    case PF_BLOG: put_count(b, 'r', (uint64_t)pb->role, ';'); break;
    case PF_UPDATED: put_text(b, pb->updated); break;
    case PF_AUTHORS:
        put_count(b, 'S', pb->nauthors, '{');
        for (size_t i = 0; i < pb->nauthors; i++)
            put_text(b, pb->authors[i]);
        buf_putc(b, '}');
        break;
    case PF_TAGS: put_list(b, pb->role == BLOG_TAGS ? &pb->pages : &pb->tags); break;
    case PF_SERIES: put_page(b, pb->series); break;
    case PF_RELATED: put_list(b, &pb->related); break;
    case PF_POSTS_INDEX: put_page(b, pb->index); break;
    case PF_TAGS_INDEX: put_page(b, pb->tags_page); break;
    case PF_ARCHIVE_INDEX: put_page(b, pb->archive_page); break;
    default: put_text(b, feed_of(pb)); break; /* PF_FEED: the path it leads to */
    }
    return true;
}

static const config_language *content_language(const site_t *site, const page_t *p)
{
    return &site->cfg->languages[p->fallback_of ? p->fallback_of->lang : p->lang];
}

bool render_cache_plain_value(const site_t *site, const page_t *q, page_field f, buf_t *b)
{
    const config_language *lang = &site->cfg->languages[q->lang];
    switch (f) {
    case PF_TITLE:
        if (q->title && q->blog && q->blog->translate_title)
            return false; /* a UI text: render.c looks it up */
        put_text(b, q->title);
        break;
    case PF_URL: case PF_PATH: put_text(b, q->out_path); break;
    case PF_DATE: put_text(b, q->date); break;
    case PF_SUMMARY: put_text(b, q->summary); break;
    case PF_DESCRIPTION: put_text(b, q->description); break;
    case PF_LANG: put_text(b, lang->code); break;
    case PF_DIR: put_text(b, lang->dir); break;
    case PF_KIND: put_text(b, page_kind_name(q->kind)); break;
    case PF_KEY: put_text(b, q->key); break;
    case PF_IS_CURRENT: buf_putc(b, 'n'); break; /* the paths say */
    case PF_CONTENT_LANG: put_text(b, content_language(site, q)->code); break;
    case PF_CONTENT_DIR: put_text(b, content_language(site, q)->dir); break;
    case PF_READING_MINUTES: buf_printf(b, "i%d;", page_reading_minutes(q)); break;
    case PF_WORDS: put_count(b, 'i', q->words, ';'); break;
    case PF_WEIGHT: buf_printf(b, "f%.17g;", q->weight); break;
    case PF_DRAFT: buf_puts(b, q->draft ? "b1" : "b0"); break;
    case PF_FALLBACK: buf_puts(b, q->fallback_of ? "b1" : "b0"); break;
    case PF_ROLE: put_text(b, programme_role_name(q->role)); break;
    case PF_PARENT: put_page(b, q->parent); break;
    case PF_PREV: put_page(b, q->prev); break;
    case PF_NEXT: put_page(b, q->next); break;
    case PF_FALLBACK_OF: put_page(b, q->fallback_of); break;
    case PF_HOME: put_page(b, q->kind == PAGE_ROOT ? NULL : site->homes[q->lang]); break;
    case PF_CHILDREN: put_pages(b, q->children, q->nchildren); break;
    case PF_ANCESTORS: put_ancestors(b, q); break;
    case PF_TRANSLATIONS:
        put_pages(b, q->translations, q->kind == PAGE_ROOT ? 1 : site->cfg->nlanguages);
        break;
    case PF_PARAMS: put_front(b, (q->fallback_of ? q->fallback_of : q)->front, 0); break;
    case PF_SURVEY:
        if (q->survey)
            return false; /* the form: render.c writes its Lua value */
        buf_putc(b, 'n');
        break;
    case PF_SURVEY_STYLESHEET: {
        char *css = q->survey ? surveys_stylesheet_path(q->survey) : NULL;
        put_text(b, css); /* the path it leads to */
        free(css);
        break;
    }
    default: return put_blog_value(q, f, b);
    }
    return true;
}

void render_cache_context(const site_t *site, const page_t *p, const char *stylesheet,
                          buf_t *b, diags_t *d, unsigned char digest[RCACHE_KEY_LEN])
{
    buf_reset(b);
    buf_printf(b, "kind %d lang %d survey %s\n", (int)p->kind, p->lang,
               p->survey ? p->survey->id : "-");
    buf_printf(b, "layout %s\ntype %s\nsrc %s\nat %s\ncss %s\n", p->layout ? p->layout : "-",
               p->type ? p->type : "-", p->src_path ? p->src_path : "-", p->out_path,
               stylesheet);
    /* the link check tells content links from template links by these */
    if (p->md_keyed) {
        buf_puts(b, "md ");
        buf_putn(b, (const char *)p->md_key, sizeof p->md_key);
    } else {
        char *html = site_page_html(site, p, d);
        buf_printf(b, "html %zu:", html ? strlen(html) : 0);
        buf_puts(b, html ? html : "");
        free(html);
        for (size_t i = 0; i < p->nlinks; i++)
            buf_printf(b, "\nlink %s", p->links[i].href);
    }
    /* the language list: where each language's link leads (render.c
     * push_languages); names, codes and the CSP come from site.lua, which
     * the global key covers */
    for (size_t l = 0; l < site->cfg->nlanguages; l++) {
        const page_t *target = p->kind == PAGE_ROOT ? NULL : p->translations[l];
        if (p->kind != PAGE_ROOT && (int)l == p->lang)
            target = p;
        buf_printf(b, "\nlanguage %zu %d ", l, target != NULL);
        put_page(b, target ? target : site->homes[l]);
    }
    sha256(b->data, b->len, digest);
}
