/* page_field: the fields a template reads from a page (page.title,
 * page.url, ...; README "Templates"), named once for the template
 * interface (render.c) and the render cache's digests of their values
 * (render_cache.c). A name that is no field reads as nil on every page. */
#ifndef WAYMARK_PAGE_FIELD_H
#define WAYMARK_PAGE_FIELD_H

#include <stdbool.h>

/* In the order of their names (page_field_find searches them). */
typedef enum {
    PF_ANCESTORS, PF_ARCHIVE_INDEX, PF_AUTHORS, PF_BLOG, PF_CHILDREN, PF_CONTENT,
    PF_CONTENT_DIR, PF_CONTENT_LANG, PF_DATE, PF_DESCRIPTION, PF_DIR, PF_DRAFT, PF_EXERCISES,
    PF_FALLBACK, PF_FALLBACK_OF, PF_FEATURED, PF_FEATURED_POSTS, PF_FEED, PF_FIRST_STEP,
    PF_HOME, PF_IS_CURRENT, PF_IS_POST, PF_KEY, PF_KIND, PF_LANG, PF_MINUTES, PF_MODULE,
    PF_MODULE_COUNT, PF_MODULE_NUMBER, PF_MODULES, PF_NEXT, PF_NEXT_MODULE, PF_NEXT_STEP,
    PF_PAGER, PF_PARAMS, PF_PARENT, PF_PATH, PF_POSTS, PF_POSTS_INDEX, PF_PREV, PF_PREV_MODULE,
    PF_PREV_STEP, PF_PROGRAMME, PF_PROGRAMME_STEP, PF_PROGRAMME_STEPS, PF_READING_MINUTES,
    PF_RECENT_POSTS, PF_RELATED, PF_ROLE, PF_SERIES, PF_SERIES_COUNT, PF_SERIES_NEXT,
    PF_SERIES_PART, PF_SERIES_PREV, PF_SLUG, PF_STEP_COUNT, PF_STEP_NUMBER, PF_STEPS,
    PF_SUMMARY, PF_SURVEY, PF_SURVEY_STYLESHEET, PF_TAGS, PF_TAGS_INDEX, PF_TITLE, PF_TOC,
    PF_TOTAL, PF_TRANSLATIONS, PF_UPDATED, PF_URL, PF_WEIGHT, PF_WORDS, PF_WORKSHEET, PF_YEARS,
    PAGE_FIELD_COUNT
} page_field;

/* The field called name, or -1 when there is none. */
int page_field_find(const char *name);
/* Its name: a string that lives as long as the program. */
const char *page_field_name(page_field f);
/* Whether its value depends on the page reading it (a URL relative to
 * that page, whether it is that page). */
bool page_field_reader_dependent(page_field f);

#endif
