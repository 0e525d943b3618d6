#include "blog.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "path.h"
#include "pool.h"
#include "utf8.h"
#include "xalloc.h"

#define SLUG_MAX 80
#define RECENT_MAX 10

/* --- lists ------------------------------------------------------------------ */

static void list_add(blog_list *l, page_t *p)
{
    xgrow((void **)&l->items, &l->cap, l->len + 1, sizeof *l->items);
    l->items[l->len++] = p;
}

static bool list_has(const blog_list *l, const page_t *p)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i] == p)
            return true;
    return false;
}

static void list_free(blog_list *l)
{
    free(l->items);
    *l = (blog_list){0};
}

void blog_page_free(page_blog *b)
{
    if (!b)
        return;
    free(b->slug);
    free(b->feed);
    free(b->updated);
    for (size_t i = 0; i < b->nauthors; i++)
        free(b->authors[i]);
    free(b->authors);
    blog_list *lists[] = {&b->tags, &b->related, &b->posts, &b->all,
                          &b->pages, &b->recent, &b->featured_posts};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
        list_free(lists[i]);
    free(b);
}

static page_blog *blog_of(page_t *p, blog_role role)
{
    if (!p->blog)
        p->blog = xcalloc(1, sizeof *p->blog);
    if (role != BLOG_NONE)
        p->blog->role = role;
    return p->blog;
}

/* --- dates ------------------------------------------------------------------ */

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Strict: YYYY-MM-DD, then optionally [T ]HH:MM[:SS[.fraction]], then
 * optionally Z or ±HH:MM. The zone is copied to zone ("" when none). */
static bool parse_iso(const char *s, int f[6], char zone[7])
{
    memset(f, 0, 6 * sizeof *f);
    zone[0] = '\0';
    if (!digits(s, 4, &f[0]) || s[4] != '-' || !digits(s + 5, 2, &f[1]) || s[7] != '-' ||
        !digits(s + 8, 2, &f[2]))
        return false;
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > days_in_month(f[0], f[1]))
        return false;
    s += 10;
    if (!*s)
        return true;
    if ((*s != 'T' && *s != ' ') || !digits(s + 1, 2, &f[3]) || s[3] != ':' ||
        !digits(s + 4, 2, &f[4]))
        return false;
    s += 6;
    if (*s == ':') {
        if (!digits(s + 1, 2, &f[5]))
            return false;
        s += 3;
        if (*s == '.') {
            s++;
            if (!isdigit((unsigned char)*s))
                return false;
            while (isdigit((unsigned char)*s))
                s++;
        }
    }
    if (f[3] > 23 || f[4] > 59 || f[5] > 60)
        return false;
    if (*s == 'Z' && !s[1]) {
        strcpy(zone, "Z");
        return true;
    }
    int zh, zm;
    if ((*s == '+' || *s == '-') && digits(s + 1, 2, &zh) && s[3] == ':' &&
        digits(s + 4, 2, &zm) && !s[6] && zh <= 23 && zm <= 59) {
        memcpy(zone, s, 6);
        zone[6] = '\0';
        return true;
    }
    return !*s;
}

char *blog_rfc3339(const char *s)
{
    int f[6];
    char zone[7];
    if (!s || !parse_iso(s, f, zone))
        return NULL;
    return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d%s", f[0], f[1], f[2], f[3], f[4], f[5],
                     *zone ? zone : "Z");
}

/* --- slugs -------------------------------------------------------------------- */

static int32_t to_lower(int32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) /* Latin-1 */
        return c + 0x20;
    if (c == 0x130) /* İ */
        return 'i';
    if (c == 0x178) /* Ÿ */
        return 0xFF;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) /* Latin Extended-A */
        return c % 2 == 0 ? c + 1 : c;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return c % 2 == 1 ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) /* Greek */
        return c + 0x20;
    if (c >= 0x410 && c <= 0x42F) /* Cyrillic */
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
}

/* Characters that never go into a slug: ASCII other than letters and
 * digits, controls, Latin-1 punctuation, general and CJK punctuation, the
 * invisible and bidi controls (U+200B..U+206F), Arabic punctuation,
 * private use, specials. Everything else is a letter, digit or mark of
 * some script and stays. */
