/* sandbox: a Lua 5.4 state that a stranger's theme or site.lua cannot
 * escape from.
 *
 * Only base, string, table, math and utf8 are opened; io, os, package,
 * require, debug, dofile, loadfile, load, collectgarbage and string.dump are
 * absent. A pure `date(format, iso_string)` replaces os.date. The allocator
 * counts bytes and refuses past the memory cap; a count hook stops a chunk
 * that runs past its instruction budget. Errors carry "chunkname:line:". */
#ifndef WAYMARK_SANDBOX_H
#define WAYMARK_SANDBOX_H

#include <lua.h>
#include <stddef.h>

#define SANDBOX_DEFAULT_MEMORY (256u << 20)       /* bytes per state */
/* VM instructions per call. 20 million is some 60 times what the default
 * theme needs for a page, and keeps a hostile template that calls costly
 * functions in a loop (tostring of floats) to about 2 s of CPU per page;
 * 200 million let one page run for 20 s (tests/hostile/theme-attacks). */
#define SANDBOX_DEFAULT_BUDGET 20000000L

/* A new sandboxed state (close with sandbox_close). NULL if out of memory. */
lua_State *sandbox_new(size_t memory_cap);
void sandbox_close(lua_State *L);

/* Like lua_pcall, with the instruction budget armed for this call only.
 * On error returns non-zero and sets *err to the message (caller frees),
 * e.g. "themes/default/templates/page.html:12: attempt to index a nil value"
 * or "...:12: instruction budget exceeded", or "memory limit exceeded" (Lua
 * raises memory errors without a position). */
int sandbox_pcall(lua_State *L, int nargs, int nresults, long budget, char **err);

/* Loads text (never binary) Lua source as a chunk called "@chunkname" and
 * leaves the function on the stack. On a syntax error returns non-zero and
 * sets *err ("chunkname:line: message"; caller frees). */
int sandbox_load(lua_State *L, const char *source, size_t len, const char *chunkname, char **err);

/* Runs a Lua file (site.lua) and leaves its first result on the stack. */
int sandbox_run_file(lua_State *L, const char *path, const char *chunkname, char **err);

/* Parses "line" out of a "chunk:line: message" error; 0 if none. */
int sandbox_error_line(const char *err);

#endif
