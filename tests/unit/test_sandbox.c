#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "fs.h"
#include "path.h"
#include "sandbox.h"

#define SMALL_CAP (8u << 20)

/* Runs Lua source under the sandbox; returns the error (caller frees) or
 * NULL, leaving one result on the stack on success. */
static char *run(lua_State *L, const char *source, long budget)
{
    char *err;
    if (sandbox_load(L, source, strlen(source), "test.lua", &err) != 0)
        return err;
    if (sandbox_pcall(L, 0, 1, budget, &err) != 0)
        return err;
    return NULL;
}

/* Runs source that returns a string and compares it. */
static void assert_returns(lua_State *L, const char *source, const char *expected)
{
    char *err = run(L, source, SANDBOX_DEFAULT_BUDGET);
    if (err)
        fail_msg("%s: %s", source, err);
    assert_string_equal(lua_tostring(L, -1), expected);
    lua_pop(L, 1);
}

static void assert_fails_with(lua_State *L, const char *source, const char *expected)
{
    char *err = run(L, source, SANDBOX_DEFAULT_BUDGET);
    if (!err)
        fail_msg("%s did not fail", source);
    assert_string_equal(err, expected);
    free(err);
}

static void test_forbidden_names_are_nil(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    assert_non_null(L);
    static const char *const names[] = {
        "io",     "os",      "require",        "load",  "loadfile", "dofile",
        "debug",  "package", "collectgarbage", "print", "string.dump",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char source[64];
        snprintf(source, sizeof source, "return type(%s)", names[i]);
        assert_returns(L, source, "nil");
    }
    sandbox_close(L);
}

static void test_safe_libraries_are_there(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    assert_returns(L, "return string.upper('a') .. table.concat({1, 2}, ',') .. "
                      "math.floor(2.5) .. utf8.char(233) .. select('#', pairs({}))",
                   "A1,22\xC3\xA9" "3");
    sandbox_close(L);
}

static void test_calling_forbidden_function_fails_cleanly(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    assert_fails_with(L, "\nos.execute('true')",
                      "test.lua:2: attempt to index a nil value (global 'os')");
    assert_fails_with(L, "return load('return 1')()",
                      "test.lua:1: attempt to call a nil value (global 'load')");
    assert_returns(L, "return 'still usable'", "still usable");
    sandbox_close(L);
}

static void test_finalizers_are_refused(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    assert_fails_with(L, "setmetatable({}, {__gc = function() while true do end end})",
                      "test.lua:1: setmetatable: __gc metamethods are not allowed");
    assert_returns(L, "return getmetatable(setmetatable({}, {__index = {}})) and 'ok'", "ok");
    sandbox_close(L);
}

static void test_budget_stops_infinite_loop(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    char *err = run(L, "local n = 0\nwhile true do n = n + 1 end", 1000000);
    assert_non_null(err);
    assert_string_equal(err, "test.lua:2: instruction budget exceeded");
    free(err);
    assert_null(lua_gethook(L)); /* armed for that call only */
    /* pcall inside the chunk cannot swallow the overrun */
    err = run(L, "while true do pcall(function() while true do end end) end", 1000000);
    assert_non_null(err);
    assert_non_null(strstr(err, "instruction budget exceeded"));
    free(err);
    /* the next call gets a fresh budget */
    assert_returns(L, "local n = 0 for i = 1, 100000 do n = n + i end return tostring(n)",
                   "5000050000");
    sandbox_close(L);
}

static void test_memory_cap_stops_string_growth(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SMALL_CAP);
    assert_non_null(L);
    assert_fails_with(L, "local s = 'x' while true do s = s .. s end", "memory limit exceeded");
    assert_fails_with(L, "return string.rep('x', 1 << 30)", "memory limit exceeded");
    /* the state is still usable, and has its memory back */
    assert_returns(L, "return tostring(#string.rep('y', 2 << 20))", "2097152");
    sandbox_close(L);
}

