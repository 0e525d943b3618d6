/* responses: the SQLite database of survey answers, and its export.
 *
 * One row per answer: survey id, structure version, language, a coarse date
 * (the day, or nothing) and the answer as a JSON object of codes. Nothing
 * else is stored: no address, no user agent, no header, no time of day.
 * Each answer is committed in its own transaction with synchronous=FULL in
 * WAL mode before `waymark serve` answers 303, so an acknowledged answer
 * survives a crash or a power cut. The schema.json of every version that
 * received answers is stored too, so the export needs nothing but the
 * database.
 *
 *   CREATE TABLE schemas (survey TEXT, version TEXT, schema TEXT,
 *                         PRIMARY KEY (survey, version));
 *   CREATE TABLE answers (id INTEGER PRIMARY KEY, survey TEXT, version TEXT,
 *                         lang TEXT, date TEXT, answers TEXT);
 */
#ifndef WAYMARK_RESPONSES_H
#define WAYMARK_RESPONSES_H

#include <stdbool.h>
#include <stdio.h>

typedef struct responses responses_t;

/* Opens the database at path, creating it (and its tables) when create is
 * true. Returns NULL with *err (caller frees) on failure. */
responses_t *responses_open(const char *path, bool create, char **err);
void responses_close(responses_t *r);

/* Stores one answer in one transaction (thread-safe). date is "YYYY-MM-DD"
 * or NULL; schema_json is the version's schema.json text. Returns 0 once
 * committed, or -1 with *err (caller frees): then nothing was stored. */
int responses_store(responses_t *r, const char *survey, const char *version, const char *lang,
                    const char *date, const char *answers_json, const char *schema_json,
                    char **err);

typedef enum { EXPORT_CSV, EXPORT_JSON } responses_format;

/* Writes every answer to survey (of one version when version is not NULL),
 * one row per answer and one column per question code, to out. Returns the
 * number of rows, or -1 with *err (caller frees). */
long responses_export(responses_t *r, const char *survey, const char *version,
                      responses_format format, FILE *out, char **err);

#endif
