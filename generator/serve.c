/* serve: the `waymark serve` and `waymark responses` commands; see serve.h. */
#define _DEFAULT_SOURCE
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <lauxlib.h>
#include <locale.h>
#include <lua.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collect.h"
#include "docroot.h"
#include "fs.h"
#include "path.h"
#include "pool.h"
#include "preview.h"
#include "responses.h"
#include "router.h"
#include "sandbox.h"
#include "xalloc.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define DEFAULT_CSP \
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'"

const char SERVE_HELP[] =
    "usage: waymark serve [SITE_DIR | BUNDLE.zip] [--listen ADDR:PORT] [--public]\n"
    "                     [--responses FILE] [--timestamps date|none] [--endpoint PATH]\n"
    "                     [--max-per-minute N] [--max-body BYTES] [--timeout SECONDS]\n"
    "                     [--locales DIR] [--watch] [--quiet]\n"
    "\n"
    "Serves a built site (SITE_DIR/out/site, or a folder holding index.html) or a\n"
    "bundle zip without unpacking it, and stores survey answers posted to the\n"
    "site's endpoint in an SQLite database. Stop it with Ctrl-C or SIGTERM.\n"
    "\n"
    "  --listen ADDR:PORT    where to listen (default 127.0.0.1:8080; port 0: any free)\n"
    "  --public              allow an address other than loopback\n"
    "  --responses FILE      the answers database (default responses.sqlite)\n"
    "  --timestamps date     store the day of each answer (default); none: no date\n"
    "  --endpoint PATH       the survey endpoint (default: site.lua surveys.endpoint,\n"
    "                        else \"submit\")\n"
    "  --max-per-minute N    answers per survey per minute (default 120; 0: no cap)\n"
    "  --max-body BYTES      largest answer body (default 65536)\n"
    "  --timeout SECONDS     idle connection timeout (default 10)\n"
    "  --locales DIR         PO files for the answer pages (default SITE_DIR/locales)\n"
    "  --watch               preview: rebuild SITE_DIR when a source changed\n"
    "  --quiet               log nothing (by default: method, path and status)\n";

const char RESPONSES_HELP[] =
    "usage: waymark responses export DB --survey ID [--format csv|json] [--version HASH]\n"
    "                                   [-o FILE]\n"
    "\n"
    "Writes the answers to survey ID in DB, one row per answer and one column per\n"
    "question code (a multiple choice question: one 0/1 column per option), to\n"
    "standard output or FILE. CSV (RFC 4180, UTF-8) is the default.\n";

typedef struct {
    const char *target;
    const char *listen;
    bool public_ok, watch, quiet, dates;
    const char *db_path, *endpoint, *locales;
    unsigned per_minute, timeout;
    size_t max_body;
} serve_options;

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "waymark: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", SERVE_HELP);
    return EXIT_USAGE;
}

