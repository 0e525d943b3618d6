/* config: the site's settings, read from site.lua.
 *
 * site.lua is Lua run in the same sandbox as templates; it returns a table:
 *
 *   return {
 *     name = "waymark",               -- bundle file name: out/<name>.zip
 *     title = "Waymark Help",
 *     base_url = "http://example.onion/",  -- optional, for feeds
 *     theme = "default",
 *     languages = {                   -- the first is the default language
 *       { code = "en", name = "English" },
 *       { code = "ar", name = "العربية", dir = "rtl" },
 *     },
 *     theme_vars = { accent = "#0b5f75" }, -- injected as SCSS $accent
 *     fallback = "omit",              -- or "default": missing pages shown in
 *                                     -- the default language, with a notice
 *     blog = { section = "posts", page_size = 10, feed_size = 20 },
 *   }
 *
 * A language may also say digits = "arab" (l10n.h lists the systems).
 *
 * Any other key is kept in the table that templates see as `site`.
 * A config is read-only after config_load, and shared by all workers. */
#ifndef WAYMARK_CONFIG_H
#define WAYMARK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

typedef struct {
    char *code;  /* BCP 47 tag, also the content folder name */
    char *name;  /* the language's name in its own script */
    char *dir;   /* "ltr" or "rtl" */
    /* localization (l10n.h) */
    char *digits; /* numbering system for num() and dates: "arab", ...; NULL = ASCII */
} config_language;

/* What a language shows for a page that exists only in the default language. */
typedef enum {
    CONFIG_FALLBACK_OMIT,    /* nothing: the page is missing there (default) */
    CONFIG_FALLBACK_DEFAULT  /* the default language's page, with a notice */
} config_fallback;
/* Settings of the deploy kit (out/deploy/): safe for nginx and torrc, as
 * config_load refuses quotes, spaces, ';', '{', '}' and line breaks. */
typedef struct {
    char *root;               /* deploy.root: the unpacked bundle's folder */
    char *listen;             /* deploy.listen: nginx on loopback, "127.0.0.1:8081" */
    char *serve;              /* deploy.serve: waymark serve, "127.0.0.1:8080" */
    char *hidden_service_dir; /* deploy.hidden_service_dir: "/var/lib/tor/<name>/" */
    char *onion_location;     /* onion_location: the onion address, for clearnet mirrors */
    char *survey_endpoint;    /* surveys.endpoint: "submit" */
} config_deploy;

typedef struct {
    char *root;       /* site folder as given */
    char *name;       /* bundle name */
    char *title;
    char *base_url;   /* NULL when not set */
    char *theme;
    config_language *languages;
    size_t nlanguages;
    char *scss_vars;  /* "$accent: #0b5f75;\n" lines from theme_vars */
    char *csp;        /* the Content-Security-Policy every page carries */
    config_fallback fallback; /* site.lua fallback = "default" | "omit" */

    /* bundles, signing and deployment (README "Signed bundles" and "Deploying") */
    char *version;         /* site.lua version; NULL: the build date names it */
    char *public_key;      /* signing.public_key(_file): minisign base64 line; NULL */
    char *public_key_id;   /* its key id, as minisign prints it; NULL */
    double budget_page_kb; /* budget.page_kb: HTML + CSS per page; 0 = no budget */
    config_deploy deploy;
    char *survey_endpoint; /* surveys.endpoint: site-root path or http(s) URL */

    /* blog = { section = "posts", page_size = 10, feed_size = 20 } (generator/blog.c) */
    char *blog_section;     /* content/<lang>/<section>/ holds the posts */
    size_t blog_page_size;  /* posts per page of the posts index */
    size_t blog_feed_size;  /* newest posts in each Atom feed */
} config_t;

/* Reads root/site.lua into cfg; reports problems at site.lua:line.
 * Returns 0, or -1 when the site cannot be built. Free with config_free. */
int config_load(const char *root, config_t *cfg, diags_t *d);
void config_free(config_t *cfg);

/* Index of the language with that code, or -1. */
int config_language_index(const config_t *cfg, const char *code);
/* "rtl" for right-to-left scripts' languages (ar, fa, he, ur, ...). */
const char *config_default_direction(const char *code);

#endif