static bool is_separator(int32_t c)
{
    if (c < 0)
        return true;
    if (c < 0x80)
        return !isalnum((int)c);
    if (c <= 0xBF)
        return c != 0xAA && c != 0xB5 && c != 0xBA;
    if (c == 0xD7 || c == 0xF7)
        return true;
    if (c == 0x60C || c == 0x61B || c == 0x61F || (c >= 0x66A && c <= 0x66D) || c == 0x6D4)
        return true;
    if (c == 0x964 || c == 0x965)
        return true;
    if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F))
        return true;
    if ((c >= 0xD800 && c <= 0xF8FF) || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF ||
        (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) || c >= 0xFFF0)
        return true;
    return false;
}

static void put_utf8(buf_t *b, int32_t c)
{
    char s[4];
    size_t n;
    if (c < 0x80) {
        s[0] = (char)c, n = 1;
    } else if (c < 0x800) {
        s[0] = (char)(0xC0 | (c >> 6)), s[1] = (char)(0x80 | (c & 0x3F)), n = 2;
    } else if (c < 0x10000) {
        s[0] = (char)(0xE0 | (c >> 12)), s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        s[2] = (char)(0x80 | (c & 0x3F)), n = 3;
    } else {
        s[0] = (char)(0xF0 | (c >> 18)), s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((c >> 6) & 0x3F)), s[3] = (char)(0x80 | (c & 0x3F)), n = 4;
    }
    buf_putn(b, s, n);
}

char *blog_slug(const char *name)
{
    buf_t b = BUF_INIT;
    size_t len = strlen(name);
    bool pending_dash = false;
    for (size_t i = 0; i < len;) {
        size_t width;
        int32_t c = utf8_decode(name + i, len - i, &width);
        i += width;
        if (is_separator(c)) {
            pending_dash = b.len > 0;
            continue;
        }
        size_t before = b.len;
        if (pending_dash)
            buf_putc(&b, '-');
        put_utf8(&b, to_lower(c));
        if (b.len > SLUG_MAX) { /* stop before the character that does not fit */
            b.len = before;
            b.data[b.len] = '\0';
            break;
        }
        pending_dash = false;
    }
    if (!b.len) {
        buf_free(&b);
        return xstrdup("");
    }
    return buf_detach(&b);
}

/* --- reading posts ------------------------------------------------------------ */

typedef struct {
    page_t *page;
    char *sort_date;        /* RFC 3339, for ordering (owned) */
    char **tags;            /* as written (owned) */
    const fm_node **tag_nodes;
    size_t ntags;
    const char *series;     /* borrowed from the front matter */
    const fm_node *series_node;
    long part;              /* series_part, 0 when not given */
    const fm_node *part_node;
} post_info;

static bool is_post(const site_t *site, const page_t *p)
{
    const char *s = site->cfg->blog_section;
    size_t n = strlen(s);
    return p->src_path && p->kind == PAGE_PAGE && !strncmp(p->key, s, n) && p->key[n] == '/';
}

/* A string or a list of strings at key: appended to *out, with the node of
 * each when nodes is not NULL. Anything else is reported. */
static void read_strings(const page_t *p, const char *key, char ***out, const fm_node ***nodes,
                         size_t *n, diags_t *d)
{
    const fm_node *v = fm_get(p->front, key);
    if (!v)
        return;
    const fm_node *const single[] = {v};
    const fm_node *const *items = v->kind == FM_LIST ? (const fm_node *const *)v->items : single;
    size_t count = v->kind == FM_LIST ? v->len : 1;
    for (size_t i = 0; i < count; i++) {
        const fm_node *item = items[i];
        if (item->kind != FM_SCALAR || !*item->text) {
            diag_error(d, p->src_path, item->line, item->col,
                       "'%s' must be a text or a list of texts, like [prevention, research]", key);
            continue;
        }
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        if (nodes)
            *nodes = xrealloc(*nodes, (*n + 1) * sizeof **nodes);
        (*out)[*n] = xstrdup(item->text);
        if (nodes)
            (*nodes)[*n] = item;
        (*n)++;
    }
}

/* Checks an optional date field; returns it (borrowed) or NULL. */
static const char *read_date_field(const page_t *p, const char *key, diags_t *d)
{
    const fm_node *n = fm_get(p->front, key);
    if (!n)
        return NULL;
    int f[6];
    char zone[7];
    if (n->kind != FM_SCALAR || !parse_iso(n->text, f, zone)) {
        diag_error(d, p->src_path, n->line, n->col,
                   "'%s' must be a real date like 2026-11-02 or 2026-11-02T10:00:00Z", key);
        return NULL;
    }
    return n->text;
}

