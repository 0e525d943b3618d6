#include "form.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/* Most alternative paths one conditional question may have in CSS: each
 * is one selector, so this bounds the stylesheet. */
enum { MAX_TERMS = 256 };

typedef struct {
    const form_input *in;
    buf_t *b;
} form_writer;

static void esc(buf_t *b, const char *s)
{
    buf_put_html(b, s, strlen(s));
}

static const char *ui(const form_writer *w, const char *msgid)
{
    return w->in->t(w->in->t_ctx, msgid, NULL, 0);
}

/* Writes the translated fmt, escaped, with "{name}" replaced by the HTML
 * in values (parallel to names) and "%d" by n. */
static void put_fmt(buf_t *b, const char *fmt, const char *const *names,
                    const char *const *values, size_t nnames, long n)
{
    while (*fmt) {
        bool done = false;
        if (fmt[0] == '%' && fmt[1] == 'd') {
            buf_printf(b, "%ld", n);
            fmt += 2;
            continue;
        }
        for (size_t i = 0; i < nnames && *fmt == '{'; i++) {
            size_t len = strlen(names[i]);
            if (!strncmp(fmt + 1, names[i], len) && fmt[1 + len] == '}') {
                buf_puts(b, values[i]);
                fmt += len + 2;
                done = true;
                break;
            }
        }
        if (!done) {
            buf_put_html(b, fmt, 1);
            fmt++;
        }
    }
}

static const char *text_of(const form_writer *w, const survey_text *t)
{
    return survey_text_get(t, w->in->cat);
}

/* --- condition notes ---------------------------------------------------------- */

/* The answer a condition value stands for, quoted, as HTML (caller frees). */
static char *answer_html(const form_writer *w, const survey_question *target, const char *code)
{
    buf_t text = BUF_INIT, out = BUF_INIT;
    const char *shown = code;
    for (size_t i = 0; i < target->noptions; i++)
        if (!strcmp(target->options[i].code, code))
            shown = text_of(w, &target->options[i].text);
    esc(&text, shown);
    const char *names[] = {"text"}, *values[] = {buf_cstr(&text)};
    put_fmt(&out, ui(w, "“{text}”"), names, values, 1, 0);
    buf_free(&text);
    return buf_detach(&out);
}

static void put_condition(const form_writer *w, const survey_cond *c, bool alone)
{
    char number[24];
    snprintf(number, sizeof number, "%zu", c->target + 1);
    const survey_question *target = &w->in->survey->questions[c->target];
    if (c->kind == SC_ANSWERED) {
        const char *names[] = {"number"}, *values[] = {number};
        put_fmt(w->b, ui(w, alone ? "Answer only if you answered question {number}."
                                   : "You answered question {number}."),
                names, values, 1, 0);
        return;
    }
    char *answers = answer_html(w, target, c->values[0]);
    for (size_t i = 1; i < c->nvalues; i++) {
        char *next = answer_html(w, target, c->values[i]);
        buf_t joined = BUF_INIT;
        const char *names[] = {"first", "second"}, *values[] = {answers, next};
        put_fmt(&joined, ui(w, "{first} or {second}"), names, values, 2, 0);
        free(answers);
        free(next);
        answers = buf_detach(&joined);
    }
    const char *names[] = {"answer", "number"}, *values[] = {answers, number};
    put_fmt(w->b, ui(w, alone ? "Answer only if you answered {answer} to question {number}."
                               : "You answered {answer} to question {number}."),
            names, values, 2, 0);
    free(answers);
}

static void put_condition_note(const form_writer *w, const survey_question *q)
{
    const survey_show_if *si = &q->show_if;
    buf_printf(w->b, "<div class=\"q-cond\" id=\"q-%s.cond\">", q->id);
    if (si->len == 1) {
        buf_puts(w->b, "<p>");
        put_condition(w, &si->conds[0], true);
    } else {
        buf_puts(w->b, "<p>");
        esc(w->b, ui(w, si->any ? "Answer only if one of these is true:"
                                : "Answer only if all of these are true:"));
        buf_puts(w->b, "</p>\n<ul>");
        for (size_t i = 0; i < si->len; i++) {
            buf_puts(w->b, "<li>");
            put_condition(w, &si->conds[i], false);
            buf_puts(w->b, "</li>");
        }
        buf_puts(w->b, "</ul>\n<p>");
    }
    if (q->required) {
        buf_putc(w->b, ' ');
        esc(w->b, ui(w, "Required when shown."));
    }
    buf_puts(w->b, "</p></div>\n");
}

