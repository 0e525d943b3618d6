#include "render.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "buf.h"
#include "form.h"
#include "fs.h"
#include "htmlscan.h"
#include "l10n.h"
#include "output.h"
#include "page_field.h"
#include "path.h"
#include "pool.h"
#include "programme.h"
#include "rcache.h"
#include "render_cache.h"
#include "rtrace.h"
#include "sandbox.h"
#include "sha256.h"
#include "survey.h"
#include "surveys.h"
#include "template.h"
#include "xalloc.h"

#define PAGE_METATABLE "waymark.page"
#define RENDER_BUDGET SANDBOX_DEFAULT_BUDGET
#define ASKED_SLOTS 16381 /* a prime: string addresses share their low bits */

typedef struct {
    const site_t *site;
    const render_options *opts;
    lua_State *L;
    const page_t *current; /* the page being rendered */
    char *current_html;    /* its content HTML (current_html), owned */
    bool current_html_fetched;
    int site_ref, date_ref;
    diags_t diags;
    buf_t main, html;
    size_t *pages_per_language;
    size_t pages;
    uint64_t bytes;
    uint64_t *page_bytes;      /* the shared stats array: each page index is one worker's */
    char template_path[512];   /* the kind template of the current page, for messages */
    rtrace_t trace;            /* what the current page read (render cache) */
    bool tracing, trace_ok;
    bool neutral;              /* pushing a value as every reader sees it (value_digest) */
    buf_t values;              /* a value or context, canonical */
    unsigned char context[RCACHE_KEY_LEN]; /* the current page's context digest */
    render_cache_t *checker;   /* the kept pages' values (shared) */
    struct {                   /* pages value_now looked up, by where the */
        const char *path;      /* cache's string is (one string per page) */
        const page_t *page;
    } *asked;                  /* ASKED_SLOTS of them, owned */
    const page_t *q;           /* the page value_now asks about */
    size_t page_index;         /* the current page's index in site->pages */
    const size_t *order;       /* the n-th task renders pages[order[n]] (shared) */
} render_worker;

static render_worker *worker_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static void push_raw(render_worker *w, const char *s)
{
    tpl_push_raw(w->L, s ? s : "", s ? strlen(s) : 0);
}

/* The current page's content HTML, fetched from the Markdown cache once
 * per render: its content field and its link record both need it. */
static const char *current_html(render_worker *w)
{
    if (!w->current_html_fetched) {
        w->current_html = site_page_html(w->site, w->current, &w->diags);
        w->current_html_fetched = true;
    }
    return w->current_html;
}

static void forget_current_html(render_worker *w)
{
    free(w->current_html);
    w->current_html = NULL;
    w->current_html_fetched = false;
}

/* A page's content HTML, as raw template text. */
static void push_page_html(render_worker *w, const page_t *p)
{
    if (p == w->current) {
        push_raw(w, current_html(w));
        return;
    }
    char *html = site_page_html(w->site, p, &w->diags);
    push_raw(w, html);
    free(html);
}

static void push_string_or_nil(lua_State *L, const char *s)
{
    if (s)
        lua_pushstring(L, s);
    else
        lua_pushnil(L);
}

static void push_page(render_worker *w, const page_t *p)
{
    if (!p) {
        lua_pushnil(w->L);
        return;
    }
    const page_t **ud = lua_newuserdatauv(w->L, sizeof *ud, 0);
    *ud = p;
    luaL_setmetatable(w->L, PAGE_METATABLE);
}

static const page_t *check_page(lua_State *L, int index)
{
    return *(const page_t **)luaL_checkudata(L, index, PAGE_METATABLE);
}

/* A relative URL from the current page to a site-root path, URL-encoded. */
static void push_url_to(render_worker *w, const char *out_path)
{
    if (w->neutral) { /* the same for every reader: where it leads */
        lua_pushstring(w->L, out_path);
        return;
    }
    char *rel = path_relative_url(w->current->out_path, out_path);
    char *encoded = path_url_encode(rel);
    lua_pushstring(w->L, encoded);
    free(encoded);
    free(rel);
}

/* --- front matter as Lua values ------------------------------------------- */

static void push_scalar(lua_State *L, const fm_node *n)
{
    if (n->plain) {
        if (!strcmp(n->text, "true") || !strcmp(n->text, "false")) {
            lua_pushboolean(L, n->text[0] == 't');
            return;
        }
        if (!strcmp(n->text, "null") || !strcmp(n->text, "~") || !*n->text) {
            lua_pushnil(L);
            return;
        }
        char *end;
        double v = strtod(n->text, &end);
        if (end != n->text && !*end && lua_stringtonumber(L, n->text))
            return;
        (void)v;
    }
    lua_pushstring(L, n->text);
}

