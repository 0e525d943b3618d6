/* waymark: a site folder of Markdown in, a JavaScript-free multilingual
 * static site and a reproducible zip bundle out.
 *
 * The pipeline is visible in build_site(): load, parse, model, check,
 * render, write, bundle; one call each, data passed forward. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef WAYMARK_MIMALLOC
#include <mimalloc.h>
#endif

#include "budget.h"
#include "blog.h"
#include "bundle.h"
#include "catalog.h"
#include "commands.h"
#include "config.h"
#include "deploy.h"
#include "diag.h"
#include "discard.h"
#include "feed.h"
#include "exercise.h"
#include "extract.h"
#include "fs.h"
#include "l10n.h"
#include "langbundle.h"
#include "linkcheck.h"
#include "markdown.h"
#include "mdcache.h"
#include "output.h"
#include "path.h"
#include "pool.h"
#include "precompress.h"
#include "progress.h"
#include "rcache.h"
#include "render.h"
#include "serve.h"
#include "signing.h"
#include "site.h"
#include "srccache.h"
#include "status.h"
#include "style.h"
#include "surveys.h"
#include "xalloc.h"

#ifndef WAYMARK_VERSION
#define WAYMARK_VERSION "0.0.0"
#endif

enum { EXIT_CONTENT = 1, EXIT_USAGE = 2 };

#define MAX_THEME_DIRS 4
#define STYLESHEET "style.css"
#define CACHE_DIR ".cache" /* out/.cache: what a rebuild can reuse */

typedef struct {
    const char *site_dir;
    const char *out_dir;  /* absolute once parsed */
    char *cache_dir;      /* out_dir/.cache: what a rebuild can reuse (owned) */
    char *out_shown;      /* as the user gave it, for messages (owned) */
    bool write;           /* build (true) or check (false) */
    bool drafts, quiet, bundle;
    bool bundle_per_language; /* l10n: out/<name>-<lang>.zip too */
    bool future;          /* --future: publish posts dated after today */
    size_t jobs;
    /* bundles, signing and checks (README "Signed bundles") */
    const char *sign_key; /* secret key file for --sign; NULL: not signed */
    minisign_secret_key key; /* read from sign_key before the build starts */
    bool precompress;     /* --precompress: .gz siblings */
    bool strict;          /* --strict: budget warnings are errors */
    bool external;        /* check --external: list external links */
} build_options;

/* --- help ----------------------------------------------------------------- */

static const char USAGE[] =
    "usage: waymark build [SITE_DIR] [-o OUT_DIR] [--drafts] [--future] [--jobs N] [--no-bundle] [--quiet]\n"
    "                     [--bundle-per-language] [--sign KEY] [--precompress] [--strict]\n"
    "       waymark check [SITE_DIR] [--drafts] [--future] [--strict] [--external]\n"
    "       waymark extract [SITE_DIR]\n"
    "       waymark status [SITE_DIR] [--format text|json] [--strict] [--verbose]\n"
    "       waymark keygen -o KEY [--force]\n"
    "       waymark verify BUNDLE.zip [-p KEY.pub | -P BASE64] [-x SIG] [--extract DIR] [--quiet]\n"
    "       waymark serve [SITE_DIR | BUNDLE.zip] [--listen ADDR:PORT] [--responses FILE] [--watch]\n"
    "       waymark responses export DB --survey ID [--format csv|json] [--version HASH]\n"
    "       waymark help [COMMAND]\n"
    "       waymark --version\n";

static const struct {
    const char *name, *text;
} COMMAND_HELP[] = {
    {"build",
     "usage: waymark build [SITE_DIR] [-o OUT_DIR] [--drafts] [--future] [--jobs N] [--no-bundle] [--quiet]\n"
     "                     [--bundle-per-language] [--sign KEY] [--precompress] [--strict]\n"
     "\n"
     "Builds the site in SITE_DIR (default: .) into OUT_DIR/site (default OUT_DIR:\n"
     "SITE_DIR/out) and bundles it as OUT_DIR/<name>.zip with OUT_DIR/SHA256SUMS.\n"
     "Errors are printed as path:line:col: error: message; on any error nothing\n"
     "is written and the previous output stays as it was.\n"
     "\n"
     "  -o, --out DIR   output folder\n"
     "  --drafts        include pages with draft: true\n"
     "  --future        include posts dated after today\n"
     "  --jobs N        render on N threads (default: all cores); output is the same\n"
     "  --no-bundle     write the site folder only\n"
     "  --quiet         print errors only, no summary\n"
     "  --bundle-per-language\n"
     "                  also write OUT_DIR/<name>-<lang>.zip per language: its pages,\n"
     "                  the shared files and the root page; links to other languages\n"
     "                  lead to site.lua base_url, or are left out without one\n"
     "  --sign KEY      sign the zip with a minisign secret key: OUT_DIR/<name>.zip.minisig\n"
     "  --precompress   write a deterministic .gz beside every .html .css .xml .json .csv\n"
     "  --strict        pages over the site.lua budget are errors, not warnings\n"
     "\n"
     "Also writes OUT_DIR/deploy/: an nginx server block, a torrc fragment and a\n"
     "README.txt for serving the unpacked bundle as an onion service.\n"
     "Zip timestamps come from SOURCE_DATE_EPOCH, else from the newest source file.\n"},
    {"check",
     "usage: waymark check [SITE_DIR] [--drafts] [--future] [--strict] [--external]\n"
     "\n"
     "Does everything build does except writing: reads, renders and checks every\n"
     "page, and reports every problem. Exit status 1 when there are errors.\n"
     "\n"
     "  --strict        pages over the site.lua budget are errors, not warnings\n"
     "  --external      list every link to another site, with where it is (never fetched)\n"},
    {"extract",
     "usage: waymark extract [SITE_DIR]\n"
     "\n"
     "Writes SITE_DIR/locales/templates/ui.pot: every t() and tc() call of the\n"
     "theme's templates (and the month names date() uses), with #: file:line\n"
     "references, and locales/templates/<survey>.pot for every surveys/<survey>.yaml\n"
     "(msgctxt <survey>/<question>..., msgid the source text), for translators to\n"
     "start or merge (msgmerge) a catalog.\n"},
    {"status",
     "usage: waymark status [SITE_DIR] [--format text|json] [--strict] [--verbose]\n"
     "\n"
     "Per language: how many pages, interface strings and survey strings are\n"
     "translated, missing or outdated. A page is outdated when its front matter\n"
     "says translation_of: <hash> and the default language's page has changed\n"
     "since (the hash is the SHA-256 of its Markdown; --verbose shows it).\n"
     "\n"
     "  --format json   machine-readable output\n"
     "  --strict        exit 1 when anything is missing\n"
     "  --verbose       list the missing and outdated pages and strings\n"},
    {"keygen", CMD_KEYGEN_HELP},
    {"verify", CMD_VERIFY_HELP},
    {"help", "usage: waymark help [COMMAND]\n\nShows the help of a command.\n"},
};