static void read_series(const page_t *p, post_info *info, diags_t *d)
{
    info->series_node = fm_get(p->front, "series");
    if (info->series_node && (info->series_node->kind != FM_SCALAR || !*info->series_node->text)) {
        diag_error(d, p->src_path, info->series_node->line, info->series_node->col,
                   "'series' must be the series' name");
        info->series_node = NULL;
    }
    info->series = info->series_node ? info->series_node->text : NULL;
    info->part_node = fm_get(p->front, "series_part");
    if (!info->part_node)
        return;
    const fm_node *n = info->part_node;
    char *end;
    long part = n->kind == FM_SCALAR ? strtol(n->text, &end, 10) : 0;
    if (n->kind != FM_SCALAR || !*n->text || *end || part < 1 || part > 100000)
        diag_error(d, p->src_path, n->line, n->col, "'series_part' must be a whole number from 1");
    else if (!info->series)
        diag_warning(d, p->src_path, n->line, n->col, "'series_part' without 'series' is ignored");
    else
        info->part = part;
}

/* Reads what a post adds to a page; false when it has no usable date. */
static bool read_post(page_t *p, post_info *info, diags_t *d)
{
    *info = (post_info){.page = p};
    page_blog *b = blog_of(p, BLOG_POST);
    if (!p->type)
        p->type = xstrdup("post");
    const char *updated = read_date_field(p, "updated", d);
    b->updated = xstrdup(updated);
    read_strings(p, "author", &b->authors, NULL, &b->nauthors, d);
    read_strings(p, "authors", &b->authors, NULL, &b->nauthors, d);
    read_strings(p, "tags", &info->tags, &info->tag_nodes, &info->ntags, d);
    b->featured = fm_bool(p->front, "featured", false, p->src_path, d);
    read_series(p, info, d);
    if (!fm_get(p->front, "date")) {
        diag_error(d, p->src_path, 1, 1, "a post needs a 'date' in its front matter, like "
                                         "date: 2026-11-02");
        return false;
    }
    if (!read_date_field(p, "date", d))
        return false;
    info->sort_date = blog_rfc3339(p->date);
    return true;
}

static void post_info_free(post_info *info)
{
    for (size_t i = 0; i < info->ntags; i++)
        free(info->tags[i]);
    free(info->tags);
    free(info->tag_nodes);
    free(info->sort_date);
}

/* Newest first, then by title, then by address: a total order. */
static int compare_newest(const void *a, const void *b)
{
    const post_info *x = a, *y = b;
    int c = strcmp(y->sort_date, x->sort_date);
    if (c)
        return c;
    c = strcmp(x->page->title, y->page->title);
    return c ? c : strcmp(x->page->out_path, y->page->out_path);
}

/* --- making pages ------------------------------------------------------------- */

typedef struct {
    site_t *site;
    int lang;
    const char *code, *section;
    post_info *posts; /* this language's, newest first (borrowed) */
    size_t nposts;
    page_t *index, *tags_page, *archive_page;
    blog_list tags;   /* tag pages, in the order made */
    blog_list made;   /* every page made, in order: added to the site after */
    diags_t *d;       /* this language's own (languages are built on threads) */
} lang_blog;

/* A list page at <lang>/<section>/<rel>/index.html with key <section>/<rel>. */
static page_t *add_list_page(lang_blog *lb, page_kind kind, const char *rel, const char *key_rel,
                             const char *title, blog_role role, const char *type)
{
    page_t *p = xcalloc(1, sizeof *p);
    p->kind = kind;
    p->lang = lb->lang;
    p->key = *key_rel ? xasprintf("%s/%s", lb->section, key_rel) : xstrdup(lb->section);
    p->out_path = *rel ? xasprintf("%s/%s/%s/index.html", lb->code, lb->section, rel)
                       : xasprintf("%s/%s/index.html", lb->code, lb->section);
    p->title = xstrdup(title);
    p->type = xstrdup(type);
    blog_of(p, role);
    list_add(&lb->made, p);
    return p;
}

