/* uistrings: the interface strings a theme's templates ask for.
 *
 * A small scanner over the Lua inside template tags ({{ }} and {% %}) finds
 * calls t("text"), t("text", n), tc("context", "text") and
 * tc("context", "text", n) whose texts are string literals ("..", '..' or
 * [[..]]), skipping Lua strings and comments. A call whose text is not a
 * literal (t(name), t("a" .. b)) cannot be extracted and gets a warning.
 * The month names that date() looks up (msgctxt "month") are built in. */
#ifndef WAYMARK_UISTRINGS_H
#define WAYMARK_UISTRINGS_H

#include <stddef.h>

#include "diag.h"
#include "pot.h"

/* Adds the calls found in one template's text to pot, with references
 * "path:line". A call with a count gets msgid_plural = msgid. */
void uistrings_scan(const char *text, const char *path, pot_t *pot, diags_t *d);

/* Scans every template of the theme as the build uses them: for each
 * file name below <theme_dir>/templates/, the first theme folder that has
 * it (n folders, first wins), in file name order; then adds the built-in
 * month names. theme_names are the folders as shown in references. */
void uistrings_collect(const char *const *theme_dirs, const char *const *theme_names, size_t n,
                       pot_t *pot, diags_t *d);

#endif