static int print_help(const char *command)
{
    if (!command) {
        printf("waymark %s: Markdown help content to a JavaScript-free static site\n\n%s\n"
               "Commands:\n"
               "  build   build the site and its zip bundle\n"
               "  check   check the site without writing anything\n"
               "  extract write translation templates: locales/templates/ui.pot, <survey>.pot\n"
               "  status  show what is translated, missing or outdated per language\n"
               "  keygen  make a key pair for signing bundles\n"
               "  verify  check a bundle's signature and contents, and unpack it\n"
               "  serve   serve a built site or bundle, collect survey answers\n"
               "  responses export  export stored survey answers as CSV or JSON\n"
               "  help    show a command's help\n\n"
               "See waymark(1) and README.md.\n",
               WAYMARK_VERSION, USAGE);
        return 0;
    }
    /* serve */
    if (!strcmp(command, "serve") || !strcmp(command, "responses")) {
        fputs(!strcmp(command, "serve") ? SERVE_HELP : RESPONSES_HELP, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof COMMAND_HELP / sizeof *COMMAND_HELP; i++)
        if (!strcmp(COMMAND_HELP[i].name, command)) {
            fputs(COMMAND_HELP[i].text, stdout);
            return 0;
        }
    fprintf(stderr, "waymark: no command '%s'\n%s", command, USAGE);
    return EXIT_USAGE;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "waymark: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", USAGE);
    return EXIT_USAGE;
}

/* --- options ---------------------------------------------------------------- */

static char *absolute_path(const char *p)
{
    if (p[0] == '/')
        return xstrdup(p);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return xstrdup(p);
    return path_join(cwd, p);
}

static int parse_build_options(int argc, char **argv, bool write, build_options *o,
                               char **out_owned)
{
    *o = (build_options){.site_dir = ".", .write = write, .bundle = true,
                         .jobs = pool_default_jobs()};
    const char *out = NULL;
    bool have_site = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-o") || !strcmp(a, "--out")) && write) {
            if (++i == argc)
                return usage_error("%s needs a folder", a);
            out = argv[i];
        } else if (!strcmp(a, "--drafts")) {
            o->drafts = true;
        } else if (!strcmp(a, "--future")) {
            o->future = true;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = true;
        } else if (!strcmp(a, "--no-bundle") && write) {
            o->bundle = false;
        } else if (!strcmp(a, "--bundle-per-language") && write) {
            o->bundle_per_language = true;
        } else if (!strcmp(a, "--sign") && write) {
            if (++i == argc)
                return usage_error("%s needs a secret key file", a);
            o->sign_key = argv[i];
        } else if (!strcmp(a, "--precompress") && write) {
            o->precompress = true;
        } else if (!strcmp(a, "--strict")) {
            o->strict = true;
        } else if (!strcmp(a, "--external") && !write) {
            o->external = true;
        } else if (!strcmp(a, "--jobs") || !strcmp(a, "-j")) {
            char *end;
            long n = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (n < 1 || n > 256 || *end)
                return usage_error("%s needs a number from 1 to 256", a);
            o->jobs = (size_t)n;
            i++;
        } else if (a[0] == '-') {
            return usage_error("unknown option '%s'", a);
        } else if (have_site) {
            return usage_error("one site folder only ('%s' is a second)", a);
        } else {
            o->site_dir = a;
            have_site = true;
        }
    }
    if (!fs_is_dir(o->site_dir))
        return usage_error("'%s' is not a folder", o->site_dir);
    if (o->sign_key && !o->bundle)
        return usage_error("%s", "--sign needs the bundle: drop --no-bundle");
    if (o->sign_key) {
        diags_t kd = DIAGS_INIT;
        int krc = signing_read_secret_key(o->sign_key, &o->key, &kd);
        diag_print(&kd, stderr);
        diag_free(&kd);
        if (krc < 0)
            return usage_error("cannot use the secret key '%s'", o->sign_key);
    }
    /* The build runs inside the site folder, so the output folder is made
     * absolute first; messages show it as the user gave it. */
    char *given = out ? xstrdup(out) : path_join(o->site_dir, "out");
    char *shown = path_normalize(given);
    o->out_shown = shown && *shown ? shown : xstrdup(given);
    if (o->out_shown != shown)
        free(shown);
    *out_owned = absolute_path(given);
    free(given);
    o->out_dir = *out_owned;
    return 0;
}

