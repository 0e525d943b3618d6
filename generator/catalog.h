/* catalog: one language's gettext PO catalog (locales/<lang>.po).
 *
 * Read with libgettextpo, the GNU gettext project's own PO parser, so every
 * PO file Poedit or Weblate writes is read as gettext reads it. Fuzzy and
 * obsolete entries are ignored; an untranslated entry (empty msgstr) counts
 * as missing. Plural selection evaluates the catalog's Plural-Forms header
 * exactly (nplurals and the C expression in plural=). A catalog is
 * immutable after loading and may be read from several threads. */
#ifndef WAYMARK_CATALOG_H
#define WAYMARK_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

typedef struct catalog catalog_t;

typedef struct {
    const char *msgctxt;      /* NULL when none */
    const char *msgid;
    const char *msgid_plural; /* NULL when none */
    const char *msgstr;       /* first form; "" when untranslated */
    int line;                 /* line of the entry in the PO file */
} catalog_entry;

/* Loads a PO file; problems are reported at path:line:col. Returns NULL
 * when the file cannot be used (errors reported); caller frees with
 * catalog_free. display_path is what messages show. */
catalog_t *catalog_load(const char *path, const char *display_path, diags_t *d);
/* An empty catalog (every lookup misses), for a language without a PO. */
catalog_t *catalog_empty(void);
void catalog_free(catalog_t *c);

/* The translation, or NULL when missing (borrowed from the catalog). */
const char *catalog_get(const catalog_t *c, const char *msgctxt, const char *msgid);
/* The plural form for n, or NULL when missing (borrowed). */
const char *catalog_nget(const catalog_t *c, const char *msgctxt, const char *msgid,
                         const char *msgid_plural, unsigned long n);
/* Whether the catalog has a fuzzy (needs review) translation of the entry:
 * such entries are not used, and `waymark status` counts them outdated. */
bool catalog_is_fuzzy(const catalog_t *c, const char *msgctxt, const char *msgid);
/* Index of the plural form for n under the catalog's Plural-Forms. */
int catalog_plural_index(const catalog_t *c, unsigned long n);
int catalog_nplurals(const catalog_t *c);

/* Entries in file order (header excluded), for status and extraction. */
size_t catalog_count(const catalog_t *c);
const catalog_entry *catalog_entry_at(const catalog_t *c, size_t i);

/* Compiles a Plural-Forms header value ("nplurals=2; plural=(n != 1);")
 * and evaluates it for n; returns -1 with *err set (static string) when
 * the header is malformed. Pure; used by catalog_load and the tests. */
int catalog_eval_plural_forms(const char *header_value, unsigned long n, int *nplurals,
                              const char **err);

#endif
