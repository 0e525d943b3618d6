/* router: answering HTTP requests; see router.h. */
#define _DEFAULT_SOURCE
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "notice.h"
#include "path.h"
#include "utf8.h"
#include "xalloc.h"

#define PERMISSIONS_POLICY                                                                       \
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "             \
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "                \
    "xr-spatial-tracking=(), interest-cohort=()"

typedef struct {
    bool post;
    buf_t body;
    bool too_large;
    bool answered; /* a response was queued on the first call */
} request;

/* --- pure helpers --------------------------------------------------------------- */

static bool segments_ok(const char *p)
{
    for (const char *s = p;;) {
        const char *end = strchr(s, '/');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        if (n == 0 && end) /* "//" */
            return false;
        if (!end)
            return true;
        s = end + 1;
    }
}

char *router_path(const char *url)
{
    if (!url || url[0] != '/')
        return NULL;
    buf_t b = BUF_INIT;
    buf_putn(&b, "", 0);
    for (const char *s = url + 1; *s; s++) {
        char c = *s;
        if (c == '%') {
            int byte = path_percent_byte(s, strlen(s));
            if (byte < 0)
                goto bad;
            c = (char)byte;
            s += 2;
        }
        if ((unsigned char)c < 0x20 || c == 0x7f || c == '\\')
            goto bad;
        buf_putc(&b, c);
    }
    if (!utf8_validate(b.data, b.len, NULL, NULL) || !segments_ok(b.data))
        goto bad;
    return buf_detach(&b);
bad:
    buf_free(&b);
    return NULL;
}

static void put_unescaped_attr(buf_t *b, const char *s, size_t n)
{
    static const struct {
        const char *entity;
        char c;
    } ENTITIES[] = {{"&#39;", '\''}, {"&quot;", '"'}, {"&amp;", '&'}, {"&lt;", '<'},
                    {"&gt;", '>'},   {"&#x27;", '\''}, {"&#34;", '"'}};
    for (size_t i = 0; i < n; i++) {
        bool done = false;
        for (size_t e = 0; s[i] == '&' && e < sizeof ENTITIES / sizeof *ENTITIES && !done; e++) {
            size_t len = strlen(ENTITIES[e].entity);
            if (i + len <= n && !strncmp(s + i, ENTITIES[e].entity, len)) {
                buf_putc(b, ENTITIES[e].c);
                i += len - 1;
                done = true;
            }
        }
        if (!done)
            buf_putc(b, s[i]);
    }
}

char *router_meta_csp(const char *html, size_t len)
{
    /* The meta tag is in the head, written by the theme's base.html. */
    size_t scan = len < 8192 ? len : 8192;
    char *head = xstrndup(html, scan);
    const char *tag = strstr(head, "http-equiv=\"Content-Security-Policy\"");
    const char *content = tag ? strstr(tag, "content=\"") : NULL;
    const char *close = tag ? strchr(tag, '>') : NULL;
    char *csp = NULL;
    if (content && (!close || content < close)) {
        content += strlen("content=\"");
        const char *end = strchr(content, '"');
        if (end) {
            buf_t b = BUF_INIT;
            put_unescaped_attr(&b, content, (size_t)(end - content));
            csp = buf_detach(&b);
        }
    }
    free(head);
    return csp;
}

static bool is_relative_link(const char *v, size_t n)
{
    if (n == 0 || v[0] == '#' || v[0] == '/' || v[0] == '?')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ':')
            return false; /* a scheme: https:, mailto: */
        if (v[i] == '/' || v[i] == '?' || v[i] == '#')
            break;
    }
    return true;
}

/* The link value v (relative to from) made relative to to. */
static void put_rebased(buf_t *b, const char *v, size_t n, const char *from, const char *to)
{
    size_t path_len = strcspn(v, "?#\"");
    path_len = path_len > n ? n : path_len;
    char *dir = path_dirname(from);
    char *rel = xstrndup(v, path_len);
    char *joined = *dir ? path_join(dir, rel) : xstrdup(rel);
    char *target = path_normalize(joined);
    if (target) {
        bool is_dir = path_len > 0 && rel[path_len - 1] == '/';
        char *url = path_relative_url(to, target);
        buf_puts(b, url);
        if (is_dir && url[strlen(url) - 1] != '/')
            buf_putc(b, '/');
        free(url);
        buf_putn(b, v + path_len, n - path_len);
    } else {
        buf_putn(b, v, n);
    }
    free(target);
    free(joined);
    free(rel);
    free(dir);
}

char *router_rebase_links(const char *html, const char *from, const char *to)
{
    buf_t b = BUF_INIT;
    const char *s = html;
    for (;;) {
        const char *href = strstr(s, " href=\""), *src = strstr(s, " src=\"");
        const char *at = !href ? src : !src ? href : href < src ? href : src;
        if (!at) {
            buf_puts(&b, s);
            break;
        }
        const char *value = strchr(at, '"') + 1;
        const char *end = strchr(value, '"');
        if (!end) {
            buf_puts(&b, s);
            break;
        }
        buf_putn(&b, s, (size_t)(value - s));
        size_t n = (size_t)(end - value);
        if (is_relative_link(value, n))
            put_rebased(&b, value, n, from, to);
        else
            buf_putn(&b, value, n);
        s = end;
    }
    return buf_detach(&b);
}