/* --- themes, catalogs, timestamps ------------------------------------------ */

typedef struct {
    char *dirs[MAX_THEME_DIRS + 1];      /* theme folders, first wins */
    char *names[MAX_THEME_DIRS + 1];     /* as shown in messages */
    char *templates[MAX_THEME_DIRS + 1]; /* their templates/ folders */
    char *template_names[MAX_THEME_DIRS + 1];
    size_t len;
} theme_path;

static void theme_add(theme_path *t, char *dir, char *name)
{
    char *real = realpath(dir, NULL);
    for (size_t i = 0; real && i < t->len; i++) {
        char *other = realpath(t->dirs[i], NULL);
        bool same = other && !strcmp(other, real);
        free(other);
        if (same) {
            free(real);
            real = NULL;
        }
    }
    if (!real || t->len == MAX_THEME_DIRS || !fs_is_dir(dir)) {
        free(real);
        free(dir);
        free(name);
        return;
    }
    free(real);
    t->dirs[t->len] = dir;
    t->names[t->len] = name;
    t->templates[t->len] = path_join(dir, "templates");
    t->template_names[t->len] = path_join(name, "templates");
    t->len++;
}

/* The site's own themes/<name>/ first, then $WAYMARK_THEMES/<name>, then
 * the themes shipped beside the program (in the source tree or installed). */
static void theme_resolve(theme_path *t, const char *theme, diags_t *d)
{
    *t = (theme_path){0};
    char *own = path_join("themes", theme);
    theme_add(t, xstrdup(own), own);
    const char *env = getenv("WAYMARK_THEMES");
    if (env && *env) {
        char *dir = path_join(env, theme);
        theme_add(t, dir, xstrdup(dir));
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *bindir = path_dirname(exe);
        char *in_tree = xasprintf("%s/themes/%s", bindir, theme);
        char *installed = xasprintf("%s/../share/waymark/themes/%s", bindir, theme);
        theme_add(t, in_tree, xstrdup(in_tree));
        theme_add(t, installed, xstrdup(installed));
        free(bindir);
    }
    if (t->len == 0)
        diag_error(d, "site.lua", 0, 0, "theme '%s' not found (looked in themes/%s and beside waymark)",
                   theme, theme);
}

static void theme_free(theme_path *t)
{
    for (size_t i = 0; i < t->len; i++) {
        free(t->dirs[i]);
        free(t->names[i]);
        free(t->templates[i]);
        free(t->template_names[i]);
    }
}

static void load_catalogs(const config_t *cfg, const theme_path *themes, l10n_catalogs *c,
                          diags_t *d)
{
    l10n_load_catalogs(cfg, (const char *const *)themes->dirs,
                       (const char *const *)themes->names, themes->len, c, d);
}

/* SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the newest
 * source file, so the same sources always give the same zip. */
static int64_t bundle_time(const site_t *site, const theme_path *themes, diags_t *d)
{
    const char *env = getenv("SOURCE_DATE_EPOCH");
    if (env && *env) {
        char *end;
        long long v = strtoll(env, &end, 10);
        if (*end || v < 0)
            diag_error(d, "SOURCE_DATE_EPOCH", 0, 0, "must be a whole number of seconds, not '%s'", env);
        return v;
    }
    int64_t newest = site->newest_mtime;
    const char *others[] = {"site.lua", "locales", SURVEYS_DIR};
    for (size_t i = 0; i < 3; i++) {
        int64_t m = output_newest_mtime(others[i]);
        newest = m > newest ? m : newest;
    }
    for (size_t i = 0; i < themes->len; i++) {
        int64_t m = output_newest_mtime(themes->dirs[i]);
        newest = m > newest ? m : newest;
    }
    return newest;
}

/* --- the pipeline ----------------------------------------------------------- */

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void print_summary(const build_options *o, const config_t *cfg, const render_stats *st,
                          const char *zip_path, double secs, const char *weights, size_t feeds,
                          bool feeds_left_out)
{
    printf("waymark: %s %zu pages (", o->write ? "built" : "checked", st->pages);
    for (size_t l = 0; l < cfg->nlanguages; l++)
        printf("%s%s %zu", l ? ", " : "", cfg->languages[l].code, st->pages_per_language[l]);
    printf(")");
    if (feeds)
        printf(" and %zu Atom feed%s", feeds, feeds == 1 ? "" : "s");
    if (o->write) {
        printf(" into %s/site", o->out_shown);
        if (zip_path) {
            int64_t size = 0;
            FILE *f = fopen(zip_path, "rb");
            if (f && fseek(f, 0, SEEK_END) == 0)
                size = ftell(f);
            if (f)
                fclose(f);
            printf(", bundle %s/%s %.1f KB", o->out_shown, path_basename(zip_path),
                   (double)size / 1024.0);
        }
    }
    printf(", in %.2f s%s\n", secs,
           feeds_left_out ? "; feeds left out: site.lua has no base_url" : "");
    fputs(weights, stdout);
}

