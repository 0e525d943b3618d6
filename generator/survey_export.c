#include "survey_export.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/* --- schema.json ------------------------------------------------------------ */

static void json_string(buf_t *b, const char *s)
{
    buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(b, "\\%c", *p);
        else if (*p == '\n')
            buf_puts(b, "\\n");
        else if (*p < 0x20)
            buf_printf(b, "\\u%04x", *p);
        else
            buf_putc(b, (char)*p);
    }
    buf_putc(b, '"');
}

static void json_number(buf_t *b, bool has, double v)
{
    if (!has)
        buf_puts(b, "null");
    else if (v == floor(v) && fabs(v) < 1e15)
        buf_printf(b, "%.0f", v);
    else
        buf_printf(b, "%.15g", v);
}

static void json_long(buf_t *b, long v)
{
    json_number(b, v >= 0, (double)v);
}

static void json_codes(buf_t *b, const survey_question *q)
{
    if (q->type == SQ_SCALE) {
        buf_putc(b, '[');
        for (long v = (long)q->min; v <= (long)q->max; v++)
            buf_printf(b, "%s\"%ld\"", v > (long)q->min ? ", " : "", v);
        buf_putc(b, ']');
        return;
    }
    if (!q->noptions) {
        buf_puts(b, "null");
        return;
    }
    buf_putc(b, '[');
    for (size_t i = 0; i < q->noptions; i++) {
        if (i)
            buf_puts(b, ", ");
        json_string(b, q->options[i].code);
    }
    buf_putc(b, ']');
}

static void json_other_code(buf_t *b, const survey_question *q)
{
    for (size_t i = 0; i < q->noptions; i++)
        if (q->options[i].other) {
            json_string(b, q->options[i].code);
            return;
        }
    buf_puts(b, "null");
}

static void json_cond(buf_t *b, const survey_cond *c)
{
    buf_puts(b, "{\"question\": ");
    json_string(b, c->question);
    if (c->kind == SC_ANSWERED) {
        buf_puts(b, ", \"answered\": true}");
        return;
    }
    if (c->kind == SC_EQUALS) {
        buf_puts(b, ", \"equals\": ");
        json_string(b, c->values[0]);
        buf_putc(b, '}');
        return;
    }
    buf_puts(b, ", \"any_of\": [");
    for (size_t i = 0; i < c->nvalues; i++) {
        if (i)
            buf_puts(b, ", ");
        json_string(b, c->values[i]);
    }
    buf_puts(b, "]}");
}

/* Always {"all": [...]} or {"any": [...]}, even for one condition, so a
 * reader of the schema has one shape to handle. */
static void json_show_if(buf_t *b, const survey_show_if *si)
{
    if (!si->len) {
        buf_puts(b, "null");
        return;
    }
    buf_printf(b, "{\"%s\": [", si->any ? "any" : "all");
    for (size_t i = 0; i < si->len; i++) {
        if (i)
            buf_puts(b, ", ");
        json_cond(b, &si->conds[i]);
    }
    buf_puts(b, "]}");
}

static void json_question(buf_t *b, const survey_t *s, const survey_question *q)
{
    buf_puts(b, "    {\"id\": ");
    json_string(b, q->id);
    buf_puts(b, ", \"section\": ");
    json_string(b, s->sections[q->section].id);
    buf_printf(b, ", \"type\": \"%s\", \"required\": %s,\n     \"codes\": ",
               survey_type_name(q->type), q->required ? "true" : "false");
    json_codes(b, q);
    buf_puts(b, ", \"other_code\": ");
    json_other_code(b, q);
    buf_puts(b, ",\n     \"min_choices\": ");
    json_long(b, q->min_choices);
    buf_puts(b, ", \"max_choices\": ");
    json_long(b, q->max_choices);
    buf_puts(b, ", \"min\": ");
    json_number(b, q->has_min, q->min);
    buf_puts(b, ", \"max\": ");
    json_number(b, q->has_max, q->max);
    buf_puts(b, ", \"step\": ");
    json_number(b, q->has_step, q->step);
    buf_puts(b, ", \"maxlength\": ");
    json_long(b, q->maxlength);
    buf_puts(b, ", \"pattern\": ");
    if (q->pattern)
        json_string(b, q->pattern);
    else
        buf_puts(b, "null");
    buf_puts(b, ",\n     \"rows\": ");
    if (q->nrows) {
        buf_putc(b, '[');
        for (size_t r = 0; r < q->nrows; r++) {
            if (r)
                buf_puts(b, ", ");
            json_string(b, q->rows[r].id);
        }
        buf_putc(b, ']');
    } else {
        buf_puts(b, "null");
    }
    buf_puts(b, ", \"show_if\": ");
    json_show_if(b, &q->show_if);
    buf_putc(b, '}');
}