bool router_etag_matches(const char *header, const char *etag)
{
    if (!header)
        return false;
    for (const char *s = header; *s;) {
        s += strspn(s, " \t,");
        if (*s == '*')
            return true;
        if (!strncmp(s, "W/", 2))
            s += 2;
        size_t n = strcspn(s, ",");
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n && n == strlen(etag) && !strncmp(s, etag, n))
            return true;
        s += strcspn(s, ",");
    }
    return false;
}

/* --- responses --------------------------------------------------------------------- */

static void log_request(const router_t *r, const char *method, const char *url, int status)
{
    if (r->quiet)
        return;
    /* Method, path and status only: never an address, a header or a query. */
    char safe[256];
    size_t n = 0;
    for (const char *s = url; *s && n < sizeof safe - 1; s++)
        safe[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
    safe[n] = '\0';
    fprintf(stderr, "%s %s %d\n", method, safe, status);
}

static void add_security_headers(struct MHD_Response *resp, const char *csp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Permissions-Policy", PERMISSIONS_POLICY);
}

/* Queues a response; body (owned, malloc'd) may be NULL. */
static enum MHD_Result send_reply(const router_t *r, struct MHD_Connection *c, const char *method,
                                  const char *url, int status, char *body, size_t len,
                                  const char *type, const char *csp, const char *location)
{
    struct MHD_Response *resp =
        body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    add_security_headers(resp, csp ? csp : r->csp);
    if (type)
        MHD_add_response_header(resp, "Content-Type", type);
    if (location)
        MHD_add_response_header(resp, "Location", location);
    if (status == 405)
        MHD_add_response_header(resp, "Allow", r->endpoint ? "GET, HEAD, POST" : "GET, HEAD");
    if (status >= 400)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    log_request(r, method, url, status);
    return rc;
}

static enum MHD_Result send_notice(const router_t *r, struct MHD_Connection *c, const char *method,
                                   const char *url, int status, const char *title,
                                   const char *const *items, size_t nitems)
{
    notice_page p = {r->default_lang, r->csp, NULL, title, NULL, 0, items, nitems, nitems > 0, NULL};
    char *html = notice_html(&p);
    return send_reply(r, c, method, url, status, html, strlen(html), "text/html; charset=utf-8",
                      NULL, NULL);
}

static void http_date(int64_t t, char out[40])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Serves a file that exists, or 304 when the client has it. */
static enum MHD_Result send_file(const router_t *r, struct MHD_Connection *c, const char *method,
                                 const char *url, int status, const char *name, docroot_file *f,
                                 const char *rebase_to)
{
    char etag[32], modified[40];
    docroot_etag(f, etag);
    http_date(f->mtime, modified);
    const char *type = docroot_mime_type(name);
    bool html = !strncmp(type, "text/html", 9);
    char *csp = html ? router_meta_csp(f->data, f->len) : NULL;
    struct MHD_Response *resp;
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    if (status == 200 && router_etag_matches(inm, etag)) {
        free(f->data);
        status = 304;
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else if (rebase_to) {
        char *page = router_rebase_links(f->data, name, rebase_to);
        free(f->data);
        resp = MHD_create_response_from_buffer(strlen(page), page, MHD_RESPMEM_MUST_FREE);
    } else {
        resp = MHD_create_response_from_buffer(f->len, f->data, MHD_RESPMEM_MUST_FREE);
    }
    f->data = NULL;
    add_security_headers(resp, csp ? csp : r->csp);
    free(csp);
    MHD_add_response_header(resp, "Content-Type", type);
    if (status != 404) {
        MHD_add_response_header(resp, "ETag", etag);
        MHD_add_response_header(resp, "Last-Modified", modified);
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
    } else {
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    }
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    log_request(r, method, url, status);
    return rc;
}

/* The 404 page of the language the path starts with, else the default
 * language's, rebased so its links work at the requested address. */
static enum MHD_Result send_not_found(const router_t *r, struct MHD_Connection *c,
                                      const char *method, const char *url, const char *rel)
{
    size_t seg = strcspn(rel, "/");
    char *first = xasprintf("%.*s/404.html", (int)seg, rel);
    char *fallback = xasprintf("%s/404.html", r->default_lang);
    const char *tries[] = {seg ? first : NULL, fallback};
    /* The page is read at the request's address: a folder path reads as
     * its index. */
    char *at = !*rel || rel[strlen(rel) - 1] == '/' ? xasprintf("%sindex.html", rel) : xstrdup(rel);
    enum MHD_Result rc = MHD_NO;
    bool sent = false;
    for (size_t i = 0; i < 2 && !sent; i++) {
        docroot_file f;
        if (tries[i] && docroot_read(r->root, tries[i], &f) == 1) {
            rc = send_file(r, c, method, url, 404, tries[i], &f, at);
            sent = true;
        }
    }
    free(at);
    free(first);
    free(fallback);
    return sent ? rc : send_notice(r, c, method, url, 404, "Page not found", NULL, 0);
}

static enum MHD_Result send_build_errors(const router_t *r, struct MHD_Connection *c,
                                         const char *method, const char *url)
{
    size_t n;
    const char *const *lines = preview_errors(r->preview, &n);
    return send_notice(r, c, method, url, 500, "The site could not be built", lines, n);
}

static enum MHD_Result serve_path(const router_t *r, struct MHD_Connection *c, const char *method,
                                  const char *url)
{
    if (r->preview && !preview_refresh(r->preview))
        return send_build_errors(r, c, method, url);
    char *rel = router_path(url);
    if (!rel)
        return send_notice(r, c, method, url, 400, "Bad request", NULL, 0);
    bool folder = !*rel || rel[strlen(rel) - 1] == '/';
    char *name = folder ? xasprintf("%sindex.html", rel) : xstrdup(rel);
    docroot_file f;
    int found = docroot_read(r->root, name, &f);
    enum MHD_Result rc;
    if (found == 1) {
        rc = send_file(r, c, method, url, 200, name, &f, NULL);
    } else if (found < 0) {
        rc = send_notice(r, c, method, url, 500, "The file cannot be read", NULL, 0);
    } else if (!folder && docroot_has_index(r->root, rel)) {
        char *to = xasprintf("%s/", path_basename(rel));
        rc = send_reply(r, c, method, url, 301, NULL, 0, NULL, NULL, to);
        free(to);
    } else if (r->endpoint && !strcmp(rel, r->endpoint)) {
        rc = send_notice(r, c, method, url, 405, "Method not allowed", NULL, 0);
    } else {
        rc = send_not_found(r, c, method, url, rel);
    }
    free(name);
    free(rel);
    return rc;
}

/* --- the survey endpoint ----------------------------------------------------------- */

static bool is_endpoint(const router_t *r, const char *url)
{
    if (!r->endpoint || !r->collect)
        return false;
    char *rel = router_path(url);
    bool yes = rel && !strcmp(rel, r->endpoint);
    free(rel);
    return yes;
}

static enum MHD_Result send_collected(const router_t *r, struct MHD_Connection *c,
                                      const char *url, collect_reply *reply)
{
    struct MHD_Response *resp =
        reply->body ? MHD_create_response_from_buffer(reply->len, reply->body, MHD_RESPMEM_MUST_FREE)
                    : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    reply->body = NULL;
    add_security_headers(resp, r->csp);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (reply->location)
        MHD_add_response_header(resp, "Location", reply->location);
    else
        MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
    if (reply->retry_after)
        MHD_add_response_header(resp, "Retry-After", "60");
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)reply->status, resp);
    MHD_destroy_response(resp);
    log_request(r, "POST", url, reply->status);
    collect_reply_free(reply);
    return rc;
}