/* Writes what is not a page: the stylesheet, the theme's static files and
 * the content's resources. */
static void write_assets(output_t *out, const site_t *site, const theme_path *themes,
                         const char *css, diags_t *d)
{
    if (output_put(out, STYLESHEET, css, strlen(css)) < 0)
        diag_error(d, STYLESHEET, 0, 0, "cannot write: %s", strerror(errno));
    for (size_t i = 0; i < site->nresources; i++) {
        const site_resource *r = &site->resources[i];
        if (r->data ? output_put(out, r->out_path, r->data, r->len) < 0
                    : output_put_file(out, r->out_path, r->src_path) < 0)
            diag_error(d, r->src_path, 0, 0, "cannot copy: %s", strerror(errno));
    }
    for (size_t i = 0; i < themes->len; i++) {
        char *from = path_join(themes->dirs[i], "static");
        char *shown = path_join(themes->names[i], "static");
        output_put_tree(out, from, shown, d);
        free(from);
        free(shown);
    }
}

/* With --sign, writes <zip>.minisig; without, removes an old one, which
 * could only fail to match the new zip. */
static int sign_zip(const build_options *o, const config_t *cfg, const char *zip_path,
                    int64_t stamp, diags_t *d)
{
    if (!o->sign_key) {
        char *old = xasprintf("%s.minisig", zip_path);
        unlink(old);
        free(old);
        return 0;
    }
    char *version = signing_version(cfg->version, stamp);
    int rc = signing_sign_bundle(zip_path, &o->key, cfg->name, version, d);
    free(version);
    return rc;
}

/* Every link of every page leads to a written file and id. The files
 * besides pages and content files: the stylesheet and the themes' static/. */
static void check_links(linkcheck_t *links, const site_t *site, const theme_path *themes,
                        const surveys_t *surveys, size_t jobs, diags_t *d)
{
    fs_list_t others = {0};
    xgrow((void **)&others.paths, &others.cap, 1, sizeof *others.paths);
    others.paths[others.len++] = xstrdup(STYLESHEET);
    for (size_t i = 0; i < site->npages; i++) /* Atom feeds (feed.c) */
        if (site->pages[i]->blog && site->pages[i]->blog->feed) {
            xgrow((void **)&others.paths, &others.cap, others.len + 1, sizeof *others.paths);
            others.paths[others.len++] = xstrdup(site->pages[i]->blog->feed);
        }
    for (size_t i = 0; i < surveys->len; i++) {
        xgrow((void **)&others.paths, &others.cap, others.len + 1, sizeof *others.paths);
        others.paths[others.len++] = surveys_stylesheet_path(surveys->items[i]);
    }
    for (size_t i = 0; i < themes->len; i++) {
        char *dir = path_join(themes->dirs[i], "static");
        fs_list_t files;
        if (fs_is_dir(dir) && fs_list_files(dir, &files) == 0) {
            for (size_t k = 0; k < files.len; k++) {
                xgrow((void **)&others.paths, &others.cap, others.len + 1, sizeof *others.paths);
                others.paths[others.len++] = xstrdup(files.paths[k]);
            }
            fs_list_free(&files);
        }
        free(dir);
    }
    linkcheck_run(links, (const char *const *)others.paths, others.len, jobs, d);
    fs_list_free(&others);
}

/* The link check, run on a thread while the zip is written when there
 * is one (on a rebuild that writer has a core to itself): it only reads
 * the page model and what the render recorded, and nothing is put in
 * place before its verdict (link_check_passed). */
typedef struct {
    linkcheck_t *links;
    const site_t *site;
    const theme_path *themes;
    const surveys_t *surveys;
    size_t jobs;
    diags_t found;       /* what it reports, merged into *report */
    diags_t *report;
    pool_background thread;
    bool started, passed;
} link_checking;

static void *run_link_check(void *arg)
{
    link_checking *lc = arg;
    check_links(lc->links, lc->site, lc->themes, lc->surveys, lc->jobs, &lc->found);
    return NULL;
}

static void start_link_check(link_checking *lc)
{
    lc->found = (diags_t)DIAGS_INIT;
    lc->started = true;
    pool_background_start(&lc->thread, run_link_check, lc);
}

/* Waits for the link check (once) and reports what it found; false when
 * that was an error. True when none was started. */
static bool link_check_passed(link_checking *lc)
{
    if (lc->started) {
        pool_background_join(&lc->thread);
        lc->passed = lc->found.errors == 0;
        diag_merge(lc->report, &lc->found);
        lc->started = false;
    }
    return lc->passed;
}

/* Frees every page's converted Markdown once the pages and feeds are
 * written: nothing after reads it, and at 100,000 pages it is a large part
 * of what the build holds while the bundle is written. */
static void release_page_html(site_t *site)
{
    for (size_t i = 0; i < site->npages; i++) {
        free(site->pages[i]->html);
        site->pages[i]->html = NULL;
    }
}

/* The build's part in the bundle's publishing (bundle_options): the link
 * check's verdict before anything replaces the last build's, then the site
 * folder put in place before the zip is, so that a folder that cannot be
 * updated leaves the old zip. */