static bool read_count(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = s ? strtoul(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v > max || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static int parse_options(int argc, char **argv, serve_options *o)
{
    *o = (serve_options){.target = ".", .listen = "127.0.0.1:8080", .dates = true,
                         .db_path = "responses.sqlite", .per_minute = 120, .timeout = 10,
                         .max_body = 65536};
    bool have_target = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        bool takes_value = true;
        if (!strcmp(a, "--listen") && v)
            o->listen = v;
        else if (!strcmp(a, "--responses") && v)
            o->db_path = v;
        else if (!strcmp(a, "--endpoint") && v)
            o->endpoint = v;
        else if (!strcmp(a, "--locales") && v)
            o->locales = v;
        else if (!strcmp(a, "--timestamps") && v && (!strcmp(v, "date") || !strcmp(v, "none")))
            o->dates = !strcmp(v, "date");
        else if (!strcmp(a, "--max-per-minute") && read_count(v, 1000000, &n))
            o->per_minute = (unsigned)n;
        else if (!strcmp(a, "--max-body") && read_count(v, 16u << 20, &n) && n > 0)
            o->max_body = n;
        else if (!strcmp(a, "--timeout") && read_count(v, 3600, &n) && n > 0)
            o->timeout = (unsigned)n;
        else {
            takes_value = false;
            if (!strcmp(a, "--public"))
                o->public_ok = true;
            else if (!strcmp(a, "--watch"))
                o->watch = true;
            else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
                o->quiet = true;
            else if (a[0] == '-')
                return usage("bad option or value: '%s'", a);
            else if (have_target)
                return usage("one site or bundle only ('%s' is a second)", a);
            else {
                o->target = a;
                have_target = true;
            }
        }
        i += takes_value;
    }
    return 0;
}

/* --- the address ------------------------------------------------------------- */

typedef union {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} listen_addr;

/* "127.0.0.1:8080", "[::1]:8080", "localhost:8080". */
static bool parse_listen(const char *s, listen_addr *a, bool *loopback)
{
    const char *colon = strrchr(s, ':');
    unsigned long port;
    if (!colon || !read_count(colon + 1, 65535, &port))
        return false;
    char *host = xstrndup(s, (size_t)(colon - s));
    bool ok = false;
    memset(a, 0, sizeof *a);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        host[strlen(host) - 1] = '\0';
        a->v6.sin6_family = AF_INET6;
        a->v6.sin6_port = htons((uint16_t)port);
        ok = inet_pton(AF_INET6, host + 1, &a->v6.sin6_addr) == 1;
        *loopback = ok && IN6_IS_ADDR_LOOPBACK(&a->v6.sin6_addr);
    } else {
        a->v4.sin_family = AF_INET;
        a->v4.sin_port = htons((uint16_t)port);
        ok = inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &a->v4.sin_addr) == 1;
        *loopback = ok && (ntohl(a->v4.sin_addr.s_addr) >> 24) == 127;
    }
    free(host);
    return ok;
}

/* --- the site ------------------------------------------------------------------ */

typedef struct {
    char *docroot;      /* folder or zip to serve */
    char *site_dir;     /* the site folder, or NULL */
    char *endpoint;     /* site-root path, or NULL when answers go elsewhere */
    char *locales;      /* PO folder or NULL */
    char *default_lang;
    char *csp;
} site_info;

/* surveys.endpoint from site.lua, or NULL. */
static char *site_lua_endpoint(const char *site_dir)
{
    char *path = path_join(site_dir, "site.lua");
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    char *err = NULL, *endpoint = NULL;
    if (sandbox_run_file(L, path, "site.lua", &err) == 0 && lua_istable(L, -1)) {
        /* raw reads: a metatable's __index would run outside the budget */
        lua_pushliteral(L, "surveys");
        bool table = lua_rawget(L, -2) == LUA_TTABLE;
        if (table)
            lua_pushliteral(L, "endpoint");
        if (table && lua_rawget(L, -2) == LUA_TSTRING)
            endpoint = xstrdup(lua_tostring(L, -1));
    }
    free(err);
    sandbox_close(L);
    free(path);
    return endpoint;
}

/* The default language (<html lang>) and CSP of the root index.html. */
static void read_root_page(docroot_t *root, site_info *s)
{
    docroot_file f;
    if (docroot_read(root, "index.html", &f) != 1)
        f = (docroot_file){xstrdup(""), 0, 0, 0};
    s->csp = router_meta_csp(f.data, f.len);
    const char *lang = strstr(f.data, "<html lang=\"");
    if (lang) {
        lang += strlen("<html lang=\"");
        size_t n = strcspn(lang, "\"");
        if (n > 0 && n < 24)
            s->default_lang = xstrndup(lang, n);
    }
    free(f.data);
    if (!s->csp)
        s->csp = xstrdup(DEFAULT_CSP);
    if (!s->default_lang)
        s->default_lang = xstrdup("en");
}

