/* responses: storing answers in SQLite and exporting them; see responses.h. */
#include "responses.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "buf.h"
#include "jsondoc.h"
#include "xalloc.h"

struct responses {
    sqlite3 *db;
    sqlite3_stmt *insert_schema, *insert_answer;
    pthread_mutex_t lock; /* one writer at a time on the one connection */
};

static const char SCHEMA_SQL[] =
    "CREATE TABLE IF NOT EXISTS schemas ("
    "  survey TEXT NOT NULL, version TEXT NOT NULL, schema TEXT NOT NULL,"
    "  PRIMARY KEY (survey, version));"
    "CREATE TABLE IF NOT EXISTS answers ("
    "  id INTEGER PRIMARY KEY, survey TEXT NOT NULL, version TEXT NOT NULL,"
    "  lang TEXT NOT NULL, date TEXT, answers TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS answers_survey ON answers (survey, version);";

static char *db_error(sqlite3 *db, const char *what)
{
    return xasprintf("%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

responses_t *responses_open(const char *path, bool create, char **err)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        *err = db_error(db, path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    const char *setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
    if (sqlite3_exec(db, setup, NULL, NULL, NULL) != SQLITE_OK ||
        (create && sqlite3_exec(db, SCHEMA_SQL, NULL, NULL, NULL) != SQLITE_OK)) {
        *err = db_error(db, path);
        sqlite3_close(db);
        return NULL;
    }
    responses_t *r = xcalloc(1, sizeof *r);
    r->db = db;
    pthread_mutex_init(&r->lock, NULL);
    if (create &&
        (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO schemas (survey, version, schema) VALUES (?, ?, ?)",
                            -1, &r->insert_schema, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db, "INSERT INTO answers (survey, version, lang, date, answers) VALUES (?, ?, ?, ?, ?)",
                            -1, &r->insert_answer, NULL) != SQLITE_OK)) {
        *err = db_error(db, path);
        responses_close(r);
        return NULL;
    }
    return r;
}

void responses_close(responses_t *r)
{
    if (!r)
        return;
    sqlite3_finalize(r->insert_schema);
    sqlite3_finalize(r->insert_answer);
    sqlite3_close(r->db);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int responses_store(responses_t *r, const char *survey, const char *version, const char *lang,
                    const char *date, const char *answers_json, const char *schema_json,
                    char **err)
{
    if (!r->insert_answer) {
        *err = xstrdup("the database was opened read-only");
        return -1;
    }
    pthread_mutex_lock(&r->lock);
    int rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    if (rc == 0) {
        sqlite3_bind_text(r->insert_schema, 1, survey, -1, SQLITE_STATIC);
        sqlite3_bind_text(r->insert_schema, 2, version, -1, SQLITE_STATIC);
        sqlite3_bind_text(r->insert_schema, 3, schema_json, -1, SQLITE_STATIC);
        rc = step_done(r->insert_schema);
    }
    if (rc == 0) {
        sqlite3_bind_text(r->insert_answer, 1, survey, -1, SQLITE_STATIC);
        sqlite3_bind_text(r->insert_answer, 2, version, -1, SQLITE_STATIC);
        sqlite3_bind_text(r->insert_answer, 3, lang, -1, SQLITE_STATIC);
        if (date)
            sqlite3_bind_text(r->insert_answer, 4, date, -1, SQLITE_STATIC);
        sqlite3_bind_text(r->insert_answer, 5, answers_json, -1, SQLITE_STATIC);
        rc = step_done(r->insert_answer);
    }
    if (rc == 0)
        rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    if (rc != 0) {
        *err = db_error(r->db, "cannot store the answer");
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* --- export ----------------------------------------------------------------- */

typedef enum { COL_VALUE, COL_NUMBER, COL_OPTION } column_kind;

typedef struct {
    char *name;        /* owned: "age", "topics.b", "feel.sleep", "topics.other_text" */
    char *field;       /* owned: the stored field it shows ("topics.other"), or NULL */
    column_kind kind;
    char *question;    /* owned: the question id (for COL_OPTION) */
    char *code;        /* owned: the option code (for COL_OPTION) */
} column;

typedef struct {
    column *items;
    size_t len, cap;
} columns;

typedef struct {
    char *version;
    answer_schema schema;
} version_schema;

/* Adds a column unless one of that name exists (from another version);
 * returns it. */
static column *add_column(columns *cols, char *name, column_kind kind, const char *question,
                          const char *code)
{
    for (size_t i = 0; i < cols->len; i++)
        if (!strcmp(cols->items[i].name, name)) {
            free(name);
            return &cols->items[i];
        }
    xgrow((void **)&cols->items, &cols->cap, cols->len + 1, sizeof *cols->items);
    cols->items[cols->len] = (column){name, NULL, kind, xstrdup(question), xstrdup(code)};
    return &cols->items[cols->len++];
}

/* The columns of one version, in form order: a question, its matrix rows,
 * one 0/1 column per option of a multiple choice, its "other" text. */
static void schema_columns(const answer_schema *s, columns *cols)
{
    for (size_t i = 0; i < s->nquestions; i++) {
        const answer_question *q = &s->questions[i];
        if (q->type == Q_MATRIX) {
            for (size_t r = 0; r < q->nrows; r++)
                add_column(cols, xasprintf("%s.%s", q->id, q->rows[r]), COL_VALUE, q->id, NULL);
        } else if (q->type == Q_MULTIPLE) {
            for (size_t c = 0; c < q->ncodes; c++)
                add_column(cols, xasprintf("%s.%s", q->id, q->codes[c]), COL_OPTION, q->id,
                           q->codes[c]);
        } else {
            add_column(cols, xstrdup(q->id), q->type == Q_NUMBER ? COL_NUMBER : COL_VALUE, q->id,
                       NULL);
        }
        if (q->other_code) {
            column *text = add_column(cols, xasprintf("%s.other_text", q->id), COL_VALUE, q->id, NULL);
            if (!text->field)
                text->field = xasprintf("%s.other", q->id);
        }
    }
}

typedef struct {
    const json_value *answers;
    const char *scratch[512];
} stored_view;

static size_t stored_lookup(void *ctx, const char *field, const char *const **values)
{
    stored_view *v = ctx;
    const json_value *x = json_get(v->answers, field);
    size_t n = 0;
    if (x && x->type == JSON_STRING)
        v->scratch[n++] = x->string;
    for (size_t i = 0; x && x->type == JSON_ARRAY && i < x->len && n < 512; i++)
        if (x->items[i]->type == JSON_STRING)
            v->scratch[n++] = x->items[i]->string;
    *values = v->scratch;
    return n;
}

static void put_cell(buf_t *b, responses_format f, bool first, const char *name, const char *value,
                     bool as_number)
{
    if (f == EXPORT_CSV) {
        buf_puts(b, first ? "" : ",");
        buf_put_csv(b, value);
        return;
    }
    buf_puts(b, first ? "{" : ",");
    json_put_string(b, name);
    buf_putc(b, ':');
    if (!value)
        buf_puts(b, "null");
    else if (as_number)
        buf_printf(b, "%.15g", strtod(value, NULL)); /* "007", ".5" are not JSON */
    else
        json_put_string(b, value);
}

/* The index of the question id in s, or -1. */
static long question_index(const answer_schema *s, const char *id)
{
    for (size_t i = 0; i < s->nquestions; i++)
        if (!strcmp(s->questions[i].id, id))
            return (long)i;
    return -1;
}

static void put_row(buf_t *b, responses_format f, const columns *cols, const version_schema *vs,
                    sqlite3_stmt *st, const json_value *answers)
{
    const char *fixed[] = {"response", "survey", "version", "lang", "date"};
    for (int i = 0; i < 5; i++)
        put_cell(b, f, i == 0, fixed[i], (const char *)sqlite3_column_text(st, i), i == 0);
    stored_view view = {answers, {0}};
    for (size_t c = 0; c < cols->len; c++) {
        const column *col = &cols->items[c];
        const char *value = NULL;
        const char *const *values;
        long q = vs ? question_index(&vs->schema, col->question) : -1;
        if (col->kind == COL_OPTION && q >= 0 &&
            answer_is_shown(&vs->schema, (size_t)q, stored_lookup, &view)) {
            size_t n = stored_lookup(&view, col->question, &values);
            value = "0";
            for (size_t i = 0; i < n; i++)
                if (!strcmp(values[i], col->code))
                    value = "1";
        } else if (col->kind != COL_OPTION &&
                   stored_lookup(&view, col->field ? col->field : col->name, &values)) {
            value = values[0];
        }
        put_cell(b, f, false, col->name, value, col->kind != COL_VALUE);
    }
    buf_puts(b, f == EXPORT_CSV ? "\r\n" : "}");
}

static int load_versions(responses_t *r, const char *survey, const char *version,
                         version_schema **out, size_t *n, char **err)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db,
                       "SELECT version, schema FROM schemas WHERE survey = ?1 AND (?2 IS NULL OR version = ?2)"
                       " ORDER BY (SELECT min(id) FROM answers a WHERE a.survey = schemas.survey"
                       " AND a.version = schemas.version), version",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, survey, -1, SQLITE_STATIC);
    if (version)
        sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int rc = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 1);
        xgrow((void **)out, &cap, *n + 1, sizeof **out);
        version_schema *vs = &(*out)[*n];
        vs->version = xstrdup((const char *)sqlite3_column_text(st, 0));
        char *why = NULL;
        if (answer_schema_load(text, strlen(text), &vs->schema, &why) < 0) {
            *err = xasprintf("the stored schema of version %s cannot be read: %s", vs->version, why);
            free(why);
            free(vs->version);
            rc = -1;
            break;
        }
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc;
}

static void free_export(version_schema *vs, size_t nvs, columns *cols)
{
    for (size_t i = 0; i < nvs; i++) {
        free(vs[i].version);
        answer_schema_free(&vs[i].schema);
    }
    free(vs);
    for (size_t i = 0; i < cols->len; i++) {
        free(cols->items[i].name);
        free(cols->items[i].field);
        free(cols->items[i].question);
        free(cols->items[i].code);
    }
    free(cols->items);
}

static void put_header(buf_t *b, const columns *cols)
{
    buf_puts(b, "response,survey,version,lang,date");
    for (size_t c = 0; c < cols->len; c++) {
        buf_putc(b, ',');
        buf_put_csv(b, cols->items[c].name);
    }
    buf_puts(b, "\r\n");
}

long responses_export(responses_t *r, const char *survey, const char *version,
                      responses_format format, FILE *out, char **err)
{
    version_schema *vs = NULL;
    size_t nvs = 0;
    columns cols = {0};
    if (load_versions(r, survey, version, &vs, &nvs, err) < 0) {
        free_export(vs, nvs, &cols);
        return -1;
    }
    for (size_t i = 0; i < nvs; i++)
        schema_columns(&vs[i].schema, &cols);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db,
                       "SELECT id, survey, version, lang, date, answers FROM answers"
                       " WHERE survey = ?1 AND (?2 IS NULL OR version = ?2) ORDER BY id",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, survey, -1, SQLITE_STATIC);
    if (version)
        sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    buf_t b = BUF_INIT;
    if (format == EXPORT_CSV)
        put_header(&b, &cols);
    else
        buf_puts(&b, "[");
    long rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 2);
        const char *text = (const char *)sqlite3_column_text(st, 5);
        const version_schema *match = NULL;
        for (size_t i = 0; i < nvs; i++)
            if (!strcmp(vs[i].version, v))
                match = &vs[i];
        char *why = NULL;
        json_value *answers = json_parse(text, strlen(text), &why);
        free(why);
        if (format == EXPORT_JSON)
            buf_puts(&b, rows ? ",\n" : "\n");
        put_row(&b, format, &cols, match, st, answers);
        json_free(answers);
        rows++;
        fwrite(b.data, 1, b.len, out);
        buf_reset(&b);
    }
    if (format == EXPORT_JSON)
        buf_puts(&b, rows ? "\n]\n" : "]\n");
    fwrite(b.data ? b.data : "", 1, b.len, out);
    buf_free(&b);
    sqlite3_finalize(st);
    free_export(vs, nvs, &cols);
    return rows;
}
