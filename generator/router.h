/* router: what `waymark serve` answers to each HTTP request.
 *
 *   GET/HEAD  a file of the site, with its MIME type, a strong ETag
 *             (If-None-Match gives 304), Last-Modified and Cache-Control:
 *             no-cache; "dir/" serves dir/index.html and "dir" redirects to
 *             "dir/"; anything else gets the site's 404 page of the
 *             language the path starts with (else the default language's)
 *             with status 404, its relative links rebased to the request.
 *   POST      the survey endpoint only (collect.h); the body is capped.
 *   other     405.
 * Every response carries the security headers of the deploy kit: the
 * page's own Content-Security-Policy (as in its meta tag), Referrer-Policy:
 * no-referrer, X-Content-Type-Options: nosniff, X-Frame-Options: DENY and a
 * Permissions-Policy that turns every device feature off. Paths are
 * percent-decoded once, strictly; "..", ".", "//", NUL, control characters
 * and backslashes are refused with 400. In preview, a failed build answers
 * every GET with a page listing its path:line messages. */
#ifndef WAYMARK_ROUTER_H
#define WAYMARK_ROUTER_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "collect.h"
#include "docroot.h"
#include "preview.h"

typedef struct {
    docroot_t *root;          /* borrowed */
    collect_t *collect;       /* NULL: no endpoint here */
    preview_t *preview;       /* NULL unless --watch */
    const char *endpoint;     /* site-root path ("submit"), or NULL */
    const char *default_lang; /* for the 404 page */
    const char *csp;          /* the site's CSP, for non-HTML responses */
    size_t max_body;          /* bytes */
    bool quiet;               /* log nothing */
} router_t;

/* The libmicrohttpd callbacks; cls is the router_t. */
enum MHD_Result router_request(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls);
void router_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe);
/* An unescape callback that leaves the URL as sent: router_path decodes. */
size_t router_keep_url(void *cls, struct MHD_Connection *c, char *s);

/* The pure parts, for the tests. */
/* The site-root path of a request URL ("/en/a%20b/" -> "en/a b/"), or NULL
 * when it is unsafe or malformed (caller frees). */
char *router_path(const char *url);
/* The content of a page's CSP meta tag, entities decoded, or NULL (caller
 * frees). */
char *router_meta_csp(const char *html, size_t len);
/* html (written to be read at site path from) with every relative href and
 * src rewritten to work when read at path to (caller frees). */
char *router_rebase_links(const char *html, const char *from, const char *to);
/* True when an If-None-Match header value matches etag (weak comparison). */
bool router_etag_matches(const char *if_none_match, const char *etag);

#endif