static void push_front(lua_State *L, const fm_node *n)
{
    if (!n) {
        lua_newtable(L);
        return;
    }
    luaL_checkstack(L, 4, "front matter nested too deeply");
    switch (n->kind) {
    case FM_SCALAR:
        push_scalar(L, n);
        break;
    case FM_LIST:
        lua_createtable(L, (int)n->len, 0);
        for (size_t i = 0; i < n->len; i++) {
            push_front(L, n->items[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case FM_MAP:
        lua_createtable(L, 0, (int)n->len);
        for (size_t i = 0; i < n->len; i++) {
            push_front(L, n->items[i]);
            lua_setfield(L, -2, n->keys[i]);
        }
        break;
    }
}

/* --- the page object ------------------------------------------------------ */

/* A list of the pages, leaving out NULL slots (missing translations). */
static void push_page_list(render_worker *w, page_t *const *pages, size_t n)
{
    lua_createtable(w->L, (int)n, 0);
    lua_Integer k = 1;
    for (size_t i = 0; i < n; i++) {
        if (!pages[i])
            continue;
        push_page(w, pages[i]);
        lua_rawseti(w->L, -2, k++);
    }
}

static void push_ancestors(render_worker *w, const page_t *p)
{
    size_t n = 0;
    for (const page_t *a = p->parent; a; a = a->parent)
        n++;
    lua_createtable(w->L, (int)n, 0);
    lua_Integer i = (lua_Integer)n;
    for (const page_t *a = p->parent; a; a = a->parent)
        push_page(w, a), lua_rawseti(w->L, -2, i--);
}

/* The language the page's text is written in: a fallback page's is the
 * default language's, while its interface is in its own language. */
static const config_language *content_language(const render_worker *w, const page_t *p)
{
    return &w->site->cfg->languages[p->fallback_of ? p->fallback_of->lang : p->lang];
}

/* --- self-help programme fields (programme.h) ----------------------------- */

static void push_count_or_nil(lua_State *L, long n)
{
    if (n > 0)
        lua_pushinteger(L, n);
    else
        lua_pushnil(L);
}

/* The page's exercise blocks: {kind, number, title, label, line, html}. */
static void push_exercises(render_worker *w, const page_t *p)
{
    lua_State *L = w->L;
    lua_createtable(L, (int)p->nexercises, 0);
    for (size_t i = 0; i < p->nexercises; i++) {
        const exercise_t *ex = &p->exercises[i];
        lua_createtable(L, 0, 6);
        lua_pushstring(L, exercise_kind_name(ex->kind));
        lua_setfield(L, -2, "kind");
        push_count_or_nil(L, ex->number);
        lua_setfield(L, -2, "number");
        push_string_or_nil(L, ex->title);
        lua_setfield(L, -2, "title");
        push_string_or_nil(L, ex->label);
        lua_setfield(L, -2, "label");
        lua_pushinteger(L, ex->line);
        lua_setfield(L, -2, "line");
        push_raw(w, ex->html);
        lua_setfield(L, -2, "html");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static const page_t *first_step(const page_t *p)
{
    const page_t *m = p->role == ROLE_PROGRAMME ? (p->nparts ? p->parts[0] : NULL) : p->module;
    return m && m->nparts ? m->parts[0] : NULL;
}

static int push_programme_field(render_worker *w, const page_t *p, page_field f)
{
    lua_State *L = w->L;
    const page_t *prog = p->programme, *mod = p->module;
    switch (f) {
    case PF_ROLE: push_string_or_nil(L, programme_role_name(p->role)); break;
    case PF_PROGRAMME: push_page(w, prog); break;
    case PF_MODULE: push_page(w, mod); break;
    case PF_MODULES: if (prog) push_page_list(w, prog->parts, prog->nparts); else lua_pushnil(L); break;
    case PF_STEPS: if (mod) push_page_list(w, mod->parts, mod->nparts); else lua_pushnil(L); break;
    case PF_MODULE_NUMBER: push_count_or_nil(L, p->module_number); break;
    case PF_MODULE_COUNT: push_count_or_nil(L, prog ? (long)prog->nparts : 0); break;
    case PF_STEP_NUMBER: push_count_or_nil(L, p->step_number); break;
    case PF_STEP_COUNT: push_count_or_nil(L, mod ? (long)mod->nparts : 0); break;
    case PF_PROGRAMME_STEP: push_count_or_nil(L, p->programme_step); break;
    case PF_PROGRAMME_STEPS: push_count_or_nil(L, prog ? prog->programme_steps : 0); break;
    case PF_PREV_STEP: push_page(w, p->prev_step); break;
    case PF_NEXT_STEP: push_page(w, p->next_step); break;
    case PF_PREV_MODULE: push_page(w, mod ? mod->prev_module : NULL); break;
    case PF_NEXT_MODULE: push_page(w, mod ? mod->next_module : NULL); break;
    case PF_FIRST_STEP: push_page(w, first_step(p)); break;
    case PF_WORKSHEET: push_page(w, mod ? mod->worksheet : NULL); break;
    case PF_MINUTES: push_count_or_nil(L, programme_minutes(p)); break;
    case PF_EXERCISES: push_exercises(w, p); break;
    default: return 0;
    }
    return 1;
}

static void push_survey(render_worker *w, const page_t *p);

/* --- blog fields (generator/blog.h) ---------------------------------------- */

static void push_title(render_worker *w, const page_t *p)
{
    if (!p->title || !p->blog || !p->blog->translate_title) {
        push_string_or_nil(w->L, p->title);
        return;
    }
    /* a UI text, in the page's own language, else the default language's */
    const catalog_t *own = w->opts->catalogs[p->lang], *fallback = w->opts->catalogs[0];
    const char *s = catalog_get(own, "blog", p->title);
    if (!s && p->lang != 0)
        s = catalog_get(fallback, "blog", p->title);
    lua_pushstring(w->L, s ? s : p->title);
}

static void push_blog_list(render_worker *w, const blog_list *l)
{
    push_page_list(w, l->items, l->len);
}

static const char *blog_role_name(blog_role role)
{
    static const char *const names[] = {NULL, "post", "posts", "tags", "tag", "series",
                                        "archive", "year"};
    return names[role];
}

/* page.pager = {number, count, first, prev, next} on the posts index. */
static void push_pager(render_worker *w, const page_blog *b)
{
    lua_State *L = w->L;
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)b->number);
    lua_setfield(L, -2, "number");
    lua_pushinteger(L, (lua_Integer)b->count);
    lua_setfield(L, -2, "count");
    push_page(w, b->first);
    lua_setfield(L, -2, "first");
    push_page(w, b->pager_prev);
    lua_setfield(L, -2, "prev");
    push_page(w, b->pager_next);
    lua_setfield(L, -2, "next");
}

static void push_strings(lua_State *L, char *const *items, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* The page's own feed (index, tag), else its language's. */
static const char *feed_of(const page_t *p)
{
    if (p->blog->feed)
        return p->blog->feed;
    return p->blog->index && p->blog->index->blog ? p->blog->index->blog->feed : NULL;
}

/* Pushes blog field f of page p (nil when p is no blog page or f is not
 * set) and returns 1; 0 when f is no blog field. */
static int push_blog_field(render_worker *w, const page_t *p, page_field f)
{
    lua_State *L = w->L;
    const page_blog *b = p->blog;
    bool list = b && b->role > BLOG_POST;
    switch (f) {
    case PF_BLOG: case PF_IS_POST: case PF_UPDATED: case PF_AUTHORS: case PF_FEATURED:
    case PF_TAGS: case PF_SERIES: case PF_SERIES_PART: case PF_SERIES_COUNT:
    case PF_SERIES_PREV: case PF_SERIES_NEXT: case PF_RELATED: case PF_POSTS: case PF_TOTAL:
    case PF_PAGER: case PF_YEARS: case PF_RECENT_POSTS: case PF_FEATURED_POSTS:
    case PF_POSTS_INDEX: case PF_TAGS_INDEX: case PF_ARCHIVE_INDEX: case PF_FEED: case PF_SLUG:
        if (b)
            break;
        lua_pushnil(L);
        return 1;
    default:
        return 0;
    }
    switch (f) {
    case PF_BLOG: push_string_or_nil(L, blog_role_name(b->role)); break;
    case PF_IS_POST: lua_pushboolean(L, b->role == BLOG_POST); break;
    case PF_UPDATED: push_string_or_nil(L, b->updated); break;
    case PF_AUTHORS: push_strings(L, b->authors, b->nauthors); break;
    case PF_FEATURED: lua_pushboolean(L, b->featured); break;
    case PF_TAGS: push_blog_list(w, b->role == BLOG_TAGS ? &b->pages : &b->tags); break;
    case PF_SERIES: push_page(w, b->series); break;
    case PF_SERIES_PART: if (b->series) lua_pushinteger(L, (lua_Integer)b->series_part); else lua_pushnil(L); break;
    case PF_SERIES_COUNT: if (b->series) lua_pushinteger(L, (lua_Integer)b->series_count); else lua_pushnil(L); break;
    case PF_SERIES_PREV: push_page(w, b->series_prev); break;
    case PF_SERIES_NEXT: push_page(w, b->series_next); break;
    case PF_RELATED: push_blog_list(w, &b->related); break;
    case PF_POSTS: if (list) push_blog_list(w, &b->posts); else lua_pushnil(L); break;
    case PF_TOTAL: if (list) lua_pushinteger(L, (lua_Integer)(b->role == BLOG_INDEX ? b->first->blog->all.len : b->role == BLOG_TAGS ? b->pages.len : b->posts.len)); else lua_pushnil(L); break;
    case PF_PAGER: if (b->role == BLOG_INDEX) push_pager(w, b); else lua_pushnil(L); break;
    case PF_YEARS: if (b->role == BLOG_ARCHIVE) push_blog_list(w, &b->pages); else lua_pushnil(L); break;
    case PF_RECENT_POSTS: push_blog_list(w, &b->recent); break;
    case PF_FEATURED_POSTS: push_blog_list(w, &b->featured_posts); break;
    case PF_POSTS_INDEX: push_page(w, b->index); break;
    case PF_TAGS_INDEX: push_page(w, b->tags_page); break;
    case PF_ARCHIVE_INDEX: push_page(w, b->archive_page); break;
    case PF_FEED: { const char *feed = feed_of(p); if (feed) push_url_to(w, feed); else lua_pushnil(L); } break;
    default: push_string_or_nil(L, b->slug); break; /* PF_SLUG */
    }
    return 1;
}

/* Pushes field f of page p and returns 1; 0 (nothing pushed) for a field
 * that is not in the model. */
static int push_page_field(render_worker *w, const page_t *p, page_field f)
{
    lua_State *L = w->L;
    const config_language *lang = &w->site->cfg->languages[p->lang];
    switch (f) {
    case PF_TITLE: push_title(w, p); break;
    case PF_DESCRIPTION: push_string_or_nil(L, p->description); break;
    case PF_DATE: push_string_or_nil(L, p->date); break;
    case PF_SUMMARY: push_string_or_nil(L, p->summary); break;
    case PF_LANG: lua_pushstring(L, lang->code); break;
    case PF_DIR: lua_pushstring(L, lang->dir); break;
    case PF_KIND: lua_pushstring(L, page_kind_name(p->kind)); break;
    case PF_PATH: lua_pushstring(L, p->out_path); break;
    case PF_URL: push_url_to(w, p->out_path); break;
    case PF_IS_CURRENT: lua_pushboolean(L, !w->neutral && p == w->current); break;
    case PF_PARAMS: push_front(L, (p->fallback_of ? p->fallback_of : p)->front); break;
    case PF_CONTENT: push_page_html(w, p); break;
    case PF_TOC: if (p->toc_html) push_raw(w, p->toc_html); else lua_pushnil(L); break;
    case PF_WORDS: lua_pushinteger(L, (lua_Integer)p->words); break;
    case PF_READING_MINUTES: lua_pushinteger(L, page_reading_minutes(p)); break;
    case PF_WEIGHT: lua_pushnumber(L, p->weight); break;
    case PF_DRAFT: lua_pushboolean(L, p->draft); break;
    case PF_PARENT: push_page(w, p->parent); break;
    case PF_CHILDREN: push_page_list(w, p->children, p->nchildren); break;
    case PF_PREV: push_page(w, p->prev); break;
    case PF_NEXT: push_page(w, p->next); break;
    case PF_ANCESTORS: push_ancestors(w, p); break;
    case PF_TRANSLATIONS:
        push_page_list(w, p->translations, p->kind == PAGE_ROOT ? 1 : w->site->cfg->nlanguages);
        break;
    case PF_HOME: push_page(w, p->kind == PAGE_ROOT ? NULL : w->site->homes[p->lang]); break;
    case PF_KEY: lua_pushstring(L, p->key); break;
    /* localization: fallback pages (fallback.h) */
    case PF_FALLBACK: lua_pushboolean(L, p->fallback_of != NULL); break;
    case PF_FALLBACK_OF: push_page(w, p->fallback_of); break;
    case PF_CONTENT_LANG: lua_pushstring(L, content_language(w, p)->code); break;
    case PF_CONTENT_DIR: lua_pushstring(L, content_language(w, p)->dir); break;
    /* surveys */
    case PF_SURVEY: push_survey(w, p); break;
    case PF_SURVEY_STYLESHEET:
        if (p->survey) {
            char *css = surveys_stylesheet_path(p->survey);
            push_url_to(w, css);
            free(css);
        } else {
            lua_pushnil(L);
        }
        break;
    default: return push_programme_field(w, p, f) || push_blog_field(w, p, f);
    }
    return 1;
}

/* A field the Markdown stage made stands in the values as the key it was
 * made from (page.h: equal keys, equal values): a page's content is not
 * copied and hashed again on every build. False for any other field. */
static bool put_markdown_key(const page_t *q, page_field f, buf_t *b)
{
    if (!q->md_keyed)
        return false;
    if (f != PF_CONTENT && f != PF_TOC && f != PF_WORDS && (f != PF_SUMMARY || q->summary_text))
        return false;
    buf_puts(b, "md ");
    buf_putn(b, (const char *)q->md_key, sizeof q->md_key);
    return true;
}

/* The digest of field f of page q, the same for every page that reads it
 * (rcache.h): plain data written out directly (render_cache.h), the rest
 * from its Lua value, where a URL stands as the path it leads to (for a
 * given reader the URL follows from the two paths, which name the value).
 * The value at index (0: none) is the one the template got. May raise a
 * Lua error. */
static bool value_digest(render_worker *w, const page_t *q, page_field f, int index,
                         unsigned char digest[RCACHE_VALUE_LEN])
{
    buf_t *b = &w->values;
    buf_reset(b);
    if (!put_markdown_key(q, f, b) && !render_cache_plain_value(w->site, q, f, b)) {
        bool pushed = !index || page_field_reader_dependent(f);
        if (pushed) {
            w->neutral = true;
            if (!push_page_field(w, q, f))
                lua_pushnil(w->L);
            w->neutral = false;
            index = -1;
        }
        bool ok = rtrace_value(w->L, index, b);
        if (pushed)
            lua_pop(w->L, 1);
        if (!ok)
            return false;
    }
    render_cache_digest(b, digest);
    return true;
}

/* While a page renders for the cache: notes a field it read, the first
 * time with its value's digest. The value is at index (0: not pushed). */
static void trace_value(render_worker *w, const page_t *q, page_field f, int index)
{
    rcache_dep *dep = w->tracing ? rtrace_note(&w->trace, q->out_path, f) : NULL;
    if (dep && !value_digest(w, q, f, index, dep->digest))
        w->trace_ok = false;
}

/* The same for a field a function read (url(), lang_attrs()). */
static void trace_field(render_worker *w, const page_t *q, page_field f)
{
    trace_value(w, q, f, 0);
}

/* page.k: a name that is no field is nil on every page, whatever the
 * build, so the render cache need not note it. */
static int page_index(lua_State *L)
{
    render_worker *w = worker_of(L);
    const page_t *p = check_page(L, 1);
    int f = page_field_find(luaL_checkstring(L, 2));
    if (f < 0 || !push_page_field(w, p, (page_field)f))
        lua_pushnil(L);
    if (f >= 0)
        trace_value(w, p, (page_field)f, lua_gettop(L));
    return 1;
}

static int page_eq(lua_State *L)
{
    lua_pushboolean(L, check_page(L, 1) == check_page(L, 2));
    return 1;
}

static int page_tostring(lua_State *L)
{
    const page_t *p = check_page(L, 1);
    lua_pushfstring(L, "page %s", p->out_path);
    return 1;
}

static int page_newindex(lua_State *L)
{
    return luaL_error(L, "pages are read-only");
}

/* --- functions templates call --------------------------------------------- */

static int l_url(lua_State *L)
{
    render_worker *w = worker_of(L);
    if (lua_type(L, 1) == LUA_TUSERDATA) {
        trace_field(w, check_page(L, 1), PF_PATH);
        push_url_to(w, check_page(L, 1)->out_path);
        return 1;
    }
    const char *target = luaL_checkstring(L, 1);
    if (path_url_is_absolute(target)) {
        lua_pushvalue(L, 1);
        return 1;
    }
    while (*target == '/')
        target++;
    push_url_to(w, target);
    return 1;
}

static const char *translate(render_worker *w, const char *ctx, const char *msgid, bool plural,
                             unsigned long n)
{
    const char *s = l10n_lookup(w->opts->catalogs, w->opts->theme_catalogs, w->current->lang,
                                ctx, msgid, plural, n);
    return s ? s : msgid;
}

/* The numbering system of the page being rendered (site.lua digits). */
static const char *current_digits(const render_worker *w)
{
    return w->site->cfg->languages[w->current->lang].digits;
}

/* Pushes the string at the top of the stack with its digits localized. */
static void localize_top(render_worker *w)
{
    if (!current_digits(w))
        return;
    char *s = l10n_localize_digits(lua_tostring(w->L, -1), current_digits(w));
    lua_pop(w->L, 1);
    lua_pushstring(w->L, s);
    free(s);
}

/* Pushes s with each "%d" replaced by n (in the language's digits). */
static void push_with_count(render_worker *w, const char *s, lua_Integer n)
{
    lua_State *L = w->L;
    luaL_Buffer b;
    const char *hit;
    lua_pushinteger(L, n);
    lua_tostring(L, -1);
    localize_top(w);
    const char *count = lua_tostring(L, -1);
    luaL_buffinit(L, &b);
    while ((hit = strstr(s, "%d"))) {
        luaL_addlstring(&b, s, (size_t)(hit - s));
        luaL_addstring(&b, count);
        s = hit + 2;
    }
    luaL_addstring(&b, s);
    luaL_pushresult(&b);
}

static int translate_call(lua_State *L, const char *ctx, int first)
{
    render_worker *w = worker_of(L);
    const char *msgid = luaL_checkstring(L, first);
    if (lua_isnoneornil(L, first + 1)) {
        lua_pushstring(L, translate(w, ctx, msgid, false, 0));
        return 1;
    }
    lua_Integer n = luaL_checkinteger(L, first + 1);
    push_with_count(w, translate(w, ctx, msgid, true, n < 0 ? 0 : (unsigned long)n), n);
    return 1;
}

static int l_t(lua_State *L) { return translate_call(L, NULL, 1); }

/* --- surveys -------------------------------------------------------------- */

/* The form's UI strings, msgctxt "survey form", in the current page's language. */
static const char *form_translate(void *ctx, const char *msgid, const char *plural,
                                  unsigned long n)
{
    const char *s = translate(ctx, "survey form", msgid, plural != NULL, n);
    return s == msgid && plural && n != 1 ? plural : s;
}

/* page.survey: {id, version, questions, minutes, form (raw HTML), sections
 * = {{title, anchor}}}, or nil when the page presents no survey. */
static void push_survey(render_worker *w, const page_t *p)
{
    lua_State *L = w->L;
    const survey_t *s = p->survey;
    if (!s) {
        lua_pushnil(L);
        return;
    }
    const catalog_t *cat = p->lang ? w->opts->catalogs[p->lang] : NULL;
    lua_createtable(L, 0, 6);
    lua_pushstring(L, s->id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, s->version);
    lua_setfield(L, -2, "version");
    lua_pushinteger(L, (lua_Integer)s->nquestions);
    lua_setfield(L, -2, "questions");
    lua_pushinteger(L, form_minutes(s));
    lua_setfield(L, -2, "minutes");
    lua_createtable(L, (int)s->nsections, 0);
    for (size_t i = 0; i < s->nsections; i++) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, survey_text_get(&s->sections[i].title, cat));
        lua_setfield(L, -2, "title");
        char *anchor = form_section_anchor(s, i);
        lua_pushstring(L, anchor);
        lua_setfield(L, -2, "anchor");
        free(anchor);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "sections");
    const page_t *saved = w->current;
    w->current = p; /* UI strings in the language of the page shown */
    char *action = surveys_form_action(w->site->cfg, p->out_path);
    form_input in = {s, cat, w->site->cfg->languages[p->lang].code, action, form_translate, w};
    char *html = form_html(&in);
    w->current = saved;
    push_raw(w, html);
    lua_setfield(L, -2, "form");
    free(html);
    free(action);
}

static int l_tc(lua_State *L) { return translate_call(L, luaL_checkstring(L, 1), 2); }

static const char *const MONTHS[] = {"January", "February", "March", "April", "May", "June",
                                     "July", "August", "September", "October", "November",
                                     "December"};

/* date(format, iso) with the month names of the current page's language. */
static int l_date(lua_State *L)
{
    render_worker *w = worker_of(L);
    lua_settop(L, 2);
    lua_rawgeti(L, LUA_REGISTRYINDEX, w->date_ref);
    lua_insert(L, 1);
    lua_createtable(L, 12, 0);
    for (int m = 0; m < 12; m++) {
        lua_pushstring(L, translate(w, "month", MONTHS[m], false, 0));
        lua_rawseti(L, -2, m + 1);
    }
    lua_call(L, 3, 1);
    localize_top(w);
    return 1;
}

/* num(n): a number written in the page language's digits (site.lua
 * digits = "arab" gives ١٢٣); integers without a decimal point. */
static int l_num(lua_State *L)
{
    render_worker *w = worker_of(L);
    lua_Number v = luaL_checknumber(L, 1);
    lua_Integer i;
    if (lua_isinteger(L, 1))
        lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, 1));
    else if (lua_numbertointeger(v, &i))
        lua_pushfstring(L, "%I", (LUAI_UACINT)i);
    else
        lua_pushfstring(L, "%f", v);
    localize_top(w);
    return 1;
}

