/* htmltok: the pieces of the browser's reading of HTML that htmlscan and
 * sanitize share, so both judge a URL the same way a browser does. */
#ifndef WAYMARK_HTMLTOK_H
#define WAYMARK_HTMLTOK_H

#include <stddef.h>

#include "buf.h"

typedef enum {
    URL_RELATIVE,          /* path, ?query or #fragment: stays on this site */
    URL_PROTOCOL_RELATIVE, /* //host or \\host (browsers read \ as /) */
    URL_ABSOLUTE           /* has a scheme: https:, mailto:, javascript: ... */
} htmltok_url_kind;

#define HTMLTOK_SCHEME_MAX 24

/* Classifies an attribute value (character references already decoded) as
 * the URL parser reads it: ASCII tab, LF and CR anywhere are ignored, and so
 * are leading control characters and spaces. For URL_ABSOLUTE the scheme is
 * written lowercased to scheme (always NUL-terminated; "" when longer than
 * the buffer); otherwise scheme is "". */
htmltok_url_kind htmltok_url_classify(const char *url, size_t len,
                                      char scheme[HTMLTOK_SCHEME_MAX]);

/* Appends s with character references decoded as in an HTML attribute value
 * (numeric ones, the named ones that decode to ASCII, and a few common
 * others). Returns how many &name; references it did not know; those are
 * copied unchanged. */
int htmltok_decode_attr(const char *s, size_t n, buf_t *out);

/* The first thing in page CSS (a style attribute's decoded value or the
 * text of a <style> element) that could load or run something: @import,
 * expression, behavior, -moz-binding, a backslash escape, "//", or a url()
 * or string naming another site or a data:/javascript: URL. Comments are
 * removed first. Returns a message (static), or NULL when harmless. */
const char *htmltok_css_problem(const char *css, size_t n);

#endif
