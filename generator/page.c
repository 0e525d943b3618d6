#include "page.h"

#include "blog.h"

#include <stdlib.h>

void page_free(page_t *p)
{
    if (!p)
        return;
    free(p->src_path);
    free(p->key);
    free(p->out_path);
    if (!p->fallback_of) /* a fallback page borrows its original's */
        fm_free(p->front);
    free(p->title);
    free(p->description);
    free(p->date);
    free(p->summary_text);
    free(p->layout);
    free(p->type);
    free(p->source);
    free(p->html);
    free(p->toc_html);
    free(p->summary);
    md_links_free(p->links, p->nlinks);
    free(p->children);
    free(p->translations);
    free(p->parts);
    exercise_free_list(p->exercises, p->nexercises);
    blog_page_free(p->blog);
    free(p);
}

int page_reading_minutes(const page_t *p)
{
    int minutes = (int)((p->words + 199) / 200);
    return minutes < 1 ? 1 : minutes;
}

const char *page_kind_name(page_kind kind)
{
    static const char *const names[] = {"root", "home", "section", "page", "404", "list"};
    return names[kind];
}
