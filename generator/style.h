/* style: the theme's SCSS compiled once, with libsass, into one CSS file.
 *
 * The entry is scss/main.scss of the first theme folder that has it; the
 * scss/ folders of every theme folder are on the import path, so a site can
 * override a single partial. site.lua's theme_vars come first as SCSS
 * variables, which the theme declares with !default. */
#ifndef WAYMARK_STYLE_H
#define WAYMARK_STYLE_H

#include "diag.h"

/* theme_dirs / display_dirs: NULL-terminated theme folders, first wins.
 * Returns the compressed CSS (caller frees) or NULL after reporting the
 * error at its .scss file and line. */
char *style_compile(const char *const *theme_dirs, const char *const *display_dirs,
                    const char *scss_vars, diags_t *d);

#endif