char *survey_schema_json(const survey_t *s, const survey_language *langs, size_t nlangs)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "{\n  \"survey\": ");
    json_string(&b, s->id);
    buf_printf(&b, ",\n  \"version\": \"%s\",\n  \"languages\": [", s->version);
    for (size_t l = 0; l < nlangs; l++) {
        if (l)
            buf_puts(&b, ", ");
        json_string(&b, langs[l].code);
    }
    buf_puts(&b, "],\n  \"thanks\": {");
    bool first = true;
    for (size_t l = 0; l < nlangs; l++) {
        if (!langs[l].thanks)
            continue;
        buf_puts(&b, first ? "" : ", ");
        first = false;
        json_string(&b, langs[l].code);
        buf_puts(&b, ": ");
        json_string(&b, langs[l].thanks);
    }
    buf_puts(&b, "},\n  \"questions\": [\n");
    for (size_t i = 0; i < s->nquestions; i++) {
        json_question(&b, s, &s->questions[i]);
        buf_puts(&b, i + 1 < s->nquestions ? ",\n" : "\n");
    }
    buf_puts(&b, "  ]\n}\n");
    return buf_detach(&b);
}

/* --- codebook.csv ----------------------------------------------------------- */

static void csv_field(buf_t *b, const char *s, bool first)
{
    if (!first)
        buf_putc(b, ',');
    buf_put_csv(b, s);
}

typedef struct {
    buf_t *b;
    const survey_t *s;
    const survey_language *langs;
    size_t nlangs;
} csv_writer;

/* One row; the texts are t in every language (t may be NULL: empty). */
static void csv_row(csv_writer *w, const char *variable, const survey_question *q,
                    const char *type, const char *code, const survey_text *t)
{
    csv_field(w->b, variable, true);
    csv_field(w->b, q->id, false);
    csv_field(w->b, w->s->sections[q->section].id, false);
    csv_field(w->b, type, false);
    csv_field(w->b, code, false);
    for (size_t l = 0; l < w->nlangs; l++)
        csv_field(w->b, t ? survey_text_get(t, w->langs[l].cat) : NULL, false);
    buf_puts(w->b, "\r\n");
}

static void csv_question(csv_writer *w, const survey_question *q)
{
    const char *type = survey_type_name(q->type);
    csv_row(w, q->id, q, type, NULL, &q->text);
    for (size_t r = 0; r < q->nrows; r++) {
        char *var = xasprintf("%s.%s", q->id, q->rows[r].id);
        csv_row(w, var, q, "matrix row", NULL, &q->rows[r].text);
        free(var);
    }
    for (size_t o = 0; o < q->noptions; o++)
        csv_row(w, q->id, q, type, q->options[o].code, &q->options[o].text);
    if (q->type == SQ_SCALE)
        for (long v = (long)q->min; v <= (long)q->max; v++) {
            char code[24];
            snprintf(code, sizeof code, "%ld", v);
            const survey_text *label = v == (long)q->min ? &q->min_label
                                       : v == (long)q->max ? &q->max_label : NULL;
            csv_row(w, q->id, q, type, code, label && label->source ? label : NULL);
        }
    for (size_t o = 0; o < q->noptions; o++)
        if (q->options[o].other) {
            char *var = xasprintf("%s.other", q->id);
            csv_row(w, var, q, "other text", NULL, &q->options[o].text);
            free(var);
        }
}

char *survey_codebook_csv(const survey_t *s, const survey_language *langs, size_t nlangs)
{
    buf_t b = BUF_INIT;
    csv_writer w = {&b, s, langs, nlangs};
    buf_puts(&b, "variable,question,section,type,code");
    for (size_t l = 0; l < nlangs; l++)
        csv_field(&b, langs[l].code, false);
    buf_puts(&b, "\r\n");
    for (size_t i = 0; i < s->nquestions; i++)
        csv_question(&w, &s->questions[i]);
    return buf_detach(&b);
}

/* --- .pot --------------------------------------------------------------------- */

static void po_string(buf_t *b, const char *keyword, const char *s)
{
    buf_printf(b, "%s ", keyword);
    bool multiline = strchr(s, '\n') && strchr(s, '\n')[1];
    if (multiline)
        buf_puts(b, "\"\"\n");
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_printf(b, "\\%c", *s);
        else if (*s == '\t')
            buf_puts(b, "\\t");
        else if (*s == '\n')
            buf_puts(b, s[1] ? "\\n\"\n\"" : "\\n");
        else
            buf_putc(b, *s);
    }
    buf_puts(b, "\"\n");
}

char *survey_pot(const survey_t *s)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "# Texts of the survey '%s' (%s), for translators.\n"
                   "# msgctxt is <survey>/<question>[/<option code>], <survey>/<question>/help,\n"
                   "# .../row/<row>, .../min_label, .../max_label or <survey>/section/<section>.\n"
                   "msgid \"\"\n"
                   "msgstr \"\"\n"
                   "\"Project-Id-Version: %s\\n\"\n"
                   "\"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n\"\n"
                   "\"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n\"\n"
                   "\"Language-Team: LANGUAGE <LL@li.org>\\n\"\n"
                   "\"Language: \\n\"\n"
                   "\"MIME-Version: 1.0\\n\"\n"
                   "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
                   "\"Content-Transfer-Encoding: 8bit\\n\"\n",
               s->id, s->path, s->id);
    for (size_t i = 0; i < s->ntexts; i++) {
        const survey_text *t = s->texts[i];
        buf_printf(&b, "\n#: %s:%d\n", s->path, t->line);
        po_string(&b, "msgctxt", t->ctx);
        po_string(&b, "msgid", t->source);
        buf_puts(&b, "msgstr \"\"\n");
    }
    return buf_detach(&b);
}
