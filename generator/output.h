/* output: the build folder, replaced whole or not at all.
 *
 * Pages are written into a staging folder beside the final one
 * (out/.site.tmp-<pid>); only when the whole build succeeded is it renamed
 * over out/site, so a failed build leaves the previous output untouched. */
#ifndef WAYMARK_OUTPUT_H
#define WAYMARK_OUTPUT_H

#include <stdint.h>

#include "diag.h"

/* Creates the staging folder for final_dir; returns its path (caller
 * frees) or NULL after reporting. */
char *output_begin(const char *final_dir, diags_t *d);
/* Renames staging over final_dir (the old folder is removed). */
int output_commit(const char *staging, const char *final_dir, diags_t *d);
/* Removes the staging folder after a failed build. */
void output_abort(const char *staging);

/* Copies every file below from_dir into to_dir (same relative paths),
 * without overwriting files already there (the first copy wins). */
int output_copy_tree(const char *from_dir, const char *to_dir, const char *display_dir,
                     diags_t *d);
/* Newest modification time of any file below dir (or of dir as a file). */
int64_t output_newest_mtime(const char *dir);

#endif