static void test_memory_cap_stops_table_growth(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SMALL_CAP);
    assert_fails_with(L, "local t = {} for i = 1, 1e9 do t[i] = {i} end", "memory limit exceeded");
    assert_returns(L, "local t = {} for i = 1, 1000 do t[i] = i end return tostring(#t)", "1000");
    sandbox_close(L);
}

static void test_tiny_cap_refuses_the_state(void **state)
{
    (void)state;
    assert_null(sandbox_new(1024));
}

static void test_date_formats(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    assert_returns(L, "return date('%Y-%m-%d', '2024-03-05')", "2024-03-05");
    assert_returns(L, "return date('%e %B %Y', '2024-03-05')", "5 March 2024");
    assert_returns(L, "return date('%d %b', '2024-09-15')", "15 Sep");
    assert_returns(L, "return date('%H:%M 100%%', '2024-03-05T07:08:09Z')", "07:08 100%");
    assert_returns(L, "return date('%H:%M', '2024-03-05 23:59')", "23:59");
    /* the offset is read and the time shown as written */
    assert_returns(L, "return date('%d %H:%M', '2024-03-05T01:30:00+02:00')", "05 01:30");
    assert_returns(L, "return date('%d %H:%M', '2024-03-05T01:30-05:30')", "05 01:30");
    assert_returns(L, "return date('%m/%d', '2024-02-29')", "02/29");
    assert_returns(L, "return date('%B|%b', '2024-02-01', {'janvier', 'f\xC3\xA9vrier', 'mars', "
                      "'avril', 'mai', 'juin', 'juillet', 'ao\xC3\xBBt', 'septembre', "
                      "'octobre', 'novembre', 'd\xC3\xA9" "cembre'})",
                   "f\xC3\xA9vrier|f\xC3\xA9v");
    assert_returns(L, "return date('%b', '2024-05-01', {[5] = '\xD9\x85\xD8\xA7\xD9\x8A\xD9\x88'})",
                   "\xD9\x85\xD8\xA7\xD9\x8A");
    sandbox_close(L);
}

static void test_date_errors(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    assert_fails_with(L, "return date('%Y', 'yesterday')",
                      "test.lua:1: date: cannot read 'yesterday' as an ISO 8601 date");
    assert_fails_with(L, "return date('%Y', '2023-02-29')",
                      "test.lua:1: date: cannot read '2023-02-29' as an ISO 8601 date");
    assert_fails_with(L, "return date('%Y', '2024-13-01')",
                      "test.lua:1: date: cannot read '2024-13-01' as an ISO 8601 date");
    assert_fails_with(L, "return date('%Y', '2024-01-01T25:00')",
                      "test.lua:1: date: cannot read '2024-01-01T25:00' as an ISO 8601 date");
    assert_fails_with(L, "return date('%Y', '2024-01-01 trailing')",
                      "test.lua:1: date: cannot read '2024-01-01 trailing' as an ISO 8601 date");
    assert_fails_with(L, "return date('%Y', nil)",
                      "test.lua:1: date: cannot read 'nil' as an ISO 8601 date");
    assert_fails_with(L, "return date('%Q', '2024-01-01')",
                      "test.lua:1: date: unknown format '%Q'");
    assert_fails_with(L, "return date('%B', '2024-01-01', {})",
                      "test.lua:1: date: months[1] is not a string");
    sandbox_close(L);
}

static void test_load_reports_syntax_error_with_chunk_name(void **state)
{
    (void)state;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    char *err;
    const char *source = "local a = 1\nlocal b = = 2\n";
    assert_int_not_equal(sandbox_load(L, source, strlen(source), "themes/x/site.lua", &err), 0);
    assert_non_null(strstr(err, "themes/x/site.lua:2: "));
    assert_int_equal(sandbox_error_line(err), 2);
    free(err);
    assert_int_equal(lua_gettop(L), 0);
    sandbox_close(L);
}

static int write_chunk(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    luaL_addlstring(ud, p, sz);
    return 0;
}

