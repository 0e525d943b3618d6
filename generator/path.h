/* path: pure string operations on '/'-separated paths and site URLs.
 *
 * Output paths are relative to the site root and never start with '/':
 * "en/about/index.html". Every link between pages is computed once, here,
 * as a relative URL, so the site works under any sub-path and from file://. */
#ifndef WAYMARK_PATH_H
#define WAYMARK_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

char *path_join(const char *a, const char *b);  /* caller frees; "a/b" */
char *path_dirname(const char *p);              /* caller frees; "" for a bare name */
const char *path_basename(const char *p);       /* borrowed pointer into p */
const char *path_extension(const char *p);      /* borrowed, includes '.', "" if none */
bool path_has_extension(const char *p, const char *ext);
/* Resolves "." and ".." segments and doubled slashes (a leading "/" stays).
 * Returns NULL when ".." would climb above the start (caller frees). */
char *path_normalize(const char *p);
/* The same in p itself (never longer); false when ".." climbs above it. */
bool path_normalize_in_place(char *p);
/* Relative URL from the page written at from_out_path to to_out_path, both
 * site-root relative ("en/a/index.html", "style.css"). Keeps "index.html"
 * so links work from file:// (caller frees). */
char *path_relative_url(const char *from_out_path, const char *to_out_path);
/* True for a URL with a scheme ("https:", "mailto:") or starting with "//". */
bool path_url_is_absolute(const char *url);

/* Percent-encodes the bytes of a path that would break a URL (space, " # %
 * < > ? [ \ ] ^ ` { | } and controls); UTF-8 stays as is (caller frees). */
char *path_url_encode(const char *p);
/* The byte a "%XX" escape at s (n bytes available) stands for, or -1 when
 * s does not start with '%' and two hexadecimal digits. */
int path_percent_byte(const char *s, size_t n);
/* Decodes every "%XX" of the n bytes at s; a '%' that starts no escape is
 * kept as it is, as browsers do (caller frees). */
char *path_percent_decode(const char *s, size_t n);
/* The same, appended to out. */
void path_percent_decode_into(buf_t *out, const char *s, size_t n);

#endif
