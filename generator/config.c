#include "config.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "l10n.h"
#include "fs.h"
#include "minisign.h"
#include "path.h"
#include "sandbox.h"
#include "xalloc.h"

#define SITE_LUA "site.lua"

static const char *const RTL_LANGUAGES[] = {"ar", "arc", "ckb", "dv", "fa", "ha-Arab", "he",
                                            "khw", "ks", "ku-Arab", "ps", "sd", "syr", "ug",
                                            "ur", "yi", NULL};

const char *config_default_direction(const char *code)
{
    for (const char *const *rtl = RTL_LANGUAGES; *rtl; rtl++) {
        size_t n = strlen(*rtl);
        if (strncmp(code, *rtl, n) == 0 && (code[n] == '\0' || code[n] == '-'))
            return "rtl";
    }
    return "ltr";
}

/* t[key] of the table at the top of the stack, pushed, read raw: site.lua
 * runs under the sandbox's budget, but reading its result does not, so a
 * metatable's __index must never run here (an endless __index hung the
 * build; tests/hostile/site-attacks). Returns the value's type. */
static int raw_field(lua_State *L, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -2);
}

/* A string field of the table at the top of the stack, or NULL. A field of
 * another type is an error. Caller frees. */
static char *string_field(lua_State *L, const char *key, const char *where, diags_t *d)
{
    int type = raw_field(L, key);
    char *value = NULL;
    if (type == LUA_TSTRING)
        value = xstrdup(lua_tostring(L, -1));
    else if (type != LUA_TNIL)
        diag_error(d, SITE_LUA, 0, 0, "%s'%s' must be a string, not %s", where, key,
                   lua_typename(L, type));
    lua_pop(L, 1);
    return value;
}