/* The first call of a POST: refuse early what needs no body. */
static enum MHD_Result start_post(const router_t *r, struct MHD_Connection *c, const char *url,
                                  request *rq)
{
    if (!is_endpoint(r, url)) {
        rq->answered = true;
        return send_notice(r, c, "POST", url, 405, "Method not allowed", NULL, 0);
    }
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (length && strtoull(length, NULL, 10) > r->max_body) {
        collect_reply reply;
        collect_answer(r->collect, NULL, NULL, 0, true, &reply);
        rq->answered = true;
        return send_collected(r, c, url, &reply);
    }
    return MHD_YES;
}

static void take_upload(const router_t *r, request *rq, const char *data, size_t n)
{
    if (rq->too_large || rq->body.len + n > r->max_body) {
        rq->too_large = true;
        return;
    }
    buf_putn(&rq->body, data, n);
}

enum MHD_Result router_request(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    const router_t *r = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = xcalloc(1, sizeof *rq);
        *con_cls = rq;
        rq->post = !strcmp(method, "POST");
        /* Answering on a later call keeps the connection alive: a
         * response queued with the headers makes libmicrohttpd close it. */
        return rq->post ? start_post(r, c, url, rq) : MHD_YES;
    }
    if (rq->answered) {
        *upload_size = 0; /* a body after an early answer is dropped */
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->post)
            take_upload(r, rq, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    rq->answered = true;
    if (!rq->post && (!strcmp(method, "GET") || !strcmp(method, "HEAD")))
        return serve_path(r, c, method, url);
    if (!rq->post)
        return send_notice(r, c, method, url, 405, "Method not allowed", NULL, 0);
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    collect_reply reply;
    collect_answer(r->collect, type, rq->body.data ? rq->body.data : "", rq->body.len,
                   rq->too_large, &reply);
    return send_collected(r, c, url, &reply);
}

void router_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    request *rq = *con_cls;
    if (rq) {
        buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

size_t router_keep_url(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}