static void make_index(lang_blog *lb, size_t page_size)
{
    page_t *index = NULL;
    for (size_t i = 0; i < lb->site->npages; i++) {
        page_t *p = lb->site->pages[i];
        if (p->lang == lb->lang && p->kind == PAGE_SECTION && !strcmp(p->key, lb->section))
            index = p;
    }
    if (!index && lb->nposts == 0)
        return;
    if (!index) {
        index = add_list_page(lb, PAGE_SECTION, "", "", "Posts", BLOG_INDEX, "posts");
        index->blog->translate_title = true;
    }
    lb->index = index;
    page_blog *b = blog_of(index, BLOG_INDEX);
    if (!index->type)
        index->type = xstrdup("posts");
    for (size_t i = 0; i < lb->nposts; i++)
        list_add(&b->all, lb->posts[i].page);
    size_t count = lb->nposts ? (lb->nposts + page_size - 1) / page_size : 1;
    page_t *prev = NULL;
    for (size_t n = 1; n <= count; n++) {
        page_t *p = index;
        if (n > 1) {
            char *rel = xasprintf("page/%zu", n);
            p = add_list_page(lb, PAGE_LIST, rel, rel, index->title, BLOG_INDEX, "posts");
            p->blog->translate_title = b->translate_title;
            p->parent = index;
            free(rel);
        }
        page_blog *pb = p->blog;
        pb->number = n;
        pb->count = count;
        pb->first = index;
        pb->pager_prev = prev;
        if (prev)
            prev->blog->pager_next = p;
        for (size_t i = (n - 1) * page_size; i < lb->nposts && i < n * page_size; i++)
            list_add(&pb->posts, lb->posts[i].page);
        prev = p;
    }
}

static page_t *find_tag(const lang_blog *lb, const char *slug)
{
    for (size_t i = 0; i < lb->tags.len; i++)
        if (!strcmp(lb->tags.items[i]->blog->slug, slug))
            return lb->tags.items[i];
    return NULL;
}

static int compare_slug(const void *a, const void *b)
{
    return strcmp((*(page_t *const *)a)->blog->slug, (*(page_t *const *)b)->blog->slug);
}

static void make_tags(lang_blog *lb)
{
    lb->tags_page = add_list_page(lb, PAGE_LIST, "tags", "tags", "Tags", BLOG_TAGS, "tags");
    lb->tags_page->blog->translate_title = true;
    lb->tags_page->parent = lb->index;
    for (size_t i = 0; i < lb->nposts; i++) {
        post_info *info = &lb->posts[i];
        for (size_t t = 0; t < info->ntags; t++) {
            char *slug = blog_slug(info->tags[t]);
            if (!*slug) {
                const fm_node *n = info->tag_nodes[t];
                diag_error(lb->d, info->page->src_path, n->line, n->col,
                           "tag '%s' has no letter or digit to make its address from",
                           info->tags[t]);
                free(slug);
                continue;
            }
            page_t *tag = find_tag(lb, slug);
            if (!tag) {
                char *rel = xasprintf("tags/%s", slug);
                tag = add_list_page(lb, PAGE_LIST, rel, rel, info->tags[t], BLOG_TAG, "tag");
                tag->parent = lb->tags_page;
                tag->blog->slug = xstrdup(slug);
                list_add(&lb->tags, tag);
                free(rel);
            }
            free(slug);
            if (!list_has(&info->page->blog->tags, tag)) {
                list_add(&info->page->blog->tags, tag);
                list_add(&tag->blog->posts, info->page);
            }
        }
    }
    page_blog *overview = lb->tags_page->blog;
    for (size_t i = 0; i < lb->tags.len; i++)
        list_add(&overview->pages, lb->tags.items[i]);
    if (overview->pages.len > 1)
        qsort(overview->pages.items, overview->pages.len, sizeof *overview->pages.items,
              compare_slug);
}

/* Parts by series_part; parts without one after those, oldest first. */
static int compare_parts(const void *a, const void *b)
{
    const post_info *x = *(post_info *const *)a, *y = *(post_info *const *)b;
    long xp = x->part ? x->part : LONG_MAX, yp = y->part ? y->part : LONG_MAX;
    if (xp != yp)
        return xp < yp ? -1 : 1;
    int c = strcmp(x->sort_date, y->sort_date);
    return c ? c : strcmp(x->page->out_path, y->page->out_path);
}

