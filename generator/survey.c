#include "survey.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frontmatter.h"
#include "fs.h"
#include "path.h"
#include "xalloc.h"

enum { MAX_ID = 64, MAX_CODE = 32, MAX_TEXT_LENGTH = 100000, DEFAULT_TEXT_MAX = 200,
       DEFAULT_TEXTAREA_MAX = 5000, MAX_SCALE_POINTS = 11 };

static const char *const TYPE_NAMES[] = {"single", "multiple", "select", "scale",
                                         "matrix", "number", "text", "textarea"};

/* Keys each type takes besides the common ones. */
static const char *const COMMON_KEYS[] = {"id", "type", "text", "help", "required", "show_if", NULL};
static const char *const TYPE_KEYS[][5] = {
    [SQ_SINGLE] = {"options", NULL},
    [SQ_MULTIPLE] = {"options", "min_choices", "max_choices", NULL},
    [SQ_SELECT] = {"options", NULL},
    [SQ_SCALE] = {"min", "max", "min_label", "max_label", NULL},
    [SQ_MATRIX] = {"options", "rows", NULL},
    [SQ_NUMBER] = {"min", "max", "step", NULL},
    [SQ_TEXT] = {"maxlength", "pattern", NULL},
    [SQ_TEXTAREA] = {"maxlength", NULL},
};

/* Words after "<survey>/<question>/" that name a text, so no option code
 * may take them; "section" after "<survey>/" names section titles. */
static const char *const RESERVED_CODES[] = {"help", "row", "min_label", "max_label", NULL};

typedef struct {
    survey_t *s;
    diags_t *d;
    size_t questions_cap;
} parser;

