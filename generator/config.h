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
 *     blog = { section = "posts", page_size = 10, feed_size = 20 },
 *   }
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
} config_language;

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
