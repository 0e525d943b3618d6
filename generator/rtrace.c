#include "rtrace.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define MAX_DEPTH 32

void rtrace_reset(rtrace_t *t)
{
    if (t->len)
        memset(t->slots, 0, t->nslots * sizeof *t->slots);
    t->len = 0;
}

/* Where (page, field)'s probe starts in n (a power of two) slots. */
static size_t slot_of(const char *page_path, const char *field, size_t n)
{
    uint64_t key = (uint64_t)(uintptr_t)page_path * 0x9e3779b97f4a7c15u ^ (uintptr_t)field;
    key ^= key >> 32;
    return (size_t)key & (n - 1);
}

/* The slot (page, field) has or would take. */
static size_t find_slot(const rtrace_t *t, const char *page_path, const char *field)
{
    size_t k = slot_of(page_path, field, t->nslots);
    for (; t->slots[k]; k = (k + 1) & (t->nslots - 1)) {
        const rcache_dep *d = &t->deps[t->slots[k] - 1];
        if (d->page == page_path && d->field == field)
            break;
    }
    return k;
}

static void grow_slots(rtrace_t *t)
{
    free(t->slots);
    t->nslots = t->nslots ? 2 * t->nslots : 256;
    t->slots = xcalloc(t->nslots, sizeof *t->slots);
    for (size_t i = 0; i < t->len; i++)
        t->slots[find_slot(t, t->deps[i].page, t->deps[i].field)] = (uint32_t)i + 1;
}

rcache_dep *rtrace_note(rtrace_t *t, const char *page_path, page_field f)
{
    if (2 * (t->len + 1) > t->nslots)
        grow_slots(t);
    const char *field = page_field_name(f); /* one address per field */
    size_t k = find_slot(t, page_path, field);
    if (t->slots[k])
        return NULL;
    xgrow((void **)&t->deps, &t->cap, t->len + 1, sizeof *t->deps);
    t->deps[t->len] = (rcache_dep){page_path, field, {0}};
    t->slots[k] = (uint32_t)++t->len;
    return &t->deps[t->len - 1];
}

void rtrace_free(rtrace_t *t)
{
    free(t->deps);
    free(t->slots);
    *t = (rtrace_t){0};
}

/* --- canonical values -------------------------------------------------------- */

/* tag, the decimal n, then end: what buf_printf("%c%zu%c") writes, without
 * printf (this runs for every value of every page). */
static void put_number(buf_t *out, char tag, unsigned long long n, char end)
{
    char digits[24];
    size_t i = sizeof digits;
    digits[--i] = end;
    do
        digits[--i] = (char)('0' + n % 10);
    while (n /= 10);
    digits[--i] = tag;
    buf_putn(out, digits + i, sizeof digits - i);
}

static void put_bytes(buf_t *out, char tag, const char *s, size_t len)
{
    put_number(out, tag, len, ':');
    buf_putn(out, s, len);
}

static void put_integer(buf_t *out, lua_Integer v)
{
    if (v < 0) {
        buf_putc(out, '-');
        put_number(out, 'i', 0 - (unsigned long long)v, ';');
    } else {
        put_number(out, 'i', (unsigned long long)v, ';');
    }
}

typedef struct {
    char *text;  /* the key, canonical (owned) */
    int type;
    lua_Integer i;
    lua_Number n;
    size_t slen; /* a string key: its length, at the end of text */
    int is_int;
} table_key;

static int compare_keys(const void *a, const void *b)
{
    return strcmp(((const table_key *)a)->text, ((const table_key *)b)->text);
}

static bool value_at(lua_State *L, int idx, buf_t *out, int depth);

/* A table by its keys in sorted order (Lua's own order varies). */
static bool table_value(lua_State *L, int idx, buf_t *out, int depth)
{
    table_key *keys = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        table_key k = {.type = lua_type(L, -1)};
        buf_t text = {0};
        if (k.type == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            put_bytes(&text, 's', s, len);
            k.slen = len;
        } else if (k.type == LUA_TNUMBER && lua_isinteger(L, -1)) {
            k.is_int = 1;
            k.i = lua_tointeger(L, -1);
            put_integer(&text, k.i);
        } else if (k.type == LUA_TNUMBER) {
            k.n = lua_tonumber(L, -1);
            buf_printf(&text, "f%.17g;", (double)k.n);
        } else {
            ok = false;
        }
        k.text = buf_detach(&text);
        xgrow((void **)&keys, &cap, n + 1, sizeof *keys);
        keys[n++] = k;
    }
    if (ok && n > 1)
        qsort(keys, n, sizeof *keys, compare_keys);
    put_number(out, 't', n, '{');
    for (size_t i = 0; ok && i < n; i++) {
        buf_puts(out, keys[i].text);
        if (keys[i].type == LUA_TSTRING)
            lua_pushlstring(L, keys[i].text + strlen(keys[i].text) - keys[i].slen, keys[i].slen);
        else if (keys[i].is_int)
            lua_pushinteger(L, keys[i].i);
        else
            lua_pushnumber(L, keys[i].n);
        lua_rawget(L, idx);
        ok = value_at(L, lua_gettop(L), out, depth + 1);
        lua_pop(L, 1);
    }
    buf_putc(out, '}');
    for (size_t i = 0; i < n; i++)
        free(keys[i].text);
    free(keys);
    return ok;
}

static bool value_at(lua_State *L, int idx, buf_t *out, int depth)
{
    if (depth > MAX_DEPTH)
        return false;
    luaL_checkstack(L, 4, "value nested too deeply");
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        buf_putc(out, 'n');
        return true;
    case LUA_TBOOLEAN:
        buf_puts(out, lua_toboolean(L, idx) ? "b1" : "b0");
        return true;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            put_integer(out, lua_tointeger(L, idx));
        else
            buf_printf(out, "f%.17g;", (double)lua_tonumber(L, idx));
        return true;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        put_bytes(out, 's', s, len);
        return true;
    }
    case LUA_TTABLE:
    case LUA_TUSERDATA:
        if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
            lua_pop(L, 1);
            size_t len;
            const char *s = luaL_tolstring(L, idx, &len);
            put_bytes(out, lua_type(L, idx) == LUA_TTABLE ? 'T' : 'u', s, len);
            lua_pop(L, 1);
            return true;
        }
        if (lua_type(L, idx) == LUA_TTABLE)
            return table_value(L, idx, out, depth);
        return false;
    default:
        return false;
    }
}

bool rtrace_value(lua_State *L, int idx, buf_t *out)
{
    return value_at(L, lua_absindex(L, idx), out, 0);
}
