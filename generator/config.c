#include "config.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
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

static void apply_defaults(config_t *cfg)
{
    if (!cfg->name)
        cfg->name = xstrdup("site");
    if (!cfg->title)
        cfg->title = xstrdup(cfg->name);
    if (!cfg->theme)
        cfg->theme = xstrdup("default");
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
    }
    sandbox_close(L);
    free(path);
    apply_defaults(cfg);
    if (!cfg->scss_vars)
        cfg->scss_vars = xstrdup("");
    check_name(cfg, d);
    return d->errors > errors_before ? -1 : 0;
}

void config_free(config_t *cfg)
{
    for (size_t i = 0; i < cfg->nlanguages; i++) {
        free(cfg->languages[i].code);
        free(cfg->languages[i].name);
        free(cfg->languages[i].dir);
    }
    free(cfg->languages);
    free(cfg->root);
    free(cfg->name);
    free(cfg->title);
    free(cfg->base_url);
    free(cfg->theme);
    free(cfg->scss_vars);
    free(cfg->csp);
    *cfg = (config_t){0};
}

int config_language_index(const config_t *cfg, const char *code)
{
    for (size_t i = 0; i < cfg->nlanguages; i++)
        if (!strcmp(cfg->languages[i].code, code))
            return (int)i;
    return -1;
}
