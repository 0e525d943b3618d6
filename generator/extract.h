/* extract: `waymark extract`, the translation templates of a site.
 *
 * Each step writes one .pot file below locales/templates/ and says how
 * many strings it holds:
 *   ui     locales/templates/ui.pot: the theme's t()/tc() calls (uistrings.h)
 * A feature with texts of its own (surveys) adds a step to STEPS in
 * extract.c: a function that writes its .pot and reports what it wrote. */
#ifndef WAYMARK_EXTRACT_H
#define WAYMARK_EXTRACT_H

#include <stddef.h>

#include "config.h"
#include "diag.h"

#define EXTRACT_DIR "locales/templates"

typedef struct {
    char **files;   /* site-relative paths written (owned) */
    size_t *counts; /* strings in each */
    size_t nfiles, cap, counts_cap;
} extract_result;

/* What a step gets: the site (the current folder) and its theme folders. */
typedef struct {
    const config_t *cfg;
    const char *const *theme_dirs;  /* first wins */
    const char *const *theme_names; /* as shown in references */
    size_t nthemes;
} extract_context;

/* Records that a step wrote path with count strings. */
void extract_result_add(extract_result *res, const char *path, size_t count);

/* Runs every step; problems are reported. */
void extract_run(const config_t *cfg, const char *const *theme_dirs,
                 const char *const *theme_names, size_t nthemes, extract_result *res,
                 diags_t *d);
void extract_result_free(extract_result *res);


#endif