typedef struct {
    link_checking *checking;
    output_t *out;
    diags_t *d;
    bool finished; /* output_finish was called */
} site_publishing;

static bool site_checked(void *arg) { return link_check_passed(((site_publishing *)arg)->checking); }

static bool publish_site(void *arg)
{
    site_publishing *p = arg;
    p->finished = true;
    return output_finish(p->out, p->d) == 0;
}

/* Bundles the new site (from the files the build wrote and the ones it
 * kept, with the bundle cache opened ahead, which it takes over), and
 * moves the site into place just before the zip. */
static int publish(const build_options *o, const config_t *cfg, output_t *out,
                   int64_t stamp, bcache_t **bundle_cache, link_checking *checking,
                   discard_t *discard, char **zip_path, diags_t *d)
{
    int rc = 0;
    site_publishing site = {checking, out, d, false};
    if (o->bundle) {
        size_t n;
        const output_file *files = output_files(out, &n);
        bundle_file *list = xcalloc(n ? n : 1, sizeof *list);
        for (size_t i = 0; i < n; i++)
            list[i] = (bundle_file){files[i].name, files[i].path, files[i].hex};
        char *zip_name = xasprintf("%s.zip", cfg->name);
        *zip_path = path_join(o->out_dir, zip_name);
        char *sums = path_join(o->out_dir, "SHA256SUMS");
        bundle_options bo = {.jobs = o->jobs, .cache_dir = o->cache_dir, .cache = *bundle_cache,
                             .may_publish = site_checked, .before_replacing = publish_site,
                             .publish_ctx = &site, .discard = discard};
        *bundle_cache = NULL; /* bundle_write_files closes it */
        rc = bundle_write_files(list, n, *zip_path, sums, stamp, &bo, d);
        progress_stage("publish", 0);
        free(sums);
        free(zip_name);
        rc = rc == 0 ? sign_zip(o, cfg, *zip_path, stamp, d) : rc;
        free(list);
    }
    if (rc == 0 && !link_check_passed(checking))
        rc = -1;
    if (rc == 0 && !site.finished)
        rc = output_finish(out, d);
    /* Per-language bundles read the finished folder: an incremental build's
     * staging folder holds only the files that changed. */
    if (rc == 0 && o->bundle_per_language) {
        char *site_dir = path_join(o->out_dir, "site");
        rc = langbundle_write_all(cfg, site_dir, o->out_dir, stamp, d);
        free(site_dir);
    }
    if (rc == 0)
        rc = deploy_write(cfg, fs_is_dir("surveys"), o->out_dir, d);
    return rc;
}

/* The render cache's global key (rcache.h): every file a template or the
 * stylesheet can read besides the pages, and the options that shape them. */
static void render_cache_key(const build_options *o, const config_t *cfg,
                             const theme_path *themes, unsigned char key[RCACHE_KEY_LEN])
{
    const char *dirs[MAX_THEME_DIRS + 3] = {"locales", SURVEYS_DIR};
    for (size_t i = 0; i < themes->len; i++)
        dirs[2 + i] = themes->dirs[i];
    const char *files[] = {"site.lua"};
    char *extra = xasprintf("%s drafts=%d future=%d css=%s key=%s", WAYMARK_VERSION, o->drafts,
                            o->future, STYLESHEET, cfg->public_key ? cfg->public_key : "-");
    rcache_global_key(dirs, 2 + themes->len, files, 1, extra, key);
    free(extra);
}

/* The stylesheet, from out/.cache when the themes and site.lua are the
 * ones it was compiled from. *compiled: it was compiled now, with a key and
 * without a message, so keep_caches may store it. */
static char *compile_style(const build_options *o, const config_t *cfg, const theme_path *themes,
                           const unsigned char *key, bool *compiled, diags_t *d)
{
    if (!themes->len)
        return NULL;
    size_t len, before = d->len;
    char *css = key ? rcache_blob_get(o->cache_dir, STYLESHEET, WAYMARK_VERSION, key, &len) : NULL;
    *compiled = false;
    if (!css) {
        css = style_compile((const char *const *)themes->dirs,
                            (const char *const *)themes->names, cfg->scss_vars, d);
        *compiled = css && key && d->len == before;
    }
    return css;
}

/* The source cache is complete once the pages are loaded, the render
 * cache once they are rendered: each is written on a thread while the
 * build goes on (at 100,000 pages that takes seconds), and put in use by
 * keep_caches if the build succeeds. */
static void *write_source_cache(void *sources)
{
    srccache_save_write(sources);
    return NULL;
}

static void *write_render_cache(void *render)
{
    rcache_save_write(render);
    return NULL;
}

/* The caches written while the build went on (write_source_cache,
 * write_render_cache), joined before keep_caches. */
typedef struct {
    pool_background sources_thread, render_thread;
    bool sources, render; /* the writing ran (or runs) */
} cache_writing;

/* After a successful build, stores what the next one can reuse; after a
 * failed one, leaves out/.cache as the last successful build left it. */
static void keep_caches(const build_options *o, bool ok, mdcache_t *md, rcache_t *render,
                        srccache_t *sources, cache_writing *written, const char *css,
                        bool css_compiled, const unsigned char *key)
{
    if (render)
        rcache_save_commit(render, ok && written->render);
    if (sources)
        srccache_save_commit(sources, ok && written->sources);
    if (!ok) {
        mdcache_discard(md);
        return;
    }
    mdcache_save(md);
    if (css && css_compiled)
        rcache_blob_put(o->cache_dir, STYLESHEET, WAYMARK_VERSION, key, css, strlen(css));
}