static void make_one_series(lang_blog *lb, const char *slug, post_info **parts, size_t n)
{
    qsort(parts, n, sizeof *parts, compare_parts);
    for (size_t i = 1; i < n; i++)
        if (parts[i]->part && parts[i]->part == parts[i - 1]->part)
            diag_error(lb->d, parts[i]->page->src_path, parts[i]->part_node->line,
                       parts[i]->part_node->col, "series '%s' already has a part %ld (%s)",
                       parts[i]->series, parts[i]->part, parts[i - 1]->page->src_path);
    /* Keyed by the first part's file, so the series pages of translated
     * posts are translations too, whatever the series is called. */
    const char *first_key = parts[0]->page->key + strlen(lb->section) + 1;
    char *rel = xasprintf("series/%s", slug);
    char *key_rel = xasprintf("series/%s", first_key);
    page_t *series = add_list_page(lb, PAGE_LIST, rel, key_rel, parts[0]->series, BLOG_SERIES,
                                   "series");
    series->parent = lb->index;
    series->blog->slug = xstrdup(slug);
    for (size_t i = 0; i < n; i++) {
        page_blog *b = parts[i]->page->blog;
        list_add(&series->blog->posts, parts[i]->page);
        b->series = series;
        b->series_part = i + 1;
        b->series_count = n;
        b->series_prev = i > 0 ? parts[i - 1]->page : NULL;
        b->series_next = i + 1 < n ? parts[i + 1]->page : NULL;
    }
    free(rel);
    free(key_rel);
}

static void make_series(lang_blog *lb)
{
    char **slugs = xcalloc(lb->nposts + 1, sizeof *slugs);
    for (size_t i = 0; i < lb->nposts; i++)
        if (lb->posts[i].series) {
            slugs[i] = blog_slug(lb->posts[i].series);
            if (!*slugs[i]) {
                const fm_node *n = lb->posts[i].series_node;
                diag_error(lb->d, lb->posts[i].page->src_path, n->line, n->col,
                           "series '%s' has no letter or digit to make its address from",
                           lb->posts[i].series);
            }
        }
    post_info **parts = xcalloc(lb->nposts + 1, sizeof *parts);
    for (size_t i = 0; i < lb->nposts; i++) {
        if (!slugs[i] || !*slugs[i] || lb->posts[i].page->blog->series)
            continue;
        size_t n = 0;
        for (size_t j = i; j < lb->nposts; j++)
            if (slugs[j] && !strcmp(slugs[j], slugs[i]))
                parts[n++] = &lb->posts[j];
        make_one_series(lb, slugs[i], parts, n);
    }
    for (size_t i = 0; i < lb->nposts; i++)
        free(slugs[i]);
    free(slugs);
    free(parts);
}

static void make_archive(lang_blog *lb)
{
    lb->archive_page = add_list_page(lb, PAGE_LIST, "archive", "archive", "Archive", BLOG_ARCHIVE,
                                     "archive");
    lb->archive_page->blog->translate_title = true;
    lb->archive_page->parent = lb->index;
    page_t *year = NULL;
    for (size_t i = 0; i < lb->nposts; i++) { /* newest first, so years come in order */
        page_t *post = lb->posts[i].page;
        list_add(&lb->archive_page->blog->posts, post);
        if (!year || strncmp(year->title, post->date, 4)) {
            char y[5];
            memcpy(y, post->date, 4);
            y[4] = '\0';
            char *rel = xasprintf("archive/%s", y);
            year = add_list_page(lb, PAGE_LIST, rel, rel, y, BLOG_YEAR, "archive");
            year->parent = lb->archive_page;
            list_add(&lb->archive_page->blog->pages, year);
            free(rel);
        }
        list_add(&year->blog->posts, post);
    }
}

/* Which posts carry each tag of a language: members[t] holds the indexes
 * (newest first) of the posts with lang_blog.tags.items[t]. Tag pages are
 * found by address through slots (sorted), so building it is linear. */
typedef struct {
    struct tag_slot {
        uintptr_t page;
        size_t ordinal;
    } *slots;
    size_t ntags;
    size_t **members, *counts;
} tag_index;

static int compare_slot(const void *a, const void *b)
{
    uintptr_t x = ((const struct tag_slot *)a)->page, y = ((const struct tag_slot *)b)->page;
    return (x > y) - (x < y);
}

static size_t tag_ordinal(const tag_index *ti, const page_t *tag)
{
    struct tag_slot key = {(uintptr_t)tag, 0};
    const struct tag_slot *hit = bsearch(&key, ti->slots, ti->ntags, sizeof *ti->slots, compare_slot);
    return hit->ordinal; /* every post's tag is one of the language's */
}

