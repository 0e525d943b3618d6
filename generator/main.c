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

#include "bundle.h"
#include "catalog.h"
#include "config.h"
#include "diag.h"
#include "feed.h"
#include "fs.h"
#include "markdown.h"
#include "output.h"
#include "path.h"
#include "pool.h"
#include "render.h"
#include "site.h"
#include "style.h"
#include "xalloc.h"

#ifndef WAYMARK_VERSION
#define WAYMARK_VERSION "0.0.0"
#endif

enum { EXIT_CONTENT = 1, EXIT_USAGE = 2 };

#define MAX_THEME_DIRS 4
#define STYLESHEET "style.css"

typedef struct {
    const char *site_dir;
    const char *out_dir;  /* absolute once parsed */
    char *out_shown;      /* as the user gave it, for messages (owned) */
    bool write;           /* build (true) or check (false) */
    bool drafts, quiet, bundle;
    bool future;          /* --future: publish posts dated after today */
    size_t jobs;
} build_options;

/* --- help ----------------------------------------------------------------- */

static const char USAGE[] =
    "usage: waymark build [SITE_DIR] [-o OUT_DIR] [--drafts] [--future] [--jobs N] [--no-bundle] [--quiet]\n"
    "       waymark check [SITE_DIR] [--drafts] [--future]\n"
    "       waymark help [COMMAND]\n"
    "       waymark --version\n";

static const struct {
    const char *name, *text;
} COMMAND_HELP[] = {
    {"build",
     "usage: waymark build [SITE_DIR] [-o OUT_DIR] [--drafts] [--future] [--jobs N] [--no-bundle] [--quiet]\n"
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
     "\n"
     "Zip timestamps come from SOURCE_DATE_EPOCH, else from the newest source file.\n"},
    {"check",
     "usage: waymark check [SITE_DIR] [--drafts] [--future]\n"
     "\n"
     "Does everything build does except writing: reads, renders and checks every\n"
     "page, and reports every problem. Exit status 1 when there are errors.\n"},
    {"help", "usage: waymark help [COMMAND]\n\nShows the help of a command.\n"},
};