/* lang_attrs(p): raw ' lang="en" dir="ltr"' when page p's text is in
 * another language than the page being rendered (a fallback page's title
 * in a list), else nothing. For an element that holds p's text. */
static int l_lang_attrs(lua_State *L)
{
    render_worker *w = worker_of(L);
    trace_field(w, check_page(L, 1), PF_CONTENT_LANG);
    const config_language *text = content_language(w, check_page(L, 1));
    const config_language *around = &w->site->cfg->languages[w->current->lang];
    if (text == around || w->current->kind == PAGE_ROOT) {
        push_raw(w, "");
        return 1;
    }
    char *attrs = xasprintf(" lang=\"%s\" dir=\"%s\"", text->code, text->dir);
    push_raw(w, attrs);
    free(attrs);
    return 1;
}

static void install_functions(render_worker *w)
{
    lua_State *L = w->L;
    luaL_newmetatable(L, PAGE_METATABLE);
    static const luaL_Reg page_methods[] = {{"__index", page_index},
                                            {"__eq", page_eq},
                                            {"__tostring", page_tostring},
                                            {"__newindex", page_newindex},
                                            {NULL, NULL}};
    lua_pushlightuserdata(L, w);
    luaL_setfuncs(L, page_methods, 1);
    lua_pushliteral(L, "page");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);

    lua_getglobal(L, "date");
    w->date_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    static const luaL_Reg globals[] = {
        {"url", l_url}, {"t", l_t}, {"tc", l_tc}, {"date", l_date},
        {"num", l_num}, {"lang_attrs", l_lang_attrs}, {NULL, NULL}};
    lua_pushglobaltable(L);
    lua_pushlightuserdata(L, w);
    luaL_setfuncs(L, globals, 1);
    lua_pop(L, 1);
}

