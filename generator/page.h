/* page: one page of the site, as the model holds it.
 *
 * A page comes from a Markdown file (content/<lang>/<key>.md) or is made by
 * the build (the root language chooser, a 404 page, an implicit home). Its
 * fields are filled in stages: load (source, front matter), model (URL,
 * tree, translations), markdown (HTML and what is derived from it). After
 * the markdown stage a page is read-only; renderers only read it. */
#ifndef WAYMARK_PAGE_H
#define WAYMARK_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "frontmatter.h"

/* PAGE_LIST: a list page the build makes (blog pager pages, tags, series,
 * archives); it is not anyone's child, its parent is set by its maker. */
typedef enum { PAGE_ROOT, PAGE_HOME, PAGE_SECTION, PAGE_PAGE, PAGE_404, PAGE_LIST } page_kind;

typedef struct page {
    page_kind kind;
    int lang;            /* index into config languages */
    char *src_path;      /* site-relative source file; NULL when generated */
    char *key;           /* translation key: "", "about", "posts/first" */
    char *out_path;      /* site-root output path: "en/about/index.html" */

    /* from front matter (all owned) */
    fm_node *front;      /* the whole front matter; NULL when none */
    char *title, *description, *date, *summary_text, *layout, *type;
    double weight;       /* 0 = unset, sorts after weighted pages */
    bool draft, toc;

    /* the Markdown source, freed once rendered to HTML */
    char *source;        /* whole file (owned) */
    const char *body;    /* into source */
    size_t body_len;
    int body_line;

    /* from the markdown stage (owned) */
    char *html;          /* content HTML, safe */
    char *toc_html;      /* NULL unless toc */
    char *summary;       /* plain text */
    size_t words;

    /* structure (borrowed pointers into the model) */
    struct page *parent;
    struct page **children;
    size_t nchildren, children_cap;
    struct page *prev, *next;
    struct page **translations; /* one slot per language; NULL when missing */

    /* blog (generator/blog.h): what a post, a blog list page or a home
     * knows about posts; NULL for every other page (owned) */
    struct page_blog *blog;
} page_t;

/* Frees what the page owns (not the pages it points to), then the page. */
void page_free(page_t *p);
/* Reading time in whole minutes (at least 1) for words at 200 per minute. */
int page_reading_minutes(const page_t *p);
const char *page_kind_name(page_kind kind);

#endif
