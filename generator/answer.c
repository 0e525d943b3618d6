/* answer: schema.json reading and answer validation; see answer.h. */
#include "answer.h"

#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"
#include "xalloc.h"

#define OTHER_MAXLENGTH 200

/* --- reading schema.json ------------------------------------------------ */

typedef struct {
    char *err; /* first problem, owned */
} schema_reader;

static void schema_fail(schema_reader *r, const char *fmt, const char *arg)
{
    if (!r->err)
        r->err = xasprintf(fmt, arg ? arg : "");
}

static char *opt_string(schema_reader *r, const json_value *o, const char *key, const char *where)
{
    const json_value *v = json_get(o, key);
    if (json_is_null(v))
        return NULL;
    if (v->type != JSON_STRING) {
        schema_fail(r, "%s: must be a string or null", where);
        return NULL;
    }
    return xstrdup(v->string);
}

static bool opt_number(schema_reader *r, const json_value *o, const char *key, double *out,
                       const char *where)
{
    const json_value *v = json_get(o, key);
    if (json_is_null(v))
        return false;
    if (v->type != JSON_NUMBER) {
        schema_fail(r, "%s: limits must be numbers or null", where);
        return false;
    }
    *out = v->number;
    return true;
}

static long opt_count(schema_reader *r, const json_value *o, const char *key, const char *where)
{
    double d;
    if (!opt_number(r, o, key, &d, where))
        return -1;
    if (d < 0 || d > 1e9 || d != floor(d)) {
        schema_fail(r, "%s: counts must be whole numbers", where);
        return -1;
    }
    return (long)d;
}

/* A JSON array of strings (or null) into a NULL-safe owned array. */
static char **string_list(schema_reader *r, const json_value *v, size_t *n, const char *where)
{
    *n = 0;
    if (json_is_null(v))
        return NULL;
    if (v->type != JSON_ARRAY) {
        schema_fail(r, "%s: must be a list of strings", where);
        return NULL;
    }
    char **list = xcalloc(v->len + 1, sizeof *list);
    for (size_t i = 0; i < v->len; i++) {
        if (v->items[i]->type != JSON_STRING) {
            schema_fail(r, "%s: must be a list of strings", where);
            break;
        }
        list[(*n)++] = xstrdup(v->items[i]->string);
    }
    return list;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static const char *const TYPE_NAMES[] = {"single", "multiple", "select", "scale",
                                         "matrix", "number",   "text",   "textarea"};

static bool read_type(const char *name, answer_qtype *t)
{
    for (size_t i = 0; name && i < sizeof TYPE_NAMES / sizeof *TYPE_NAMES; i++)
        if (!strcmp(name, TYPE_NAMES[i])) {
            *t = (answer_qtype)i;
            return true;
        }
    return false;
}

static void read_condition(schema_reader *r, const json_value *c, answer_cond *out, const char *where)
{
    *out = (answer_cond){0};
    out->question = opt_string(r, c, "question", where);
    const json_value *eq = json_get(c, "equals"), *any = json_get(c, "any_of"),
                     *ans = json_get(c, "answered");
    if (!out->question || c->type != JSON_OBJECT) {
        schema_fail(r, "%s: show_if: each condition needs a \"question\"", where);
    } else if (json_string(eq)) {
        out->kind = COND_EQUALS;
        out->values = xcalloc(1, sizeof *out->values);
        out->values[0] = xstrdup(eq->string);
        out->nvalues = 1;
    } else if (any && any->type == JSON_ARRAY) {
        out->kind = COND_ANY_OF;
        out->values = string_list(r, any, &out->nvalues, where);
    } else if (ans && (ans->type == JSON_TRUE || ans->type == JSON_FALSE)) {
        out->kind = COND_ANSWERED;
        out->answered = ans->type == JSON_TRUE;
    } else {
        schema_fail(r, "%s: show_if: a condition needs \"equals\", \"any_of\" or \"answered\"", where);
    }
}

static void read_show_if(schema_reader *r, const json_value *v, answer_question *q)
{
    if (json_is_null(v))
        return;
    const json_value *all = json_get(v, "all"), *any = json_get(v, "any");
    const json_value *list = all ? all : any;
    q->show_if_any = any && !all;
    if (!list) {
        /* A single condition without all/any is read as all of one. */
        q->conds = xcalloc(1, sizeof *q->conds);
        read_condition(r, v, &q->conds[0], q->id);
        q->nconds = 1;
        return;
    }
    if (list->type != JSON_ARRAY) {
        schema_fail(r, "%s: show_if: \"all\"/\"any\" must be a list", q->id);
        return;
    }
    q->conds = xcalloc(list->len + 1, sizeof *q->conds);
    for (size_t i = 0; i < list->len; i++)
        read_condition(r, list->items[i], &q->conds[q->nconds++], q->id);
}

/* HTML patterns are JavaScript regular expressions; the common shorthands
 * are translated to POSIX extended ones. What cannot be translated is an
 * error: a pattern the server cannot check must not be skipped silently. */
static char *translate_pattern(const char *p)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "^(");
    bool in_class = false;
    for (const char *s = p; *s; s++) {
        if (*s == '[' && !in_class) {
            in_class = true;
        } else if (*s == ']' && in_class) {
            in_class = false;
        } else if (*s == '\\' && s[1]) {
            char c = *++s;
            const char *out = NULL;
            if (c == 'd')
                out = in_class ? "0-9" : "[0-9]";
            else if (c == 'w')
                out = in_class ? "A-Za-z0-9_" : "[A-Za-z0-9_]";
            else if (c == 's')
                out = in_class ? "[:space:]" : "[[:space:]]";
            else if (!in_class && c == 'D')
                out = "[^0-9]";
            else if (!in_class && c == 'W')
                out = "[^A-Za-z0-9_]";
            else if (!in_class && c == 'S')
                out = "[^[:space:]]";
            else if (in_class && (c == ']' || c == '\\' || c == '-' || c == '^' || strchr("DWSbB", c)))
                goto fail;
            else if (!in_class && strchr("bBnrtfv0123456789cxuk", c))
                goto fail;
            if (out) {
                buf_puts(&b, out);
            } else if (in_class) {
                buf_putc(&b, c);
            } else {
                buf_putc(&b, '\\');
                buf_putc(&b, c);
            }
            continue;
        }
        buf_putc(&b, *s);
    }
    buf_puts(&b, ")$");
    return buf_detach(&b);
