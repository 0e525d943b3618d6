/* collect: the survey endpoint of `waymark serve`.
 *
 * Takes the body of a form POST, checks it against the survey's schema.json
 * in the served site (answer.h), and stores a valid answer (responses.h)
 * before saying so: 303 See Other to the thanks page in the answer's
 * language. Anything else stores nothing and gets a page that says what to
 * fix, in the survey's language when the site's locales/<lang>.po has the
 * texts (msgctxt "serve"), else in English:
 *   400 an invalid or malformed answer, 413 a body over the cap,
 *   415 not a form, 429 over the per-survey cap of answers per minute,
 *   500 the database failed.
 * The cap is per survey, never per client: over Tor every reader shares an
 * address, and no address is ever looked at. */
#ifndef WAYMARK_COLLECT_H
#define WAYMARK_COLLECT_H

#include <stdbool.h>
#include <stddef.h>

#include "docroot.h"
#include "responses.h"

typedef struct {
    docroot_t *root;          /* the served site (borrowed) */
    responses_t *db;          /* where answers go (borrowed) */
    const char *endpoint;     /* site-root path of the endpoint: "submit" */
    const char *locales_dir;  /* folder of <lang>.po files, or NULL */
    const char *csp;          /* the site's Content-Security-Policy */
    const char *default_lang; /* the site's default language */
    bool dates;               /* store the day of each answer (else none) */
    unsigned per_minute;      /* answers per survey per minute; 0 = no cap */
} collect_options;

typedef struct {
    int status;
    char *body;      /* owned HTML page, or NULL */
    size_t len;
    char *location;  /* owned, for 303 */
    bool retry_after; /* 429: Retry-After: 60 */
    bool stored;     /* an answer was committed */
} collect_reply;

typedef struct collect collect_t;

/* The endpoint's state (caller frees with collect_free); o is copied, the
 * strings it points to must outlive it. */
collect_t *collect_new(const collect_options *o);
void collect_free(collect_t *c);

/* Handles one POST. too_large: the body went over the cap and was cut.
 * Fills out (caller frees with collect_reply_free). Thread-safe. */
void collect_answer(collect_t *c, const char *content_type, const char *body, size_t len,
                    bool too_large, collect_reply *out);
void collect_reply_free(collect_reply *r);

/* A UI string of the server in lang, from locales/<lang>.po (msgctxt
 * "serve"), else msgid itself (borrowed). */
const char *collect_text(collect_t *c, const char *lang, const char *msgid);

#endif
