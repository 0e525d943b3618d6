/* collect: validating and storing survey answers; see collect.h. */
#include "collect.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "answer.h"
#include "buf.h"
#include "catalog.h"
#include "diag.h"
#include "formdata.h"
#include "notice.h"
#include "path.h"
#include "xalloc.h"

#define MAX_CATALOGS 64
#define RATE_SLOTS 64

typedef struct {
    char code[24];
    catalog_t *catalog; /* NULL when the language has no PO file */
} cached_catalog;

typedef struct {
    char survey[65];
    long long minute;
    unsigned count;
} rate_slot;

struct collect {
    collect_options o;
    char *stylesheet; /* relative URL from the endpoint */
    pthread_mutex_t lock;
    cached_catalog catalogs[MAX_CATALOGS];
    size_t ncatalogs;
    rate_slot rates[RATE_SLOTS];
};

/* --- texts ------------------------------------------------------------------ */

static const char T_NOT_SAVED[] = "Your answer was not saved";
static const char T_CORRECT[] = "Please go back to the form, correct the following, and send it again:";
static const char T_BACK[] = "Use your browser's Back button: what you entered is usually still there.";
static const char T_UNREADABLE[] = "The form could not be read. Please reload the survey page and fill it in again.";
static const char T_UNKNOWN_SURVEY[] = "This survey does not collect answers here.";
static const char T_CHANGED[] = "This form has changed since you opened it. Please reload the survey page and fill it in again.";
static const char T_TOO_LARGE[] = "The answer is too long to be received. Please shorten your texts and send the form again.";
static const char T_BUSY_TITLE[] = "Too many answers right now";
static const char T_BUSY[] = "Many answers are arriving at once. Please wait a minute, then send the form again.";
static const char T_FAILED[] = "The server could not save it. Please try again later.";

static const char *question_text(answer_problem_kind kind)
{
    switch (kind) {
    case PROBLEM_MISSING:
        return "Question %d: please answer this question.";
    case PROBLEM_INVALID_CODE:
    case PROBLEM_DUPLICATE_FIELD:
        return "Question %d: please choose one of the offered answers.";
    case PROBLEM_BAD_NUMBER:
        return "Question %d: please enter a number within the allowed range.";
    case PROBLEM_TOO_LONG:
        return "Question %d: the text is too long; please shorten it.";
    case PROBLEM_PATTERN:
        return "Question %d: the answer is not in the expected form.";
    case PROBLEM_HIDDEN_ANSWERED:
        return "Question %d: this question does not apply given your other answers; please leave it empty.";
    case PROBLEM_CHOICE_COUNT:
        return "Question %d: please choose as many options as the question asks for.";
    case PROBLEM_OTHER_TEXT:
        return "Question %d: you wrote an answer for \"other\"; please also choose \"other\", or clear the text.";
    default:
        return NULL;
    }
}