fail:
    buf_free(&b);
    return NULL;
}

static void compile_pattern(schema_reader *r, answer_question *q)
{
    if (!q->pattern)
        return;
    char *ere = translate_pattern(q->pattern);
    q->regex = xmalloc(sizeof(regex_t));
    if (!ere || regcomp(q->regex, ere, REG_EXTENDED | REG_NOSUB) != 0) {
        free(q->regex);
        q->regex = NULL;
        schema_fail(r, "%s: pattern cannot be checked by the server", q->id);
    }
    free(ere);
}

static void integer_codes(answer_question *q)
{
    if (!q->has_min || !q->has_max || q->max < q->min || q->max - q->min > 1000)
        return;
    long lo = (long)q->min, hi = (long)q->max;
    q->codes = xcalloc((size_t)(hi - lo + 2), sizeof *q->codes);
    for (long v = lo; v <= hi; v++)
        q->codes[q->ncodes++] = xasprintf("%ld", v);
}

static void read_question(schema_reader *r, const json_value *o, answer_question *q)
{
    *q = (answer_question){.min_choices = -1, .max_choices = -1, .maxlength = -1};
    q->id = opt_string(r, o, "id", "question");
    if (!q->id || !*q->id || o->type != JSON_OBJECT) {
        schema_fail(r, "a question without an id%s", NULL);
        return;
    }
    q->section = opt_string(r, o, "section", q->id);
    if (!read_type(json_string(json_get(o, "type")), &q->type))
        schema_fail(r, "%s: unknown type", q->id);
    const json_value *req = json_get(o, "required");
    q->required = req && req->type == JSON_TRUE;
    q->codes = string_list(r, json_get(o, "codes"), &q->ncodes, q->id);
    q->other_code = opt_string(r, o, "other_code", q->id);
    q->min_choices = opt_count(r, o, "min_choices", q->id);
    q->max_choices = opt_count(r, o, "max_choices", q->id);
    q->has_min = opt_number(r, o, "min", &q->min, q->id);
    q->has_max = opt_number(r, o, "max", &q->max, q->id);
    q->has_step = opt_number(r, o, "step", &q->step, q->id);
    if (q->has_step && q->step <= 0)
        schema_fail(r, "%s: step must be above zero", q->id);
    q->maxlength = opt_count(r, o, "maxlength", q->id);
    q->pattern = opt_string(r, o, "pattern", q->id);
    q->rows = string_list(r, json_get(o, "rows"), &q->nrows, q->id);
    read_show_if(r, json_get(o, "show_if"), q);
    compile_pattern(r, q);
    if ((q->type == Q_SCALE || q->type == Q_MATRIX) && q->ncodes == 0)
        integer_codes(q);
    bool coded = q->type == Q_SINGLE || q->type == Q_MULTIPLE || q->type == Q_SELECT ||
                 q->type == Q_SCALE || q->type == Q_MATRIX;
    if (coded && q->ncodes == 0)
        schema_fail(r, "%s: no option codes", q->id);
    if (q->type == Q_MATRIX && q->nrows == 0)
        schema_fail(r, "%s: a matrix needs rows", q->id);
}

