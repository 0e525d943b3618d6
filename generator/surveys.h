/* surveys: the site's surveys as a stage of the build.
 *
 * Loads every surveys/<id>.yaml, links each content page whose front
 * matter says `survey: <id>` to its survey (and its `thanks:` page),
 * checks every language's catalog against the surveys' texts, and writes
 * what the build publishes per survey: surveys/<id>/schema.json,
 * codebook.csv and form.css. Also computes a survey page's form action and
 * Content-Security-Policy from site.lua's `surveys = { endpoint = ... }`. */
#ifndef WAYMARK_SURVEYS_H
#define WAYMARK_SURVEYS_H

#include <stddef.h>

#include "catalog.h"
#include "config.h"
#include "diag.h"
#include "output.h"
#include "site.h"
#include "survey.h"

#define SURVEYS_DIR "surveys"

typedef struct {
    survey_t **items;  /* owned, sorted by id */
    size_t len;
    page_t ***pages;   /* [survey][language]: the page presenting it, or NULL (borrowed) */
    page_t ***thanks;  /* [survey][language]: its thanks page, or NULL (borrowed) */
    size_t nlanguages;
} surveys_t;

/* Reads every surveys/<id>.yaml (none is fine). Returns 0, or -1 when
 * errors were reported; free with surveys_free either way. */
int surveys_load(const config_t *cfg, surveys_t *set, diags_t *d);
void surveys_free(surveys_t *set);
/* The survey with that id, or NULL (borrowed). */
const survey_t *surveys_find(const surveys_t *set, const char *id);

/* Sets page->survey for every page with `survey:` in its front matter and
 * resolves its `thanks:` link; unknown surveys, missing or unresolvable
 * thanks pages and a survey shown twice in one language are errors. */
void surveys_attach(surveys_t *set, site_t *site, diags_t *d);
/* Checks every language's catalog against every survey: unknown msgctxts
 * are errors; missing texts a warning per language presenting it. */
void surveys_check_catalogs(const surveys_t *set, const config_t *cfg,
                            catalog_t *const *catalogs, diags_t *d);
/* Puts surveys/<id>/{schema.json,codebook.csv,form.css} into the new site
 * (out NULL: makes and checks them without writing). */
void surveys_write(const surveys_t *set, const config_t *cfg, catalog_t *const *catalogs,
                   struct output *out, diags_t *d);
/* Writes <dir>/<id>.pot for every survey (for `waymark extract`). */
int surveys_write_pots(const surveys_t *set, const char *dir, diags_t *d);

/* The action URL of a form on the page written at page_out_path: relative
 * to the endpoint path, or the endpoint's absolute URL (caller frees). */
char *surveys_form_action(const config_t *cfg, const char *page_out_path);
/* The Content-Security-Policy of a survey page: the site's, with
 * form-action allowing the endpoint's origin when it is absolute (caller
 * frees). */
char *surveys_page_csp(const config_t *cfg);
/* Site-root path of a survey's form stylesheet (caller frees). */
char *surveys_stylesheet_path(const survey_t *s);

#endif
