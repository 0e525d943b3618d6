#include "template.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "fs.h"
#include "path.h"
#include "sandbox.h"
#include "xalloc.h"

#define PARTIAL_MAX_DEPTH 32

/* ---- runtime: the state every template function shares ----
 *
 * One private table per lua_State, in the registry under &tpl_key, with the
 * integer slots below. Keeping it per state (never in C globals) is what
 * lets one state per thread render in parallel. */

enum {
    TPL_TEMPLATES = 1, /* name -> function (false: failed to compile) */
    TPL_CHUNKS,        /* Lua's short chunk name -> display path */
    TPL_CTX,           /* context of the render in progress, for partial() */
    TPL_DEPTH,         /* partial() nesting of the render in progress */
    TPL_RAWMT,         /* metatable that marks raw() values */
    TPL_ENVMT,         /* metatable of per-render environments */
    TPL_HELPERS,       /* _ENV of template chunks: env, esc, cat */
    TPL_SLOTS = TPL_HELPERS
};

static const char tpl_key = 'T';     /* its address is the registry key */
static const char env_ctx_key = 'C'; /* its address keys an env's context */

static int push_tpl(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &tpl_key);
    return lua_gettop(L);
}

static bool is_raw(lua_State *L, int index, int tpl)
{
    if (lua_type(L, index) != LUA_TUSERDATA || !lua_getmetatable(L, index))
        return false;
    lua_rawgeti(L, tpl, TPL_RAWMT);
    bool raw = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return raw;
}

/* Replaces the string on top of the stack with a raw value holding it. */
static void wrap_raw(lua_State *L, int tpl)
{
    lua_newuserdatauv(L, 0, 1);
    lua_insert(L, -2);
    lua_setiuservalue(L, -2, 1);
    lua_rawgeti(L, tpl, TPL_RAWMT);
    lua_setmetatable(L, -2);
}

void tpl_push_raw(lua_State *L, const char *s, size_t len)
{
    int tpl = push_tpl(L);
    lua_pushlstring(L, s, len);
    wrap_raw(L, tpl);
    lua_remove(L, tpl);
}

/* Same entities as buf_put_html, built in Lua's memory so the cap counts
 * them and an error cannot leak them. */
