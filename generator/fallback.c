#include "fallback.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool sorted_has(char **set, size_t n, const char *s)
{
    return bsearch(&s, set, n, sizeof *set, compare_strings) != NULL;
}

static page_t *fallback_page(const page_t *of, int lang, const char *from_code,
                             const char *to_code)
{
    page_t *f = xcalloc(1, sizeof *f);
    f->kind = of->kind;
    f->lang = lang;
    f->src_path = xstrdup(of->src_path);
    f->key = xstrdup(of->key);
    f->out_path = xasprintf("%s%s", to_code, of->out_path + strlen(from_code));
    f->title = xstrdup(of->title);
    f->description = xstrdup(of->description);
    f->date = xstrdup(of->date);
    f->summary_text = xstrdup(of->summary_text);
    f->layout = xstrdup(of->layout);
    f->type = xstrdup(of->type);
    f->weight = of->weight;
    f->toc = of->toc;
    f->front = of->front; /* borrowed: page_free leaves a fallback's front matter alone */
    /* its own copy of the Markdown, rendered again for this page: read
     * again from the original's file when the load deferred it */
    f->body_deferred = of->body_deferred;
    f->source_len = of->source_len;
    f->body_offset = of->body_offset;
    f->body_len = of->body_len;
    f->body_line = of->body_line;
    if (of->source) {
        /* its own copy: the Markdown is rendered again for this page */
        f->source = xstrdup(of->source);
        f->body = f->source + (of->body - of->source);
        f->body_len = of->body_len;
        f->body_line = of->body_line;
    }
    f->fallback_of = (page_t *)of;
    return f;
}

void fallback_add_pages(site_t *site, diags_t *d)
{
    const config_t *cfg = site->cfg;
    size_t n = site->npages;
    char **keys = xcalloc(n + 1, sizeof *keys), **paths = xcalloc(n + 1, sizeof *paths);
    for (size_t i = 0; i < n; i++) {
        keys[i] = xasprintf("%d\x01%s", site->pages[i]->lang, site->pages[i]->key);
        paths[i] = site->pages[i]->out_path;
    }
    qsort(keys, n, sizeof *keys, compare_strings);
    qsort(paths, n, sizeof *paths, compare_strings);
    const char *from_code = cfg->languages[0].code;
    for (size_t i = 0; i < n; i++) {
        const page_t *p = site->pages[i];
        if (p->lang != 0 || (p->kind != PAGE_PAGE && p->kind != PAGE_SECTION))
            continue;
        for (size_t l = 1; l < cfg->nlanguages; l++) {
            char *key = xasprintf("%zu\x01%s", l, p->key);
            bool present = sorted_has(keys, n, key);
            free(key);
            if (present)
                continue;
            page_t *f = fallback_page(p, (int)l, from_code, cfg->languages[l].code);
            if (sorted_has(paths, n, f->out_path)) {
                diag_warning(d, p->src_path, 0, 0,
                             "no %s fallback for this page: %s is taken by another page",
                             cfg->languages[l].code, f->out_path);
                page_free(f);
                continue;
            }
            xgrow((void **)&site->pages, &site->pages_cap, site->npages + 1, sizeof *site->pages);
            site->pages[site->npages++] = f;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    free(paths);
}
