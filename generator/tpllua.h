/* tpllua: template text translated to Lua source.
 *
 * The first half of compiling a template (template.c loads and runs the
 * result): {{ }}, {% %}, {# #} and the trim markers become Lua that
 * appends to an output table, keeping the template's line numbers. Pure:
 * no Lua state, so the fuzzer and `waymark extract` can use it alone. */
#ifndef WAYMARK_TPLLUA_H
#define WAYMARK_TPLLUA_H

#include <stddef.h>

/* Translates template text to Lua source (caller frees the result). On a
 * syntax error (an unclosed tag) returns NULL and sets *err_line and *err
 * (caller frees). */
char *tpl_translate(const char *text, size_t len, int *err_line, char **err);

#endif