static const char *html_entity(char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

static int escape_string(lua_State *L)
{
    size_t n;
    const char *s = lua_tolstring(L, 1, &n);
    size_t i = 0;
    while (i < n && !html_entity(s[i]))
        i++;
    if (i == n) { /* the common case: nothing to escape, no new string */
        lua_settop(L, 1);
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinitsize(L, &b, n + n / 8 + 8);
    luaL_addlstring(&b, s, i);
    for (; i < n; i++) {
        const char *entity = html_entity(s[i]);
        if (entity)
            luaL_addstring(&b, entity);
        else
            luaL_addchar(&b, s[i]);
    }
    luaL_pushresult(&b);
    return 1;
}

/* esc(v): the text {{ v }} writes. */
static int escape_value(lua_State *L)
{
    char number[64];
    switch (lua_type(L, 1)) {
    case LUA_TNONE:
    case LUA_TNIL:
        lua_pushliteral(L, "");
        return 1;
    case LUA_TSTRING:
        return escape_string(L);
    case LUA_TNUMBER:
        if (lua_isinteger(L, 1)) {
            lua_pushvalue(L, 1);
            lua_tostring(L, -1);
        } else {
            snprintf(number, sizeof number, "%.14g", (double)lua_tonumber(L, 1));
            lua_pushstring(L, number);
        }
        return 1;
    case LUA_TBOOLEAN:
        lua_pushstring(L, lua_toboolean(L, 1) ? "true" : "false");
        return 1;
    case LUA_TUSERDATA:
        if (is_raw(L, 1, lua_upvalueindex(1))) {
            lua_getiuservalue(L, 1, 1);
            return 1;
        }
        break;
    }
    return luaL_error(L, "cannot output a %s value", luaL_typename(L, 1));
}

/* raw(s): s (as tostring would show it) marked as HTML; raw(nil) is "". */
static int lua_raw(lua_State *L)
{
    int tpl = lua_upvalueindex(1);
    if (is_raw(L, 1, tpl)) {
        lua_settop(L, 1);
        return 1;
    }
    if (lua_isnoneornil(L, 1))
        lua_pushliteral(L, "");
    else
        luaL_tolstring(L, 1, NULL);
    wrap_raw(L, tpl);
    return 1;
}

static int raw_tostring(lua_State *L)
{
    lua_getiuservalue(L, 1, 1);
    return 1;
}

static int raw_len(lua_State *L)
{
    lua_getiuservalue(L, 1, 1);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* raw .. x and x .. raw give plain strings: escaped again when output. */
static int raw_concat(lua_State *L)
{
    int tpl = lua_upvalueindex(1);
    for (int i = 1; i <= 2; i++) {
        int t = lua_type(L, i);
        if (is_raw(L, i, tpl))
            lua_getiuservalue(L, i, 1);
        else if (t == LUA_TSTRING || t == LUA_TNUMBER)
            lua_pushvalue(L, i);
        else
            return luaL_error(L, "attempt to concatenate a %s value", luaL_typename(L, i));
    }
    lua_concat(L, 2);
    return 1;
}

/* env(ctx): a fresh per-render environment; assignments land in it. */
static int new_env(lua_State *L)
{
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, 1);
    lua_rawsetp(L, -2, &env_ctx_key);
    lua_rawgeti(L, lua_upvalueindex(1), TPL_ENVMT);
    lua_setmetatable(L, -2);
    return 1;
}

/* __index of an environment: the context first, then the globals. */
static int env_index(lua_State *L)
{
    if (lua_rawgetp(L, 1, &env_ctx_key) == LUA_TTABLE) {
        lua_pushvalue(L, 2);
        if (lua_gettable(L, -2) != LUA_TNIL)
            return 1;
    }
    lua_pushglobaltable(L);
    lua_pushvalue(L, 2);
    lua_gettable(L, -2);
    return 1;
}

/* A context with extra's fields in front of ctx's. */
static void push_overlay(lua_State *L, int extra, int ctx)
{
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, extra)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    if (lua_type(L, ctx) == LUA_TTABLE) {
        lua_createtable(L, 0, 1);
        lua_pushvalue(L, ctx);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
    }
}

/* Calls the template function on top with the context at ctx; leaves its
 * output string. */
static void call_template(lua_State *L, int ctx)
{
    lua_pushvalue(L, ctx);
    lua_call(L, 1, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "a template must not 'return'");
}

static void set_render_state(lua_State *L, int tpl, int ctx, lua_Integer depth)
{
    lua_pushvalue(L, ctx);
    lua_rawseti(L, tpl, TPL_CTX);
    lua_pushinteger(L, depth);
    lua_rawseti(L, tpl, TPL_DEPTH);
}

/* (template function, ctx) -> output string */
static int run_partial(lua_State *L)
{
    lua_pushvalue(L, 1);
    call_template(L, 2);
    return 1;
}

/* partial(name [, extra]): another template's output, as a raw value. */
static int lua_partial(lua_State *L)
{
    int tpl = lua_upvalueindex(1);
    const char *name = luaL_checkstring(L, 1);
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_rawgeti(L, tpl, TPL_DEPTH);
    lua_Integer depth = lua_tointeger(L, 3);
    if (depth >= PARTIAL_MAX_DEPTH)
        return luaL_error(L, "partial nesting too deep");
    lua_rawgeti(L, tpl, TPL_TEMPLATES);
    if (lua_getfield(L, 4, name) != LUA_TFUNCTION)
        return luaL_error(L, "no template named '%s'", name);
    lua_rawgeti(L, tpl, TPL_CTX); /* 6: the caller's context */
    if (lua_isnil(L, 2))
        lua_pushvalue(L, 6);
    else
        push_overlay(L, 2, 6); /* 7: the partial's context */
    set_render_state(L, tpl, 7, depth + 1);
    /* Protected so the caller's state is restored before the error goes on
     * (a template may catch it with pcall). */
    lua_pushcfunction(L, run_partial);
    lua_pushvalue(L, 5);
    lua_pushvalue(L, 7);
    int status = lua_pcall(L, 2, 1, 0);
    set_render_state(L, tpl, 6, depth);
    if (status != LUA_OK)
        return lua_error(L);
    wrap_raw(L, tpl);
    return 1;
}

static void set_closure(lua_State *L, int table, const char *name, lua_CFunction f, int tpl)
{
    lua_pushvalue(L, tpl);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, table, name);
}