static int find_site(const serve_options *o, site_info *s)
{
    *s = (site_info){0};
    char *built = path_join(o->target, "out/site");
    char *built_index = path_join(built, "index.html");
    char *own_index = path_join(o->target, "index.html");
    char *site_lua = path_join(o->target, "site.lua");
    int rc = 0;
    if (fs_is_file(o->target) && !o->watch) {
        s->docroot = xstrdup(o->target);
    } else if (!fs_is_dir(o->target)) {
        rc = usage("'%s' is neither a folder nor a bundle zip", o->target);
    } else if (o->watch && !fs_is_file(site_lua)) {
        rc = usage("--watch needs a site folder (with site.lua), not '%s'", o->target);
    } else if (o->watch || fs_is_file(built_index)) {
        s->docroot = xstrdup(built);
        s->site_dir = xstrdup(o->target);
    } else if (fs_is_file(own_index)) {
        s->docroot = xstrdup(o->target);
    } else {
        rc = usage("'%s' holds no built site: run waymark build first, or give out/site", o->target);
    }
    free(built);
    free(built_index);
    free(own_index);
    free(site_lua);
    if (rc)
        return rc;
    char *from_lua = s->site_dir ? site_lua_endpoint(s->site_dir) : NULL;
    const char *endpoint = o->endpoint ? o->endpoint : from_lua ? from_lua : "submit";
    if (!path_url_is_absolute(endpoint)) {
        while (*endpoint == '/')
            endpoint++;
        s->endpoint = path_normalize(endpoint);
    }
    free(from_lua);
    if (o->locales)
        s->locales = xstrdup(o->locales);
    else if (s->site_dir)
        s->locales = path_join(s->site_dir, "locales");
    return 0;
}

static void site_info_free(site_info *s)
{
    free(s->docroot);
    free(s->site_dir);
    free(s->endpoint);
    free(s->locales);
    free(s->default_lang);
    free(s->csp);
}

/* --- running ---------------------------------------------------------------------- */

static struct MHD_Daemon *start_daemon(const serve_options *o, listen_addr *addr, router_t *r)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (addr->sa.sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* Preview runs one thread, so a rebuild never races a request. */
    size_t pool = pool_default_jobs();
    pool = o->watch ? 1 : pool < 2 ? 2 : pool > 16 ? 16 : pool;
    struct MHD_OptionItem ops[] = {
        {MHD_OPTION_SOCK_ADDR, 0, addr},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)o->timeout, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, 512, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)router_completed, NULL},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)router_keep_url, NULL},
        {pool > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)pool, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    uint16_t port = ntohs(addr->sa.sa_family == AF_INET6 ? addr->v6.sin6_port : addr->v4.sin_port);
    return MHD_start_daemon(flags, port, NULL, NULL, router_request, r, MHD_OPTION_ARRAY, ops,
                            MHD_OPTION_END);
}

static void print_start(const serve_options *o, struct MHD_Daemon *d, const listen_addr *addr,
                        const site_info *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET6_ADDRSTRLEN] = "?";
    if (addr->sa.sa_family == AF_INET6)
        inet_ntop(AF_INET6, &addr->v6.sin6_addr, host, sizeof host);
    else
        inet_ntop(AF_INET, &addr->v4.sin_addr, host, sizeof host);
    bool v6 = addr->sa.sa_family == AF_INET6;
    fprintf(stderr, "waymark: serving %s at http://%s%s%s:%u/", s->docroot, v6 ? "[" : "", host,
            v6 ? "]" : "", info ? info->port : 0);
    if (s->endpoint)
        fprintf(stderr, ", answers to /%s into %s", s->endpoint, o->db_path);
    fprintf(stderr, "%s\n", o->watch ? ", rebuilding on change" : "");
}

