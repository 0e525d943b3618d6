/* budget: how heavy the pages are, for readers on slow Tor circuits.
 *
 * A page's weight is its HTML plus the stylesheet every page loads
 * (uncompressed bytes). The build summary names the heaviest pages and
 * the total HTML per language; site.lua `budget = { page_kb = 60 }` makes a
 * page over that weight a warning, or an error with --strict. */
#ifndef WAYMARK_BUDGET_H
#define WAYMARK_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "site.h"

#define BUDGET_LARGEST 3

/* Two summary lines, each starting with two spaces (caller frees):
 *   "  heaviest pages: en/about/ 9.6 KB, ... (HTML + 7.1 KB CSS)\n"
 *   "  HTML per language: en 48.3 KB, fi 47.1 KB\n"
 * page_bytes is each page's HTML size by index in site->pages. */
char *budget_summary(const site_t *site, const uint64_t *page_bytes, uint64_t css_bytes);

/* Reports every page heavier than page_kb KB (1 KB = 1024 bytes): a
 * warning, or an error when strict. Returns how many. */
size_t budget_check(const site_t *site, const uint64_t *page_bytes, uint64_t css_bytes,
                    double page_kb, bool strict, diags_t *d);

#endif