static void tag_index_build(tag_index *ti, const lang_blog *lb)
{
    size_t n = lb->tags.len, room = n ? n : 1;
    *ti = (tag_index){.slots = xcalloc(room, sizeof *ti->slots), .ntags = n,
                      .members = xcalloc(room, sizeof *ti->members),
                      .counts = xcalloc(room, sizeof *ti->counts)};
    for (size_t t = 0; t < n; t++)
        ti->slots[t] = (struct tag_slot){(uintptr_t)lb->tags.items[t], t};
    qsort(ti->slots, n, sizeof *ti->slots, compare_slot);
    size_t *caps = xcalloc(room, sizeof *caps);
    for (size_t i = 0; i < lb->nposts; i++) {
        const blog_list *tags = &lb->posts[i].page->blog->tags;
        for (size_t k = 0; k < tags->len; k++) {
            size_t t = tag_ordinal(ti, tags->items[k]);
            xgrow((void **)&ti->members[t], &caps[t], ti->counts[t] + 1, sizeof *ti->members[t]);
            ti->members[t][ti->counts[t]++] = i;
        }
    }
    free(caps);
}

static void tag_index_free(tag_index *ti)
{
    for (size_t t = 0; t < ti->ntags; t++)
        free(ti->members[t]);
    free(ti->members);
    free(ti->counts);
    free(ti->slots);
}

/* Whether post j (score_j shared tags) ranks before post k: more shared
 * tags, then the newer (the lower index). */
static bool ranks_before(size_t j, size_t score_j, size_t k, size_t score_k)
{
    return score_j != score_k ? score_j > score_k : j < k;
}

/* Up to three posts sharing the most tags; ties go to the newest. Shared
 * tags are counted through each tag's members, so the cost follows the
 * pairs of posts that share a tag, not every pair of posts. */
static void make_related(lang_blog *lb)
{
    tag_index ti;
    tag_index_build(&ti, lb);
    size_t *score = xcalloc(lb->nposts, sizeof *score);
    size_t *touched = xmalloc(lb->nposts * sizeof *touched);
    for (size_t i = 0; i < lb->nposts; i++) {
        page_t *p = lb->posts[i].page;
        size_t ntouched = 0;
        for (size_t k = 0; k < p->blog->tags.len; k++) {
            size_t t = tag_ordinal(&ti, p->blog->tags.items[k]);
            for (size_t m = 0; m < ti.counts[t]; m++) {
                size_t j = ti.members[t][m];
                if (j != i && score[j]++ == 0)
                    touched[ntouched++] = j;
            }
        }
        size_t best[BLOG_RELATED_MAX], n = 0;
        for (size_t x = 0; x < ntouched; x++) {
            size_t j = touched[x], at = n;
            while (at > 0 && ranks_before(j, score[j], best[at - 1], score[best[at - 1]]))
                at--;
            if (at == BLOG_RELATED_MAX)
                continue;
            if (n < BLOG_RELATED_MAX)
                n++;
            for (size_t y = n - 1; y > at; y--)
                best[y] = best[y - 1];
            best[at] = j;
        }
        for (size_t k = 0; k < n; k++)
            list_add(&p->blog->related, lb->posts[best[k]].page);
        for (size_t x = 0; x < ntouched; x++)
            score[touched[x]] = 0;
    }
    tag_index_free(&ti);
    free(score);
    free(touched);
}

static void link_page(const lang_blog *lb, page_t *p)
{
    if (p->lang != lb->lang || !p->blog)
        return;
    p->blog->index = lb->index;
    p->blog->tags_page = lb->tags_page;
    p->blog->archive_page = lb->archive_page;
}

/* Every blog page, and the home, knows the language's blog pages. */
static void link_language(lang_blog *lb, const config_t *cfg)
{
    page_t *home = lb->site->homes[lb->lang];
    page_blog *hb = blog_of(home, BLOG_NONE);
    for (size_t i = 0; i < lb->nposts; i++) {
        page_t *post = lb->posts[i].page;
        if (hb->recent.len < RECENT_MAX)
            list_add(&hb->recent, post);
        if (post->blog->featured)
            list_add(&hb->featured_posts, post);
    }
    for (size_t i = 0; i < lb->site->npages; i++)
        link_page(lb, lb->site->pages[i]);
    for (size_t i = 0; i < lb->made.len; i++)
        link_page(lb, lb->made.items[i]);
    if (!cfg->base_url || lb->nposts == 0)
        return;
    lb->index->blog->feed = xasprintf("%s/feed.xml", lb->code);
    for (size_t i = 0; i < lb->tags.len; i++)
        lb->tags.items[i]->blog->feed =
            xasprintf("%s/%s/tags/%s/feed.xml", lb->code, lb->section, lb->tags.items[i]->blog->slug);
}

