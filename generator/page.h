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

#include "exercise.h"
#include "frontmatter.h"
#include "markdown.h"
#include "mdcache.h"

/* PAGE_LIST: a list page the build makes (blog pager pages, tags, series,
 * archives); it is not anyone's child, its parent is set by its maker. */
typedef enum { PAGE_ROOT, PAGE_HOME, PAGE_SECTION, PAGE_PAGE, PAGE_404, PAGE_LIST } page_kind;

/* A page's part in a self-help programme (programme.h). */
typedef enum { ROLE_NONE, ROLE_PROGRAMME, ROLE_MODULE, ROLE_STEP, ROLE_WORKSHEET } page_role;

typedef struct page {
    page_kind kind;
    int lang;            /* index into config languages */
    char *src_path;      /* site-relative source file; NULL when generated */
    char *key;           /* translation key: "", "about", "posts/first" */
    char *out_path;      /* site-root output path: "en/about/index.html" */

    /* from front matter (all owned) */
    fm_node *front;      /* the whole front matter; NULL when none (a fallback
                            page borrows its original's) */
    char *title, *description, *date, *summary_text, *layout, *type;
    double weight;       /* 0 = unset, sorts after weighted pages */
    bool draft, toc;

    /* the Markdown source, freed once rendered to HTML */
    char *source;        /* whole file (owned) */
    const char *body;    /* into source */
    size_t body_len;
    int body_line;
    /* Markdown pages do not keep their file between load and the markdown
     * stage (memory: the whole site's text); that stage reads it again. */
    bool body_deferred;  /* source is NULL until the markdown stage */
    size_t body_offset, source_len;
    /* SHA-256 of the body as load read it: the Markdown cache key holds
     * it, so a page found in the cache is not read again */
    unsigned char body_digest[32];
    bool body_hashed;

    /* from the markdown stage (owned) */
    char *html;          /* content HTML, safe; NULL while html_cache is
                            set: read it with site_page_html */
    char *toc_html;      /* NULL unless toc */
    char *summary;       /* plain text */
    size_t words;
    md_link *links;      /* links as written, for the link check (owned) */
    size_t nlinks;
    /* the Markdown cache key (mdcache.h) html, toc_html, words, links and,
     * without summary_text, summary were made from: equal keys, equal
     * values (the render cache hashes the key instead of the text) */
    unsigned char md_key[32];
    bool md_keyed;
    /* where the HTML is when it is in the Markdown cache, not in memory
     * (a hit, or a conversion the cache kept): site_page_html reads it
     * from there at each call */
    struct mdcache *html_cache;
    mdcache_html html_at;

    /* structure (borrowed pointers into the model) */
    struct page *parent;
    struct page **children;
    size_t nchildren, children_cap;
    struct page *prev, *next;
    struct page **translations; /* one slot per language; NULL when missing */

    /* localization (fallback.h): a page written in a language that lacks
     * it, showing the default language's page with a notice */
    struct page *fallback_of;   /* that page (borrowed); NULL for a real page */
    /* self-help programmes (programme.c); ROLE_NONE and zeros elsewhere */
    page_role role;
    struct page *programme, *module; /* borrowed; a module's module is itself */
    struct page **parts;  /* programme: its modules; module: its steps (owned array) */
    size_t nparts;
    int module_number;    /* 1-based in the programme (modules, steps, worksheets) */
    int step_number;      /* 1-based in the module (steps) */
    int programme_step;   /* 1-based in the whole programme (steps) */
    int programme_steps;  /* steps in the whole programme (programme pages) */
    struct page *prev_step, *next_step;     /* across module boundaries */
    struct page *prev_module, *next_module; /* modules */
    struct page *worksheet; /* modules: their generated worksheet page */
    int minutes_given;      /* front matter minutes:, 0 when not given */

    /* exercise blocks found by the markdown stage (owned) */
    exercise_t *exercises;
    size_t nexercises;
    /* surveys (surveys.c): the survey this page presents, or NULL (borrowed) */
    const struct survey *survey;
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
