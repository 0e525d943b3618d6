/* l10n: what a language needs beyond its PO catalog.
 *
 * Interface texts come in two layers per language: the site's own
 * locales/<lang>.po, then the theme's built-in themes/<theme>/locales/<lang>.po.
 * A lookup tries the page's language (site, then theme), then the default
 * language (site, then theme); the caller falls back to the msgid itself.
 * Numbers can be written in a language's own digits (site.lua digits =
 * "arab"), by the template helper num() and in dates and counts. */
#ifndef WAYMARK_L10N_H
#define WAYMARK_L10N_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "config.h"
#include "diag.h"

typedef struct {
    catalog_t **site;  /* one per language; never NULL entries (owned) */
    catalog_t **theme; /* one per language; never NULL entries (owned) */
    bool *has_site, *has_theme; /* whether a file was found (owned) */
    size_t n;
} l10n_catalogs;

/* Loads locales/<lang>.po (relative to the current folder, the site) and
 * the first <theme_dir>/locales/<lang>.po of theme_dirs (n_themes folders,
 * first wins) for every language. Problems are reported; a language with
 * neither file gets a warning when the site has a locales/ folder. Free
 * with l10n_catalogs_free. */
void l10n_load_catalogs(const config_t *cfg, const char *const *theme_dirs,
                        const char *const *theme_names, size_t n_themes, l10n_catalogs *out,
                        diags_t *d);
void l10n_catalogs_free(l10n_catalogs *c);

/* The translation for lang through the layers (see above), or NULL
 * (borrowed). With plural, the form for n. site/theme may be NULL. */
const char *l10n_lookup(catalog_t *const *site, catalog_t *const *theme, int lang,
                        const char *msgctxt, const char *msgid, bool plural, unsigned long n);

typedef enum { L10N_TRANSLATED, L10N_OUTDATED, L10N_MISSING } l10n_state;
/* Whether lang's own layers (not the default language's) translate the
 * entry; OUTDATED: only a fuzzy translation exists. */
l10n_state l10n_entry_state(const l10n_catalogs *c, int lang, const char *msgctxt,
                            const char *msgid);

/* The code point of digit zero in a numbering system ("latn", "arab",
 * "arabext", "deva", "beng", ...), or 0 when unknown. */
uint32_t l10n_digit_zero(const char *system);
/* The known systems, for messages: "latn, arab, ..." (static). */
const char *l10n_digit_systems(void);
/* s with ASCII digits 0-9 written in system's digits (NULL or unknown
 * system: a copy). Caller frees. */
char *l10n_localize_digits(const char *s, const char *system);

#endif