/* site.lua's table, wrapped so templates can read but never change it:
 * one page's template must not alter what the next page sees. */
static const char FREEZE_LUA[] =
    "local function freeze(t)\n"
    "  if type(t) ~= 'table' then return t end\n"
    "  local proxy, cache = {}, {}\n"
    "  local function get(k)\n"
    "    local v = t[k]\n"
    "    if type(v) ~= 'table' then return v end\n"
    "    local c = cache[k]\n"
    "    if not c then c = freeze(v); cache[k] = c end\n"
    "    return c\n"
    "  end\n"
    "  return setmetatable(proxy, {\n"
    "    __index = function(_, k) return get(k) end,\n"
    "    __newindex = function() error('site is read-only', 2) end,\n"
    "    __len = function() return #t end,\n"
    "    __pairs = function()\n"
    "      return function(_, k) local nk = next(t, k); if nk == nil then return nil end; return nk, get(nk) end, proxy, nil\n"
    "    end,\n"
    "    __metatable = false,\n"
    "  })\n"
    "end\n"
    "return freeze(...)\n";

/* site.public_key and site.public_key_id: the signing key, read by
 * config_load from signing.public_key or signing.public_key_file, for the
 * page that publishes it. The table is at the top of the stack. */
static void add_public_key(lua_State *L, const config_t *cfg)
{
    if (!cfg->public_key || !lua_istable(L, -1))
        return;
    lua_pushstring(L, cfg->public_key);
    lua_setfield(L, -2, "public_key");
    lua_pushstring(L, cfg->public_key_id);
    lua_setfield(L, -2, "public_key_id");
}

