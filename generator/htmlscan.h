/* htmlscan: the final check that every written page obeys the output rules.
 *
 * A fast, strict, fail-closed scanner: it accepts only well-formed markup of
 * the kind waymark's templates and sanitizer write, and reports anything it
 * cannot classify as a violation, so a trick the scanner does not understand
 * is an error, never a pass. A violation is a build error, not a warning.
 *
 * Rules: no <script>, no on* attribute, no javascript:/vbscript:/data: URL
 * in any URL attribute (after decoding character references and dropping
 * the white space and control characters browsers ignore), no external
 * resource (img/link/style url()/frame/iframe/object/embed/base/meta
 * refresh/svg/math), external <a href> only with rel="noreferrer noopener",
 * form action only to the configured endpoint; and present on each full
 * page: <html lang dir>, <meta charset>, viewport meta, the CSP meta tag,
 * the no-referrer meta tag. */
#ifndef WAYMARK_HTMLSCAN_H
#define WAYMARK_HTMLSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

typedef struct {
    const char *csp;           /* the exact Content-Security-Policy expected */
    const char *form_action;   /* allowed form action URL; NULL: no forms allowed */
    bool full_page;            /* require the <html>/<head> metadata above */
} scan_rules;

/* Scans html written to out_path; each violation is an error at
 * out_path:line:col. Returns the number of violations. */
int scan_page(const char *html, size_t len, const char *out_path, const scan_rules *rules,
              diags_t *d);

#endif
