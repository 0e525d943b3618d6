/* form: a survey as a JavaScript-free HTML form, and the CSS that reveals
 * its conditional questions.
 *
 * The markup is the same structure in every language: field names are
 * question ids (matrix rows "<question>.<row>", other-texts
 * "<question>.other"), values are option codes; only texts differ.
 * Validation is plain HTML (required, min/max/step, maxlength, pattern).
 * A conditional question is never `required` in the markup and reads
 * "Answer only if you answered ... to question N"; the CSS from form_css
 * hides it, where the browser supports :has(), until its condition (and
 * that of every question the condition refers to) holds. Every text is
 * HTML-escaped here, the one place survey text becomes HTML. */
#ifndef WAYMARK_FORM_H
#define WAYMARK_FORM_H

#include "catalog.h"
#include "survey.h"

/* A UI string of the page's language (msgctxt "survey form"): the
 * translation of msgid, or of its plural for n when plural is not NULL.
 * Returns a borrowed string; "%d" in it is replaced by the caller. */
typedef const char *(*form_translate_fn)(void *ctx, const char *msgid, const char *plural,
                                         unsigned long n);

typedef struct {
    const survey_t *survey;
    const catalog_t *cat;  /* survey texts of this language; NULL: the default texts */
    const char *lang;      /* language code, sent as _lang */
    const char *action;    /* the form's action URL */
    form_translate_fn t;
    void *t_ctx;
} form_input;

/* The <form> element (caller frees). */
char *form_html(const form_input *in);
/* The stylesheet that hides and reveals conditional questions: written
 * once per survey as surveys/<id>/form.css (caller frees). NULL with
 * *why set when the conditions are too many to express in CSS. */
char *form_css(const survey_t *s, const char **why);
/* A rough answering time in whole minutes (at least 1). */
int form_minutes(const survey_t *s);
/* The id of the form element ("sv-<survey>"), and of a section's heading
 * anchor ("sv-<survey>-<section>"), for links from templates (caller frees). */
char *form_section_anchor(const survey_t *s, size_t section);

#endif