static int load_site_table(render_worker *w, diags_t *d)
{
    lua_State *L = w->L;
    char *err = NULL;
    if (sandbox_load(L, FREEZE_LUA, sizeof FREEZE_LUA - 1, "waymark/freeze.lua", &err) != 0 ||
        sandbox_run_file(L, "site.lua", "site.lua", &err) != 0 ||
        (add_public_key(L, w->site->cfg), 0) ||
        sandbox_pcall(L, 1, 1, RENDER_BUDGET, &err) != 0) {
        diag_error(d, "site.lua", sandbox_error_line(err), 0, "%s", err);
        free(err);
        return -1;
    }
    w->site_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* Templates errors are reported by the first worker only: every worker
 * compiles the same files. */
static int worker_init(render_worker *w, const site_t *site, const render_options *opts,
                       diags_t *d)
{
    *w = (render_worker){.site = site, .opts = opts};
    w->pages_per_language = xcalloc(site->cfg->nlanguages, sizeof *w->pages_per_language);
    w->L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    if (!w->L) {
        diag_error(d, "waymark", 0, 0, "cannot create a Lua state: out of memory");
        return -1;
    }
    tpl_install(w->L);
    install_functions(w);
    diags_t quiet = DIAGS_INIT;
    diags_t *report = d ? d : &quiet;
    int rc = 0;
    if (tpl_load_dirs(w->L, opts->template_dirs, opts->template_names, report) > 0)
        rc = -1;
    else if (!tpl_exists(w->L, "base.html")) {
        diag_error(report, opts->template_names[0], 0, 0,
                   "no base.html template in the theme (looked in every theme folder)");
        rc = -1;
    }
    if (rc == 0 && load_site_table(w, report) < 0)
        rc = -1;
    diag_free(&quiet);
    return rc;
}

static void worker_free(render_worker *w)
{
    if (w->L)
        sandbox_close(w->L);
    buf_free(&w->main);
    buf_free(&w->html);
    buf_free(&w->values);
    free(w->asked);
    forget_current_html(w);
    rtrace_free(&w->trace);
    free(w->pages_per_language);
    diag_free(&w->diags);
}

/* --- one page ------------------------------------------------------------- */

static void push_language(lua_State *L, const config_language *lang)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, lang->code);
    lua_setfield(L, -2, "code");
    lua_pushstring(L, lang->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, lang->dir);
    lua_setfield(L, -2, "dir");
}

