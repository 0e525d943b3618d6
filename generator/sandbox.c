#include "sandbox.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "fs.h"
#include "xalloc.h"

/* How often the count hook runs, in VM instructions. */
#define HOOK_EVERY 1000

/* Per-state bookkeeping, reached through the allocator's userdata so that
 * several states can run in parallel threads without shared C state. */
typedef struct {
    size_t used;
    size_t cap;
    long budget_left;
} sandbox_t;

static sandbox_t *sandbox_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* lua_Alloc that refuses to grow past the cap; Lua then collects garbage
 * and, if that does not help, raises "not enough memory". */
static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sandbox_t *s = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        s->used -= old;
        return NULL;
    }
    if (nsize > old && nsize - old > s->cap - s->used)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (!p)
        return NULL;
    s->used = s->used - old + nsize;
    return p;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    sandbox_t *s = sandbox_of(L);
    s->budget_left -= HOOK_EVERY;
    if (s->budget_left > 0)
        return;
    /* Fire on every instruction from now on, so a pcall inside the chunk
     * cannot swallow the error and carry on. */
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    s->budget_left = 0;
    luaL_where(L, 0);
    lua_pushliteral(L, "instruction budget exceeded");
    lua_concat(L, 2);
    lua_error(L);
}

/* ---- date(format, iso [, months]) ---- */

typedef struct {
    int year, month, day, hour, minute, second;
} when_t;

static const char *const english_months[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

static bool read_digits(const char **p, int count, int *value)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += count;
    *value = v;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* "Z", "+HH:MM" or "-HH:MM"; the offset is checked, not applied: a date is
 * shown as written. */
static bool read_zone(const char **p)
{
    int h, m;
    if (**p == 'Z') {
        (*p)++;
        return true;
    }
    if (**p != '+' && **p != '-')
        return true;
    (*p)++;
    if (!read_digits(p, 2, &h) || *(*p)++ != ':' || !read_digits(p, 2, &m))
        return false;
    return h <= 23 && m <= 59;
}

static bool read_time(const char **p, when_t *w)
{
    if (!read_digits(p, 2, &w->hour) || *(*p)++ != ':' || !read_digits(p, 2, &w->minute))
        return false;
    if (**p == ':') {
        (*p)++;
        if (!read_digits(p, 2, &w->second))
            return false;
        if (**p == '.') { /* fractions of a second are accepted and dropped */
            (*p)++;
            int digit;
            if (!read_digits(p, 1, &digit))
                return false;
            while (**p >= '0' && **p <= '9')
                (*p)++;
        }
    }
    if (w->hour > 23 || w->minute > 59 || w->second > 59)
        return false;
    return read_zone(p);
}

static bool parse_iso_date(const char *s, size_t len, when_t *w)
{
    *w = (when_t){0};
    if (strlen(s) != len)
        return false;
    const char *p = s;
    if (!read_digits(&p, 4, &w->year) || *p++ != '-' || !read_digits(&p, 2, &w->month) ||
        *p++ != '-' || !read_digits(&p, 2, &w->day))
        return false;
    if (w->month < 1 || w->month > 12 || w->day < 1 ||
        w->day > days_in_month(w->year, w->month))
        return false;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!read_time(&p, w))
            return false;
    }
    return *p == '\0';
}

/* The month's name from the optional table at index 3, else English. */
static const char *month_name(lua_State *L, int month, size_t *len)
{
    if (lua_isnil(L, 3)) {
        *len = strlen(english_months[month - 1]);
        return english_months[month - 1];
    }
    lua_rawgeti(L, 3, month); /* raw: the string stays referenced by the table */
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "date: months[%d] is not a string", month);
    const char *name = lua_tolstring(L, -1, len);
    lua_pop(L, 1);
    return name;
}

/* Byte length of the first n UTF-8 characters of s. */
static size_t utf8_prefix(const char *s, size_t len, int n)
{
    size_t i = 0;
    while (i < len && n > 0) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    return i;
}

static void put_number(luaL_Buffer *b, const char *fmt, int value)
{
    char tmp[16];
    snprintf(tmp, sizeof tmp, fmt, value);
    luaL_addstring(b, tmp);
}