/* The page model and its link records, freed on a thread while the main
 * one writes the caches: at 100,000 pages each of the two takes seconds. */
typedef struct {
    site_t *site;
    linkcheck_t *links;
} model_parts;

static void *free_model(void *arg)
{
    model_parts *m = arg;
    linkcheck_free(m->links);
    site_free(m->site);
    return NULL;
}

/* The caches a build reads, opened on threads of their own while the
 * pages load: on one core, reading them was a tenth of a rebuild. The
 * source cache is needed first (by the load), the others by the stages
 * after it. */
typedef struct {
    const build_options *o;
    const unsigned char *key; /* the render cache's */
    srccache_t *sources;
    mdcache_t *mdcache;
    output_t *out;
    rcache_t *rcache;
    bcache_t *bundle;
    diags_t diags; /* output_open's, merged by the build once joined */
    pool_background sources_thread, caches_thread;
} cache_opening;

static void *open_sources(void *arg)
{
    cache_opening *c = arg;
    c->sources = srccache_open(c->o->cache_dir, WAYMARK_VERSION);
    return NULL;
}

static void *open_caches(void *arg)
{
    cache_opening *c = arg;
    /* what a build killed half way left: temporary zips and caches */
    fs_remove_stale_temps(c->o->out_dir);
    fs_remove_stale_temps(c->o->cache_dir);
    c->mdcache = mdcache_open(c->o->cache_dir, WAYMARK_VERSION);
    char *site_dir = path_join(c->o->out_dir, "site");
    c->out = output_open(site_dir, c->o->cache_dir, &c->diags);
    free(site_dir);
    if (c->out)
        c->rcache = rcache_open(c->o->cache_dir, WAYMARK_VERSION, c->key);
    if (c->out && c->o->bundle)
        c->bundle = bundle_cache_open(c->o->cache_dir);
    return NULL;
}

/* Waits for the caches (once); the build takes them over. */
static void join_caches(cache_opening *c, diags_t *d)
{
    pool_background_join(&c->sources_thread);
    pool_background_join(&c->caches_thread);
    diag_merge(d, &c->diags);
}

static int build_site(const build_options *o, diags_t *d)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    config_t cfg;
    site_t site = {0};
    theme_path themes = {0};
    l10n_catalogs catalogs = {0};
    exercise_labels *labels = NULL;
    char *css = NULL, *zip_path = NULL;
    render_stats stats = {0};
    linkcheck_t *links = NULL;
    surveys_t surveys = {0};
    size_t feeds = 0;
    unsigned char cache_key[RCACHE_KEY_LEN] = {0};
    bool css_compiled = false;
    cache_writing writing = {0};
    link_checking checking = {.passed = true};
    site_options site_opts = {.drafts = o->drafts, .jobs = o->jobs, .future = o->future};
    cache_opening caches = {.o = o, .key = cache_key, .diags = DIAGS_INIT};
    discard_t *discarding = discard_new(); /* the zip replaced, removed meanwhile */
    if (o->write)
        pool_background_start(&caches.sources_thread, open_sources, &caches);

    /* load */
    progress_stage("load", 0);
    if (config_load(".", &cfg, d) < 0)
        goto done;
    theme_resolve(&themes, cfg.theme, d);
    if (o->write) {
        render_cache_key(o, &cfg, &themes, cache_key);
        pool_background_start(&caches.caches_thread, open_caches, &caches);
    }
    load_catalogs(&cfg, &themes, &catalogs, d);
    /* parse and model */
    surveys_load(&cfg, &surveys, d);
    pool_background_join(&caches.sources_thread);
    srccache_t *sources = site_opts.sources = caches.sources; /* caches' (they own them) */
    site_load(&cfg, &site_opts, &site, d);
    srccache_loaded(sources);
    if (sources && !d->errors) {
        pool_background_start(&writing.sources_thread, write_source_cache, sources);
        writing.sources = true;
    }
    surveys_attach(&surveys, &site, d);
    surveys_check_catalogs(&surveys, &cfg, catalogs.site, d);
    labels = exercise_labels_from_catalogs(catalogs.site, cfg.nlanguages);
    site.exercise_labels = labels;
    progress_stage("markdown", site.npages);
    join_caches(&caches, d);
    mdcache_t *mdcache = caches.mdcache;
    output_t *out = caches.out;
    rcache_t *rcache = caches.rcache;
    site_convert_markdown(&site, o->jobs, mdcache, d);
    progress_stage("style", 0);
    css = compile_style(o, &cfg, &themes, o->write ? cache_key : NULL, &css_compiled, d);
    int64_t stamp = bundle_time(&site, &themes, d);
    if (d->errors || !css)
        goto done;
    /* render, check and write */
    if (o->write && !out)
        goto done; /* output_open said why */
    links = linkcheck_new(&site);
    render_options ro = {out ? output_staging(out) : NULL, (const char *const *)themes.templates,
                         (const char *const *)themes.template_names, catalogs.site, STYLESHEET,
                         o->jobs, out, catalogs.theme, links, rcache};
    progress_stage("render", site.npages);
    int rendered = render_site(&site, &ro, &stats, d);
    if (rcache && getenv("WAYMARK_TIMINGS")) {
        size_t kept, put;
        rcache_counts(rcache, &kept, &put);
        fprintf(stderr, "waymark: render cache: %zu pages kept, %zu rendered and kept\n", kept, put);
    }
    if (rendered == 0) {
        /* beside the zip, whose writer is one thread that the build waits
         * for, the check leaves it a core (paired rebuilds: 0.93 of the time) */
        bool beside_zip = out && o->bundle && !o->external;
        size_t check_jobs = beside_zip && o->jobs > 1 ? o->jobs - 1 : o->jobs;
        checking = (link_checking){links, &site, &themes, &surveys, check_jobs, .report = d,
                                   .passed = true};
        if (beside_zip)
            start_link_check(&checking); /* awaited by publish */
        else
            check_links(links, &site, &themes, &surveys, o->jobs, d);
        budget_check(&site, stats.page_bytes, strlen(css), cfg.budget_page_kb, o->strict, d);
    }
    if (rcache && rendered == 0 && !d->errors) {
        pool_background_start(&writing.render_thread, write_render_cache, rcache);
        writing.render = true;
    }
    if (o->external && !d->errors) {
        char *list = linkcheck_external(links);
        fputs(list, stdout);
        free(list);
    }
    progress_stage("assets", 0);
    if (out)
        write_assets(out, &site, &themes, css, d);
    surveys_write(&surveys, &cfg, catalogs.site, out, d);
    /* the blog's Atom feeds (generator/feed.c) */
    feeds = d->errors ? 0 : feed_write_all(&site, catalogs.site, out, d);
    mdcache_done_reading(mdcache); /* the last reader of page HTML is done */
    if (out && o->precompress && !d->errors)
        precompress_output(out, o->jobs, d);
    /* bundle and publish */
    release_page_html(&site);
    if (out && !d->errors)
        publish(o, &cfg, out, stamp, &caches.bundle, &checking, discarding, &zip_path, d);
    progress_stop();
    if (!d->errors && !o->quiet) {
        char *weights = budget_summary(&site, stats.page_bytes, strlen(css));
        print_summary(o, &cfg, &stats, zip_path, seconds_since(&start), weights, feeds,
                      feed_left_out(&site));
        free(weights);
    }