/* Every language, each leading to this page's translation or its home. */
static void push_languages(render_worker *w, const page_t *p)
{
    lua_State *L = w->L;
    const config_t *cfg = w->site->cfg;
    lua_createtable(L, (int)cfg->nlanguages, 0);
    for (size_t l = 0; l < cfg->nlanguages; l++) {
        const page_t *target = p->kind == PAGE_ROOT ? NULL : p->translations[l];
        if (p->kind != PAGE_ROOT && (int)l == p->lang)
            target = p; /* a fallback page is not its own translation */
        push_language(L, &cfg->languages[l]);
        push_url_to(w, (target ? target : w->site->homes[l])->out_path);
        lua_setfield(L, -2, "url");
        lua_pushboolean(L, p->kind != PAGE_ROOT && (int)l == p->lang);
        lua_setfield(L, -2, "current");
        lua_pushboolean(L, target != NULL);
        lua_setfield(L, -2, "exists");
        lua_rawseti(L, -2, (lua_Integer)l + 1);
    }
}

static void push_context(render_worker *w, const page_t *p)
{
    lua_State *L = w->L;
    lua_createtable(L, 0, 8);
    push_page(w, p);
    lua_setfield(L, -2, "page");
    push_language(L, &w->site->cfg->languages[p->lang]);
    lua_setfield(L, -2, "lang");
    push_languages(w, p);
    lua_setfield(L, -2, "languages");
    char *survey_csp = p->survey ? surveys_page_csp(w->site->cfg) : NULL;
    lua_pushstring(L, survey_csp ? survey_csp : w->site->cfg->csp);
    lua_setfield(L, -2, "csp");
    free(survey_csp);
    push_url_to(w, w->opts->stylesheet);
    lua_setfield(L, -2, "stylesheet");
    lua_rawgeti(L, LUA_REGISTRYINDEX, w->site_ref);
    lua_setfield(L, -2, "site");
}