/* --- questions -------------------------------------------------------------- */

static bool is_group(survey_qtype t)
{
    return t == SQ_SINGLE || t == SQ_MULTIPLE || t == SQ_SCALE || t == SQ_MATRIX;
}

/* required in markup only for a question that is always shown. */
static bool markup_required(const survey_question *q)
{
    return q->required && !q->show_if.len;
}

static void put_describedby(const form_writer *w, const survey_question *q)
{
    const char *sep = "";
    bool help = q->help.source != NULL, cond = q->show_if.len > 0,
         hint = q->type == SQ_MULTIPLE && (q->min_choices > 0 || q->max_choices > 0);
    if (!help && !cond && !hint)
        return;
    buf_puts(w->b, " aria-describedby=\"");
    if (cond)
        buf_printf(w->b, "%sq-%s.cond", sep, q->id), sep = " ";
    if (hint)
        buf_printf(w->b, "%sq-%s.hint", sep, q->id), sep = " ";
    if (help)
        buf_printf(w->b, "%sq-%s.help", sep, q->id);
    buf_putc(w->b, '"');
}

static void put_title(const form_writer *w, const survey_question *q, size_t number)
{
    buf_printf(w->b, "<span class=\"q-n\">%zu.</span> ", number);
    esc(w->b, text_of(w, &q->text));
    if (markup_required(q) || (q->required && q->type == SQ_MULTIPLE && !q->show_if.len)) {
        buf_puts(w->b, " <span class=\"q-req\">");
        esc(w->b, ui(w, "(required)"));
        buf_puts(w->b, "</span>");
    }
}

static void put_notes(const form_writer *w, const survey_question *q)
{
    if (q->show_if.len)
        put_condition_note(w, q);
    if (q->type == SQ_MULTIPLE && (q->min_choices > 0 || q->max_choices > 0)) {
        buf_printf(w->b, "<p class=\"q-hint\" id=\"q-%s.hint\">", q->id);
        if (q->min_choices > 0)
            put_fmt(w->b, w->in->t(w->in->t_ctx, "Choose at least %d option.", "Choose at least %d options.",
                                   (unsigned long)q->min_choices), NULL, NULL, 0, q->min_choices);
        if (q->min_choices > 0 && q->max_choices > 0)
            buf_putc(w->b, ' ');
        if (q->max_choices > 0)
            put_fmt(w->b, w->in->t(w->in->t_ctx, "Choose at most %d option.", "Choose at most %d options.",
                                   (unsigned long)q->max_choices), NULL, NULL, 0, q->max_choices);
        buf_puts(w->b, "</p>\n");
    }
    if (q->help.source) {
        buf_printf(w->b, "<p class=\"q-help\" id=\"q-%s.help\">", q->id);
        esc(w->b, text_of(w, &q->help));
        buf_puts(w->b, "</p>\n");
    }
}

static void put_choice(const form_writer *w, const char *type, const char *name,
                       const char *code, const char *text, bool required, const char *id_part)
{
    buf_printf(w->b, "<label class=\"choice\"><input type=\"%s\" name=\"%s\" value=\"%s\" id=\"f-%s.%s\"%s> ",
               type, name, code, id_part, code, required ? " required" : "");
    buf_puts(w->b, "<span>");
    esc(w->b, text);
    buf_puts(w->b, "</span></label>\n");
}

static void put_other_field(const form_writer *w, const survey_question *q)
{
    for (size_t i = 0; i < q->noptions; i++)
        if (q->options[i].other) {
            buf_printf(w->b, "<label class=\"q-other\" for=\"f-%s.other\">", q->id);
            esc(w->b, ui(w, "If other, please specify:"));
            buf_printf(w->b, "</label>\n<input type=\"text\" id=\"f-%s.other\" name=\"%s.other\" maxlength=\"200\">\n",
                       q->id, q->id);
        }
}

static void put_choices(const form_writer *w, const survey_question *q)
{
    const char *type = q->type == SQ_MULTIPLE ? "checkbox" : "radio";
    bool req = markup_required(q) && q->type != SQ_MULTIPLE;
    buf_puts(w->b, "<div class=\"q-choices\">\n");
    for (size_t i = 0; i < q->noptions; i++)
        put_choice(w, type, q->id, q->options[i].code, text_of(w, &q->options[i].text), req, q->id);
    buf_puts(w->b, "</div>\n");
    put_other_field(w, q);
}

