/* answer: a survey answer, checked against the survey's schema.json.
 *
 * The build writes out/site/surveys/<id>/schema.json (the contract is in
 * README.md, "Survey answers"): ids, types, option codes, limits and show_if
 * conditions, never texts. `waymark serve` reads it here, and checks each
 * form POST against it before anything is stored: known survey, version and
 * language, known field names, each field once (except the options of a
 * multiple-choice question), codes from the list, numbers and texts within
 * their limits, every required question answered when it is shown, and no
 * answer to a question that is hidden by its show_if. A valid answer becomes
 * a JSON object of codes; the same conditions are evaluated again by
 * `waymark responses export`, so hidden and unanswered stay distinguishable. */
#ifndef WAYMARK_ANSWER_H
#define WAYMARK_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "formdata.h"
#include "jsondoc.h"

typedef enum {
    Q_SINGLE, Q_MULTIPLE, Q_SELECT, Q_SCALE, Q_MATRIX, Q_NUMBER, Q_TEXT, Q_TEXTAREA
} answer_qtype;

typedef enum { COND_EQUALS, COND_ANY_OF, COND_ANSWERED } answer_cond_kind;

typedef struct {
    answer_cond_kind kind;
    char *question; /* owned: the id of the question it looks at */
    char **values;  /* owned: equals (one) / any_of (several) codes */
    size_t nvalues;
    bool answered;  /* COND_ANSWERED: true = has an answer, false = has none */
} answer_cond;

typedef struct {
    char *id, *section;   /* owned */
    answer_qtype type;
    bool required;
    char **codes;         /* owned; for scale/matrix without codes: min..max */
    size_t ncodes;
    char *other_code;     /* owned or NULL */
    long min_choices, max_choices; /* -1 when null */
    bool has_min, has_max, has_step;
    double min, max, step;
    long maxlength;       /* -1 when null */
    char *pattern;        /* owned or NULL: an HTML pattern (full match) */
    void *regex;          /* owned: pattern compiled (a regex_t), or NULL */
    char **rows;          /* owned: matrix row ids */
    size_t nrows;
    bool show_if_any;     /* true: any condition; false: all conditions */
    answer_cond *conds;   /* owned; none = always shown */
    size_t nconds;
} answer_question;

typedef struct {
    char *survey, *version; /* owned */
    char **languages;       /* owned */
    char **thanks;          /* owned, parallel to languages: site-root paths */
    size_t nlanguages;
    answer_question *questions; /* owned, in form order */
    size_t nquestions;
} answer_schema;

/* Reads schema.json text into s. Returns 0, or -1 with *err (caller frees)
 * naming what is wrong; s is then empty. Free with answer_schema_free. */
int answer_schema_load(const char *text, size_t len, answer_schema *s, char **err);
void answer_schema_free(answer_schema *s);
/* Index of the language code in s->languages, or -1. */
int answer_schema_language(const answer_schema *s, const char *code);
/* True for a survey id that is safe as a folder name: [a-z0-9_-], 1-64. */
bool answer_survey_id_ok(const char *id);

typedef enum {
    PROBLEM_MALFORMED,        /* the body is not a form (question 0) */
    PROBLEM_UNKNOWN_SURVEY,
    PROBLEM_WRONG_VERSION,
    PROBLEM_UNKNOWN_LANGUAGE,
    PROBLEM_UNKNOWN_FIELD,
    PROBLEM_DUPLICATE_FIELD,
    PROBLEM_MISSING,          /* required and shown, but unanswered */
    PROBLEM_INVALID_CODE,
    PROBLEM_BAD_NUMBER,
    PROBLEM_TOO_LONG,
    PROBLEM_PATTERN,
    PROBLEM_HIDDEN_ANSWERED,  /* answered although its show_if does not hold */
    PROBLEM_CHOICE_COUNT,
    PROBLEM_OTHER_TEXT,       /* an "other" text without the "other" option */
} answer_problem_kind;

typedef struct {
    answer_problem_kind kind;
    size_t question; /* 1-based position in the form; 0 = the whole form */
    char *field;     /* owned: the field name concerned, or NULL */
} answer_problem;

typedef struct {
    answer_problem *items; /* owned */
    size_t len, cap;
} answer_problems;

/* Checks form against s. Returns 0 and sets *answers_json (caller frees)
 * to the answer as a JSON object of field name to code/text (a list for a
 * multiple-choice question), in form order; or returns -1 with every
 * problem added to problems. */
int answer_validate(const answer_schema *s, const form_t *form, char **answers_json,
                    answer_problems *problems);
void answer_problems_add(answer_problems *p, answer_problem_kind kind, size_t question,
                         const char *field);
void answer_problems_free(answer_problems *p);

/* The values given for a field (question id, or "<id>.<row>"/"<id>.other"):
 * a lookup the condition evaluator calls; returns how many (borrowed). */
typedef size_t (*answer_lookup)(void *ctx, const char *field, const char *const **values);
/* True when question q of s is shown, given the answers lookup sees. */
bool answer_is_shown(const answer_schema *s, size_t q, answer_lookup lookup, void *ctx);

#endif