done:
    progress_stop();
    link_check_passed(&checking); /* when the build stopped before publishing */
    join_caches(&caches, d); /* they are freed from there: the build may have stopped first */
    bcache_close(caches.bundle); /* when the build stopped before the bundle */
    model_parts model = {&site, links};
    pool_background freeing;
    pool_background_start(&freeing, free_model, &model);
    progress_stage("caches", 0); /* timed only (WAYMARK_TIMINGS): no bar after done */
    pool_background_join(&writing.sources_thread);
    pool_background_join(&writing.render_thread);
    if (o->write)
        keep_caches(o, !d->errors, caches.mdcache, caches.rcache, caches.sources, &writing, css,
                    css_compiled, cache_key);
    pool_background_join(&freeing);
    discard_free(discarding);
    progress_stop();
    mdcache_free(caches.mdcache);
    rcache_free(caches.rcache);
    srccache_free(caches.sources);
    output_close(caches.out);
    render_stats_free(&stats);
    free(zip_path);
    free(css);
    free(labels);
    l10n_catalogs_free(&catalogs);
    surveys_free(&surveys);
    theme_free(&themes);
    config_free(&cfg);
    return d->errors ? EXIT_CONTENT : 0;
}

static int run_build(int argc, char **argv, bool write)
{
    build_options o;
    char *out_dir = NULL;
    int rc = parse_build_options(argc, argv, write, &o, &out_dir);
    if (rc != 0)
        return rc;
    if (chdir(o.site_dir) < 0) {
        free(out_dir);
        free(o.out_shown);
        return usage_error("cannot enter '%s'", o.site_dir);
    }
    o.cache_dir = path_join(o.out_dir, CACHE_DIR);
    md_init();
    progress_start(!o.quiet);
    diags_t d = DIAGS_INIT;
    rc = build_site(&o, &d);
    diag_print(&d, stderr);
    if (d.errors)
        fprintf(stderr, "waymark: %zu error%s, %zu warning%s; %s\n", d.errors,
                d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s",
                write ? "nothing was written" : "check failed");
    diag_free(&d);
    free(o.cache_dir);
    free(out_dir);
    free(o.out_shown);
    return rc;
}

/* --- extract and status (l10n) -------------------------------------------- */

/* Reads SITE_DIR's site.lua and finds its theme, for the commands that do
 * not build. Returns 0 with *cfg and *themes filled (free both), else the
 * exit status. Runs inside the site folder afterwards. */
static int open_site(const char *site_dir, config_t *cfg, theme_path *themes, diags_t *d)
{
    if (!fs_is_dir(site_dir))
        return usage_error("'%s' is not a folder", site_dir);
    if (chdir(site_dir) < 0)
        return usage_error("cannot enter '%s'", site_dir);
    if (config_load(".", cfg, d) < 0) {
        config_free(cfg);
        return EXIT_CONTENT;
    }
    theme_resolve(themes, cfg->theme, d);
    return 0;
}

static int finish(diags_t *d, int rc)
{
    diag_print(d, stderr);
    if (d->errors && rc == 0)
        rc = EXIT_CONTENT;
    diag_free(d);
    return rc;
}