static void put_scale(const form_writer *w, const survey_question *q)
{
    bool req = markup_required(q);
    buf_puts(w->b, "<div class=\"q-choices q-points\">\n");
    for (long v = (long)q->min; v <= (long)q->max; v++) {
        char code[24];
        snprintf(code, sizeof code, "%ld", v);
        const survey_text *end = v == (long)q->min ? &q->min_label
                                 : v == (long)q->max ? &q->max_label : NULL;
        buf_t label = BUF_INIT;
        buf_puts(&label, code);
        if (end && end->source)
            buf_printf(&label, " – %s", text_of(w, end));
        put_choice(w, "radio", q->id, code, buf_cstr(&label), req, q->id);
        buf_free(&label);
    }
    buf_puts(w->b, "</div>\n");
}

static void put_matrix(const form_writer *w, const survey_question *q)
{
    bool req = markup_required(q);
    for (size_t r = 0; r < q->nrows; r++) {
        char *name = xasprintf("%s.%s", q->id, q->rows[r].id);
        char *id_part = xasprintf("%s.%s", q->id, q->rows[r].id);
        buf_puts(w->b, "<fieldset class=\"q-row\"><legend>");
        esc(w->b, text_of(w, &q->rows[r].text));
        buf_puts(w->b, "</legend>\n<div class=\"q-choices q-inline\">\n");
        for (size_t i = 0; i < q->noptions; i++)
            put_choice(w, "radio", name, q->options[i].code, text_of(w, &q->options[i].text), req,
                       id_part);
        buf_puts(w->b, "</div></fieldset>\n");
        free(name);
        free(id_part);
    }
}

static void put_number_attr(buf_t *b, const char *name, bool has, double v)
{
    if (has)
        buf_printf(b, " %s=\"%.15g\"", name, v);
}

static void put_control(const form_writer *w, const survey_question *q)
{
    buf_t *b = w->b;
    const char *req = markup_required(q) ? " required" : "";
    if (q->type == SQ_SELECT) {
        buf_printf(b, "<select id=\"f-%s\" name=\"%s\"%s", q->id, q->id, req);
        put_describedby(w, q);
        /* The placeholder is disabled so an untouched select sends nothing. */
        buf_puts(b, ">\n<option value=\"\" disabled selected>");
        esc(b, ui(w, "Choose…"));
        buf_puts(b, "</option>\n");
        for (size_t i = 0; i < q->noptions; i++) {
            buf_printf(b, "<option value=\"%s\">", q->options[i].code);
            esc(b, text_of(w, &q->options[i].text));
            buf_puts(b, "</option>\n");
        }
        buf_puts(b, "</select>\n");
        put_other_field(w, q);
        return;
    }
    /* placeholder=" " lets CSS tell an answered field (:placeholder-shown). */
    if (q->type == SQ_TEXTAREA) {
        buf_printf(b, "<textarea id=\"f-%s\" name=\"%s\" maxlength=\"%ld\" rows=\"5\" placeholder=\" \"%s",
                   q->id, q->id, q->maxlength, req);
        put_describedby(w, q);
        buf_puts(b, "></textarea>\n");
        return;
    }
    bool number = q->type == SQ_NUMBER;
    buf_printf(b, "<input type=\"%s\" id=\"f-%s\" name=\"%s\" placeholder=\" \"", number ? "number" : "text",
               q->id, q->id);
    if (number) {
        put_number_attr(b, "min", q->has_min, q->min);
        put_number_attr(b, "max", q->has_max, q->max);
        if (q->has_step)
            put_number_attr(b, "step", true, q->step);
        else
            buf_puts(b, " step=\"any\"");
        buf_puts(b, " inputmode=\"decimal\"");
    } else {
        buf_printf(b, " maxlength=\"%ld\"", q->maxlength);
        if (q->pattern) {
            buf_puts(b, " pattern=\"");
            esc(b, q->pattern);
            buf_putc(b, '"');
        }
    }
    buf_puts(b, req);
    put_describedby(w, q);
    buf_puts(b, ">\n");
}