static void check_conditions(schema_reader *r, const answer_schema *s)
{
    for (size_t i = 0; i < s->nquestions; i++)
        for (size_t c = 0; c < s->questions[i].nconds; c++) {
            const char *target = s->questions[i].conds[c].question;
            bool found = false;
            for (size_t j = 0; target && j < s->nquestions; j++)
                found |= !strcmp(s->questions[j].id, target);
            if (!found)
                schema_fail(r, "%s: show_if refers to an unknown question", s->questions[i].id);
        }
}

static void read_thanks(schema_reader *r, const json_value *root, answer_schema *s)
{
    const json_value *thanks = json_get(root, "thanks");
    s->thanks = xcalloc(s->nlanguages + 1, sizeof *s->thanks);
    for (size_t l = 0; l < s->nlanguages; l++) {
        const char *path = json_string(json_get(thanks, s->languages[l]));
        if (!path || !*path || path[0] == '/' || strstr(path, ".."))
            schema_fail(r, "thanks: no site-root path for language '%s'", s->languages[l]);
        else
            s->thanks[l] = xstrdup(path);
    }
}

static bool is_version(const char *v)
{
    if (!v || strlen(v) != 16)
        return false;
    return strspn(v, "0123456789abcdef") == 16;
}

int answer_schema_load(const char *text, size_t len, answer_schema *s, char **err)
{
    *s = (answer_schema){0};
    schema_reader r = {0};
    json_value *root = json_parse(text, len, &r.err);
    if (root && root->type != JSON_OBJECT)
        schema_fail(&r, "the schema must be a JSON object%s", NULL);
    if (!r.err) {
        s->survey = opt_string(&r, root, "survey", "survey");
        s->version = opt_string(&r, root, "version", "version");
        if (!s->survey || !answer_survey_id_ok(s->survey))
            schema_fail(&r, "survey: not a survey id%s", NULL);
        if (!is_version(s->version))
            schema_fail(&r, "version: must be 16 lowercase hexadecimal digits%s", NULL);
        s->languages = string_list(&r, json_get(root, "languages"), &s->nlanguages, "languages");
        if (s->nlanguages == 0)
            schema_fail(&r, "languages: none listed%s", NULL);
        read_thanks(&r, root, s);
        const json_value *qs = json_get(root, "questions");
        if (!qs || qs->type != JSON_ARRAY) {
            schema_fail(&r, "questions: must be a list%s", NULL);
        } else {
            s->questions = xcalloc(qs->len + 1, sizeof *s->questions);
            for (size_t i = 0; i < qs->len && !r.err; i++)
                read_question(&r, qs->items[i], &s->questions[s->nquestions++]);
        }
        if (!r.err)
            check_conditions(&r, s);
    }
    json_free(root);
    if (r.err) {
        answer_schema_free(s);
        *err = r.err;
        return -1;
    }
    return 0;
}

static void free_question(answer_question *q)
{
    free(q->id);
    free(q->section);
    free_list(q->codes, q->ncodes);
    free(q->other_code);
    free(q->pattern);
    if (q->regex) {
        regfree(q->regex);
        free(q->regex);
    }
    free_list(q->rows, q->nrows);
    for (size_t c = 0; c < q->nconds; c++) {
        free(q->conds[c].question);
        free_list(q->conds[c].values, q->conds[c].nvalues);
    }
    free(q->conds);
}