const char *survey_type_name(survey_qtype type)
{
    return TYPE_NAMES[type];
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

static void err_at(parser *P, const fm_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_at(parser *P, const fm_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(P->d, DIAG_ERROR, P->s->path, n ? n->line : 0, n ? n->col : 0, fmt, ap);
    va_end(ap);
}

/* --- reading values ------------------------------------------------------ */

static const fm_node *get_kind(parser *P, const fm_node *map, const char *key, fm_kind kind,
                               bool needed, const char *what)
{
    static const char *const kinds[] = {"a single value", "a list", "a mapping"};
    const fm_node *n = fm_get(map, key);
    if (!n) {
        if (needed)
            err_at(P, map, "%s needs '%s'", what, key);
        return NULL;
    }
    if (n->kind != kind) {
        err_at(P, n, "'%s' must be %s", key, kinds[kind]);
        return NULL;
    }
    return n;
}

static const char *get_scalar(parser *P, const fm_node *map, const char *key, bool needed,
                              const char *what)
{
    const fm_node *n = get_kind(P, map, key, FM_SCALAR, needed, what);
    if (n && !*n->text && needed) {
        err_at(P, n, "'%s' must not be empty", key);
        return NULL;
    }
    return n ? n->text : NULL;
}

static bool get_long(parser *P, const fm_node *map, const char *key, long lo, long hi, long *out)
{
    const fm_node *n = fm_get(map, key);
    if (!n)
        return false;
    double v = fm_number(map, key, NAN, P->s->path, P->d);
    if (isnan(v))
        return false;
    if (v != floor(v) || v < (double)lo || v > (double)hi) {
        err_at(P, n, "'%s' must be a whole number from %ld to %ld", key, lo, hi);
        return false;
    }
    *out = (long)v;
    return true;
}

static bool get_double(parser *P, const fm_node *map, const char *key, double *out)
{
    if (!fm_get(map, key))
        return false;
    double v = fm_number(map, key, NAN, P->s->path, P->d);
    if (isnan(v))
        return false;
    *out = v;
    return true;
}

static void check_keys(parser *P, const fm_node *map, const char *const *a,
                       const char *const *b, const char *what)
{
    for (size_t i = 0; i < map->len; i++) {
        const char *k = map->keys[i];
        if (in_list(k, a) || (b && in_list(k, b)))
            continue;
        err_at(P, map->items[i], "unknown key '%s' in %s", k, what);
    }
}

/* Ids are field names and msgctxt parts: a letter, then letters, digits,
 * '_' or '-'. Codes may also start with a digit ("1", "99"). */
static bool valid_name(const char *s, bool code)
{
    size_t n = strlen(s);
    if (n == 0 || n > (code ? MAX_CODE : MAX_ID))
        return false;
    bool letter_first = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z');
    if (!code && !letter_first)
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static char *get_id(parser *P, const fm_node *map, const char *key, const char *what)
{
    const char *id = get_scalar(P, map, key, true, what);
    if (!id)
        return NULL;
    if (!valid_name(id, false)) {
        err_at(P, fm_get(map, key),
               "'%s' must start with a letter and hold only letters, digits, '_' and '-' "
               "(at most %d), not '%s'", key, MAX_ID, id);
        return NULL;
    }
    return xstrdup(id);
}

static void set_text(parser *P, survey_text *t, const fm_node *map, const char *key,
                     bool needed, const char *what, char *ctx)
{
    t->ctx = ctx;
    const char *v = get_scalar(P, map, key, needed, what);
    if (!v)
        return;
    const fm_node *n = fm_get(map, key);
    if (strlen(v) > MAX_TEXT_LENGTH)
        err_at(P, n, "'%s' is longer than %d bytes", key, MAX_TEXT_LENGTH);
    t->source = xstrdup(v);
    t->line = n->line;
    t->col = n->col;
}

/* --- options, rows, conditions -------------------------------------------- */

static void parse_option(parser *P, survey_question *q, const fm_node *n, survey_option *o)
{
    static const char *const keys[] = {"code", "text", "other", "prefer_not", NULL};
    char *ctx = NULL;
    if (n->kind != FM_MAP) {
        o->code = xstrdup(""); /* "" is a missing code: never NULL */
        err_at(P, n, "an option must be a mapping like {code: \"1\", text: \"Yes\"}");
        return;
    }
    check_keys(P, n, keys, NULL, "an option");
    const char *code = get_scalar(P, n, "code", true, "an option");
    if (code && (!valid_name(code, true) || in_list(code, RESERVED_CODES)))
        err_at(P, fm_get(n, "code"),
               in_list(code, RESERVED_CODES) ? "option code '%s' is a reserved word"
                                             : "option code '%s' must be letters, digits, '_' "
                                               "or '-' (at most 32)", code);
    o->code = xstrdup(code ? code : "");
    if (q->id)
        ctx = xasprintf("%s/%s/%s", P->s->id, q->id, o->code);
    set_text(P, &o->text, n, "text", true, "an option", ctx);
    o->other = fm_bool(n, "other", false, P->s->path, P->d);
    o->prefer_not = fm_bool(n, "prefer_not", false, P->s->path, P->d);
    if (o->other && q->type == SQ_MATRIX)
        err_at(P, fm_get(n, "other"), "a matrix cannot have an 'other' option");
}

static void parse_options(parser *P, survey_question *q, const fm_node *map)
{
    const fm_node *list = get_kind(P, map, "options", FM_LIST, true, "this question");
    if (!list)
        return;
    if (list->len < 2)
        err_at(P, list, "a %s question needs at least two options", survey_type_name(q->type));
    q->options = xcalloc(list->len ? list->len : 1, sizeof *q->options);
    q->noptions = list->len;
    int others = 0, prefer = 0;
    for (size_t i = 0; i < list->len; i++) {
        survey_option *o = &q->options[i];
        parse_option(P, q, list->items[i], o);
        for (size_t j = 0; j < i; j++)
            if (*o->code && !strcmp(o->code, q->options[j].code))
                err_at(P, list->items[i], "duplicate option code '%s' in question '%s'", o->code,
                       q->id ? q->id : "?");
        others += o->other;
        prefer += o->prefer_not;
        if (o->other && o->prefer_not)
            err_at(P, list->items[i], "an option cannot be both 'other' and 'prefer_not'");
    }
    if (others > 1 || prefer > 1)
        err_at(P, list, "at most one 'other' and one 'prefer_not' option per question");
}

static void parse_rows(parser *P, survey_question *q, const fm_node *map)
{
    static const char *const keys[] = {"id", "text", NULL};
    const fm_node *list = get_kind(P, map, "rows", FM_LIST, true, "a matrix question");
    if (!list)
        return;
    if (list->len == 0)
        err_at(P, list, "a matrix needs at least one row");
    q->rows = xcalloc(list->len ? list->len : 1, sizeof *q->rows);
    q->nrows = list->len;
    for (size_t i = 0; i < list->len; i++) {
        const fm_node *n = list->items[i];
        survey_row *r = &q->rows[i];
        if (n->kind != FM_MAP) {
            err_at(P, n, "a row must be a mapping like {id: sad, text: \"I felt sad\"}");
            continue;
        }
        check_keys(P, n, keys, NULL, "a matrix row");
        r->id = get_id(P, n, "id", "a matrix row");
        char *ctx = q->id && r->id ? xasprintf("%s/%s/row/%s", P->s->id, q->id, r->id) : NULL;
        set_text(P, &r->text, n, "text", true, "a matrix row", ctx);
        for (size_t j = 0; r->id && j < i; j++)
            if (q->rows[j].id && !strcmp(r->id, q->rows[j].id))
                err_at(P, n, "duplicate row id '%s' in question '%s'", r->id, q->id ? q->id : "?");
    }
}

static void parse_cond(parser *P, const fm_node *n, survey_cond *c)
{
    static const char *const keys[] = {"question", "equals", "any_of", "answered", NULL};
    c->line = n->line;
    c->col = n->col;
    if (n->kind != FM_MAP) {
        c->question = xstrdup(""); /* "" refers to nothing: never NULL */
        err_at(P, n, "a condition must be a mapping like {question: q1, equals: \"2\"}");
        return;
    }
    check_keys(P, n, keys, NULL, "a condition");
    const char *q = get_scalar(P, n, "question", true, "a condition");
    c->question = xstrdup(q ? q : "");
    int forms = !!fm_get(n, "equals") + !!fm_get(n, "any_of") + !!fm_get(n, "answered");
    if (forms != 1) {
        err_at(P, n, "a condition needs exactly one of 'equals', 'any_of' or 'answered'");
        return;
    }
    if (fm_get(n, "equals")) {
        const char *v = get_scalar(P, n, "equals", true, "a condition");
        c->kind = SC_EQUALS;
        c->values = xcalloc(1, sizeof *c->values);
        c->values[0] = xstrdup(v ? v : "");
        c->nvalues = 1;
    } else if (fm_get(n, "any_of")) {
        const fm_node *list = get_kind(P, n, "any_of", FM_LIST, true, "a condition");
        c->kind = SC_ANY_OF;
        if (!list)
            return;
        if (list->len == 0)
            err_at(P, list, "'any_of' needs at least one code");
        c->values = xcalloc(list->len ? list->len : 1, sizeof *c->values);
        for (size_t i = 0; i < list->len; i++) {
            if (list->items[i]->kind != FM_SCALAR)
                err_at(P, list->items[i], "'any_of' must list codes");
            c->values[c->nvalues++] = xstrdup(list->items[i]->text ? list->items[i]->text : "");
        }
    } else {
        c->kind = SC_ANSWERED;
        if (!fm_bool(n, "answered", false, P->s->path, P->d))
            err_at(P, fm_get(n, "answered"), "'answered' can only be true");
    }
}

static void parse_show_if(parser *P, survey_question *q, const fm_node *map)
{
    const fm_node *n = get_kind(P, map, "show_if", FM_MAP, false, "");
    if (!n)
        return;
    survey_show_if *si = &q->show_if;
    si->line = n->line;
    si->col = n->col;
    const fm_node *all = fm_get(n, "all"), *any = fm_get(n, "any");
    if (!all && !any) {
        si->conds = xcalloc(1, sizeof *si->conds);
        si->len = 1;
        parse_cond(P, n, &si->conds[0]);
        return;
    }
    if (n->len != 1) {
        err_at(P, n, "show_if takes either 'all' or 'any' (a list of conditions), or one condition");
        return;
    }
    si->any = any != NULL;
    const fm_node *list = get_kind(P, n, any ? "any" : "all", FM_LIST, true, "show_if");
    if (!list)
        return;
    if (list->len == 0)
        err_at(P, list, "'%s' needs at least one condition", any ? "any" : "all");
    si->conds = xcalloc(list->len ? list->len : 1, sizeof *si->conds);
    si->len = list->len;
    for (size_t i = 0; i < list->len; i++)
        parse_cond(P, list->items[i], &si->conds[i]);
}

/* --- questions -------------------------------------------------------------- */

static void parse_limits(parser *P, survey_question *q, const fm_node *n)
{
    q->min_choices = q->max_choices = q->maxlength = -1;
    if (q->type == SQ_SCALE || q->type == SQ_NUMBER) {
        q->has_min = get_double(P, n, "min", &q->min);
        q->has_max = get_double(P, n, "max", &q->max);
        q->has_step = get_double(P, n, "step", &q->step);
        if (q->has_min && q->has_max && q->min > q->max)
            err_at(P, fm_get(n, "min"), "'min' (%g) is more than 'max' (%g)", q->min, q->max);
        if (q->has_step && q->step <= 0)
            err_at(P, fm_get(n, "step"), "'step' must be more than 0");
    }
    if (q->type == SQ_SCALE) {
        if (!q->has_min || !q->has_max)
            err_at(P, n, "a scale needs whole numbers 'min' and 'max'");
        else if (q->min != floor(q->min) || q->max != floor(q->max) || q->max - q->min < 1 ||
                 q->max - q->min > MAX_SCALE_POINTS - 1 || fabs(q->min) > 1000)
            err_at(P, fm_get(n, "min"), "a scale goes between whole numbers, with 2 to %d points",
                   MAX_SCALE_POINTS);
        q->has_step = true;
        q->step = 1;
    }
    if (q->type == SQ_MULTIPLE) {
        get_long(P, n, "min_choices", 1, 1000, &q->min_choices);
        get_long(P, n, "max_choices", 1, 1000, &q->max_choices);
        long most = (long)q->noptions;
        if (q->max_choices > most || q->min_choices > most)
            err_at(P, fm_get(n, q->max_choices > most ? "max_choices" : "min_choices"),
                   "more choices than the %ld options", most);
        if (q->max_choices >= 0 && q->min_choices > q->max_choices)
            err_at(P, fm_get(n, "min_choices"), "'min_choices' is more than 'max_choices'");
    }
    if (q->type == SQ_TEXT || q->type == SQ_TEXTAREA) {
        q->maxlength = q->type == SQ_TEXT ? DEFAULT_TEXT_MAX : DEFAULT_TEXTAREA_MAX;
        get_long(P, n, "maxlength", 1, 100000, &q->maxlength);
    }
    const char *pattern = q->type == SQ_TEXT ? get_scalar(P, n, "pattern", false, "") : NULL;
    if (pattern) {
        regex_t re;
        if (!*pattern || regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
            err_at(P, fm_get(n, "pattern"), "'pattern' is not a valid regular expression");
        else
            regfree(&re);
        q->pattern = xstrdup(pattern);
    }
}

static void check_question_keys(parser *P, const fm_node *n, survey_qtype type)
{
    for (size_t i = 0; i < n->len; i++) {
        const char *k = n->keys[i];
        if (in_list(k, COMMON_KEYS) || in_list(k, TYPE_KEYS[type]))
            continue;
        bool other_type = false;
        for (size_t t = 0; t < sizeof TYPE_KEYS / sizeof *TYPE_KEYS; t++)
            other_type |= in_list(k, TYPE_KEYS[t]);
        if (other_type)
            err_at(P, n->items[i], "'%s' is not used by a %s question", k, survey_type_name(type));
        else
            err_at(P, n->items[i], "unknown key '%s' in a question", k);
    }
}

static survey_qtype parse_type(parser *P, const fm_node *n, bool *ok)
{
    const char *t = get_scalar(P, n, "type", true, "a question");
    *ok = false;
    if (!t)
        return SQ_SINGLE;
    for (size_t i = 0; i < sizeof TYPE_NAMES / sizeof *TYPE_NAMES; i++)
        if (!strcmp(t, TYPE_NAMES[i])) {
            *ok = true;
            return (survey_qtype)i;
        }
    err_at(P, fm_get(n, "type"),
           "unknown question type '%s' (single, multiple, select, scale, matrix, number, text, "
           "textarea)", t);
    return SQ_SINGLE;
}

static void parse_question(parser *P, const fm_node *n, size_t section)
{
    survey_t *s = P->s;
    xgrow((void **)&s->questions, &P->questions_cap, s->nquestions + 1, sizeof *s->questions);
    survey_question *q = &s->questions[s->nquestions++];
    *q = (survey_question){.section = section, .line = n->line, .col = n->col,
                           .min_choices = -1, .max_choices = -1, .maxlength = -1};
    if (n->kind != FM_MAP) {
        err_at(P, n, "a question must be a mapping with id, type and text");
        return;
    }
    q->id = get_id(P, n, "id", "a question");
    if (q->id && !strcmp(q->id, "section")) {
        err_at(P, fm_get(n, "id"), "'section' is reserved and cannot be a question id");
    }
    bool typed;
    q->type = parse_type(P, n, &typed);
    if (typed)
        check_question_keys(P, n, q->type);
    const char *qid = q->id ? q->id : "?";
    set_text(P, &q->text, n, "text", true, "a question", xasprintf("%s/%s", s->id, qid));
    set_text(P, &q->help, n, "help", false, "", xasprintf("%s/%s/help", s->id, qid));
    q->required = fm_bool(n, "required", false, s->path, P->d);
    if (!typed)
        return;
    if (q->type == SQ_SINGLE || q->type == SQ_MULTIPLE || q->type == SQ_SELECT ||
        q->type == SQ_MATRIX)
        parse_options(P, q, n);
    if (q->type == SQ_MATRIX)
        parse_rows(P, q, n);
    if (q->type == SQ_SCALE) {
        set_text(P, &q->min_label, n, "min_label", false, "", xasprintf("%s/%s/min_label", s->id, qid));
        set_text(P, &q->max_label, n, "max_label", false, "", xasprintf("%s/%s/max_label", s->id, qid));
    }
    parse_limits(P, q, n);
    parse_show_if(P, q, n);
}

static void parse_section(parser *P, const fm_node *n, size_t index)
{
    static const char *const keys[] = {"id", "title", "questions", NULL};
    survey_section *sec = &P->s->sections[index];
    sec->first = P->s->nquestions;
    if (n->kind != FM_MAP) {
        err_at(P, n, "a section must be a mapping with id, title and questions");
        return;
    }
    check_keys(P, n, keys, NULL, "a section");
    sec->id = get_id(P, n, "id", "a section");
    set_text(P, &sec->title, n, "title", true, "a section",
             xasprintf("%s/section/%s", P->s->id, sec->id ? sec->id : "?"));
    for (size_t j = 0; sec->id && j < index; j++)
        if (P->s->sections[j].id && !strcmp(sec->id, P->s->sections[j].id))
            err_at(P, fm_get(n, "id"), "duplicate section id '%s'", sec->id);
    const fm_node *list = get_kind(P, n, "questions", FM_LIST, true, "a section");
    if (list && list->len == 0)
        err_at(P, list, "a section needs at least one question");
    for (size_t i = 0; list && i < list->len; i++)
        parse_question(P, list->items[i], index);
    sec->count = P->s->nquestions - sec->first;
}

static void parse_root(parser *P, const fm_node *root)
{
    static const char *const keys[] = {"id", "version_notes", "sections", NULL};
    check_keys(P, root, keys, NULL, "a survey");
    const char *id = get_scalar(P, root, "id", false, "");
    if (id && strcmp(id, P->s->id))
        err_at(P, fm_get(root, "id"), "'id' is '%s' but the file is named %s.yaml", id, P->s->id);
    const fm_node *list = get_kind(P, root, "sections", FM_LIST, true, "a survey");
    if (!list)
        return;
    if (list->len == 0)
        err_at(P, list, "a survey needs at least one section");
    P->s->sections = xcalloc(list->len ? list->len : 1, sizeof *P->s->sections);
    P->s->nsections = list->len;
    for (size_t i = 0; i < list->len; i++)
        parse_section(P, list->items[i], i);
}

/* --- validation across questions ---------------------------------------- */

static long find_index(const survey_t *s, const char *id)
{
    for (size_t i = 0; i < s->nquestions; i++)
        if (s->questions[i].id && !strcmp(s->questions[i].id, id))
            return (long)i;
    return -1;
}

static void check_duplicate_ids(parser *P)
{
    survey_t *s = P->s;
    for (size_t i = 0; i < s->nquestions; i++) {
        long first = s->questions[i].id ? find_index(s, s->questions[i].id) : (long)i;
        if (first != (long)i)
            diag_error(P->d, s->path, s->questions[i].line, s->questions[i].col,
                       "duplicate question id '%s' (first at line %d)", s->questions[i].id,
                       s->questions[first].line);
    }
}

/* Whether v is a code the question's form can send. */
static bool valid_value(const survey_question *q, const char *v)
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

static void check_cond(parser *P, const survey_question *q, size_t qi, survey_cond *c)
{
    const survey_t *s = P->s;
    const char *path = s->path;
    long t = find_index(s, c->question);
    if (!*c->question)
        return;
    if (t < 0) {
        diag_error(P->d, path, c->line, c->col, "show_if refers to unknown question '%s'",
                   c->question);
        return;
    }
    c->target = (size_t)t;
    if ((size_t)t == qi) {
        diag_error(P->d, path, c->line, c->col, "show_if of '%s' refers to itself", q->id);
        return;
    }
    const survey_question *target = &s->questions[t];
    if ((size_t)t > qi)
        diag_error(P->d, path, c->line, c->col,
                   "show_if refers to '%s', which comes later (line %d): a condition may only "
                   "refer to an earlier question", c->question, target->line);
    if (target->type == SQ_MATRIX) {
        diag_error(P->d, path, c->line, c->col,
                   "show_if cannot refer to the matrix question '%s'", c->question);
        return;
    }
    bool choice = target->type == SQ_SINGLE || target->type == SQ_MULTIPLE ||
                  target->type == SQ_SELECT || target->type == SQ_SCALE;
    if (c->kind != SC_ANSWERED && !choice) {
        diag_error(P->d, path, c->line, c->col,
                   "'%s' is a %s question: a condition on it can only be 'answered: true'",
                   c->question, survey_type_name(target->type));
        return;
    }
    for (size_t i = 0; i < c->nvalues; i++) {
        if (!valid_value(target, c->values[i]))
            diag_error(P->d, path, c->line, c->col, "'%s' is not a code of question '%s'",
                       c->values[i], c->question);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->values[i], c->values[j]))
                diag_error(P->d, path, c->line, c->col, "code '%s' is listed twice",
                           c->values[i]);
    }
}

/* Depth-first search over "refers to" edges; a back edge is a cycle,
 * reported once with the whole loop. */
static bool find_cycle(parser *P, size_t q, char *color, size_t *stack, size_t depth)
{
    survey_t *s = P->s;
    color[q] = 1;
    stack[depth] = q;
    const survey_show_if *si = &s->questions[q].show_if;
    for (size_t i = 0; i < si->len; i++) {
        long t = si->conds[i].question ? find_index(s, si->conds[i].question) : -1;
        if (t < 0 || (size_t)t == q)
            continue;
        if (color[t] == 1) {
            buf_t loop = BUF_INIT;
            size_t from = depth;
            while (stack[from] != (size_t)t)
                from--;
            for (size_t k = from; k <= depth; k++)
                buf_printf(&loop, "%s -> ", s->questions[stack[k]].id);
            buf_puts(&loop, s->questions[t].id);
            diag_error(P->d, s->path, si->line, si->col, "show_if conditions form a cycle: %s",
                       buf_cstr(&loop));
            buf_free(&loop);
            color[q] = 2;
            return true;
        }
        if (color[t] == 0 && find_cycle(P, (size_t)t, color, stack, depth + 1)) {
            color[q] = 2;
            return true;
        }
    }
    color[q] = 2;
    return false;
}

static void check_conditions(parser *P)
{
    survey_t *s = P->s;
    for (size_t i = 0; i < s->nquestions; i++)
        for (size_t c = 0; c < s->questions[i].show_if.len; c++)
            check_cond(P, &s->questions[i], i, &s->questions[i].show_if.conds[c]);
    char *color = xcalloc(s->nquestions + 1, 1);
    size_t *stack = xcalloc(s->nquestions + 1, sizeof *stack);
    for (size_t i = 0; i < s->nquestions; i++)
        if (!color[i] && s->questions[i].id)
            find_cycle(P, i, color, stack, 0);
    free(color);
    free(stack);
}

/* --- public ----------------------------------------------------------------- */

survey_t *survey_parse(const char *src, size_t len, const char *path, const char *id,
                       diags_t *d)
{
    size_t errors_before = d->errors;
    survey_t *s = xcalloc(1, sizeof *s);
    s->id = xstrdup(id);
    s->path = xstrdup(path);
    if (!valid_name(id, false))
        diag_error(d, path, 0, 0,
                   "a survey file name must start with a letter and hold only letters, digits, "
                   "'_' and '-' (it is the survey id)");
    fm_node *root = fm_read_document(src, len, path, d);
    if (root) {
        parser P = {.s = s, .d = d};
        parse_root(&P, root);
        check_duplicate_ids(&P);
        check_conditions(&P);
        fm_free(root);
    }
    if (d->errors > errors_before) {
        survey_free(s);
        return NULL;
    }
    survey_collect_texts(s);
    survey_set_version(s);
    return s;
}

survey_t *survey_load(const char *path, diags_t *d)
{
    char *src;
    size_t len;
    if (fs_read_file(path, &src, &len) < 0) {
        diag_error(d, path, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    const char *base = path_basename(path);
    char *id = xstrndup(base, strlen(base) - strlen(path_extension(base)));
    survey_t *s = survey_parse(src, len, path, id, d);
    free(id);
    free(src);
    return s;
}

static void free_text(survey_text *t)
{
    free(t->ctx);
    free(t->source);
}

static void free_question(survey_question *q)
{
    free(q->id);
    free_text(&q->text);
    free_text(&q->help);
    free_text(&q->min_label);
    free_text(&q->max_label);
    for (size_t i = 0; i < q->noptions; i++) {
        free(q->options[i].code);
        free_text(&q->options[i].text);
    }
    free(q->options);
    for (size_t i = 0; i < q->nrows; i++) {
        free(q->rows[i].id);
        free_text(&q->rows[i].text);
    }
    free(q->rows);
    free(q->pattern);
    for (size_t i = 0; i < q->show_if.len; i++) {
        survey_cond *c = &q->show_if.conds[i];
        free(c->question);
        for (size_t v = 0; v < c->nvalues; v++)
            free(c->values[v]);
        free(c->values);
    }
    free(q->show_if.conds);
}

void survey_free(survey_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nquestions; i++)
        free_question(&s->questions[i]);
    free(s->questions);
    for (size_t i = 0; i < s->nsections; i++) {
        free(s->sections[i].id);
        free_text(&s->sections[i].title);
    }
    free(s->sections);
    free(s->texts);
    free(s->id);
    free(s->path);
    free(s);
}

const survey_question *survey_find_question(const survey_t *s, const char *id)
{
    long i = find_index(s, id);
    return i < 0 ? NULL : &s->questions[i];
}