static void put_question(const form_writer *w, const survey_question *q, size_t number)
{
    buf_t *b = w->b;
    const char *cls = q->show_if.len ? " q-if" : "";
    if (is_group(q->type)) {
        buf_printf(b, "<fieldset class=\"q q-%s%s\" id=\"q-%s\"", survey_type_name(q->type), cls, q->id);
        put_describedby(w, q);
        buf_puts(b, ">\n<legend>");
        put_title(w, q, number);
        buf_puts(b, "</legend>\n");
        put_notes(w, q);
        if (q->type == SQ_SCALE)
            put_scale(w, q);
        else if (q->type == SQ_MATRIX)
            put_matrix(w, q);
        else
            put_choices(w, q);
        buf_puts(b, "</fieldset>\n");
        return;
    }
    buf_printf(b, "<div class=\"q q-%s%s\" id=\"q-%s\">\n<label for=\"f-%s\">", survey_type_name(q->type), cls,
               q->id, q->id);
    put_title(w, q, number);
    buf_puts(b, "</label>\n");
    put_notes(w, q);
    put_control(w, q);
    buf_puts(b, "</div>\n");
}

char *form_section_anchor(const survey_t *s, size_t section)
{
    return xasprintf("sv-%s-%s", s->id, s->sections[section].id);
}

char *form_html(const form_input *in)
{
    const survey_t *s = in->survey;
    buf_t b = BUF_INIT;
    form_writer w = {in, &b};
    buf_printf(&b, "<form class=\"survey\" id=\"sv-%s\" method=\"post\" action=\"", s->id);
    esc(&b, in->action);
    buf_puts(&b, "\" accept-charset=\"utf-8\">\n");
    buf_printf(&b, "<input type=\"hidden\" name=\"_survey\" value=\"%s\">\n", s->id);
    buf_printf(&b, "<input type=\"hidden\" name=\"_version\" value=\"%s\">\n", s->version);
    buf_puts(&b, "<input type=\"hidden\" name=\"_lang\" value=\"");
    esc(&b, in->lang);
    buf_puts(&b, "\">\n");
    for (size_t sec = 0; sec < s->nsections; sec++) {
        const survey_section *section = &s->sections[sec];
        char *anchor = form_section_anchor(s, sec);
        buf_printf(&b, "<section class=\"survey-section\" aria-labelledby=\"%s\">\n<h2 id=\"%s\">", anchor, anchor);
        esc(&b, text_of(&w, &section->title));
        buf_puts(&b, "</h2>\n");
        for (size_t i = section->first; i < section->first + section->count; i++)
            put_question(&w, &s->questions[i], i + 1);
        buf_puts(&b, "</section>\n");
        free(anchor);
    }
    buf_puts(&b, "<p class=\"survey-submit\"><button type=\"submit\">");
    esc(&b, ui(&w, "Send my answers"));
    buf_puts(&b, "</button></p>\n</form>\n");
    return buf_detach(&b);
}

/* --- the stylesheet of conditions ------------------------------------------- */

/* A condition as alternatives (DNF): a question is shown when every :has()
 * of one term matches. A term is a list of :has() selector arguments. */
typedef struct {
    char **parts;
    size_t len;
} css_term;

typedef struct {
    css_term *terms;
    size_t len;
} css_dnf;

static void dnf_free(css_dnf *d)
{
    for (size_t i = 0; i < d->len; i++) {
        for (size_t j = 0; j < d->terms[i].len; j++)
            free(d->terms[i].parts[j]);
        free(d->terms[i].parts);
    }
    free(d->terms);
    *d = (css_dnf){0};
}

static void term_add(css_term *t, const char *part)
{
    t->parts = xrealloc(t->parts, (t->len + 1) * sizeof *t->parts);
    t->parts[t->len++] = xstrdup(part);
}

static css_term term_copy(const css_term *t)
{
    css_term c = {0};
    for (size_t i = 0; i < t->len; i++)
        term_add(&c, t->parts[i]);
    return c;
}

static void dnf_push(css_dnf *d, css_term t)
{
    d->terms = xrealloc(d->terms, (d->len + 1) * sizeof *d->terms);
    d->terms[d->len++] = t;
}

/* The :has() argument that matches one condition's own test. */
static char *atom_selector(const survey_question *target, const survey_cond *c)
{
    buf_t b = BUF_INIT;
    bool select = target->type == SQ_SELECT;
    if (c->kind == SC_ANSWERED) {
        if (select)
            buf_printf(&b, "select[name=\"%s\"] option:checked:not([value=\"\"])", target->id);
        else if (is_group(target->type))
            buf_printf(&b, "input[name=\"%s\"]:checked", target->id);
        else
            buf_printf(&b, "[name=\"%s\"]:not(:placeholder-shown)", target->id);
        return buf_detach(&b);
    }
    for (size_t i = 0; i < c->nvalues; i++)
        buf_printf(&b, select ? "%sselect[name=\"%s\"] option[value=\"%s\"]:checked"
                              : "%sinput[name=\"%s\"][value=\"%s\"]:checked",
                   i ? ", " : "", target->id, c->values[i]);
    return buf_detach(&b);
}