void tpl_install(lua_State *L)
{
    lua_createtable(L, TPL_SLOTS, 0);
    int tpl = lua_gettop(L);
    for (int slot = 1; slot <= TPL_SLOTS; slot++) { /* fill the array part in order */
        lua_pushboolean(L, 0);
        lua_rawseti(L, tpl, slot);
    }
    lua_newtable(L);
    lua_rawseti(L, tpl, TPL_TEMPLATES);
    lua_newtable(L);
    lua_rawseti(L, tpl, TPL_CHUNKS);
    lua_pushinteger(L, 0);
    lua_rawseti(L, tpl, TPL_DEPTH);

    lua_createtable(L, 0, 5);
    int rawmt = lua_gettop(L);
    lua_pushcfunction(L, raw_tostring);
    lua_setfield(L, rawmt, "__tostring");
    lua_pushcfunction(L, raw_len);
    lua_setfield(L, rawmt, "__len");
    set_closure(L, rawmt, "__concat", raw_concat, tpl);
    lua_pushliteral(L, "raw");
    lua_setfield(L, rawmt, "__name");
    lua_pushboolean(L, 0); /* getmetatable(raw(x)) is false: the mark cannot be forged */
    lua_setfield(L, rawmt, "__metatable");
    lua_rawseti(L, tpl, TPL_RAWMT);

    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, env_index);
    lua_setfield(L, -2, "__index");
    lua_rawseti(L, tpl, TPL_ENVMT);

    lua_createtable(L, 0, 3);
    int helpers = lua_gettop(L);
    set_closure(L, helpers, "env", new_env, tpl);
    set_closure(L, helpers, "esc", escape_value, tpl);
    lua_pushglobaltable(L);
    lua_getfield(L, -1, "table");
    lua_getfield(L, -1, "concat");
    lua_setfield(L, helpers, "cat");
    lua_pop(L, 2);
    lua_rawseti(L, tpl, TPL_HELPERS);

    lua_pushglobaltable(L);
    set_closure(L, lua_gettop(L), "raw", lua_raw, tpl);
    set_closure(L, lua_gettop(L), "partial", lua_partial, tpl);
    lua_pop(L, 1);

    lua_rawsetp(L, LUA_REGISTRYINDEX, &tpl_key);
}

/* ---- loading ---- */

/* Splits "chunk:line: message" into its parts; line 0 when err has no
 * position (then *message is err and *chunk_len 0). */
static int split_error(const char *err, size_t *chunk_len, const char **message)
{
    *chunk_len = 0;
    *message = err;
    int line = sandbox_error_line(err);
    if (line <= 0)
        return 0;
    char mark[24];
    snprintf(mark, sizeof mark, ":%d: ", line);
    const char *at = strstr(err, mark);
    if (!at)
        return 0;
    *chunk_len = (size_t)(at - err);
    *message = at + strlen(mark);
    return line;
}

/* Compiles one template into templates[name]; reports and returns 1 on
 * error (the name is then taken by false, so a theme's version of a
 * broken site template does not silently take over). */
static int load_template(lua_State *L, int tpl, const char *file, const char *display,
                         const char *name, diags_t *d)
{
    char *text, *err, *source = NULL;
    size_t len, chunk_len;
    int line, failed = 1;
    const char *msg;
    lua_rawgeti(L, tpl, TPL_TEMPLATES);
    lua_pushboolean(L, 0);
    if (fs_read_file(file, &text, &len) < 0) {
        diag_error(d, display, 0, 0, "cannot read template: %s", strerror(errno));
        goto done;
    }
    source = tpl_translate(text, len, &line, &err);
    free(text);
    if (!source) {
        diag_error(d, display, line, 0, "%s", err);
        free(err);
        goto done;
    }
    if (sandbox_load(L, source, strlen(source), display, &err) != 0) {
        line = split_error(err, &chunk_len, &msg);
        diag_error(d, display, line, 0, "%s", msg);
        free(err);
        goto done;
    }
    lua_replace(L, -2);
    lua_rawgeti(L, tpl, TPL_HELPERS);
    lua_setupvalue(L, -2, 1); /* the chunk's only upvalue is _ENV */

    lua_Debug ar;
    lua_pushvalue(L, -1);
    lua_getinfo(L, ">S", &ar);
    lua_rawgeti(L, tpl, TPL_CHUNKS);
    lua_pushstring(L, display);
    lua_setfield(L, -2, ar.short_src);
    lua_pop(L, 1);
    failed = 0;
done:
    free(source);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
    return failed;
}

static bool is_taken(lua_State *L, int tpl, const char *name)
{
    lua_rawgeti(L, tpl, TPL_TEMPLATES);
    bool taken = lua_getfield(L, -1, name) != LUA_TNIL;
    lua_pop(L, 2);
    return taken;
}

static int load_dir(lua_State *L, int tpl, const char *dir, const char *shown, diags_t *d)
{
    if (!fs_is_dir(dir))
        return 0;
    fs_list_t list;
    if (fs_list_files(dir, &list) < 0) {
        diag_error(d, shown, 0, 0, "cannot list templates: %s", strerror(errno));
        return 1;
    }
    int errors = 0;
    for (size_t i = 0; i < list.len; i++) {
        const char *name = list.paths[i];
        if (!path_has_extension(name, ".html") || is_taken(L, tpl, name))
            continue;
        char *file = path_join(dir, name);
        char *display = path_join(shown, name);
        errors += load_template(L, tpl, file, display, name, d);
        free(file);
        free(display);
    }
    fs_list_free(&list);
    return errors;
}