void answer_schema_free(answer_schema *s)
{
    for (size_t i = 0; i < s->nquestions; i++)
        free_question(&s->questions[i]);
    free(s->questions);
    free(s->survey);
    free(s->version);
    if (s->thanks)
        free_list(s->thanks, s->nlanguages);
    free_list(s->languages, s->nlanguages);
    *s = (answer_schema){0};
}

int answer_schema_language(const answer_schema *s, const char *code)
{
    for (size_t l = 0; code && l < s->nlanguages; l++)
        if (!strcmp(s->languages[l], code))
            return (int)l;
    return -1;
}

bool answer_survey_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n >= 1 && n <= 64 && strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* --- conditions ------------------------------------------------------------ */

static bool contains(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], s))
            return true;
    return false;
}

static bool condition_holds(const answer_cond *c, answer_lookup lookup, void *ctx)
{
    const char *const *values = NULL;
    size_t n = lookup(ctx, c->question, &values);
    if (c->kind == COND_ANSWERED)
        return (n > 0) == c->answered;
    for (size_t i = 0; i < n; i++)
        if (contains(c->values, c->nvalues, values[i]))
            return true;
    return false;
}

bool answer_is_shown(const answer_schema *s, size_t q, answer_lookup lookup, void *ctx)
{
    const answer_question *question = &s->questions[q];
    if (question->nconds == 0)
        return true;
    for (size_t c = 0; c < question->nconds; c++) {
        bool holds = condition_holds(&question->conds[c], lookup, ctx);
        if (question->show_if_any && holds)
            return true;
        if (!question->show_if_any && !holds)
            return false;
    }
    return !question->show_if_any;
}

/* --- validation ------------------------------------------------------------- */

void answer_problems_add(answer_problems *p, answer_problem_kind kind, size_t question,
                         const char *field)
{
    xgrow((void **)&p->items, &p->cap, p->len + 1, sizeof *p->items);
    p->items[p->len++] = (answer_problem){kind, question, xstrdup(field)};
}

void answer_problems_free(answer_problems *p)
{
    for (size_t i = 0; i < p->len; i++)
        free(p->items[i].field);
    free(p->items);
    *p = (answer_problems){0};
}

/* The non-empty values of a field: "" is what a browser sends for an
 * empty text or number box, and means unanswered. */
typedef struct {
    const form_t *form;
    const char **scratch; /* form->len slots */
} form_view;

static size_t form_lookup(void *ctx, const char *field, const char *const **values)
{
    form_view *v = ctx;
    size_t n = 0;
    for (size_t i = 0; i < v->form->len; i++)
        if (!strcmp(v->form->items[i].name, field) && v->form->items[i].value[0])
            v->scratch[n++] = v->form->items[i].value;
    *values = v->scratch;
    return n;
}

/* Characters as a textarea's maxlength counts them: "\r\n" is one. */
static size_t text_length(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t w;
        utf8_decode(s + i, len - i, &w);
        if (s[i] == '\r' && s[i + 1] == '\n')
            w = 2;
        i += w;
        n++;
    }
    return n;
}

/* A valid floating-point number as HTML defines it: -?digits(.digits)?(e±digits)? */
static bool parse_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '-')
        p++;
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        if (frac == 0)
            return false;
        digits += frac;
        p += 1 + frac;
    }
    if (digits == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        size_t exp = strspn(p, "0123456789");
        if (exp == 0)
            return false;
        p += exp;
    }
    if (*p)
        return false;
    *out = strtod(s, NULL);
    return isfinite(*out);
}

static bool number_ok(const answer_question *q, const char *value)
{
    double v;
    if (!parse_number(value, &v))
        return false;
    if ((q->has_min && v < q->min) || (q->has_max && v > q->max))
        return false;
    if (q->has_step) {
        double k = (v - (q->has_min ? q->min : 0)) / q->step;
        if (fabs(k - round(k)) > 1e-9 * fmax(1.0, fabs(k)))
            return false;
    }
    return true;
}