/* and = every term of a with every term of b. */
static css_dnf dnf_and(const css_dnf *a, const css_dnf *b)
{
    css_dnf out = {0};
    for (size_t i = 0; i < a->len; i++)
        for (size_t j = 0; j < b->len && out.len < MAX_TERMS + 1; j++) {
            css_term t = term_copy(&a->terms[i]);
            for (size_t k = 0; k < b->terms[j].len; k++)
                term_add(&t, b->terms[j].parts[k]);
            dnf_push(&out, t);
        }
    return out;
}

/* When question q is shown: its own condition, where every test on an
 * earlier conditional question also needs that question shown. */
static css_dnf effective(const survey_t *s, size_t q, css_dnf *memo)
{
    const survey_show_if *si = &s->questions[q].show_if;
    css_dnf result = {0};
    if (!si->len) {
        dnf_push(&result, (css_term){0});
        return result;
    }
    if (!si->any)
        dnf_push(&result, (css_term){0});
    for (size_t i = 0; i < si->len; i++) {
        const survey_cond *c = &si->conds[i];
        css_dnf atom = {0};
        css_term t = {0};
        char *sel = atom_selector(&s->questions[c->target], c);
        term_add(&t, sel);
        free(sel);
        dnf_push(&atom, t);
        css_dnf with_parent = dnf_and(&atom, &memo[c->target]);
        dnf_free(&atom);
        if (si->any) {
            for (size_t k = 0; k < with_parent.len; k++)
                dnf_push(&result, with_parent.terms[k]);
            free(with_parent.terms);
        } else {
            css_dnf next = dnf_and(&result, &with_parent);
            dnf_free(&result);
            dnf_free(&with_parent);
            result = next;
        }
    }
    return result;
}

char *form_css(const survey_t *s, const char **why)
{
    *why = NULL;
    buf_t b = BUF_INIT;
    buf_printf(&b, "/* Survey %s (version %s): conditional questions are shown when their\n"
                   "   condition holds. Without :has() they stay visible with a note. */\n"
                   "@supports selector(:has(*)) {\n"
                   "#sv-%s .q-if, #sv-%s .q-cond { display: none; }\n",
               s->id, s->version, s->id, s->id);
    css_dnf *memo = xcalloc(s->nquestions ? s->nquestions : 1, sizeof *memo);
    for (size_t q = 0; q < s->nquestions && !*why; q++) {
        memo[q] = effective(s, q, memo);
        if (memo[q].len > MAX_TERMS) {
            *why = "show_if conditions are too many alternatives to express in CSS";
            break;
        }
        if (!s->questions[q].show_if.len)
            continue;
        for (size_t t = 0; t < memo[q].len; t++) {
            buf_printf(&b, "%s#sv-%s", t ? ",\n" : "", s->id);
            for (size_t p = 0; p < memo[q].terms[t].len; p++)
                buf_printf(&b, ":has(%s)", memo[q].terms[t].parts[p]);
            buf_printf(&b, " #q-%s", s->questions[q].id);
        }
        buf_puts(&b, " { display: block; }\n");
    }
    buf_puts(&b, "}\n");
    for (size_t q = 0; q < s->nquestions; q++)
        dnf_free(&memo[q]);
    free(memo);
    if (*why) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}

int form_minutes(const survey_t *s)
{
    long seconds = 0;
    for (size_t i = 0; i < s->nquestions; i++) {
        const survey_question *q = &s->questions[i];
        static const int base[] = {[SQ_SINGLE] = 12, [SQ_MULTIPLE] = 18, [SQ_SELECT] = 12,
                                   [SQ_SCALE] = 10, [SQ_MATRIX] = 8, [SQ_NUMBER] = 10,
                                   [SQ_TEXT] = 30, [SQ_TEXTAREA] = 60};
        seconds += base[q->type] + (long)q->nrows * 7;
    }
    long minutes = (seconds + 59) / 60;
    return minutes < 1 ? 1 : (int)minutes;
}
