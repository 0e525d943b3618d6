/* libFuzzer target: the survey reader (survey_parse, through libyaml) on
 * any bytes, as surveys/<id>.yaml with the id taken from the input's own
 * top-level "id:" line so that real surveys parse. A survey that parses
 * must be a consistent model: every id, code, row and show_if reference
 * is one the model holds, every msgctxt is unique, and the form, schema,
 * codebook and .pot made from it work (the form passes the output rules
 * as a fragment, the schema is JSON). Anything else aborts (a finding).
 * See tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "form.h"
#include "htmlscan.h"
#include "jsondoc.h"
#include "survey.h"
#include "survey_export.h"

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_survey: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* The value of the first line "id: <value>" (what the file would be
 * named), or "fuzz". Written into id (size bytes). */
static void file_id(const char *src, size_t len, char *id, size_t size)
{
    snprintf(id, size, "fuzz");
    for (size_t i = 0; i + 3 < len; i++) {
        if ((i == 0 || src[i - 1] == '\n') && !memcmp(src + i, "id:", 3)) {
            size_t j = i + 3, n = 0;
            while (j < len && src[j] == ' ')
                j++;
            while (j < len && n + 1 < size && src[j] != '\n' && src[j] != '\r' && src[j])
                id[n++] = src[j++];
            id[n] = '\0';
            if (n == 0)
                snprintf(id, size, "fuzz");
            return;
        }
    }
}

static bool is_choice(survey_qtype t)
{
    return t == SQ_SINGLE || t == SQ_MULTIPLE || t == SQ_SELECT || t == SQ_SCALE;
}

static bool value_of(const survey_question *q, const char *v)
{
    if (q->type == SQ_SCALE) {
        char *end;
        long n = strtol(v, &end, 10);
        return *v && !*end && n >= (long)q->min && n <= (long)q->max;
    }
    for (size_t i = 0; i < q->noptions; i++)
        if (!strcmp(q->options[i].code, v))
            return true;
    return false;
}

static void check_question(const survey_t *s, size_t qi)
{
    const survey_question *q = &s->questions[qi];
    CHECK(q->id && *q->id && q->section < s->nsections);
    CHECK(survey_find_question(s, q->id) == q); /* ids are unique */
    CHECK(q->text.source && q->text.ctx);
    bool options = q->type == SQ_SINGLE || q->type == SQ_MULTIPLE || q->type == SQ_SELECT ||
                   q->type == SQ_MATRIX;
    CHECK(options ? q->noptions >= 2 : q->noptions == 0);
    for (size_t o = 0; o < q->noptions; o++) {
        CHECK(q->options[o].code && *q->options[o].code && q->options[o].text.source);
        for (size_t p = 0; p < o; p++)
            CHECK(strcmp(q->options[o].code, q->options[p].code) != 0);
    }
    CHECK(q->type == SQ_MATRIX ? q->nrows >= 1 : q->nrows == 0);
    for (size_t r = 0; r < q->nrows; r++) {
        CHECK(q->rows[r].id && q->rows[r].text.source);
        for (size_t p = 0; p < r; p++)
            CHECK(strcmp(q->rows[r].id, q->rows[p].id) != 0);
    }
    if (q->type == SQ_SCALE)
        CHECK(q->has_min && q->has_max && q->min < q->max && q->has_step && q->step == 1);
    if (q->has_step)
        CHECK(q->step > 0);
    if (q->has_min && q->has_max)
        CHECK(q->min <= q->max);
    if (q->type == SQ_MULTIPLE) {
        CHECK(q->max_choices <= (long)q->noptions && q->min_choices <= (long)q->noptions);
        CHECK(q->max_choices < 0 || q->min_choices <= q->max_choices);
    }
    CHECK((q->type == SQ_TEXT || q->type == SQ_TEXTAREA) ? q->maxlength > 0 : q->maxlength < 0);
    for (size_t c = 0; c < q->show_if.len; c++) {
        const survey_cond *cond = &q->show_if.conds[c];
        const survey_question *t = survey_find_question(s, cond->question);
        CHECK(t && (size_t)(t - s->questions) == cond->target && cond->target < qi);
        CHECK(t->type != SQ_MATRIX);
        CHECK(cond->kind == SC_ANSWERED ? cond->nvalues == 0
                                        : cond->nvalues >= 1 && is_choice(t->type));
        CHECK(cond->kind != SC_EQUALS || cond->nvalues == 1);
        for (size_t v = 0; v < cond->nvalues; v++)
            CHECK(value_of(t, cond->values[v]));
    }
}

static void check_model(const survey_t *s)
{
    CHECK(s->nsections >= 1 && strlen(s->version) == 16);
    CHECK(strspn(s->version, "0123456789abcdef") == 16);
    size_t next = 0;
    for (size_t i = 0; i < s->nsections; i++) {
        const survey_section *sec = &s->sections[i];
        CHECK(sec->id && sec->title.source && sec->first == next && sec->count >= 1);
        for (size_t k = sec->first; k < sec->first + sec->count; k++)
            CHECK(s->questions[k].section == i);
        next += sec->count;
    }
    CHECK(next == s->nquestions);
    for (size_t i = 0; i < s->nquestions; i++)
        check_question(s, i);
    size_t idlen = strlen(s->id);
    for (size_t i = 0; i < s->ntexts; i++) {
        const survey_text *t = s->texts[i];
        CHECK(t->ctx && t->source && !strncmp(t->ctx, s->id, idlen) && t->ctx[idlen] == '/');
        CHECK(survey_find_text(s, t->ctx) == t); /* a msgctxt names one text */
    }
}

static const char *ui_identity(void *ctx, const char *msgid, const char *plural, unsigned long n)
{
    (void)ctx;
    return plural && n != 1 ? plural : msgid;
}

static void check_outputs(const survey_t *s)
{
    const char *action = "../../submit";
    form_input in = {.survey = s, .lang = "en", .action = action, .t = ui_identity};
    char *form = form_html(&in);
    scan_rules rules = {NULL, action, false};
    diags_t scan = DIAGS_INIT;
    if (scan_page(form, strlen(form), "out/fuzz.html", &rules, &scan) > 0) {
        for (size_t i = 0; i < scan.len; i++) {
            char *line = diag_format(&scan.items[i]);
            fprintf(stderr, "%s\n", line);
            free(line);
        }
        fprintf(stderr, "--- form ---\n%s\n", form);
        abort();
    }
    diag_free(&scan);
    free(form);
    const char *why = NULL;
    free(form_css(s, &why));
    survey_language lang = {.code = "en"};
    char *schema = survey_schema_json(s, &lang, 1);
    char *err = NULL;
    json_value *v = json_parse(schema, strlen(schema), &err);
    if (!v) {
        fprintf(stderr, "schema.json is not JSON: %s\n%s\n", err ? err : "?", schema);
        abort();
    }
    json_free(v);
    free(schema);
    free(survey_codebook_csv(s, &lang, 1));
    free(survey_pot(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    char id[80], path[100];
    file_id(src, size, id, sizeof id);
    snprintf(path, sizeof path, "surveys/%s.yaml", id);
    diags_t d = DIAGS_INIT;
    survey_t *s = survey_parse(src, size, path, id, &d);
    CHECK(s ? d.errors == 0 : d.errors > 0);
    if (s) {
        check_model(s);
        check_outputs(s);
        survey_free(s);
    }
    diag_free(&d);
    return 0;
}