typedef struct {
    const answer_schema *s;
    form_view view;
    answer_problems *problems;
    buf_t json;
    bool first;
} validation;

static void put_member(validation *v, const char *field, const char *const *values, size_t n,
                       bool list)
{
    buf_puts(&v->json, v->first ? "" : ",");
    v->first = false;
    json_put_string(&v->json, field);
    buf_putc(&v->json, ':');
    if (list)
        buf_putc(&v->json, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(&v->json, ',');
        json_put_string(&v->json, values[i]);
    }
    if (list)
        buf_putc(&v->json, ']');
}

static void check_codes(validation *v, const answer_question *q, size_t pos, const char *field,
                        const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!contains(q->codes, q->ncodes, values[i]))
            answer_problems_add(v->problems, PROBLEM_INVALID_CODE, pos, field);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(values[i], values[j]))
                answer_problems_add(v->problems, PROBLEM_DUPLICATE_FIELD, pos, field);
    }
}

static void check_text(validation *v, const answer_question *q, size_t pos, const char *value)
{
    if (q->maxlength >= 0 && text_length(value) > (size_t)q->maxlength)
        answer_problems_add(v->problems, PROBLEM_TOO_LONG, pos, q->id);
    else if (q->regex && regexec(q->regex, value, 0, NULL, 0) != 0)
        answer_problems_add(v->problems, PROBLEM_PATTERN, pos, q->id);
}

/* Checks one question's values, already known to be shown. */
static void check_values(validation *v, const answer_question *q, size_t pos,
                         const char *const *values, size_t n)
{
    switch (q->type) {
    case Q_SINGLE:
    case Q_SELECT:
    case Q_SCALE:
    case Q_MULTIPLE:
        check_codes(v, q, pos, q->id, values, n);
        if (q->type == Q_MULTIPLE && n > 0 &&
            ((q->min_choices >= 0 && n < (size_t)q->min_choices) ||
             (q->max_choices >= 0 && n > (size_t)q->max_choices)))
            answer_problems_add(v->problems, PROBLEM_CHOICE_COUNT, pos, q->id);
        break;
    case Q_NUMBER:
        if (n && !number_ok(q, values[0]))
            answer_problems_add(v->problems, PROBLEM_BAD_NUMBER, pos, q->id);
        break;
    case Q_TEXT:
    case Q_TEXTAREA:
        if (n)
            check_text(v, q, pos, values[0]);
        break;
    case Q_MATRIX:
        break;
    }
}

static void check_matrix(validation *v, const answer_question *q, size_t pos, bool shown)
{
    size_t answered = 0;
    for (size_t r = 0; r < q->nrows; r++) {
        char *field = xasprintf("%s.%s", q->id, q->rows[r]);
        const char *const *values;
        size_t n = form_lookup(&v->view, field, &values);
        if (n && !shown)
            answer_problems_add(v->problems, PROBLEM_HIDDEN_ANSWERED, pos, field);
        else if (n)
            check_codes(v, q, pos, field, values, n);
        if (n && shown)
            put_member(v, field, values, n, false);
        answered += n > 0;
        free(field);
    }
    if (shown && q->required && answered < q->nrows)
        answer_problems_add(v->problems, PROBLEM_MISSING, pos, q->id);
}

static void check_other(validation *v, const answer_question *q, size_t pos, bool shown,
                        const char *const *values, size_t n)
{
    if (!q->other_code)
        return;
    char *field = xasprintf("%s.other", q->id);
    const char *const *text;
    size_t has_text = form_lookup(&v->view, field, &text);
    if (has_text && !shown) {
        answer_problems_add(v->problems, PROBLEM_HIDDEN_ANSWERED, pos, field);
    } else if (has_text && !contains((char *const *)values, n, q->other_code)) {
        answer_problems_add(v->problems, PROBLEM_OTHER_TEXT, pos, field);
    } else if (has_text) {
        if (text_length(text[0]) > OTHER_MAXLENGTH)
            answer_problems_add(v->problems, PROBLEM_TOO_LONG, pos, field);
        put_member(v, field, text, 1, false);
    }
    free(field);
}