int tpl_load_dirs(lua_State *L, const char *const *dirs, const char *const *display_dirs,
                  diags_t *d)
{
    int tpl = push_tpl(L);
    lua_newtable(L);
    lua_rawseti(L, tpl, TPL_TEMPLATES);
    lua_newtable(L);
    lua_rawseti(L, tpl, TPL_CHUNKS);
    int errors = 0;
    for (size_t i = 0; dirs[i]; i++) {
        const char *shown = display_dirs && display_dirs[i] ? display_dirs[i] : dirs[i];
        errors += load_dir(L, tpl, dirs[i], shown, d);
    }
    lua_settop(L, tpl - 1);
    return errors;
}

/* ---- rendering ---- */

static int exists_protected(lua_State *L)
{
    const char *name = lua_touserdata(L, 1);
    int tpl = push_tpl(L);
    lua_rawgeti(L, tpl, TPL_TEMPLATES);
    lua_pushboolean(L, lua_getfield(L, -1, name) == LUA_TFUNCTION);
    return 1;
}

/* Lua calls that may allocate run protected: a state at its memory cap
 * must give an error, not a panic. */
int tpl_exists(lua_State *L, const char *name)
{
    lua_pushcfunction(L, exists_protected);
    lua_pushlightuserdata(L, (void *)name);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        return 0;
    }
    int found = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return found;
}

/* (name as light userdata, ctx) -> output string, or nothing when no
 * template has that name. */
static int render_protected(lua_State *L)
{
    const char *name = lua_touserdata(L, 1);
    int tpl = push_tpl(L);
    lua_rawgeti(L, tpl, TPL_TEMPLATES);
    if (lua_getfield(L, -1, name) != LUA_TFUNCTION)
        return 0;
    set_render_state(L, tpl, 2, 0);
    call_template(L, 2);
    return 1;
}

/* The display path of the template a Lua short chunk name belongs to
 * (caller frees); the chunk name itself when it is none of them. */
static char *template_path(lua_State *L, const char *chunk, size_t chunk_len)
{
    int tpl = push_tpl(L);
    lua_rawgeti(L, tpl, TPL_CHUNKS);
    lua_pushlstring(L, chunk, chunk_len);
    const char *found = lua_rawget(L, -2) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    char *path = found ? xstrdup(found) : xstrndup(chunk, chunk_len);
    lua_settop(L, tpl - 1);
    return path;
}

static char *display_path_of(lua_State *L, const char *name)
{
    char *path = NULL;
    int tpl = push_tpl(L);
    lua_rawgeti(L, tpl, TPL_TEMPLATES);
    if (lua_getfield(L, -1, name) == LUA_TFUNCTION) {
        lua_Debug ar;
        lua_getinfo(L, ">S", &ar);
        path = template_path(L, ar.short_src, strlen(ar.short_src));
    }
    lua_settop(L, tpl - 1);
    return path ? path : xstrdup(name);
}

static void report_render_error(lua_State *L, const char *name, const char *err,
                                const char *for_path, diags_t *d)
{
    size_t chunk_len;
    const char *msg;
    int line = split_error(err, &chunk_len, &msg);
    char *path = line ? template_path(L, err, chunk_len) : display_path_of(L, name);
    diag_error(d, path, line, 0, "%s (while rendering %s)", msg, for_path);
    free(path);
}

int tpl_render(lua_State *L, const char *name, int ctx_index, buf_t *out, long budget,
               const char *for_path, diags_t *d)
{
    ctx_index = lua_absindex(L, ctx_index);
    int top = lua_gettop(L);
    lua_pushcfunction(L, render_protected);
    lua_pushlightuserdata(L, (void *)name);
    lua_pushvalue(L, ctx_index);
    char *err;
    int status = sandbox_pcall(L, 2, 1, budget, &err);
    int tpl = push_tpl(L);
    lua_pushboolean(L, 0); /* let the context be collected */
    lua_rawseti(L, tpl, TPL_CTX);
    lua_settop(L, top + (status == 0));
    if (status != 0) {
        report_render_error(L, name, err, for_path, d);
        free(err);
        return -1;
    }
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    if (text)
        buf_putn(out, text, len);
    lua_pop(L, 1);
    if (!text) {
        diag_error(d, for_path, 0, 0, "no template named '%s'", name);
        return -1;
    }
    return 0;
}
