/* libFuzzer target: the template compiler. tpl_translate turns any text
 * into Lua source or a syntax error with a line; the Lua it writes must
 * load in the sandbox (sandbox_load) or fail with a "chunk:line:" message,
 * never crash. The loaded function is not run: the sandbox's budget and
 * memory cap are tested in tests/unit/test_sandbox.c and tests/e2e. */
#include <lua.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"
#include "template.h"

static lua_State *L;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    L = sandbox_new(64u << 20);
    if (!L)
        abort();
    tpl_install(L);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int err_line = 0;
    char *err = NULL;
    char *lua = tpl_translate((const char *)data, size, &err_line, &err);
    if (!lua) {
        if (!err || err_line < 1)
            abort(); /* a syntax error always says what and where */
        free(err);
        return 0;
    }
    char *load_err = NULL;
    if (sandbox_load(L, lua, strlen(lua), "themes/fuzz/templates/page.html", &load_err) != 0) {
        if (!load_err)
            abort();
        free(load_err);
    }
    lua_settop(L, 0);
    free(lua);
    return 0;
}