static void check_question(validation *v, size_t i)
{
    const answer_question *q = &v->s->questions[i];
    size_t pos = i + 1;
    bool shown = answer_is_shown(v->s, i, form_lookup, &v->view);
    if (q->type == Q_MATRIX) {
        check_matrix(v, q, pos, shown);
        return;
    }
    const char *const *found;
    size_t n = form_lookup(&v->view, q->id, &found);
    /* The scratch slots are reused by the next lookup: keep a copy. */
    const char **values = xcalloc(n + 1, sizeof *values);
    memcpy(values, found, n * sizeof *values);
    if (n && !shown)
        answer_problems_add(v->problems, PROBLEM_HIDDEN_ANSWERED, pos, q->id);
    else if (!n && shown && q->required)
        answer_problems_add(v->problems, PROBLEM_MISSING, pos, q->id);
    else if (n)
        check_values(v, q, pos, values, n);
    if (n && shown)
        put_member(v, q->id, values, n, q->type == Q_MULTIPLE);
    check_other(v, q, pos, shown, values, n);
    free(values);
}

static bool is_question_field(const answer_schema *s, const char *name, bool *repeatable)
{
    *repeatable = false;
    for (size_t i = 0; i < s->nquestions; i++) {
        const answer_question *q = &s->questions[i];
        size_t idlen = strlen(q->id);
        if (q->type != Q_MATRIX && !strcmp(name, q->id)) {
            *repeatable = q->type == Q_MULTIPLE;
            return true;
        }
        if (strncmp(name, q->id, idlen) || name[idlen] != '.')
            continue;
        const char *rest = name + idlen + 1;
        if (q->type == Q_MATRIX && contains(q->rows, q->nrows, rest))
            return true;
        if (q->other_code && !strcmp(rest, "other"))
            return true;
    }
    return false;
}

/* The hidden fields, then every name known and given once (a multiple
 * choice question's name may repeat; its codes may not). */
static bool check_fields(const answer_schema *s, const form_t *form, answer_problems *p)
{
    const char *hidden[] = {"_survey", "_version", "_lang"};
    size_t before = p->len;
    for (size_t h = 0; h < 3; h++)
        if (form_count(form, hidden[h]) != 1) {
            answer_problems_add(p, h == 0 ? PROBLEM_UNKNOWN_SURVEY
                                   : h == 1 ? PROBLEM_WRONG_VERSION
                                            : PROBLEM_UNKNOWN_LANGUAGE,
                                0, hidden[h]);
            return false;
        }
    if (strcmp(form_get(form, "_survey"), s->survey)) {
        answer_problems_add(p, PROBLEM_UNKNOWN_SURVEY, 0, "_survey");
        return false;
    }
    if (strcmp(form_get(form, "_version"), s->version)) {
        answer_problems_add(p, PROBLEM_WRONG_VERSION, 0, "_version");
        return false;
    }
    if (answer_schema_language(s, form_get(form, "_lang")) < 0) {
        answer_problems_add(p, PROBLEM_UNKNOWN_LANGUAGE, 0, "_lang");
        return false;
    }
    for (size_t i = 0; i < form->len; i++) {
        const char *name = form->items[i].name;
        if (name[0] == '_' && (!strcmp(name, "_survey") || !strcmp(name, "_version") ||
                               !strcmp(name, "_lang")))
            continue;
        bool repeatable;
        if (!is_question_field(s, name, &repeatable))
            answer_problems_add(p, PROBLEM_UNKNOWN_FIELD, 0, name);
        else if (!repeatable && form_count(form, name) > 1 &&
                 form_get(form, name) == form->items[i].value)
            answer_problems_add(p, PROBLEM_DUPLICATE_FIELD, 0, name);
    }
    return p->len == before;
}

int answer_validate(const answer_schema *s, const form_t *form, char **answers_json,
                    answer_problems *problems)
{
    *answers_json = NULL;
    size_t before = problems->len;
    if (!check_fields(s, form, problems))
        return -1;
    validation v = {s, {form, xcalloc(form->len + 1, sizeof(char *))}, problems, BUF_INIT, true};
    buf_putc(&v.json, '{');
    for (size_t i = 0; i < s->nquestions; i++)
        check_question(&v, i);
    buf_putc(&v.json, '}');
    free(v.view.scratch);
    if (problems->len > before) {
        buf_free(&v.json);
        return -1;
    }
    *answers_json = buf_detach(&v.json);
    return 0;
}
