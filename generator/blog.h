/* blog: awareness posts, with their list pages, tags, series and archives.
 *
 * Posts are the pages below content/<lang>/<section>/ (site.lua
 * blog.section, "posts" by default). blog_build reads what a post adds to
 * a page (date, updated, authors, tags, series, featured), leaves out
 * posts dated in the future unless asked, and makes the pages that list
 * posts, per language:
 *
 *   <section>/index.html              the posts index, newest first (page 1)
 *   <section>/page/<n>/index.html     its further pages (blog.page_size each)
 *   <section>/tags/index.html         every tag, with counts
 *   <section>/tags/<slug>/index.html  the posts of one tag
 *   <section>/series/<slug>/index.html the parts of one series, in order
 *   <section>/archive/index.html      every post, by year
 *   <section>/archive/<year>/index.html the posts of one year
 *
 * Pages of the same key in different languages are translations: pager,
 * tags overview, archive and year pages always match; a tag page matches
 * when the tag has the same slug; a series page when the same post (by
 * file) opens the series. Everything is computed once, here; renderers and
 * feeds only read it. */
#ifndef WAYMARK_BLOG_H
#define WAYMARK_BLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "page.h"
#include "site.h"

typedef enum {
    BLOG_NONE,    /* a home: only recent and featured posts */
    BLOG_POST,    /* a post */
    BLOG_INDEX,   /* a page of the posts index */
    BLOG_TAGS,    /* the tags overview */
    BLOG_TAG,     /* one tag's posts */
    BLOG_SERIES,  /* one series' parts */
    BLOG_ARCHIVE, /* the archive: every post, by year */
    BLOG_YEAR     /* one year's posts */
} blog_role;

/* A list of pages; the pages are borrowed, the array is owned. */
typedef struct {
    page_t **items;
    size_t len, cap;
} blog_list;

#define BLOG_RELATED_MAX 3

typedef struct page_blog {
    blog_role role;
    bool translate_title; /* the title is a UI text (msgctxt "blog") */
    char *slug;           /* a tag's or a series' URL segment (owned) */
    char *feed;           /* site-root path of this page's Atom feed, NULL: none (owned) */

    /* a post */
    char *updated;        /* ISO date of the last real change, or NULL (owned) */
    char **authors;       /* owned */
    size_t nauthors;
    bool featured;
    blog_list tags;       /* its tags' pages, as written */
    page_t *series;       /* its series' page, or NULL */
    size_t series_part, series_count; /* "Part N of M" (N from 1) */
    page_t *series_prev, *series_next;
    blog_list related;    /* up to BLOG_RELATED_MAX posts: most shared tags, then newest */

    /* a list page */
    blog_list posts;      /* the posts this page shows, in order */
    blog_list all;        /* page 1 of the index: every post of the language */
    size_t number, count; /* index pages: this page's number (from 1) and how many */
    page_t *first, *pager_prev, *pager_next;
    blog_list pages;      /* tags overview: tag pages; archive: year pages (newest first) */

    /* every blog page and the home: the language's blog */
    page_t *index, *tags_page, *archive_page;
    blog_list recent;     /* home: the newest posts */
    blog_list featured_posts; /* home: posts with featured: true, newest first */
} page_blog;

typedef struct {
    bool future;      /* publish posts dated after today */
    const char *today; /* "YYYY-MM-DD" to compare with; NULL: today in UTC */
    size_t jobs;      /* threads for the languages' list pages (0: 1) */
} blog_options;

/* Reads the posts of site (after its pages are loaded, before they are
 * linked into a tree), drops future posts unless opts->future, and adds
 * the list pages. Reports every problem (a post's missing or malformed
 * date, a bad tag, two parts with the same number) at path:line:col.
 * Returns 0, or -1 when errors were reported. */
int blog_build(site_t *site, const blog_options *opts, diags_t *d);

/* The URL segment for a tag or series name (caller frees); "" when the name
 * has no letter or digit. Letters, digits and marks of every script are
 * kept, capitals lowercased (ASCII, Latin-1, Latin Extended-A, Greek,
 * Cyrillic); each run of anything else (ASCII punctuation and symbols
 * including '/' and '.', spaces, controls, Latin-1, general, CJK and Arabic
 * punctuation, invisible and bidi controls, private use, bytes that are not
 * UTF-8) becomes one '-'; no '-' at either end; at most 80 bytes, cut
 * between characters. So the slug is the same in every language and always
 * a safe file name. */
char *blog_slug(const char *name);

/* An ISO 8601 date as RFC 3339 (for Atom): "2026-11-02" becomes
 * "2026-11-02T00:00:00Z", "2026-11-02 10:30" becomes
 * "2026-11-02T10:30:00Z"; a zone given is kept. NULL when s is not a
 * valid date (caller frees). */
char *blog_rfc3339(const char *s);

void blog_page_free(struct page_blog *b);

#endif