static int run_extract(int argc, char **argv)
{
    const char *site_dir = ".";
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-')
            return usage_error("unknown option '%s'", argv[i]);
        if (i > 0)
            return usage_error("one site folder only ('%s' is a second)", argv[i]);
        site_dir = argv[i];
    }
    diags_t d = DIAGS_INIT;
    config_t cfg;
    theme_path themes;
    int rc = open_site(site_dir, &cfg, &themes, &d);
    if (rc != 0)
        return finish(&d, rc);
    extract_result res = {0};
    /* References read themes/<theme>/templates/<file> wherever the theme
     * folder is (the site, beside waymark), so the .pot is the same on
     * every machine. */
    char *ref_name = xasprintf("themes/%s", cfg.theme);
    const char *ref_names[MAX_THEME_DIRS + 1];
    for (size_t i = 0; i < themes.len; i++)
        ref_names[i] = ref_name;
    if (!d.errors)
        extract_run(&cfg, (const char *const *)themes.dirs, ref_names, themes.len, &res, &d);
    free(ref_name);
    if (!d.errors)
        for (size_t i = 0; i < res.nfiles; i++)
            printf("waymark: wrote %s (%zu strings)\n", res.files[i], res.counts[i]);
    extract_result_free(&res);
    theme_free(&themes);
    config_free(&cfg);
    return finish(&d, 0);
}

static int run_status(int argc, char **argv)
{
    const char *site_dir = ".";
    bool json = false, strict = false, verbose = false, have_site = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--format")) {
            if (++i == argc || (strcmp(argv[i], "json") && strcmp(argv[i], "text")))
                return usage_error("%s needs 'text' or 'json'", a);
            json = !strcmp(argv[i], "json");
        } else if (!strcmp(a, "--strict")) {
            strict = true;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            verbose = true;
        } else if (a[0] == '-') {
            return usage_error("unknown option '%s'", a);
        } else if (have_site) {
            return usage_error("one site folder only ('%s' is a second)", a);
        } else {
            site_dir = a;
            have_site = true;
        }
    }
    diags_t d = DIAGS_INIT;
    config_t cfg;
    theme_path themes;
    int rc = open_site(site_dir, &cfg, &themes, &d);
    if (rc != 0)
        return finish(&d, rc);
    l10n_catalogs catalogs = {0};
    site_t site = {0};
    site_options site_opts = {0};
    surveys_t surveys = {0};
    load_catalogs(&cfg, &themes, &catalogs, &d);
    site_load(&cfg, &site_opts, &site, &d);
    surveys_load(&cfg, &surveys, &d);
    status_report report = {0};
    if (!d.errors) {
        status_compute(&site, &surveys, &catalogs, (const char *const *)themes.dirs,
                       (const char *const *)themes.names, themes.len, &report, &d);
        char *text = json ? status_format_json(&report) : status_format_text(&report, verbose);
        fputs(text, stdout);
        free(text);
        if (strict && status_anything_missing(&report))
            rc = EXIT_CONTENT;
    }
    status_report_free(&report);
    surveys_free(&surveys);
    site_free(&site);
    l10n_catalogs_free(&catalogs);
    theme_free(&themes);
    config_free(&cfg);
    return finish(&d, rc);
}

/* With mimalloc (the Makefile's MALLOC): memory in 2 MB pages where the
 * kernel's transparent huge pages allow it (madvise mode included). A
 * build touches most of what it allocates once, and on a virtual machine
 * each 4 KB page's first touch cost about 20 us. mimalloc commits a
 * thread's first segment lazily, in 4 KB pages, by default; a build's
 * workers are short-lived threads, so that was most of their memory
 * (a rebuild of the 10,000-page benchmark site: 23,800 page faults, and
 * 7,100 without the delay). Paired rebuilds took 0.96 to 0.98 of the time
 * with 2 MB pages, then 0.82 without the delay, for 20 MB more at peak. */
static void tune_allocator(void)
{
#ifdef WAYMARK_MIMALLOC
    mi_option_set(mi_option_large_os_pages, 1);
    mi_option_set(mi_option_eager_commit_delay, 0);
#endif
}

int main(int argc, char **argv)
{
    tune_allocator();
    if (argc < 2)
        return usage_error("%s", "a command is needed");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("waymark %s\n", WAYMARK_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
        return print_help(NULL);
    if (!strcmp(cmd, "help"))
        return print_help(argc > 2 ? argv[2] : NULL);
    if (!strcmp(cmd, "build"))
        return run_build(argc - 2, argv + 2, true);
    if (!strcmp(cmd, "check"))
        return run_build(argc - 2, argv + 2, false);
    if (!strcmp(cmd, "extract"))
        return run_extract(argc - 2, argv + 2);
    if (!strcmp(cmd, "status"))
        return run_status(argc - 2, argv + 2);
    if (!strcmp(cmd, "keygen"))
        return cmd_keygen(argc - 2, argv + 2);
    if (!strcmp(cmd, "verify"))
        return cmd_verify(argc - 2, argv + 2);
    /* serve */
    if (!strcmp(cmd, "serve"))
        return serve_command(argc - 2, argv + 2);
    if (!strcmp(cmd, "responses"))
        return responses_command(argc - 2, argv + 2);
    return usage_error("unknown command '%s'", cmd);
}
