/* pot: a gettext template (.pot) being collected, then written.
 *
 * Entries are unique by (msgctxt, msgid) and kept in the order they were
 * first added; each carries its source references ("#: path:line") and
 * extracted comments ("#. ..."). The written file is byte-for-byte the
 * same for the same entries (no creation date), so it can be committed. */
#ifndef WAYMARK_POT_H
#define WAYMARK_POT_H

#include <stddef.h>

#include "diag.h"

typedef struct {
    char *msgctxt;      /* NULL when none */
    char *msgid;
    char *msgid_plural; /* NULL when none */
    char **refs;        /* "path:line", in the order added */
    size_t nrefs, refs_cap;
    char *comment;      /* NULL when none */
} pot_entry;

typedef struct {
    pot_entry *entries; /* owned */
    size_t len, cap;
} pot_t;

#define POT_INIT {NULL, 0, 0}

/* Adds a reference to the entry (msgctxt, msgid), creating it. A plural
 * or comment given later fills one not given before. ref_path may be NULL
 * (no reference). Strings are copied. */
void pot_add(pot_t *pot, const char *msgctxt, const char *msgid, const char *msgid_plural,
             const char *ref_path, int ref_line, const char *comment);
/* The entry (msgctxt, msgid), or NULL (borrowed). */
const pot_entry *pot_find(const pot_t *pot, const char *msgctxt, const char *msgid);
/* The whole .pot text with a header naming project (caller frees). */
char *pot_format(const pot_t *pot, const char *project);
/* Writes pot_format() to path (folders created). Returns 0, or -1 after
 * reporting. */
int pot_write(const pot_t *pot, const char *path, const char *project, diags_t *d);
void pot_free(pot_t *pot);

#endif
