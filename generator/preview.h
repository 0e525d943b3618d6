/* preview: `waymark serve --watch`, rebuilding a site when its sources
 * changed, before a request is answered.
 *
 * The sources are site.lua, content/, themes/, locales/ and surveys/; a
 * fingerprint of every path, size and modification time (nanoseconds) under
 * them is taken per request, so an edit, a new file, a deletion or a rename
 * all count. The build runs as a child process of the same program
 * (/proc/self/exe build SITE_DIR --no-bundle --quiet): the build changes
 * the working folder and keeps per-build state, and a child keeps the
 * server untouched by both; its error lines (path:line:col: error: ...)
 * are kept to be shown as a page. Not thread-safe: the server runs one
 * thread in preview. */
#ifndef WAYMARK_PREVIEW_H
#define WAYMARK_PREVIEW_H

#include <stdbool.h>
#include <stddef.h>

typedef struct preview preview_t;

preview_t *preview_new(const char *site_dir); /* caller frees with preview_free */
void preview_free(preview_t *p);

/* Rebuilds when a source changed since the last build (or never built).
 * Returns true when the last build succeeded. */
bool preview_refresh(preview_t *p);
/* The last failed build's output lines (borrowed; none after a success). */
const char *const *preview_errors(const preview_t *p, size_t *n);

/* Fingerprint of the site's sources (exposed for the tests). */
unsigned long long preview_fingerprint(const char *site_dir);

#endif