/* layout: names a template outright; type: when such a template exists;
 * else the page's kind, falling back to more general kinds. */
static const char *choose_template(render_worker *w, const page_t *p, char *name, size_t size)
{
    if (p->layout) {
        snprintf(name, size, "%s.html", p->layout);
        if (tpl_exists(w->L, name))
            return name;
        diag_error(&w->diags, p->src_path, 0, 0, "layout '%s': no template %s in the theme",
                   p->layout, name);
        return NULL;
    }
    if (p->type) {
        snprintf(name, size, "%s.html", p->type);
        if (tpl_exists(w->L, name))
            return name;
    }
    static const char *const chains[][4] = {
        [PAGE_ROOT] = {"root.html", NULL},
        [PAGE_HOME] = {"home.html", "section.html", "page.html", NULL},
        [PAGE_SECTION] = {"section.html", "page.html", NULL},
        [PAGE_PAGE] = {"page.html", NULL},
        [PAGE_LIST] = {"list.html", "section.html", "page.html", NULL},
        [PAGE_404] = {"404.html", "page.html", NULL},
    };
    for (const char *const *c = chains[p->kind]; *c; c++)
        if (tpl_exists(w->L, *c))
            return *c;
    diag_error(&w->diags, p->src_path ? p->src_path : p->out_path, 0, 0,
               "no template for this %s page: the theme needs %s", page_kind_name(p->kind),
               chains[p->kind][0]);
    return NULL;
}

static int render_page_html(render_worker *w, const page_t *p)
{
    lua_State *L = w->L;
    char name_buf[256];
    const char *name = choose_template(w, p, name_buf, sizeof name_buf);
    if (!name)
        return -1;
    snprintf(w->template_path, sizeof w->template_path, "%s/%s", w->opts->template_names[0], name);
    const char *for_path = p->src_path ? p->src_path : p->out_path;
    int top = lua_gettop(L);
    push_context(w, p);
    int ctx = lua_gettop(L);
    buf_reset(&w->main);
    buf_reset(&w->html);
    int rc = tpl_render(L, name, ctx, &w->main, RENDER_BUDGET, for_path, &w->diags);
    if (rc == 0) {
        push_raw(w, buf_cstr(&w->main));
        lua_setfield(L, ctx, "main");
        rc = tpl_render(L, "base.html", ctx, &w->html, RENDER_BUDGET, for_path, &w->diags);
    }
    lua_settop(L, top);
    return rc;
}

/* Writes the page; hex gets its SHA-256 when it went through output. */
static void write_page(render_worker *w, const page_t *p, char hex[65])
{
    char *path = path_join(w->opts->out_dir, p->out_path);
    int rc = w->opts->output ? output_put_hashed(w->opts->output, p->out_path, w->html.data,
                                                 w->html.len, hex)
                             : fs_write_file(path, w->html.data, w->html.len);
    if (rc < 0)
        diag_error(&w->diags, p->out_path, 0, 0, "cannot write %s: %s", path, strerror(errno));
    free(path);
}

/* A violation is found in the written HTML (its position is the output
 * file's); say which source page it was rendered from, so the report
 * leads back to the content or template to fix. */
static void name_page_source(diags_t *d, size_t from, const page_t *p)
{
    if (!p->src_path)
        return;
    for (size_t i = from; i < d->len; i++) {
        char *msg = xasprintf("%s (in the page rendered from %s)", d->items[i].msg, p->src_path);
        free(d->items[i].msg);
        d->items[i].msg = msg;
    }
}

/* --- the render cache (rcache.h) ----------------------------------------------- */

/* The digest of the current page's context (render_cache.h) into
 * w->context. */
static void context_digest(render_worker *w)
{
    render_cache_context(w->site, w->current, w->opts->stylesheet, &w->values, &w->diags,
                         w->context);
}

typedef struct {
    render_worker *w;
    const page_t *q;
    page_field field;
    unsigned char *digest;
} value_request;

static int value_now_protected(lua_State *L)
{
    value_request *r = lua_touserdata(L, 1);
    lua_pushboolean(L, value_digest(r->w, r->q, r->field, 0, r->digest));
    return 1;
}

/* render_cache_value_fn: the digest a value has now, as the value's
 * readers see it. */
static bool value_now(void *ctx, const char *page, const char *field,
                      unsigned char digest[RCACHE_VALUE_LEN])
{
    render_worker *w = ctx;
    /* a page's values are many: look each page up about once */
    if (!w->asked)
        w->asked = xcalloc(ASKED_SLOTS, sizeof *w->asked);
    size_t slot = ((uintptr_t)page >> 2) % ASKED_SLOTS;
    if (w->asked[slot].path != page) {
        w->asked[slot].path = page;
        w->asked[slot].page = site_page_at(w->site, page, NULL);
    }
    w->q = w->asked[slot].page;
    int f = page_field_find(field);
    if (!w->q || f < 0)
        return false;
    buf_reset(&w->values);
    if (put_markdown_key(w->q, (page_field)f, &w->values) ||
        render_cache_plain_value(w->site, w->q, (page_field)f, &w->values)) {
        render_cache_digest(&w->values, digest);
        return true;
    }
    lua_State *L = w->L;
    int top = lua_gettop(L);
    value_request r = {w, w->q, (page_field)f, digest};
    lua_pushcfunction(L, value_now_protected);
    lua_pushlightuserdata(L, &r);
    bool ok = lua_pcall(L, 1, 1, 0) == LUA_OK && lua_toboolean(L, -1);
    lua_settop(L, top);
    return ok;
}