/* Waits for SIGINT or SIGTERM (blocked in every thread, so only here). */
static void wait_for_stop(const sigset_t *stop)
{
    int sig;
    while (sigwait(stop, &sig) != 0)
        ;
    fprintf(stderr, "waymark: stopping (%s)\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int run_server(const serve_options *o, site_info *s, listen_addr *addr)
{
    preview_t *preview = o->watch ? preview_new(s->site_dir) : NULL;
    if (preview)
        preview_refresh(preview);
    char *err = NULL;
    if (!fs_is_dir(s->docroot) && !fs_is_file(s->docroot))
        fs_mkdir_p(s->docroot); /* preview of a site whose first build failed */
    docroot_t *root = docroot_open(s->docroot, &err);
    responses_t *db = NULL;
    if (root && s->endpoint)
        db = responses_open(o->db_path, true, &err);
    if (!root || (s->endpoint && !db)) {
        fprintf(stderr, "waymark: %s\n", err);
        free(err);
        docroot_close(root);
        preview_free(preview);
        return EXIT_FAILED;
    }
    read_root_page(root, s);
    collect_options co = {root, db, s->endpoint, s->locales, s->csp, s->default_lang, o->dates,
                          o->per_minute};
    collect_t *collect = s->endpoint ? collect_new(&co) : NULL;
    router_t router = {root, collect, preview, s->endpoint, s->default_lang, s->csp,
                       o->max_body, o->quiet};
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *d = start_daemon(o, addr, &router);
    int rc = 0;
    if (!d) {
        fprintf(stderr, "waymark: cannot listen on %s\n", o->listen);
        rc = EXIT_FAILED;
    } else {
        print_start(o, d, addr, s);
        wait_for_stop(&stop);
        /* Stop accepting, let requests in flight finish, then close: an
         * answer is committed before its 303 is queued, so none is lost. */
        MHD_quiesce_daemon(d);
        MHD_stop_daemon(d);
    }
    collect_free(collect);
    responses_close(db);
    docroot_close(root);
    preview_free(preview);
    return rc;
}

int serve_command(int argc, char **argv)
{
    serve_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    listen_addr addr;
    bool loopback;
    if (!parse_listen(o.listen, &addr, &loopback))
        return usage("--listen needs ADDRESS:PORT (127.0.0.1:8080, [::1]:8080), not '%s'", o.listen);
    if (!loopback && !o.public_ok)
        return usage("'%s' is not a loopback address: add --public to listen there", o.listen);
    site_info s;
    if ((rc = find_site(&o, &s)) != 0)
        return rc;
    /* Patterns in schemas count characters, not bytes. */
    setlocale(LC_CTYPE, "C.UTF-8");
    rc = run_server(&o, &s, &addr);
    site_info_free(&s);
    return rc;
}

/* --- waymark responses ---------------------------------------------------------------- */

static int responses_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "waymark: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", RESPONSES_HELP);
    return EXIT_USAGE;
}

int responses_command(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "export"))
        return responses_usage("%s", "the only subcommand is 'export'");
    const char *db_path = NULL, *survey = NULL, *version = NULL, *out_path = NULL;
    responses_format format = EXPORT_CSV;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--survey") && v)
            survey = argv[++i];
        else if (!strcmp(a, "--version") && v)
            version = argv[++i];
        else if ((!strcmp(a, "-o") || !strcmp(a, "--out")) && v)
            out_path = argv[++i];
        else if (!strcmp(a, "--format") && v && (!strcmp(v, "csv") || !strcmp(v, "json")))
            format = !strcmp(argv[++i], "csv") ? EXPORT_CSV : EXPORT_JSON;
        else if (a[0] == '-' || db_path)
            return responses_usage("bad option or value: '%s'", a);
        else
            db_path = a;
    }
    if (!db_path || !survey)
        return responses_usage("%s", "export needs a database and --survey ID");
    if (!fs_is_file(db_path))
        return responses_usage("no database '%s'", db_path);
    char *err = NULL;
    responses_t *db = responses_open(db_path, false, &err);
    FILE *out = db && out_path ? fopen(out_path, "w") : stdout;
    long rows = -1;
    if (db && out)
        rows = responses_export(db, survey, version, format, out, &err);
    else if (db)
        err = xasprintf("%s: %s", out_path, strerror(errno));
    if (out && out != stdout && fclose(out) != 0 && rows >= 0) {
        err = xasprintf("%s: %s", out_path, strerror(errno));
        rows = -1;
    }
    responses_close(db);
    if (rows < 0) {
        fprintf(stderr, "waymark: %s\n", err ? err : "export failed");
        free(err);
        return EXIT_FAILED;
    }
    fprintf(stderr, "waymark: exported %ld answer%s to %s\n", rows, rows == 1 ? "" : "s",
            survey);
    return 0;
}
