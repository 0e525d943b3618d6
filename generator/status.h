/* status: `waymark status`, what each language has translated.
 *
 * Three kinds of texts, each counted per language as translated, missing
 * or outdated (the three add up to the default language's total):
 *   pages    every page of the default language (content/<default>/...).
 *            Missing: no page with the same path in the language (a
 *            fallback page still counts as missing). Outdated: the
 *            translation's front matter says translation_of: <hash> and
 *            the hash is no longer a prefix of the SHA-256 of the default
 *            page's Markdown (after the front matter, line ends as LF).
 *   ui       the theme's interface strings (the entries extract writes to
 *            ui.pot), looked up in the language's own catalogs (site, then
 *            theme). Outdated: only a fuzzy translation exists.
 *   survey   every text of every surveys/<id>.yaml (questions, help,
 *            options, rows, labels, section titles), looked up by its
 *            msgctxt and source text in the language's site catalog.
 *            Outdated: only a fuzzy translation exists, or the catalog
 *            translates an older source text under the same msgctxt. */
#ifndef WAYMARK_STATUS_H
#define WAYMARK_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "l10n.h"
#include "site.h"
#include "surveys.h"

typedef struct {
    size_t total, translated, missing, outdated;
    char **missing_names, **outdated_names; /* owned: page keys or "ctxt|msgid" */
} status_count;

typedef struct {
    const char *code, *name; /* borrowed from the config */
    status_count pages, ui, survey;
} status_language;

typedef struct {
    status_language *langs; /* one per language, default first (owned) */
    size_t nlangs;
    bool has_surveys;
    char **source_hashes;   /* per default-language page: "key\thash" (owned) */
    size_t nsources;
} status_report;

/* Counts everything for every language of site (loaded with site_load,
 * before the Markdown stage) and of surveys (may be NULL: no surveys).
 * Returns 0, or -1 after reporting. */
int status_compute(const site_t *site, const surveys_t *surveys, const l10n_catalogs *catalogs,
                   const char *const *theme_dirs, const char *const *theme_names,
                   size_t nthemes, status_report *r, diags_t *d);
/* A table for people; verbose lists what is missing or outdated and each
 * source page's current hash (caller frees). */
char *status_format_text(const status_report *r, bool verbose);
/* The same as JSON (caller frees). */
char *status_format_json(const status_report *r);
bool status_anything_missing(const status_report *r);
void status_report_free(status_report *r);

/* The hash translation_of compares with: lowercase hex SHA-256 of body
 * with CRLF read as LF, into hex[65]. */
void status_source_hash(const char *body, size_t len, char hex[65]);

#endif