static bool valid_language_code(const char *code)
{
    size_t n = strlen(code);
    if (n < 2 || n > 35)
        return false;
    for (const char *s = code; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

static void read_language(lua_State *L, config_t *cfg, size_t i, diags_t *d)
{
    char where[64];
    snprintf(where, sizeof where, "languages[%zu]: ", i + 1);
    config_language *lang = &cfg->languages[i];
    lang->code = string_field(L, "code", where, d);
    lang->name = string_field(L, "name", where, d);
    lang->dir = string_field(L, "dir", where, d);
    if (!lang->code || !valid_language_code(lang->code)) {
        diag_error(d, SITE_LUA, 0, 0, "%sneeds a 'code' like \"en\" or \"pt-BR\"", where);
        free(lang->code);
        lang->code = xasprintf("lang%zu", i + 1);
    }
    if (!lang->name)
        lang->name = xstrdup(lang->code);
    if (!lang->dir)
        lang->dir = xstrdup(config_default_direction(lang->code));
    else if (strcmp(lang->dir, "ltr") && strcmp(lang->dir, "rtl"))
        diag_error(d, SITE_LUA, 0, 0, "%s'dir' must be \"ltr\" or \"rtl\"", where);
    lang->digits = string_field(L, "digits", where, d);
    if (lang->digits && !l10n_digit_zero(lang->digits))
        diag_error(d, SITE_LUA, 0, 0, "%s'digits' must be one of %s, not \"%s\"", where,
                   l10n_digit_systems(), lang->digits);
    for (size_t j = 0; j < i; j++)
        if (!strcmp(cfg->languages[j].code, lang->code))
            diag_error(d, SITE_LUA, 0, 0, "%slanguage '%s' is listed twice", where, lang->code);
}

static void read_languages(lua_State *L, config_t *cfg, diags_t *d)
{
    if (raw_field(L, "languages") != LUA_TTABLE || lua_rawlen(L, -1) == 0) {
        diag_error(d, SITE_LUA, 0, 0,
                   "'languages' must be a list like { { code = \"en\", name = \"English\" } }");
        lua_pop(L, 1);
        return;
    }
    cfg->nlanguages = lua_rawlen(L, -1);
    cfg->languages = xcalloc(cfg->nlanguages, sizeof *cfg->languages);
    for (size_t i = 0; i < cfg->nlanguages; i++) {
        if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TTABLE)
            diag_error(d, SITE_LUA, 0, 0, "languages[%zu] must be a table", i + 1);
        else
            read_language(L, cfg, i, d);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* theme_vars = { accent = "#0b5f75" } becomes "$accent: #0b5f75;\n", in
 * sorted key order so the CSS does not depend on table iteration order. */
static void read_theme_vars(lua_State *L, config_t *cfg, diags_t *d)
{
    buf_t scss = BUF_INIT;
    if (raw_field(L, "theme_vars") == LUA_TTABLE) {
        size_t n = 0, cap = 0;
        char **lines = NULL;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            bool ok_key = key && key[strspn(key, "abcdefghijklmnopqrstuvwxyz"
                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")] == 0;
            int vt = lua_type(L, -1);
            if (!ok_key || (vt != LUA_TSTRING && vt != LUA_TNUMBER)) {
                diag_error(d, SITE_LUA, 0, 0,
                           "theme_vars: each entry must be name = \"value\" (name of letters, digits, - and _)");
            } else {
                const char *value = lua_tostring(L, -1);
                if (strpbrk(value, ";{}\n"))
                    diag_error(d, SITE_LUA, 0, 0, "theme_vars.%s: value must not contain ; { } or newlines", key);
                xgrow((void **)&lines, &cap, n + 1, sizeof *lines);
                lines[n++] = xasprintf("$%s: %s;\n", key, value);
            }
            lua_pop(L, 1);
        }
        if (n) /* lines is NULL for an empty table: qsort must not see NULL */
            qsort(lines, n, sizeof *lines, compare_strings);
        for (size_t i = 0; i < n; i++) {
            buf_puts(&scss, lines[i]);
            free(lines[i]);
        }
        free(lines);
    }
    lua_pop(L, 1);
    cfg->scss_vars = buf_detach(&scss);
}

/* --- blog = { section = "posts", page_size = 10, feed_size = 20 } --------- */

static size_t count_field(lua_State *L, const char *key, size_t fallback, diags_t *d)
{
    int type = raw_field(L, key);
    size_t value = fallback;
    if (type != LUA_TNIL) {
        int is_int = 0;
        lua_Integer n = lua_tointegerx(L, -1, &is_int);
        if (type != LUA_TNUMBER || !is_int || n < 1 || n > 10000)
            diag_error(d, SITE_LUA, 0, 0, "blog.%s must be a whole number from 1 to 10000", key);
        else
            value = (size_t)n;
    }
    lua_pop(L, 1);
    return value;
}

static void read_blog(lua_State *L, config_t *cfg, diags_t *d)
{
    cfg->blog_page_size = 10;
    cfg->blog_feed_size = 20;
    int type = raw_field(L, "blog");
    if (type == LUA_TTABLE) {
        cfg->blog_section = string_field(L, "section", "blog.", d);
        cfg->blog_page_size = count_field(L, "page_size", 10, d);
        cfg->blog_feed_size = count_field(L, "feed_size", 20, d);
    } else if (type != LUA_TNIL) {
        diag_error(d, SITE_LUA, 0, 0, "'blog' must be a table like { section = \"posts\", page_size = 10 }");
    }
    lua_pop(L, 1);
    const char *s = cfg->blog_section;
    if (s && (!*s || s[0] == '.' || s[strcspn(s, "/\\")]))
        diag_error(d, SITE_LUA, 0, 0, "blog.section must be one folder name under content/<lang>/");
}

/* fallback = "default" | "omit" (l10n: pages missing in a language). */
static void read_fallback(lua_State *L, config_t *cfg, diags_t *d)
{
    char *v = string_field(L, "fallback", "", d);
    if (v && !strcmp(v, "default"))
        cfg->fallback = CONFIG_FALLBACK_DEFAULT;
    else if (v && strcmp(v, "omit"))
        diag_error(d, SITE_LUA, 0, 0, "'fallback' must be \"default\" or \"omit\", not \"%s\"", v);
    free(v);
}

/* --- bundles, signing and deployment ---------------------------------------- */

/* A string in a sub-table: site.lua's signing = { public_key = ... }. */
static char *nested_string(lua_State *L, const char *table, const char *key, diags_t *d)
{
    char *value = NULL;
    int type = raw_field(L, table);
    if (type == LUA_TTABLE) {
        char where[64];
        snprintf(where, sizeof where, "%s.", table);
        value = string_field(L, key, where, d);
    } else if (type != LUA_TNIL) {
        diag_error(d, SITE_LUA, 0, 0, "'%s' must be a table", table);
    }
    lua_pop(L, 1);
    return value;
}

/* Values written into nginx and torrc files: no way to end a directive. */
static void check_deploy_value(const char *key, const char *value, diags_t *d)
{
    if (value && (!*value || strpbrk(value, " \t\r\n;{}\"'\\$#")))
        diag_error(d, SITE_LUA, 0, 0,
                   "%s must be non-empty, without spaces, quotes, '$', '#', ';', '{' or '}'", key);
}

static void read_public_key(lua_State *L, config_t *cfg, diags_t *d)
{
    char *text = nested_string(L, "signing", "public_key", d);
    char *file = nested_string(L, "signing", "public_key_file", d);
    char *owned = NULL;
    size_t len = 0;
    if (!text && file) {
        char *path = file[0] == '/' ? xstrdup(file) : path_join(cfg->root, file);
        if (fs_read_file(path, &owned, &len) < 0)
            diag_error(d, SITE_LUA, 0, 0, "signing.public_key_file: cannot read %s", file);
        free(path);
    }
    const char *source = text ? text : owned;
    if (source) {
        minisign_public_key pk;
        const char *why = NULL;
        if (minisign_read_public_key(source, strlen(source), &pk, &why) < 0) {
            diag_error(d, SITE_LUA, 0, 0, "signing: %s", why);
        } else {
            char id[17];
            minisign_key_id_hex(pk.key_id, id);
            cfg->public_key = minisign_public_key_base64(&pk);
            cfg->public_key_id = xstrdup(id);
        }
    }
    free(text);
    free(file);
    free(owned);
}

static void read_release_settings(lua_State *L, config_t *cfg, diags_t *d)
{
    cfg->version = string_field(L, "version", "", d);
    if (cfg->version && (!*cfg->version || strpbrk(cfg->version, "\t\r\n")))
        diag_error(d, SITE_LUA, 0, 0, "'version' must be one line without tabs");
    read_public_key(L, cfg, d);
    if (raw_field(L, "budget") == LUA_TTABLE) {
        if (raw_field(L, "page_kb") != LUA_TNIL &&
            (!lua_isnumber(L, -1) || lua_tonumber(L, -1) <= 0))
            diag_error(d, SITE_LUA, 0, 0, "budget.page_kb must be a positive number");
        cfg->budget_page_kb = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 0;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    config_deploy *dp = &cfg->deploy;
    dp->root = nested_string(L, "deploy", "root", d);
    dp->listen = nested_string(L, "deploy", "listen", d);
    dp->serve = nested_string(L, "deploy", "serve", d);
    dp->hidden_service_dir = nested_string(L, "deploy", "hidden_service_dir", d);
    dp->onion_location = string_field(L, "onion_location", "", d);
}

static void deploy_defaults(config_t *cfg, diags_t *d)
{
    config_deploy *dp = &cfg->deploy;
    if (!dp->root)
        dp->root = xasprintf("/var/www/%s", cfg->name);
    if (!dp->listen)
        dp->listen = xstrdup("127.0.0.1:8081");
    if (!dp->serve)
        dp->serve = xstrdup("127.0.0.1:8080");
    if (!dp->hidden_service_dir)
        dp->hidden_service_dir = xasprintf("/var/lib/tor/%s/", cfg->name);
    /* nginx proxies a relative endpoint to waymark serve; an absolute one
     * is another host's business. */
    const char *endpoint = cfg->survey_endpoint;
    dp->survey_endpoint = xstrdup(endpoint && !path_url_is_absolute(endpoint) ? endpoint : "submit");
    check_deploy_value("deploy.root", dp->root, d);
    check_deploy_value("deploy.listen", dp->listen, d);
    check_deploy_value("deploy.serve", dp->serve, d);
    check_deploy_value("deploy.hidden_service_dir", dp->hidden_service_dir, d);
    check_deploy_value("surveys.endpoint", dp->survey_endpoint, d);
    check_deploy_value("onion_location", dp->onion_location, d);
    if (dp->root[0] != '/' || dp->hidden_service_dir[0] != '/')
        diag_error(d, SITE_LUA, 0, 0, "deploy.root and deploy.hidden_service_dir must be absolute paths");
    if (dp->onion_location && strncmp(dp->onion_location, "http://", 7) &&
        strncmp(dp->onion_location, "https://", 8))
        diag_error(d, SITE_LUA, 0, 0, "onion_location must be an http:// or https:// address");
}

/* surveys = { endpoint = "submit" }: where survey forms post, a path from
 * the site root or an absolute http(s) URL (README.md, "Surveys"). */
static void read_surveys(lua_State *L, config_t *cfg, diags_t *d)
{
    int type = raw_field(L, "surveys");
    if (type == LUA_TTABLE)
        cfg->survey_endpoint = string_field(L, "endpoint", "surveys: ", d);
    else if (type != LUA_TNIL)
        diag_error(d, SITE_LUA, 0, 0, "'surveys' must be a table like { endpoint = \"submit\" }");
    lua_pop(L, 1);
    const char *e = cfg->survey_endpoint;
    if (!e) {
        cfg->survey_endpoint = xstrdup("submit");
        return;
    }
    bool absolute = !strncmp(e, "https://", 8) || !strncmp(e, "http://", 7);
    bool path_ok = *e && *e != '/' && !strstr(e, "..") &&
                   strspn(e, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/") == strlen(e);
    bool url_ok = absolute && !strpbrk(e, " \"'<>\\;,") && strlen(e) > 8;
    if (!path_ok && !url_ok)
        diag_error(d, SITE_LUA, 0, 0,
                   "surveys.endpoint must be a path from the site root like \"submit\" or an "
                   "http(s) URL, not '%s'", e);
}

static void apply_defaults(config_t *cfg)
{
    if (!cfg->name)
        cfg->name = xstrdup("site");
    if (!cfg->title)
        cfg->title = xstrdup(cfg->name);
    if (!cfg->theme)
        cfg->theme = xstrdup("default");
    if (!cfg->blog_section)
        cfg->blog_section = xstrdup("posts");
    if (!cfg->blog_page_size)
        cfg->blog_page_size = 10;
    if (!cfg->blog_feed_size)
        cfg->blog_feed_size = 20;
    cfg->csp = xstrdup("default-src 'none'; style-src 'self'; img-src 'self'; "
                       "form-action 'self'; base-uri 'none'");
}

static void check_name(const config_t *cfg, diags_t *d)
{
    for (const char *s = cfg->name; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            {
                diag_error(d, SITE_LUA, 0, 0,
                           "'name' may hold only letters, digits, '-', '_' and '.' (it names the bundle file)");
                return;
            }
    if (strchr(cfg->theme, '/') || cfg->theme[0] == '.')
        diag_error(d, SITE_LUA, 0, 0, "'theme' must be a folder name under themes/");
}

int config_load(const char *root, config_t *cfg, diags_t *d)
{
    *cfg = (config_t){0};
    cfg->root = xstrdup(root);
    size_t errors_before = d->errors;
    char *path = path_join(root, SITE_LUA);
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    char *err = NULL;
    if (sandbox_run_file(L, path, SITE_LUA, &err) != 0) {
        diag_error(d, SITE_LUA, sandbox_error_line(err), 0, "%s", err);
        free(err);
    } else if (!lua_istable(L, -1)) {
        diag_error(d, SITE_LUA, 0, 0, "site.lua must return a table (return { title = ... })");
    } else {
        cfg->name = string_field(L, "name", "", d);
        cfg->title = string_field(L, "title", "", d);
        cfg->base_url = string_field(L, "base_url", "", d);
        cfg->theme = string_field(L, "theme", "", d);
        read_languages(L, cfg, d);
        read_theme_vars(L, cfg, d);
        read_fallback(L, cfg, d);
        read_release_settings(L, cfg, d);
        read_surveys(L, cfg, d);
        read_blog(L, cfg, d);
    }
    sandbox_close(L);
    free(path);
    apply_defaults(cfg);
    if (!cfg->scss_vars)
        cfg->scss_vars = xstrdup("");
    check_name(cfg, d);
    deploy_defaults(cfg, d);
    return d->errors > errors_before ? -1 : 0;
}

void config_free(config_t *cfg)
{
    for (size_t i = 0; i < cfg->nlanguages; i++) {
        free(cfg->languages[i].code);
        free(cfg->languages[i].name);
        free(cfg->languages[i].dir);
        free(cfg->languages[i].digits);
    }
    free(cfg->languages);
    free(cfg->root);
    free(cfg->name);
    free(cfg->title);
    free(cfg->base_url);
    free(cfg->theme);
    free(cfg->scss_vars);
    free(cfg->csp);
    free(cfg->version);
    free(cfg->public_key);
    free(cfg->public_key_id);
    free(cfg->deploy.root);
    free(cfg->deploy.listen);
    free(cfg->deploy.serve);
    free(cfg->deploy.hidden_service_dir);
    free(cfg->deploy.onion_location);
    free(cfg->deploy.survey_endpoint);
    free(cfg->survey_endpoint);
    free(cfg->blog_section);
    *cfg = (config_t){0};
}

int config_language_index(const config_t *cfg, const char *code)
{
    for (size_t i = 0; i < cfg->nlanguages; i++)
        if (!strcmp(cfg->languages[i].code, code))
            return (int)i;
    return -1;
}