static void format_directive(lua_State *L, luaL_Buffer *b, char c, const when_t *w)
{
    size_t len;
    const char *name;
    switch (c) {
    case 'Y': put_number(b, "%04d", w->year); break;
    case 'm': put_number(b, "%02d", w->month); break;
    case 'd': put_number(b, "%02d", w->day); break;
    case 'e': put_number(b, "%d", w->day); break;
    case 'H': put_number(b, "%02d", w->hour); break;
    case 'M': put_number(b, "%02d", w->minute); break;
    case 'S': put_number(b, "%02d", w->second); break;
    case '%': luaL_addchar(b, '%'); break;
    case 'B':
        name = month_name(L, w->month, &len);
        luaL_addlstring(b, name, len);
        break;
    case 'b':
        name = month_name(L, w->month, &len);
        luaL_addlstring(b, name, utf8_prefix(name, len, 3));
        break;
    default:
        luaL_error(L, "date: unknown format '%%%c'", c ? c : ' ');
    }
}

static int format_date(lua_State *L, const char *format, size_t flen, const when_t *w)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < flen; i++) {
        if (format[i] != '%') {
            luaL_addchar(&b, format[i]);
            continue;
        }
        i++;
        format_directive(L, &b, i < flen ? format[i] : '\0', w);
    }
    luaL_pushresult(&b);
    return 1;
}

static int lua_date(lua_State *L)
{
    size_t flen, ilen = 0;
    lua_settop(L, 3);
    const char *format = luaL_checklstring(L, 1, &flen);
    const char *iso = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &ilen) : NULL;
    if (!lua_isnil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    when_t w;
    if (iso && parse_iso_date(iso, ilen, &w))
        return format_date(L, format, flen, &w);
    int t = lua_type(L, 2);
    if (!iso && t != LUA_TNIL && t != LUA_TNUMBER && t != LUA_TBOOLEAN)
        return luaL_error(L, "date: cannot read a %s value as an ISO 8601 date",
                          luaL_typename(L, 2));
    /* nil, numbers and booleans have no metamethods: safe to print */
    return luaL_error(L, "date: cannot read '%s' as an ISO 8601 date",
                      iso ? iso : luaL_tolstring(L, 2, NULL));
}

/* ---- the sandboxed state ---- */

/* setmetatable without __gc: a finalizer would run outside any budget
 * (during a collection in C code, or at lua_close). */
static int safe_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE && lua_getfield(L, 2, "__gc") != LUA_TNIL)
        return luaL_error(L, "setmetatable: __gc metamethods are not allowed");
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static void remove_field(lua_State *L, int table, const char *name)
{
    lua_pushnil(L);
    lua_setfield(L, table, name);
}

/* pairs() in a fixed order: Lua seeds its string hashes at random per
 * state, so plain pairs() would make a theme's output differ from build to
 * build. Keys are sorted by type, then value. */
static const char SORTED_PAIRS_LUA[] =
    "local raw_pairs, sort, type, tostring = pairs, table.sort, type, tostring\n"
    "local function less(a, b)\n"
    "  local ta, tb = type(a), type(b)\n"
    "  if ta ~= tb then return ta < tb end\n"
    "  if ta == 'number' or ta == 'string' then return a < b end\n"
    "  return tostring(a) < tostring(b)\n"
    "end\n"
    "return function(t)\n"
    "  local keys, values = {}, {}\n"
    "  for k, v in raw_pairs(t) do keys[#keys + 1] = k; values[k] = v end\n"
    "  sort(keys, less)\n"
    "  local i = 0\n"
    "  return function()\n"
    "    i = i + 1\n"
    "    local k = keys[i]\n"
    "    if k ~= nil then return k, values[k] end\n"
    "  end, t, nil\n"
    "end\n";

static void install_sorted_pairs(lua_State *L, int globals)
{
    if (luaL_loadbufferx(L, SORTED_PAIRS_LUA, sizeof SORTED_PAIRS_LUA - 1, "=pairs", "t") != LUA_OK)
        lua_error(L);
    lua_call(L, 0, 1);
    lua_setfield(L, globals, "pairs");
}