/* Makes one language's list pages. It reads the site's pages and writes
 * only its own language's, so the languages are built side by side; the
 * pages it makes wait in lb->made. */
static void build_language(lang_blog *lb)
{
    const config_t *cfg = lb->site->cfg;
    make_index(lb, cfg->blog_page_size);
    if (lb->nposts > 0) {
        make_tags(lb);
        make_series(lb);
        make_archive(lb);
        make_related(lb);
    }
    link_language(lb, cfg);
}

static void build_language_task(void *worker, size_t index)
{
    build_language((lang_blog *)worker + index);
}

/* Every language's list pages, on jobs threads: then added to the site,
 * and reported, in language order (as one thread would have). */
static void build_languages(site_t *site, const post_info *posts, size_t nposts, size_t jobs,
                            diags_t *d)
{
    size_t nlang = site->cfg->nlanguages;
    lang_blog *langs = xcalloc(nlang ? nlang : 1, sizeof *langs);
    diags_t *found = xcalloc(nlang ? nlang : 1, sizeof *found);
    size_t *counts = xcalloc(nlang ? nlang : 1, sizeof *counts);
    for (size_t i = 0; i < nposts; i++)
        if ((size_t)posts[i].page->lang < nlang)
            counts[posts[i].page->lang]++;
    for (size_t l = 0; l < nlang; l++) {
        /* this language's posts, still newest first */
        post_info *mine = xmalloc((counts[l] + 1) * sizeof *mine);
        size_t n = 0;
        for (size_t i = 0; i < nposts; i++)
            if (posts[i].page->lang == (int)l)
                mine[n++] = posts[i];
        found[l] = (diags_t)DIAGS_INIT;
        langs[l] = (lang_blog){.site = site, .lang = (int)l, .code = site->cfg->languages[l].code,
                               .section = site->cfg->blog_section, .posts = mine, .nposts = n,
                               .d = &found[l]};
    }
    /* each worker takes whole languages: its context is the array */
    size_t nworkers = jobs < 1 ? 1 : jobs > nlang ? (nlang ? nlang : 1) : jobs;
    void **workers = xcalloc(nworkers, sizeof *workers);
    for (size_t t = 0; t < nworkers; t++)
        workers[t] = langs;
    pool_run_uncounted(nlang, nworkers, workers, build_language_task);
    free(workers);
    for (size_t l = 0; l < nlang; l++) {
        for (size_t i = 0; i < langs[l].made.len; i++)
            site_add_page(site, langs[l].made.items[i]);
        diag_merge(d, &found[l]);
        list_free(&langs[l].made);
        list_free(&langs[l].tags);
        free(langs[l].posts);
    }
    free(counts);
    free(found);
    free(langs);
}

/* --- the whole blog ------------------------------------------------------------ */

static void today_utc(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int blog_build(site_t *site, const blog_options *opts, diags_t *d)
{
    size_t errors_before = d->errors;
    char today[11];
    if (opts->today)
        snprintf(today, sizeof today, "%.10s", opts->today);
    else
        today_utc(today);
    post_info *posts = xmalloc((site->npages + 1) * sizeof *posts); /* filled as found */
    size_t nposts = 0, kept = 0;
    for (size_t i = 0; i < site->npages; i++) {
        page_t *p = site->pages[i];
        if (!is_post(site, p)) {
            site->pages[kept++] = p;
            continue;
        }
        post_info info;
        bool dated = read_post(p, &info, d);
        if (dated && !opts->future && strncmp(p->date, today, 10) > 0) {
            post_info_free(&info);
            page_free(p); /* not published yet */
            continue;
        }
        site->pages[kept++] = p;
        if (dated)
            posts[nposts++] = info;
        else
            post_info_free(&info);
    }
    site->npages = kept;
    if (nposts > 1)
        qsort(posts, nposts, sizeof *posts, compare_newest);
    build_languages(site, posts, nposts, opts->jobs, d);
    for (size_t i = 0; i < nposts; i++)
        post_info_free(&posts[i]);
    free(posts);
    return d->errors > errors_before ? -1 : 0;
}