static void count_page(render_worker *w, const page_t *p, size_t index, uint64_t bytes)
{
    w->page_bytes[index] = bytes;
    w->pages++;
    w->pages_per_language[p->lang] += p->kind != PAGE_ROOT;
    w->bytes += bytes;
}

/* A page whose templates would read the same context and values as last
 * time is kept as it is (render_cache.h). */
static bool reuse_page(render_worker *w, const page_t *p, size_t index)
{
    uint64_t size;
    if (!rcache_find(w->opts->cache, p->out_path))
        return false;
    context_digest(w);
    if (!render_cache_reuse(w->checker, p, index, w->context, value_now, w, &size))
        return false;
    count_page(w, p, index, size);
    return true;
}

static void render_task(void *worker, size_t task)
{
    render_worker *w = worker;
    size_t index = w->order[task];
    const page_t *p = w->site->pages[index];
    forget_current_html(w);
    w->current = p;
    bool cached = w->checker != NULL;
    w->page_index = index;
    if (cached && reuse_page(w, p, index))
        return;
    size_t diags_before = w->diags.len;
    rtrace_reset(&w->trace);
    w->trace_ok = cached;
    if (cached)
        context_digest(w);
    w->tracing = w->trace_ok;
    int rendered = render_page_html(w, p);
    w->tracing = false;
    if (rendered < 0)
        return;
    /* a survey page may post its form to the endpoint, and nowhere else */
    char *survey_csp = p->survey ? surveys_page_csp(w->site->cfg) : NULL;
    char *action = p->survey ? surveys_form_action(w->site->cfg, p->out_path) : NULL;
    scan_rules rules = {survey_csp ? survey_csp : w->site->cfg->csp, action, true};
    size_t before = w->diags.len;
    int violations = scan_page(w->html.data, w->html.len, p->out_path, &rules, &w->diags);
    free(survey_csp);
    free(action);
    if (violations > 0) {
        name_page_source(&w->diags, before, p);
        return;
    }
    char hex[65] = "";
    if (w->opts->out_dir)
        write_page(w, p, hex);
    if (w->opts->links)
        linkcheck_record(w->opts->links, index, w->html.data, w->html.len, current_html(w),
                         w->template_path);
    /* a page that reported anything renders again next time, to report it again */
    if (w->trace_ok && *hex && w->diags.len == diags_before)
        render_cache_remember(w->checker, p, index, w->context, w->trace.deps, w->trace.len,
                              w->template_path, hex, w->html.len);
    count_page(w, p, index, w->html.len);
    lua_gc(w->L, LUA_GCSTEP, 0);
}

/* Roughly how much a page's templates have to go through: the pages it
 * lists. */
static size_t listed_pages(const page_t *p)
{
    size_t n = p->nchildren;
    if (p->blog)
        n += p->blog->posts.len + p->blog->all.len + p->blog->pages.len;
    return n;
}

typedef struct {
    size_t index, weight;
} weighed_page;

static int heaviest_first(const void *a, const void *b)
{
    const weighed_page *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight < y->weight ? 1 : -1;
    return (x->index > y->index) - (x->index < y->index);
}

/* The order pages are handed to the workers: the pages that list many
 * others (a year's archive lists thousands of posts) first, the rest in
 * site order. Otherwise the last few tasks can be the longest, and all
 * but one core wait for them. Output does not depend on the order. */
static size_t *render_order(const site_t *site)
{
    weighed_page *w = xcalloc(site->npages ? site->npages : 1, sizeof *w);
    for (size_t i = 0; i < site->npages; i++)
        w[i] = (weighed_page){i, listed_pages(site->pages[i])};
    qsort(w, site->npages, sizeof *w, heaviest_first);
    size_t *order = xcalloc(site->npages ? site->npages : 1, sizeof *order);
    for (size_t i = 0; i < site->npages; i++)
        order[i] = w[i].index;
    free(w);
    return order;
}

int render_site(const site_t *site, const render_options *opts, render_stats *stats,
                diags_t *d)
{
    size_t nlang = site->cfg->nlanguages, jobs = opts->jobs ? opts->jobs : 1;
    size_t errors_before = d->errors;
    *stats = (render_stats){.pages_per_language = xcalloc(nlang, sizeof(size_t)),
                            .page_bytes = xcalloc(site->npages + 1, sizeof(uint64_t))};
    render_worker *workers = xcalloc(jobs, sizeof *workers);
    void **ptrs = xcalloc(jobs, sizeof *ptrs);
    int failed = 0;
    render_cache_t *checker =
        opts->output ? render_cache_new(opts->cache, opts->output, opts->links) : NULL;
    size_t *order = render_order(site);
    for (size_t t = 0; t < jobs; t++) {
        ptrs[t] = &workers[t];
        failed |= worker_init(&workers[t], site, opts, t == 0 ? d : NULL);
        workers[t].page_bytes = stats->page_bytes;
        workers[t].checker = checker;
        workers[t].order = order;
    }
    if (!failed)
        pool_run(site->npages, jobs, ptrs, render_task);
    free(order);
    for (size_t t = 0; t < jobs; t++) {
        diag_merge(d, &workers[t].diags);
        stats->pages += workers[t].pages;
        stats->bytes += workers[t].bytes;
        for (size_t l = 0; l < nlang; l++)
            stats->pages_per_language[l] += workers[t].pages_per_language[l];
        worker_free(&workers[t]);
    }
    render_cache_free(checker);
    free(workers);
    free(ptrs);
    return d->errors > errors_before ? -1 : 0;
}

void render_stats_free(render_stats *stats)
{
    free(stats->pages_per_language);
    free(stats->page_bytes);
    *stats = (render_stats){0};
}