static int open_sandbox(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    static const char *const removed[] = {"dofile", "loadfile", "load", "require",
                                          "collectgarbage", "print", "warn"};
    for (size_t i = 0; i < sizeof removed / sizeof *removed; i++)
        remove_field(L, g, removed[i]);
    lua_getfield(L, g, LUA_STRLIBNAME);
    remove_field(L, lua_gettop(L), "dump");
    lua_pop(L, 1);
    lua_pushcfunction(L, safe_setmetatable);
    lua_setfield(L, g, "setmetatable");
    lua_pushcfunction(L, lua_date);
    lua_setfield(L, g, "date");
    install_sorted_pairs(L, g);
    /* A fixed seed: the same site builds the same bytes. */
    lua_getfield(L, g, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 0);
    lua_call(L, 1, 0);
    lua_pop(L, 2);
    return 0;
}

lua_State *sandbox_new(size_t memory_cap)
{
    sandbox_t *s = xcalloc(1, sizeof *s);
    s->cap = memory_cap;
    lua_State *L = lua_newstate(counting_alloc, s);
    if (!L) {
        free(s);
        return NULL;
    }
    lua_pushcfunction(L, open_sandbox);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        sandbox_close(L);
        return NULL;
    }
    return L;
}

void sandbox_close(lua_State *L)
{
    if (!L)
        return;
    sandbox_t *s = sandbox_of(L);
    lua_close(L);
    free(s);
}

/* The message of the error object on top (caller frees). Never calls
 * __tostring: that would run theme code outside the budget. */
static char *error_message(lua_State *L, int status)
{
    if (status == LUA_ERRMEM)
        return xstrdup("memory limit exceeded");
    int t = lua_type(L, -1);
    if (t != LUA_TSTRING && t != LUA_TNUMBER)
        return xasprintf("(error object is a %s value)", luaL_typename(L, -1));
    const char *msg = lua_tostring(L, -1);
    /* partial() re-raises errors of the template it ran, which turns a
     * memory error into an ordinary one with the same message. */
    if (strcmp(msg, "not enough memory") == 0)
        return xstrdup("memory limit exceeded");
    return xstrdup(msg);
}

int sandbox_pcall(lua_State *L, int nargs, int nresults, long budget, char **err)
{
    sandbox_t *s = sandbox_of(L);
    *err = NULL;
    if (budget < 1)
        budget = 1;
    /* saved so that a nested call gives the outer one its budget back */
    long outer_left = s->budget_left;
    lua_Hook outer_hook = lua_gethook(L);
    int outer_mask = lua_gethookmask(L), outer_count = lua_gethookcount(L);
    s->budget_left = budget;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, budget < HOOK_EVERY ? (int)budget : HOOK_EVERY);
    int status = lua_pcall(L, nargs, nresults, 0);
    lua_sethook(L, outer_hook, outer_mask, outer_count);
    s->budget_left = outer_left;
    if (status == LUA_OK)
        return 0;
    *err = error_message(L, status);
    lua_pop(L, 1);
    if (strcmp(*err, "memory limit exceeded") == 0)
        lua_gc(L, LUA_GCCOLLECT); /* give the next call its memory back now */
    return status;
}

int sandbox_load(lua_State *L, const char *source, size_t len, const char *chunkname, char **err)
{
    *err = NULL;
    char *name = xasprintf("@%s", chunkname);
    int status = luaL_loadbufferx(L, source, len, name, "t");
    free(name);
    if (status == LUA_OK)
        return 0;
    *err = error_message(L, status);
    lua_pop(L, 1);
    return status;
}

int sandbox_run_file(lua_State *L, const char *path, const char *chunkname, char **err)
{
    char *source;
    size_t len;
    if (fs_read_file(path, &source, &len) < 0) {
        *err = xasprintf("%s: cannot read: %s", chunkname, strerror(errno));
        return LUA_ERRFILE;
    }
    const char *start = source;
    if (len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
        start += 3;
        len -= 3;
    }
    int status = sandbox_load(L, start, len, chunkname, err);
    free(source);
    if (status != 0)
        return status;
    return sandbox_pcall(L, 0, 1, SANDBOX_DEFAULT_BUDGET, err);
}

/* The first ":<digits>: " in err is the position Lua put there. */
int sandbox_error_line(const char *err)
{
    for (const char *p = err ? strchr(err, ':') : NULL; p; p = strchr(p + 1, ':')) {
        const char *q = p + 1;
        int line = 0;
        while (*q >= '0' && *q <= '9' && line < 100000000)
            line = line * 10 + (*q++ - '0');
        if (q > p + 1 && q[0] == ':' && q[1] == ' ')
            return line;
    }
    return 0;
}
