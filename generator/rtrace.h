/* rtrace: what one page's templates read, for the render cache (rcache.h).
 *
 * While a page renders, every page.field its templates look at is noted
 * once (rtrace_note), with a digest of its value written out canonically
 * (rtrace_value); the next build works the same digests out again: equal
 * digests mean the templates would read the same values, take the same
 * paths and write the same HTML. */
#ifndef WAYMARK_RTRACE_H
#define WAYMARK_RTRACE_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rcache.h"
#include "page_field.h"

typedef struct {
    rcache_dep *deps; /* in the order first read; page: its path, borrowed;
                         field: page_field_name; the caller fills each digest */
    size_t len, cap;
    uint32_t *slots;  /* open addressing by the two addresses: dep number
                         + 1, 0 = free; at most half full */
    size_t nslots;
} rtrace_t;

/* Empties t for the next page (keeps its memory). */
void rtrace_reset(rtrace_t *t);
/* Notes that field f of the page at page_path was read; a page is known
 * by the address of its path, which must outlive t's use. The first time,
 * returns its dep, for the caller to fill in its digest (borrowed until
 * the next note); else NULL. */
rcache_dep *rtrace_note(rtrace_t *t, const char *page_path, page_field f);
void rtrace_free(rtrace_t *t);

/* Appends the value at index idx of L to out in a canonical form: tables
 * by sorted keys, values with a __tostring (pages, raw HTML) by that text.
 * False when it holds what has no such form (a function, a cycle, nesting
 * over 32): such a page is not cached. May raise a Lua error: call it
 * under pcall. */
bool rtrace_value(lua_State *L, int idx, buf_t *out);

#endif
