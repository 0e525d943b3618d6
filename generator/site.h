/* site: the model of the whole site, built once, then only read.
 *
 * site_load walks content/, reads every page's front matter and builds the
 * model: languages' homes, sections and their children in order, siblings,
 * translations (pages of different languages with the same key), the root
 * language chooser and a 404 page per language; every output path is
 * computed here, once. Non-Markdown files under content/ are resources,
 * copied next to the pages. */
#ifndef WAYMARK_SITE_H
#define WAYMARK_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "exercise.h"
#include "page.h"
#include "srccache.h"

typedef struct {
    bool drafts; /* include pages with draft: true */
    size_t jobs; /* threads that read the pages (0: 1) */
    bool future; /* include posts dated after today (generator/blog.h) */
    srccache_t *sources; /* unchanged files are not read again (srccache.h); may be NULL */
} site_options;

typedef struct {
    char *src_path; /* "content/en/img/a.png" (owned) */
    char *out_path; /* "en/img/a.png", or "en/img/a.3f2a9c0d.png" for an image (owned) */
    /* a JPEG or PNG without its metadata, named by a hash of these bytes
     * (owned; NULL: the file is copied as it is) */
    unsigned char *data;
    size_t len;
} site_resource;

typedef struct {
    const config_t *cfg;   /* borrowed */
    page_t **pages;        /* owned; sorted by output path */
    size_t npages, pages_cap;
    page_t **by_key;       /* borrowed view sorted by language then key */
    page_t **homes;        /* one per language (borrowed) */
    page_t *root;          /* the language chooser (borrowed) */
    site_resource *resources; /* sorted by out_path */
    size_t nresources, resources_cap;
    int64_t newest_mtime;  /* newest content file, for reproducible stamps */
    const exercise_labels *exercise_labels; /* one per language (borrowed); NULL: English */
} site_t;

/* Builds the model of cfg->root; reports every problem. Returns 0, or -1
 * when errors were reported (the model is still freed by site_free). */
int site_load(const config_t *cfg, const site_options *opts, site_t *site, diags_t *d);
void site_free(site_t *site);

/* Renders every page's Markdown to HTML on jobs threads (the parse
 * stage): fills html, toc_html, summary and words, and frees the source.
 * With a cache (may be NULL), a page whose conversion inputs are unchanged
 * takes its result from there (generator/mdcache.h): every field but its
 * HTML, which stays in the cache until site_page_html asks for it (the
 * cache must then stay open: mdcache_done_reading after the last reader).
 * Returns 0, or -1 when errors were reported. */
struct mdcache;
int site_convert_markdown(site_t *site, size_t jobs, struct mdcache *cache, diags_t *d);
/* A copy of the page's content HTML (caller frees; NULL for a page
 * without Markdown). With a cache, the HTML is not kept in memory but
 * read from the cache at each call and checked; when damaged it is made
 * again from the page's file, once, and kept (errors, such as a file
 * changed since load, go to d). Any thread; every reader of a page's
 * HTML after the markdown stage goes through here. */
char *site_page_html(const site_t *site, const page_t *page, diags_t *d);

/* Adds a page the build makes (the site owns it from now on); only while
 * site_load builds the model (generator/blog.c uses it). */
void site_add_page(site_t *site, page_t *p);

/* The page of that language and key, or NULL (borrowed). */
page_t *site_find(const site_t *site, int lang, const char *key);
/* The page written at out_path, or NULL (borrowed); *index (may be NULL)
 * gets its place in site->pages. */
page_t *site_page_at(const site_t *site, const char *out_path, size_t *index);
/* Whether a resource is written at out_path. */
bool site_has_resource(const site_t *site, const char *out_path);
/* The resource made from content/<src_rel> ("en/img/a.png"), or NULL. */
const site_resource *site_resource_from(const site_t *site, const char *src_rel);

/* Resolves a relative link written in from's Markdown: a .md file becomes
 * the URL of its page, a content file the URL of the copied resource, both
 * relative to from's output and keeping "#fragment". Returns NULL with
 * *why set (static text) when the target does not exist. Caller frees. */
char *site_resolve_link(const site_t *site, const page_t *from, const char *url,
                        const char **why);

#endif
