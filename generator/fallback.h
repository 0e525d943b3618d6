/* fallback: pages shown in a language that lacks them (site.lua
 * fallback = "default").
 *
 * For every page and section of the default language missing in another
 * language, a page of that language is added at the path the translation
 * would have (the default page's path under the other language's folder).
 * It shows the default language's text (page.content_lang, lang_attrs())
 * inside that language's interface, and the theme shows a notice
 * (page.fallback). It is never counted as a translation: hreflang and
 * page.translations list real translations only. Its Markdown is rendered
 * again so its links lead to pages of its own language where they exist. */
#ifndef WAYMARK_FALLBACK_H
#define WAYMARK_FALLBACK_H

#include "diag.h"
#include "site.h"

/* Adds the fallback pages to site->pages (called by site_load before the
 * model is linked). A path already taken by a real page gets a warning and
 * no fallback. */
void fallback_add_pages(site_t *site, diags_t *d);

#endif