static void test_load_refuses_binary_chunks(void **state)
{
    (void)state;
    lua_State *plain = luaL_newstate();
    assert_int_equal(luaL_loadstring(plain, "return 1"), LUA_OK);
    luaL_Buffer b;
    luaL_buffinit(plain, &b);
    lua_pushvalue(plain, -2);
    lua_dump(plain, write_chunk, &b, 0);
    lua_pop(plain, 1);
    luaL_pushresult(&b);
    size_t len;
    const char *binary = lua_tolstring(plain, -1, &len);

    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    char *err;
    assert_int_not_equal(sandbox_load(L, binary, len, "evil.luac", &err), 0);
    assert_non_null(strstr(err, "binary chunk"));
    free(err);
    sandbox_close(L);
    lua_close(plain);
}

static void test_run_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/waymark-sandbox-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *good = path_join(dir, "site.lua");
    char *bad = path_join(dir, "bad.lua");
    const char *site = "\xEF\xBB\xBFreturn { title = 'Help', languages = { 'en', 'ar' } }\n";
    const char *broken = "local t = {}\nreturn t.missing.field\n";
    assert_int_equal(fs_write_file(good, site, strlen(site)), 0);
    assert_int_equal(fs_write_file(bad, broken, strlen(broken)), 0);

    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    char *err;
    assert_int_equal(sandbox_run_file(L, good, "site.lua", &err), 0);
    assert_int_equal(lua_getfield(L, -1, "title"), LUA_TSTRING);
    assert_string_equal(lua_tostring(L, -1), "Help");
    lua_pop(L, 2);

    assert_int_not_equal(sandbox_run_file(L, bad, "site.lua", &err), 0);
    assert_string_equal(err, "site.lua:2: attempt to index a nil value (field 'missing')");
    free(err);

    char *missing = path_join(dir, "none.lua");
    assert_int_not_equal(sandbox_run_file(L, missing, "none.lua", &err), 0);
    assert_non_null(strstr(err, "none.lua: cannot read"));
    free(err);
    sandbox_close(L);
    fs_remove_tree(dir);
    free(good);
    free(bad);
    free(missing);
}

static void test_error_line(void **state)
{
    (void)state;
    assert_int_equal(sandbox_error_line("themes/default/templates/page.html:12: boom"), 12);
    assert_int_equal(sandbox_error_line("a:b.html:7: x:9: y"), 7);
    assert_int_equal(sandbox_error_line("memory limit exceeded"), 0);
    assert_int_equal(sandbox_error_line("a.html:x: no"), 0);
    assert_int_equal(sandbox_error_line(NULL), 0);
}

/* Two states hash strings with different seeds; pairs() must not show it. */
static void test_pairs_order_is_stable(void **state)
{
    (void)state;
    const char *src = "local t = {zeta=1, alpha=2, [3]=3, mid=4, [1]=5, beta=6}\n"
                      "local out = {}\n"
                      "for k in pairs(t) do out[#out+1] = tostring(k) end\n"
                      "return table.concat(out, ',')";
    for (int i = 0; i < 5; i++) {
        lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
        assert_returns(L, src, "1,3,alpha,beta,mid,zeta");
        sandbox_close(L);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forbidden_names_are_nil),
        cmocka_unit_test(test_safe_libraries_are_there),
        cmocka_unit_test(test_calling_forbidden_function_fails_cleanly),
        cmocka_unit_test(test_finalizers_are_refused),
        cmocka_unit_test(test_budget_stops_infinite_loop),
        cmocka_unit_test(test_memory_cap_stops_string_growth),
        cmocka_unit_test(test_memory_cap_stops_table_growth),
        cmocka_unit_test(test_tiny_cap_refuses_the_state),
        cmocka_unit_test(test_date_formats),
        cmocka_unit_test(test_date_errors),
        cmocka_unit_test(test_load_reports_syntax_error_with_chunk_name),
        cmocka_unit_test(test_load_refuses_binary_chunks),
        cmocka_unit_test(test_run_file),
        cmocka_unit_test(test_error_line),
        cmocka_unit_test(test_pairs_order_is_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
