/* survey_text: a parsed survey's translatable texts: collected in file
 * order, found by msgctxt, looked up in a language's catalog, and a
 * catalog checked against them. */
#include "survey.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

static void add_text(survey_t *s, size_t *cap, const survey_text *t)
{
    if (!t->source || !t->ctx)
        return;
    xgrow((void **)&s->texts, cap, s->ntexts + 1, sizeof *s->texts);
    s->texts[s->ntexts++] = t;
}

void survey_collect_texts(survey_t *s)
{
    size_t cap = 0;
    for (size_t sec = 0; sec < s->nsections; sec++) {
        add_text(s, &cap, &s->sections[sec].title);
        for (size_t i = s->sections[sec].first; i < s->sections[sec].first + s->sections[sec].count; i++) {
            const survey_question *q = &s->questions[i];
            add_text(s, &cap, &q->text);
            add_text(s, &cap, &q->help);
            add_text(s, &cap, &q->min_label);
            add_text(s, &cap, &q->max_label);
            for (size_t o = 0; o < q->noptions; o++)
                add_text(s, &cap, &q->options[o].text);
            for (size_t r = 0; r < q->nrows; r++)
                add_text(s, &cap, &q->rows[r].text);
        }
    }
}

const survey_text *survey_find_text(const survey_t *s, const char *msgctxt)
{
    for (size_t i = 0; i < s->ntexts; i++)
        if (!strcmp(s->texts[i]->ctx, msgctxt))
            return s->texts[i];
    return NULL;
}

const char *survey_text_get(const survey_text *t, const catalog_t *cat)
{
    if (!t || !t->source)
        return NULL;
    const char *tr = cat ? catalog_get(cat, t->ctx, t->source) : NULL;
    return tr ? tr : t->source;
}

void survey_check_catalog(const survey_t *s, const catalog_t *cat, const char *po_path,
                          const char *lang_name, bool warn_missing, diags_t *d)
{
    size_t idlen = strlen(s->id);
    for (size_t i = 0; i < catalog_count(cat); i++) {
        const catalog_entry *e = catalog_entry_at(cat, i);
        if (!e->msgctxt || strncmp(e->msgctxt, s->id, idlen) || e->msgctxt[idlen] != '/')
            continue;
        if (!survey_find_text(s, e->msgctxt))
            diag_error(d, po_path, e->line, 0,
                       "msgctxt \"%s\" names no text of survey '%s' (%s): unknown id", e->msgctxt,
                       s->id, s->path);
    }
    if (!warn_missing)
        return;
    buf_t missing = BUF_INIT;
    size_t n = 0;
    for (size_t i = 0; i < s->ntexts; i++) {
        const survey_text *t = s->texts[i];
        if (catalog_get(cat, t->ctx, t->source))
            continue;
        buf_printf(&missing, "%s%s", n++ ? ", " : "", t->ctx + idlen + 1);
    }
    if (n)
        diag_warning(d, po_path, 0, 0,
                     "survey '%s': %zu text%s without a %s translation (shown in the default "
                     "language): %s", s->id, n, n == 1 ? "" : "s", lang_name, buf_cstr(&missing));
    buf_free(&missing);
}
