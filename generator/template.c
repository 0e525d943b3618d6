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

/* ---- translation: template text to Lua source ----
 *
 * The generated chunk is the template function. Its _ENV upvalue is a
 * private helpers table (env, esc, cat); line 1 starts with a prelude that
 * switches _ENV to a per-render environment, and every template newline is
 * one newline of the generated code, so Lua's line numbers are the
 * template's. Output is collected in a local table and concatenated once. */

#define PRELUDE                                                                            \
    "local _WM_c=...;local _WM_e,_WM_cat,_WM_o,_WM_n=esc,cat,{},0;"                        \
    "local _ENV=env(_WM_c);"
#define SUFFIX " return _WM_cat(_WM_o,\"\",1,_WM_n)"
#define EMIT "_WM_n=_WM_n+1;_WM_o[_WM_n]="

typedef struct {
    buf_t out;
    /* newlines the generated code has beyond the template's (after a line
     * comment); the next template newlines in text repay them */
    int debt;
} translation_t;

/* A newline of the template outside any output text. */
static void emit_newline(translation_t *t)
{
    if (t->debt > 0)
        t->debt--;
    else
        buf_putc(&t->out, '\n');
}

static void emit_newlines_in(translation_t *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n')
            emit_newline(t);
}

/* Text as a quoted Lua string; its newlines stay real newlines ("\" then a
 * line break) so that line numbers hold. */
static void emit_text(translation_t *t, const char *s, size_t n)
{
    if (n == 0)
        return;
    buf_puts(&t->out, EMIT "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' && t->debt > 0) {
            t->debt--;
            buf_puts(&t->out, "\\n");
        } else if (c == '\n') {
            buf_puts(&t->out, "\\\n");
        } else if (c == '"' || c == '\\') {
            buf_putc(&t->out, '\\');
            buf_putc(&t->out, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(&t->out, "\\%03u", c);
        } else {
            buf_putc(&t->out, (char)c);
        }
    }
    buf_puts(&t->out, "\";");
}

/* Level of the long bracket "[==[" starting at s, or -1. */
static int long_bracket_level(const char *s, size_t n)
{
    size_t i = 1;
    while (i < n && s[i] == '=')
        i++;
    return n > 0 && s[0] == '[' && i < n && s[i] == '[' ? (int)(i - 1) : -1;
}

/* Index just past the "]==]" of the given level at or after i, or n. */
static size_t skip_long_bracket(const char *s, size_t n, size_t i, int level)
{
    for (; i < n; i++) {
        if (s[i] != ']')
            continue;
        size_t j = i + 1;
        while (j < n && s[j] == '=')
            j++;
        if ((int)(j - i - 1) == level && j < n && s[j] == ']')
            return j + 1;
    }
    return n;
}

/* Whether Lua code ends inside a "--" line comment, which would swallow the
 * generated code that follows on the same line. */
static bool ends_in_line_comment(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int level;
        if (s[i] == '"' || s[i] == '\'') {
            char quote = s[i++];
            while (i < n && s[i] != quote && s[i] != '\n')
                i += s[i] == '\\' ? 2 : 1;
            i++;
        } else if ((level = long_bracket_level(s + i, n - i)) >= 0) {
            i = skip_long_bracket(s, n, i + (size_t)level + 2, level);
        } else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
            i += 2;
            if ((level = long_bracket_level(s + i, n - i)) >= 0) {
                i = skip_long_bracket(s, n, i + (size_t)level + 2, level);
                continue;
            }
            while (i < n && s[i] != '\n')
                i++;
            if (i >= n)
                return true;
        } else {
            i++;
        }
    }
    return false;
}

static void emit_code(translation_t *t, const char *s, size_t n)
{
    buf_putn(&t->out, s, n);
    if (ends_in_line_comment(s, n)) {
        buf_putc(&t->out, '\n');
        t->debt++;
    }
}

static void emit_tag(translation_t *t, char kind, const char *body, size_t n)
{
    if (kind == '#') {
        emit_newlines_in(t, body, n);
    } else if (kind == '{') {
        buf_puts(&t->out, EMIT "_WM_e(");
        emit_code(t, body, n);
        buf_puts(&t->out, ");");
    } else {
        buf_putc(&t->out, ' ');
        emit_code(t, body, n);
        buf_puts(&t->out, " ;");
    }
}

/* Bytes at the start of s that a "-" trims after a tag: spaces and tabs,
 * then one line break. */
static size_t trim_after_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n')
        return i + 2;
    if (i < n && s[i] == '\n')
        return i + 1;
    return i;
}

static size_t trim_blanks_end(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

/* Length of s once a "-" before a tag trimmed its end: spaces and tabs,
 * one line break, and the spaces and tabs that ended the line before. */
static size_t trim_before_len(const char *s, size_t n)
{
    n = trim_blanks_end(s, n);
    if (n > 0 && s[n - 1] == '\n') {
        n--;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        n = trim_blanks_end(s, n);
    }
    return n;
}

/* Index of the next "{{", "{%" or "{#" at or after from, or len. */
static size_t find_tag(const char *s, size_t len, size_t from)
{
    for (size_t i = from; i + 1 < len; i++)
        if (s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#'))
            return i;
    return len;
}

static size_t find_close(const char *s, size_t len, size_t from, char kind)
{
    char first = kind == '{' ? '}' : kind;
    for (size_t i = from; i + 1 < len; i++)
        if (s[i] == first && s[i + 1] == '}')
            return i;
    return len;
}

static int count_newlines(const char *s, size_t n)
{
    int count = 0;
    for (size_t i = 0; i < n; i++)
        count += s[i] == '\n';
    return count;
}

/* Emits the text between two tags, trimmed as the dashes ask. */
static void emit_text_between(translation_t *t, const char *s, size_t n, bool trim_start,
                              bool trim_end)
{
    size_t skip = trim_start ? trim_after_len(s, n) : 0;
    emit_newlines_in(t, s, skip);
    s += skip;
    n -= skip;
    size_t keep = trim_end ? trim_before_len(s, n) : n;
    emit_text(t, s, keep);
    emit_newlines_in(t, s + keep, n - keep);
}

char *tpl_translate(const char *text, size_t len, int *err_line, char **err)
{
    *err_line = 0;
    *err = NULL;
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        *err_line = 1 + count_newlines(text, (size_t)(nul - text));
        *err = xstrdup("a template cannot contain a NUL byte");
        return NULL;
    }
    translation_t t = {BUF_INIT, 0};
    buf_puts(&t.out, PRELUDE);
    size_t pos = 0;
    int line = 1;
    bool trim_next = false;
    for (;;) {
        size_t open = find_tag(text, len, pos);
        bool trim_before = open + 2 < len && text[open + 2] == '-';
        emit_text_between(&t, text + pos, open - pos, trim_next, trim_before);
        if (open == len)
            break;
        line += count_newlines(text + pos, open - pos);
        char kind = text[open + 1];
        size_t body = open + 2 + trim_before;
        size_t close = find_close(text, len, body, kind);
        if (close == len) {
            buf_free(&t.out);
            *err_line = line;
            *err = xasprintf("'{%c' is not closed by '%c}'", kind, kind == '{' ? '}' : kind);
            return NULL;
        }
        trim_next = close > body && text[close - 1] == '-';
        emit_tag(&t, kind, text + body, close - body - trim_next);
        line += count_newlines(text + open, close - open);
        pos = close + 2;
    }
    buf_puts(&t.out, SUFFIX);
    return buf_detach(&t.out);
}

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
