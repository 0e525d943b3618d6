/* survey: one survey's structure, read from surveys/<id>.yaml.
 *
 * The structure is written once: sections, questions with stable ids and
 * types, option codes, limits and show_if conditions, with texts in the
 * site's default language. Every other language takes its texts from its
 * PO catalog by msgctxt (survey_text.ctx); the structure, and so every
 * field name and value of the form, is the same in all languages. The
 * version is a hash of the structure only (never of texts), so answers
 * carry which questionnaire they answered. A survey is immutable after
 * survey_parse and may be read from several threads. README.md ("Surveys")
 * documents the YAML format and the msgctxt forms. */
#ifndef WAYMARK_SURVEY_H
#define WAYMARK_SURVEY_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "diag.h"

typedef enum {
    SQ_SINGLE, SQ_MULTIPLE, SQ_SELECT, SQ_SCALE, SQ_MATRIX, SQ_NUMBER, SQ_TEXT, SQ_TEXTAREA
} survey_qtype;

/* A translatable text: msgctxt "<survey>/<question>[/<code>]" and friends,
 * msgid the default-language text. source is NULL for an absent text. */
typedef struct {
    char *ctx;     /* owned */
    char *source;  /* owned; NULL when the survey gives none */
    int line, col; /* where the text is in the YAML */
} survey_text;

typedef struct {
    char *code;    /* owned: the value a form sends */
    survey_text text;
    bool other;      /* "other, please specify": sends <question>.other too */
    bool prefer_not; /* "prefer not to say" */
} survey_option;

typedef struct {
    char *id;      /* owned: matrix fields are named <question>.<row> */
    survey_text text;
} survey_row;

typedef enum { SC_EQUALS, SC_ANY_OF, SC_ANSWERED } survey_cond_kind;

typedef struct {
    survey_cond_kind kind;
    char *question;  /* owned: the id referred to */
    size_t target;   /* index of that question (valid after survey_parse) */
    char **values;   /* owned: equals has one, any_of one or more */
    size_t nvalues;
    int line, col;
} survey_cond;

typedef struct {
    bool any;           /* true: any condition; false: all */
    survey_cond *conds; /* owned; none: the question is always shown */
    size_t len;
    int line, col;
} survey_show_if;

typedef struct {
    char *id;          /* owned */
    size_t section;    /* index into survey_t.sections */
    survey_qtype type;
    bool required;
    survey_text text, help;          /* help.source NULL when none */
    survey_option *options;          /* single/multiple/select/matrix (owned) */
    size_t noptions;
    survey_row *rows;                /* matrix (owned) */
    size_t nrows;
    survey_text min_label, max_label; /* scale ends (source may be NULL) */
    bool has_min, has_max, has_step; /* number: each optional; scale: min and max */
    double min, max, step;
    long min_choices, max_choices;   /* multiple; -1 when not set */
    long maxlength;                  /* text/textarea; -1 for other types */
    char *pattern;                   /* text; owned, NULL when none */
    survey_show_if show_if;
    int line, col;
} survey_question;

typedef struct {
    char *id;          /* owned */
    survey_text title;
    size_t first, count; /* its questions: questions[first .. first+count) */
} survey_section;

typedef struct survey {
    char *id;        /* owned; the file name without .yaml */
    char *path;      /* owned; "surveys/<id>.yaml", as messages show it */
    survey_section *sections;
    size_t nsections;
    survey_question *questions; /* in form order */
    size_t nquestions;
    char version[17];           /* 16 lowercase hex digits */
    const survey_text **texts;  /* every present text in file order (borrowed) */
    size_t ntexts;
} survey_t;

/* Parses the YAML source of survey id (path is what messages show) and
 * validates it, reporting every problem at path:line:col. Returns NULL
 * when there were errors; caller frees with survey_free. */
survey_t *survey_parse(const char *src, size_t len, const char *path, const char *id,
                       diags_t *d);
/* Reads and parses path; the id is the file name without ".yaml". */
survey_t *survey_load(const char *path, diags_t *d);
void survey_free(survey_t *s);

const char *survey_type_name(survey_qtype type);
/* The question with that id, or NULL (borrowed). */
const survey_question *survey_find_question(const survey_t *s, const char *id);
/* The text with that msgctxt, or NULL (borrowed). */
const survey_text *survey_find_text(const survey_t *s, const char *msgctxt);

/* The text in the catalog's language: its translation, or the default
 * text when the catalog (may be NULL) has none. NULL when t is absent. */
const char *survey_text_get(const survey_text *t, const catalog_t *cat);

/* The last steps of survey_parse: fills s->texts (survey_text.c) and
 * s->version (survey_version.c). */
void survey_collect_texts(survey_t *s);
void survey_set_version(survey_t *s);

/* The canonical structure the version hashes: ids, types, codes, rows,
 * required, limits and conditions, never texts (caller frees). */
char *survey_canonical(const survey_t *s);

/* Checks the catalog of one language (po_path as messages show it)
 * against the survey: an entry whose msgctxt starts with "<id>/" but names
 * no text of the survey is an error at its PO line; texts without a
 * translation are one warning listing their msgctxts (when warn_missing). */
void survey_check_catalog(const survey_t *s, const catalog_t *cat, const char *po_path,
                          const char *lang_name, bool warn_missing, diags_t *d);

#endif
