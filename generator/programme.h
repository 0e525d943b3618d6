/* programme: self-help programmes in the site model.
 *
 * A section whose _index.md says `type: programme` is a programme; each
 * folder directly below it with an _index.md is a module; each other page
 * in a module folder is a step. Modules and steps are ordered by `weight`,
 * else by the number their folder or file name starts with ("02-urges");
 * two with the same order, or a module without steps, is an error. The
 * model records each page's role, numbers, the steps of every module, the
 * previous/next step across module boundaries and the previous/next module,
 * and adds a generated worksheet page per module (<module>/worksheet/).
 * Pages without a template of their own get type "module", "step" or
 * "worksheet", so a theme's template of that name renders them. */
#ifndef WAYMARK_PROGRAMME_H
#define WAYMARK_PROGRAMME_H

#include "diag.h"
#include "site.h"

/* Adds a worksheet page for every module of every programme. Call after
 * every page is loaded and before the model is sorted and indexed. */
void programme_add_worksheets(site_t *site);

/* Annotates programmes, modules, steps and worksheets; reports ordering
 * problems and modules without steps. Call after the tree is linked. */
void programme_link(site_t *site, diags_t *d);

/* Estimated minutes: a step's `minutes:`, else its reading time plus 3
 * minutes per exercise or reflection; a module's `minutes:`, else the sum
 * of its steps; a programme's `minutes:`, else the sum of its modules; a
 * worksheet's module's. 0 outside programmes. Needs the markdown stage. */
int programme_minutes(const page_t *p);

/* "programme", "module", "step", "worksheet", or NULL for ROLE_NONE. */
const char *programme_role_name(page_role role);

#endif
