/* sanitize: raw HTML written inside Markdown, reduced to a safe subset.
 *
 * cmark-gfm hands raw HTML over as blocks (whole HTML blocks) and inline
 * pieces (exactly one tag, comment or declaration each). Each piece is
 * parsed with gumbo (an HTML5-conformant parser, so the browser's reading
 * is the one checked) and written back canonically: allowed elements and
 * attributes only, attribute values escaped, URLs relative or plain
 * http(s)/mailto links. Everything removed is reported as a warning at the
 * Markdown source position. */
#ifndef WAYMARK_SANITIZE_H
#define WAYMARK_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Returns the safe replacement for one raw HTML piece (caller frees; may
 * be ""). is_inline: the piece came from an inline raw HTML node. Removed
 * content is reported as warnings at src_path:line:col. */
char *sanitize_html(const char *raw, size_t len, bool is_inline, const char *src_path, int line,
                    int col, diags_t *d);

#endif
