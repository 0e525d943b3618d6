/* notice: the few pages `waymark serve` writes itself (an answer that could
 * not be saved, a build error in preview), as plain, valid, accessible HTML
 * that follows the output rules: lang and dir, the site's CSP in a meta
 * tag, no-referrer, no script, every text escaped. */
#ifndef WAYMARK_NOTICE_H
#define WAYMARK_NOTICE_H

#include <stddef.h>

typedef struct {
    const char *lang;       /* "en" */
    const char *csp;        /* the Content-Security-Policy */
    const char *stylesheet; /* relative URL of the site's CSS, or NULL */
    const char *title;
    const char *const *paragraphs; /* plain texts */
    size_t nparagraphs;
    const char *const *items;      /* a list after the paragraphs, plain texts */
    size_t nitems;
    int code_items;                /* nonzero: items are code (paths, messages) */
    const char *after;             /* a paragraph after the list, or NULL */
} notice_page;

/* The page as HTML (caller frees). */
char *notice_html(const notice_page *p);

#endif
