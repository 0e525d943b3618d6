/* survey_export: what a survey gives researchers, translators and the
 * server, as text: schema.json (the structure and version, read by
 * `waymark serve` to validate submissions), codebook.csv (every variable
 * and code with its text in every language) and the .pot template of the
 * survey's texts. All three are deterministic: the same survey and
 * catalogs give the same bytes. README.md ("Surveys") documents them. */
#ifndef WAYMARK_SURVEY_EXPORT_H
#define WAYMARK_SURVEY_EXPORT_H

#include <stddef.h>

#include "catalog.h"
#include "survey.h"

typedef struct {
    const char *code;       /* language code */
    const catalog_t *cat;   /* its catalog; NULL for the default language */
    const char *thanks;     /* site-root path of its thanks page, or NULL */
} survey_language;

/* schema.json, ending in a newline (caller frees). */
char *survey_schema_json(const survey_t *s, const survey_language *langs, size_t nlangs);
/* codebook.csv, RFC 4180 (CRLF, quoted where needed), with a header row
 * "variable,question,section,type,code,<lang>..." (caller frees). */
char *survey_codebook_csv(const survey_t *s, const survey_language *langs, size_t nlangs);
/* The gettext template of the survey's texts: msgctxt, msgid = the
 * default-language text, "#: surveys/<id>.yaml:LINE" (caller frees). */
char *survey_pot(const survey_t *s);

#endif
