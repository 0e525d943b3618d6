/* survey_version: the structure a survey's version hashes (ids, types,
 * codes, rows, required, limits, conditions; never texts), so answers
 * from every language and every text edit carry the same version. */
#include "survey.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "bundle.h"

static void put_number(buf_t *b, const char *name, bool has, double v)
{
    if (has)
        buf_printf(b, "\t%s=%.17g", name, v);
}

char *survey_canonical(const survey_t *s)
{
    static const char *const kinds[] = {"equals", "any_of", "answered"};
    buf_t b = BUF_INIT;
    buf_printf(&b, "waymark-survey 1\t%s\n", s->id);
    for (size_t i = 0; i < s->nquestions; i++) {
        const survey_question *q = &s->questions[i];
        buf_printf(&b, "q\t%s\t%s\t%s\n", q->id, survey_type_name(q->type),
                   q->required ? "required" : "optional");
        for (size_t o = 0; o < q->noptions; o++)
            buf_printf(&b, "o\t%s%s%s\n", q->options[o].code, q->options[o].other ? "\tother" : "",
                       q->options[o].prefer_not ? "\tprefer_not" : "");
        for (size_t r = 0; r < q->nrows; r++)
            buf_printf(&b, "r\t%s\n", q->rows[r].id);
        buf_puts(&b, "l");
        put_number(&b, "min", q->has_min, q->min);
        put_number(&b, "max", q->has_max, q->max);
        put_number(&b, "step", q->has_step, q->step);
        put_number(&b, "min_choices", q->min_choices >= 0, (double)q->min_choices);
        put_number(&b, "max_choices", q->max_choices >= 0, (double)q->max_choices);
        put_number(&b, "maxlength", q->maxlength >= 0, (double)q->maxlength);
        if (q->pattern)
            buf_printf(&b, "\tpattern=%s", q->pattern);
        buf_putc(&b, '\n');
        if (q->show_if.len)
            buf_printf(&b, "c\t%s\n", q->show_if.any ? "any" : "all");
        for (size_t c = 0; c < q->show_if.len; c++) {
            const survey_cond *cond = &q->show_if.conds[c];
            buf_printf(&b, "e\t%s\t%s", cond->question, kinds[cond->kind]);
            for (size_t v = 0; v < cond->nvalues; v++)
                buf_printf(&b, "\t%s", cond->values[v]);
            buf_putc(&b, '\n');
        }
    }
    return buf_detach(&b);
}

void survey_set_version(survey_t *s)
{
    char *canon = survey_canonical(s);
    char hex[65];
    bundle_sha256_hex(canon, strlen(canon), hex);
    memcpy(s->version, hex, 16);
    s->version[16] = '\0';
    free(canon);
}
