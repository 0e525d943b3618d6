#include "page_field.h"

#include <stdlib.h>
#include <string.h>

static const char *const NAMES[PAGE_FIELD_COUNT] = {
    "ancestors", "archive_index", "authors", "blog", "children", "content", "content_dir",
    "content_lang", "date", "description", "dir", "draft", "exercises", "fallback",
    "fallback_of", "featured", "featured_posts", "feed", "first_step", "home", "is_current",
    "is_post", "key", "kind", "lang", "minutes", "module", "module_count", "module_number",
    "modules", "next", "next_module", "next_step", "pager", "params", "parent", "path", "posts",
    "posts_index", "prev", "prev_module", "prev_step", "programme", "programme_step",
    "programme_steps", "reading_minutes", "recent_posts", "related", "role", "series",
    "series_count", "series_next", "series_part", "series_prev", "slug", "step_count",
    "step_number", "steps", "summary", "survey", "survey_stylesheet", "tags", "tags_index",
    "title", "toc", "total", "translations", "updated", "url", "weight", "words", "worksheet",
    "years",
};

static int compare_name(const void *key, const void *name)
{
    return strcmp(key, *(const char *const *)name);
}

int page_field_find(const char *name)
{
    const char *const *found = bsearch(name, NAMES, PAGE_FIELD_COUNT, sizeof *NAMES, compare_name);
    return found ? (int)(found - NAMES) : -1;
}

const char *page_field_name(page_field f)
{
    return NAMES[f];
}

bool page_field_reader_dependent(page_field f)
{
    return f == PF_URL || f == PF_IS_CURRENT || f == PF_FEED || f == PF_SURVEY_STYLESHEET;
}