static int print_help(const char *command)
{
    if (!command) {
        printf("waymark %s: Markdown help content to a JavaScript-free static site\n\n%s\n"
               "Commands:\n"
               "  build   build the site and its zip bundle\n"
               "  check   check the site without writing anything\n"
               "  help    show a command's help\n\n"
               "See waymark(1) and README.md.\n",
               WAYMARK_VERSION, USAGE);
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

static catalog_t **load_catalogs(const config_t *cfg, diags_t *d)
{
    catalog_t **catalogs = xcalloc(cfg->nlanguages, sizeof *catalogs);
    for (size_t l = 0; l < cfg->nlanguages; l++) {
        char *path = xasprintf("locales/%s.po", cfg->languages[l].code);
        if (fs_is_file(path))
            catalogs[l] = catalog_load(path, path, d);
        else if (fs_is_dir("locales"))
            diag_warning(d, path, 0, 0, "no catalog: interface texts in %s fall back to %s",
                         cfg->languages[l].name, cfg->languages[0].name);
        if (!catalogs[l])
            catalogs[l] = catalog_empty();
        free(path);
    }
    return catalogs;
}

static void free_catalogs(catalog_t **catalogs, size_t n)
{
    for (size_t l = 0; l < n; l++)
        catalog_free(catalogs[l]);
    free(catalogs);
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
    const char *others[] = {"site.lua", "locales"};
    for (size_t i = 0; i < 2; i++) {
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
                          const char *zip_path, double secs, size_t feeds, bool feeds_left_out)
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
}

/* Writes what is not a page: the stylesheet, the theme's static files and
 * the content's resources. */
static void write_assets(const char *staging, const site_t *site, const theme_path *themes,
                         const char *css, diags_t *d)
{
    char *css_path = path_join(staging, STYLESHEET);
    if (fs_write_file(css_path, css, strlen(css)) < 0)
        diag_error(d, STYLESHEET, 0, 0, "cannot write: %s", strerror(errno));
    free(css_path);
    for (size_t i = 0; i < site->nresources; i++) {
        char *to = path_join(staging, site->resources[i].out_path);
        if (fs_copy_file(site->resources[i].src_path, to) < 0)
            diag_error(d, site->resources[i].src_path, 0, 0, "cannot copy: %s", strerror(errno));
        free(to);
    }
    for (size_t i = 0; i < themes->len; i++) {
        char *from = path_join(themes->dirs[i], "static");
        char *shown = path_join(themes->names[i], "static");
        output_copy_tree(from, staging, shown, d);
        free(from);
        free(shown);
    }
}

/* Bundles the staged site, then moves it into place. */
static int publish(const build_options *o, const config_t *cfg, const char *staging,
                   int64_t stamp, char **zip_path, diags_t *d)
{
    char *site_dir = path_join(o->out_dir, "site");
    int rc = 0;
    if (o->bundle) {
        char *zip_name = xasprintf("%s.zip", cfg->name);
        *zip_path = path_join(o->out_dir, zip_name);
        char *sums = path_join(o->out_dir, "SHA256SUMS");
        rc = bundle_write(staging, *zip_path, sums, stamp, d);
        free(sums);
        free(zip_name);
    }
    if (rc == 0)
        rc = output_commit(staging, site_dir, d);
    free(site_dir);
    return rc;
}

static int build_site(const build_options *o, diags_t *d)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    config_t cfg;
    site_t site = {0};
    theme_path themes = {0};
    catalog_t **catalogs = NULL;
    char *css = NULL, *staging = NULL, *zip_path = NULL;
    render_stats stats = {0};
    site_options site_opts = {.drafts = o->drafts, .future = o->future};

    /* load */
    if (config_load(".", &cfg, d) < 0)
        goto done;
    theme_resolve(&themes, cfg.theme, d);
    catalogs = load_catalogs(&cfg, d);
    /* parse and model */
    site_load(&cfg, &site_opts, &site, d);
    site_convert_markdown(&site, o->jobs, d);
    css = themes.len ? style_compile((const char *const *)themes.dirs,
                                     (const char *const *)themes.names, cfg.scss_vars, d)
                     : NULL;
    int64_t stamp = bundle_time(&site, &themes, d);
    if (d->errors || !css)
        goto done;
    /* render, check and write */
    if (o->write) {
        char *site_dir = path_join(o->out_dir, "site");
        staging = output_begin(site_dir, d);
        free(site_dir);
        if (!staging)
            goto done;
    }
    render_options ro = {staging, (const char *const *)themes.templates,
                         (const char *const *)themes.template_names, catalogs, STYLESHEET,
                         o->jobs};
    render_site(&site, &ro, &stats, d);
    /* the blog's Atom feeds (generator/feed.c) */
    size_t feeds = d->errors ? 0 : feed_write_all(&site, catalogs, staging, d);
    if (staging)
        write_assets(staging, &site, &themes, css, d);
    /* bundle and publish */
    if (staging && !d->errors && publish(o, &cfg, staging, stamp, &zip_path, d) == 0) {
        free(staging);
        staging = NULL;
    }
    if (!d->errors && !o->quiet)
        print_summary(o, &cfg, &stats, zip_path, seconds_since(&start), feeds,
                      feed_left_out(&site));
done:
    if (staging) {
        output_abort(staging);
        free(staging);
    }
    render_stats_free(&stats);
    free(zip_path);
    free(css);
    if (catalogs)
        free_catalogs(catalogs, cfg.nlanguages);
    site_free(&site);
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
    md_init();
    diags_t d = DIAGS_INIT;
    rc = build_site(&o, &d);
    diag_print(&d, stderr);
    if (d.errors)
        fprintf(stderr, "waymark: %zu error%s, %zu warning%s; %s\n", d.errors,
                d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s",
                write ? "nothing was written" : "check failed");
    diag_free(&d);
    free(out_dir);
    free(o.out_shown);
    return rc;
}

int main(int argc, char **argv)
{
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
    return usage_error("unknown command '%s'", cmd);
}
