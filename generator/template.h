/* template: HTML with embedded Lua, compiled once into Lua functions.
 *
 * Syntax (documented for theme authors in README.md, "Templates"):
 *   {{ expr }}   the value of expr, HTML-escaped; raw(x) values pass as is
 *   {% code %}   Lua statements: {% for _, p in ipairs(page.children) do %} ... {% end %}
 *   {# note #}   a comment, not output
 *   {%- / -%}    (also {{- / -}}) trim white space before / after the tag
 *
 * A template compiles to one Lua function of one argument, the context
 * table. Inside, names resolve first in the context, then in the sandbox's
 * globals. Generated code keeps the template's line numbers, so errors read
 * "themes/default/templates/page.html:12: message". */
#ifndef WAYMARK_TEMPLATE_H
#define WAYMARK_TEMPLATE_H

#include <lua.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "tpllua.h" /* tpl_translate */


/* Installs raw(), partial() and the escaping helper into the sandbox L. */
void tpl_install(lua_State *L);

/* Pushes s as a raw value (output as is by {{ }}), for context fields
 * that are already HTML, such as page content. Needs tpl_install. */
void tpl_push_raw(lua_State *L, const char *s, size_t len);

/* Compiles every *.html under each directory of dirs (NULL-terminated), the
 * first directory winning for a name, and stores the functions in L's
 * registry by name ("page.html", "partials/nav.html"). display_dirs give the
 * site-relative names used in messages (NULL: dirs). Replaces whatever an
 * earlier call loaded. Reports every error; returns the number of errors.
 * Call it once per lua_State (one per render thread). */
int tpl_load_dirs(lua_State *L, const char *const *dirs, const char *const *display_dirs,
                  diags_t *d);

/* Whether a template of that name was loaded. */
int tpl_exists(lua_State *L, const char *name);

/* Renders template name with the context table at ctx_index, appending the
 * output to out. Errors are reported at the template's path and line, with
 * "while rendering <for_path>" appended. Returns 0 or -1. */
int tpl_render(lua_State *L, const char *name, int ctx_index, buf_t *out, long budget,
               const char *for_path, diags_t *d);

#endif