static bool lang_code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    return n >= 2 && n < sizeof ((cached_catalog *)0)->code &&
           strspn(code, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

/* The catalog of lang, loaded on first use (under c->lock). */
static catalog_t *catalog_for(collect_t *c, const char *lang)
{
    for (size_t i = 0; i < c->ncatalogs; i++)
        if (!strcmp(c->catalogs[i].code, lang))
            return c->catalogs[i].catalog;
    if (c->ncatalogs == MAX_CATALOGS || !c->o.locales_dir)
        return NULL;
    char *path = xasprintf("%s/%s.po", c->o.locales_dir, lang);
    diags_t d = DIAGS_INIT;
    FILE *probe = fopen(path, "r");
    catalog_t *cat = NULL;
    if (probe) {
        fclose(probe);
        cat = catalog_load(path, path, &d);
    }
    diag_free(&d);
    free(path);
    cached_catalog *slot = &c->catalogs[c->ncatalogs++];
    snprintf(slot->code, sizeof slot->code, "%s", lang);
    slot->catalog = cat;
    return cat;
}

const char *collect_text(collect_t *c, const char *lang, const char *msgid)
{
    if (!lang_code_ok(lang))
        return msgid;
    pthread_mutex_lock(&c->lock);
    catalog_t *cat = catalog_for(c, lang);
    const char *s = cat ? catalog_get(cat, "serve", msgid) : NULL;
    pthread_mutex_unlock(&c->lock);
    return s && *s ? s : msgid;
}

/* msg with its first "%d" replaced by n (caller frees). */
static char *with_number(const char *msg, size_t n)
{
    const char *at = strstr(msg, "%d");
    if (!at)
        return xstrdup(msg);
    return xasprintf("%.*s%zu%s", (int)(at - msg), msg, n, at + 2);
}

/* --- replies ------------------------------------------------------------------ */

static void reply_page(collect_t *c, collect_reply *out, int status, const char *lang,
                       const char *title, const char *const *paragraphs, size_t np,
                       const char *const *items, size_t ni)
{
    /* The last paragraph (go back) comes after the list. */
    notice_page p = {lang, c->o.csp, c->stylesheet, title, paragraphs, np - 1, items, ni, 0,
                     paragraphs[np - 1]};
    out->status = status;
    out->body = notice_html(&p);
    out->len = strlen(out->body);
}

static void reply_message(collect_t *c, collect_reply *out, int status, const char *lang,
                          const char *title, const char *message)
{
    const char *paragraphs[] = {collect_text(c, lang, message), collect_text(c, lang, T_BACK)};
    reply_page(c, out, status, lang, collect_text(c, lang, title), paragraphs, 2, NULL, 0);
}

/* Lists each problem once, form-level ones as one paragraph. */
static void reply_problems(collect_t *c, collect_reply *out, const char *lang,
                           const answer_problems *p)
{
    const char *form_level = NULL;
    char **items = xcalloc(p->len + 1, sizeof *items);
    size_t n = 0;
    for (size_t i = 0; i < p->len; i++) {
        const char *text = question_text(p->items[i].kind);
        if (p->items[i].question == 0 || !text) {
            form_level = p->items[i].kind == PROBLEM_WRONG_VERSION ? T_CHANGED
                       : p->items[i].kind == PROBLEM_UNKNOWN_SURVEY ? T_UNKNOWN_SURVEY
                                                                    : T_UNREADABLE;
            continue;
        }
        char *item = with_number(collect_text(c, lang, text), p->items[i].question);
        bool seen = false;
        for (size_t j = 0; j < n; j++)
            seen |= !strcmp(items[j], item);
        if (seen)
            free(item);
        else
            items[n++] = item;
    }
    if (form_level) {
        reply_message(c, out, 400, lang, T_NOT_SAVED, form_level);
    } else {
        const char *paragraphs[] = {collect_text(c, lang, T_CORRECT), collect_text(c, lang, T_BACK)};
        reply_page(c, out, 400, lang, collect_text(c, lang, T_NOT_SAVED), paragraphs, 2,
                   (const char *const *)items, n);
    }
    for (size_t j = 0; j < n; j++)
        free(items[j]);
    free(items);
}

/* --- the per-survey cap --------------------------------------------------------- */

/* True when one more answer to survey fits in this minute's cap. Only
 * surveys that exist reach here, so the table cannot be flooded with ids. */
static bool within_rate(collect_t *c, const char *survey)
{
    if (c->o.per_minute == 0)
        return true;
    long long minute = (long long)time(NULL) / 60;
    pthread_mutex_lock(&c->lock);
    rate_slot *slot = NULL, *oldest = &c->rates[0];
    for (size_t i = 0; i < RATE_SLOTS && !slot; i++) {
        if (!strcmp(c->rates[i].survey, survey))
            slot = &c->rates[i];
        else if (c->rates[i].minute < oldest->minute)
            oldest = &c->rates[i];
    }
    if (!slot) {
        slot = oldest;
        snprintf(slot->survey, sizeof slot->survey, "%s", survey);
        slot->minute = minute;
        slot->count = 0;
    }
    if (slot->minute != minute) {
        slot->minute = minute;
        slot->count = 0;
    }
    bool ok = slot->count < c->o.per_minute;
    if (ok)
        slot->count++;
    pthread_mutex_unlock(&c->lock);
    return ok;
}

/* --- the endpoint --------------------------------------------------------------- */

collect_t *collect_new(const collect_options *o)
{
    collect_t *c = xcalloc(1, sizeof *c);
    c->o = *o;
    c->stylesheet = path_relative_url(o->endpoint, "style.css");
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void collect_free(collect_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ncatalogs; i++)
        if (c->catalogs[i].catalog)
            catalog_free(c->catalogs[i].catalog);
    pthread_mutex_destroy(&c->lock);
    free(c->stylesheet);
    free(c);
}

void collect_reply_free(collect_reply *r)
{
    free(r->body);
    free(r->location);
    *r = (collect_reply){0};
}

static bool is_form_type(const char *content_type)
{
    const char *form = "application/x-www-form-urlencoded";
    size_t n = strlen(form);
    return content_type && !strncasecmp(content_type, form, n) &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* The survey's schema from the served site: its text (caller frees) and
 * the parsed schema, or NULL when there is no such survey. */
static char *load_schema(collect_t *c, const char *survey, answer_schema *s)
{
    if (!answer_survey_id_ok(survey))
        return NULL;
    char *rel = xasprintf("surveys/%s/schema.json", survey);
    docroot_file f;
    int found = docroot_read(c->o.root, rel, &f);
    free(rel);
    if (found != 1)
        return NULL;
    char *err = NULL;
    if (answer_schema_load(f.data, f.len, s, &err) < 0 || strcmp(s->survey, survey)) {
        fprintf(stderr, "waymark: surveys/%s/schema.json: %s\n", survey, err ? err : "another survey's id");
        if (!err)
            answer_schema_free(s);
        free(err);
        free(f.data);
        return NULL;
    }
    return f.data;
}

static void today(char date[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, 11, "%Y-%m-%d", &tm);
}

/* Validates, stores, and answers 303; the form is known to be well-formed. */
static void take_answer(collect_t *c, const form_t *form, collect_reply *out)
{
    const char *lang = form_get(form, "_lang");
    const char *survey = form_get(form, "_survey");
    answer_schema s;
    char *schema_text = form_count(form, "_survey") == 1 ? load_schema(c, survey, &s) : NULL;
    if (!lang_code_ok(lang))
        lang = c->o.default_lang;
    if (!schema_text) {
        reply_message(c, out, 400, lang, T_NOT_SAVED, T_UNKNOWN_SURVEY);
        return;
    }
    int l = answer_schema_language(&s, lang);
    if (l < 0)
        lang = s.languages[0];
    answer_problems problems = {0};
    char *json = NULL;
    char date[11];
    today(date);
    char *err = NULL;
    if (answer_validate(&s, form, &json, &problems) < 0) {
        reply_problems(c, out, lang, &problems);
    } else if (!within_rate(c, s.survey)) {
        reply_message(c, out, 429, lang, T_BUSY_TITLE, T_BUSY);
        out->retry_after = true;
    } else if (responses_store(c->o.db, s.survey, s.version, lang, c->o.dates ? date : NULL, json,
                               schema_text, &err) < 0) {
        fprintf(stderr, "waymark: %s\n", err);
        free(err);
        reply_message(c, out, 500, lang, T_NOT_SAVED, T_FAILED);
    } else {
        out->status = 303;
        out->stored = true;
        out->location = path_relative_url(c->o.endpoint, s.thanks[l]);
    }
    free(json);
    answer_problems_free(&problems);
    answer_schema_free(&s);
    free(schema_text);
}

void collect_answer(collect_t *c, const char *content_type, const char *body, size_t len,
                    bool too_large, collect_reply *out)
{
    *out = (collect_reply){0};
    const char *lang = c->o.default_lang;
    if (too_large) {
        reply_message(c, out, 413, lang, T_NOT_SAVED, T_TOO_LARGE);
        return;
    }
    if (!is_form_type(content_type)) {
        reply_message(c, out, 415, lang, T_NOT_SAVED, T_UNREADABLE);
        return;
    }
    form_t form;
    const char *why;
    if (form_parse(body, len, &form, &why) < 0) {
        reply_message(c, out, 400, lang, T_NOT_SAVED, T_UNREADABLE);
        return;
    }
    take_answer(c, &form, out);
    form_free(&form);
}
