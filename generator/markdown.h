/* markdown: a page's Markdown to safe HTML, with cmark-gfm.
 *
 * GFM tables, strikethrough, autolinks, footnotes and tagfilter are on.
 * Headings get stable ids from their text (duplicates numbered), and a
 * table of contents can be made from levels 2 and 3. Raw HTML goes through
 * sanitize_html. Links: relative ones are resolved by the caller's resolver
 * (a .md file becomes its page's URL); http(s) links get
 * rel="noreferrer noopener"; mailto:/tel: are kept; other schemes are
 * removed with a warning; images must be local files. Fenced blocks
 * ```exercise, ```reflection and ```warning become exercises and callouts
 * (exercise.h); one left open to the end of the page is an error. Positions in
 * messages are file lines (first_line is where the body starts). */
#ifndef WAYMARK_MARKDOWN_H
#define WAYMARK_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "exercise.h"

/* Returns the URL to write for a relative link (caller frees), or NULL
 * with *why set to say what is wrong with it. */
typedef char *(*md_resolve_fn)(void *ctx, const char *url, const char **why);

typedef struct {
    const char *text;      /* the Markdown body */
    size_t len;
    const char *path;      /* for messages */
    int first_line;        /* file line of text's first line */
    bool want_toc;
    md_resolve_fn resolve; /* may be NULL: relative links kept as written */
    void *resolve_ctx;
    const exercise_labels *labels; /* exercise headings; NULL: English */
} md_input;

/* A link written in the Markdown ([text](url) or an autolink), for the
 * link check and `waymark check --external`. */
typedef struct {
    char *url;  /* as written (owned) */
    char *href; /* as written into the HTML: resolved when relative (owned) */
    int line, col; /* file position */
} md_link;

typedef struct {
    char *html;     /* owned */
    char *toc_html; /* owned; NULL unless want_toc and there are headings */
    char *summary;  /* owned; plain text of the first paragraph, shortened */
    size_t words;
    md_link *links; /* owned; in document order */
    size_t nlinks;
    exercise_t *exercises; /* owned; the page's exercise blocks in order (exercise.h) */
    size_t nexercises;
} md_output;

/* Registers cmark-gfm's extensions; call once before threads start. */
void md_init(void);
/* Renders in->text; reports problems. Returns 0, or -1 on errors (out is
 * still filled and must be freed). */
int md_render(const md_input *in, md_output *out, diags_t *d);
void md_output_free(md_output *out);
/* Frees an array of n links. */
void md_links_free(md_link *links, size_t n);

/* The id a heading with this plain text gets (caller frees). */
char *md_heading_slug(const char *text);

#endif
