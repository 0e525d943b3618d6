#include "linkcheck.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "fs.h"
#include "htmltok.h"
#include "path.h"
#include "pool.h"
#include "xalloc.h"

typedef struct {
    char **items;
    size_t len, cap;
} strlist;

static void strlist_push(strlist *l, char *s)
{
    xgrow((void **)&l->items, &l->cap, l->len + 1, sizeof *l->items);
    l->items[l->len++] = s;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    *l = (strlist){0};
}

static int compare_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strlist_sort(strlist *l)
{
    if (l->len > 1)
        qsort(l->items, l->len, sizeof *l->items, compare_str);
}

static bool strlist_has(const strlist *l, const char *s)
{
    return l->len && bsearch(&s, l->items, l->len, sizeof *l->items, compare_str);
}

/* --- scanning HTML ------------------------------------------------------------ */

typedef enum { LINK_MARKDOWN, LINK_CONTENT, LINK_TEMPLATE } link_origin;

typedef struct {
    char *href;
    link_origin origin;
} page_link;

typedef struct {
    bool recorded;
    strlist ids;          /* sorted */
    page_link *links;     /* relative links not written in Markdown */
    size_t nlinks, links_cap;
    strlist external;     /* external links from templates */
    char *template_path;
    /* a record from strings: the strings are borrowed, and the three
     * arrays lie in one allocation, the one links points to */
    bool borrowed;
} page_record;

/* Frees what r owns and empties it. */
static void record_free(page_record *r)
{
    if (!r->borrowed) {
        strlist_free(&r->ids);
        strlist_free(&r->external);
        for (size_t k = 0; k < r->nlinks; k++)
            free(r->links[k].href);
        free(r->template_path);
    }
    free(r->links);
    *r = (page_record){0};
}

struct linkcheck {
    const site_t *site;
    page_record *pages;
};

static size_t skip_past(const char *s, size_t len, size_t i, const char *end)
{
    size_t n = strlen(end);
    for (; i + n <= len; i++)
        if (!strncasecmp(s + i, end, n))
            return i + n;
    return len;
}

static size_t read_name(const char *s, size_t len, size_t i, char *name, size_t size)
{
    size_t n = 0;
    while (i < len && !isspace((unsigned char)s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/') {
        if (n + 1 < size)
            name[n++] = (char)tolower((unsigned char)s[i]);
        i++;
    }
    name[n] = '\0';
    return i;
}

/* Reads an attribute value at s[i] (after '='), decoded, into out. */
static size_t read_value(const char *s, size_t len, size_t i, buf_t *out)
{
    buf_reset(out);
    size_t start, end;
    if (i < len && (s[i] == '"' || s[i] == '\'')) {
        char q = s[i++];
        start = i;
        while (i < len && s[i] != q)
            i++;
        end = i;
        i += i < len;
    } else {
        start = i;
        while (i < len && !isspace((unsigned char)s[i]) && s[i] != '>')
            i++;
        end = i;
    }
    htmltok_decode_attr(s + start, end - start, out);
    return i;
}

static bool is_link_attr(const char *tag, const char *attr)
{
    if (!strcmp(attr, "href"))
        return !strcmp(tag, "a") || !strcmp(tag, "link") || !strcmp(tag, "area");
    return !strcmp(attr, "src") && !strcmp(tag, "img");
}

/* Reads one tag's attributes from s[i] (just after its name). */
static size_t scan_attributes(const char *s, size_t len, size_t i, const char *tag, strlist *ids,
                              strlist *links)
{
    buf_t value = BUF_INIT;
    char attr[32];
    while (i < len && s[i] != '>') {
        if (isspace((unsigned char)s[i]) || s[i] == '/') {
            i++;
            continue;
        }
        i = read_name(s, len, i, attr, sizeof attr);
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i >= len || s[i] != '=')
            continue;
        i++;
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        i = read_value(s, len, i, &value);
        if (!strcmp(attr, "id") || (!strcmp(attr, "name") && !strcmp(tag, "a")))
            strlist_push(ids, xstrdup(buf_cstr(&value)));
        else if (is_link_attr(tag, attr))
            strlist_push(links, xstrdup(buf_cstr(&value)));
    }
    buf_free(&value);
    return i;
}

void linkcheck_scan(const char *html, size_t len, char ***ids, size_t *nids, char ***links,
                    size_t *nlinks)
{
    strlist id_list = {0}, link_list = {0};
    size_t i = 0;
    char tag[16];
    while (i < len) {
        const char *lt = memchr(html + i, '<', len - i);
        if (!lt)
            break;
        i = (size_t)(lt - html) + 1;
        if (len - i >= 3 && !strncmp(html + i, "!--", 3)) {
            i = skip_past(html, len, i + 3, "-->");
            continue;
        }
        if (i >= len || !isalpha((unsigned char)html[i])) {
            i = skip_past(html, len, i, ">");
            continue;
        }
        i = read_name(html, len, i, tag, sizeof tag);
        i = scan_attributes(html, len, i, tag, &id_list, &link_list);
        if (!strcmp(tag, "style"))
            i = skip_past(html, len, i, "</style");
    }
    *ids = id_list.items;
    *nids = id_list.len;
    *links = link_list.items;
    *nlinks = link_list.len;
}

/* --- recording --------------------------------------------------------------- */

linkcheck_t *linkcheck_new(const site_t *site)
{
    linkcheck_t *lc = xcalloc(1, sizeof *lc);
    lc->site = site;
    lc->pages = xcalloc(site->npages ? site->npages : 1, sizeof *lc->pages);
    return lc;
}

void linkcheck_free(linkcheck_t *lc)
{
    if (!lc)
        return;
    for (size_t i = 0; i < lc->site->npages; i++)
        record_free(&lc->pages[i]);
    free(lc->pages);
    free(lc);
}

static bool is_external(const char *href)
{
    return !strncasecmp(href, "http://", 7) || !strncasecmp(href, "https://", 8);
}

static strlist scan_list(const char *html, size_t len, bool want_ids)
{
    char **ids, **links;
    size_t nids, nlinks;
    linkcheck_scan(html, len, &ids, &nids, &links, &nlinks);
    strlist keep = want_ids ? (strlist){ids, nids, nids} : (strlist){links, nlinks, nlinks};
    strlist drop = want_ids ? (strlist){links, nlinks, nlinks} : (strlist){ids, nids, nids};
    strlist_free(&drop);
    strlist_sort(&keep);
    return keep;
}

void linkcheck_record(linkcheck_t *lc, size_t index, const char *html, size_t len,
                      const char *content_html, const char *template_path)
{
    const page_t *p = lc->site->pages[index];
    page_record *r = &lc->pages[index];
    char **ids, **links;
    size_t nids, nlinks;
    linkcheck_scan(html, len, &ids, &nids, &links, &nlinks);
    r->ids = (strlist){ids, nids, nids};
    strlist_sort(&r->ids);
    strlist content =
        content_html ? scan_list(content_html, strlen(content_html), false) : (strlist){0};
    strlist markdown = {0};
    for (size_t i = 0; i < p->nlinks; i++)
        strlist_push(&markdown, xstrdup(p->links[i].href));
    strlist_sort(&markdown);
    for (size_t i = 0; i < nlinks; i++) {
        char *href = links[i];
        link_origin origin = strlist_has(&markdown, href) ? LINK_MARKDOWN
                           : strlist_has(&content, href) ? LINK_CONTENT : LINK_TEMPLATE;
        if (origin == LINK_TEMPLATE && is_external(href)) {
            strlist_push(&r->external, href);
        } else if (origin != LINK_MARKDOWN && !path_url_is_absolute(href)) {
            xgrow((void **)&r->links, &r->links_cap, r->nlinks + 1, sizeof *r->links);
            r->links[r->nlinks++] = (page_link){href, origin};
        } else {
            free(href);
        }
    }
    free(links);
    strlist_free(&content);
    strlist_free(&markdown);
    r->template_path = xstrdup(template_path);
    r->recorded = true;
}

char **linkcheck_record_strings(const linkcheck_t *lc, size_t index, size_t *n)
{
    const page_record *r = &lc->pages[index];
    *n = 0;
    if (!r->recorded)
        return NULL;
    size_t total = r->ids.len + r->nlinks + r->external.len, k = 0;
    char **items = xcalloc(total ? total : 1, sizeof *items);
    for (size_t i = 0; i < r->ids.len; i++)
        items[k++] = xasprintf("#%s", r->ids.items[i]);
    for (size_t i = 0; i < r->nlinks; i++)
        items[k++] = xasprintf("%c%s", r->links[i].origin == LINK_CONTENT ? 'c' : 't',
                               r->links[i].href);
    for (size_t i = 0; i < r->external.len; i++)
        items[k++] = xasprintf("x%s", r->external.items[i]);
    *n = k;
    return items;
}

bool linkcheck_record_from_strings(linkcheck_t *lc, size_t index, const char *const *items,
                                   size_t n, const char *template_path)
{
    /* The strings are borrowed, so that a kept page's record is one
     * allocation: a rebuild makes thousands of them, and copying their
     * text was most of the cost of keeping a page. */
    size_t nids = 0, nlinks = 0, nexternal = 0;
    for (size_t i = 0; i < n; i++) {
        char kind = items[i][0];
        if (kind != '#' && kind != 'c' && kind != 't' && kind != 'x')
            return false;
        nids += kind == '#';
        nlinks += kind == 'c' || kind == 't';
        nexternal += kind == 'x';
    }
    page_record r = {.recorded = true, .borrowed = true};
    r.links = xmalloc(nlinks * sizeof *r.links + (nids + nexternal) * sizeof(char *) + 1);
    r.links_cap = nlinks;
    char **strings = (char **)(void *)(r.links + nlinks);
    r.ids = (strlist){strings, 0, nids};
    r.external = (strlist){strings + nids, 0, nexternal};
    for (size_t i = 0; i < n; i++) {
        char *s = (char *)items[i] + 1;
        switch (items[i][0]) {
        case '#':
            r.ids.items[r.ids.len++] = s;
            break;
        case 'x':
            r.external.items[r.external.len++] = s;
            break;
        default:
            r.links[r.nlinks++] = (page_link){s, items[i][0] == 'c' ? LINK_CONTENT : LINK_TEMPLATE};
        }
    }
    r.template_path = (char *)template_path;
    lc->pages[index] = r;
    return true;
}

/* --- checking ------------------------------------------------------------------- */

typedef struct {
    linkcheck_t *lc;
    strlist written;  /* every file of the site, sorted */
    strlist reported; /* "template\001href" already reported */
    diags_t *d;
    size_t broken;
} run_state;

/* A check worker's own scratch space, reused link after link. */
typedef struct {
    buf_t target, fragment;
} link_scratch;

/* The written file a link from page `from` leads to, in scratch->target,
 * or NULL with *why. */
static const char *link_target(const run_state *st, const page_t *from, const char *path,
                               size_t n, link_scratch *scratch, const char **why)
{
    buf_t *t = &scratch->target;
    buf_reset(t);
    const char *slash = strrchr(from->out_path, '/');
    size_t dir_len = slash ? (size_t)(slash - from->out_path) + 1 : 0; /* with its '/' */
    buf_putn(t, from->out_path, dir_len);
    path_percent_decode_into(t, path, n);
    if (dir_len && !t->data[dir_len])
        t->data[dir_len - 1] = '\0'; /* nothing joined: the folder itself */
    if (!path_normalize_in_place(t->data)) {
        *why = "it points above the site root";
        return NULL;
    }
    t->len = strlen(t->data);
    if (t->len == 0 || t->data[t->len - 1] == '/' || !strlist_has(&st->written, t->data))
        buf_puts(t, t->len && t->data[t->len - 1] != '/' ? "/index.html" : "index.html");
    if (!strlist_has(&st->written, t->data)) {
        *why = "no such file in the site";
        return NULL;
    }
    return t->data;
}

/* Checks one relative link; returns NULL when it resolves, else why not
 * (*detail is set to an owned string for some reasons). */
static const char *check_link(const run_state *st, size_t from_index, const char *href,
                              link_scratch *scratch, char **detail)
{
    const page_t *from = st->lc->site->pages[from_index];
    *detail = NULL;
    size_t path_len = strcspn(href, "?#");
    const char *hash = strchr(href, '#');
    const char *why = NULL;
    size_t target_index = from_index;
    if (path_len > 0) {
        const char *target = link_target(st, from, href, path_len, scratch, &why);
        if (!target)
            return why;
        if (!site_page_at(st->lc->site, target, &target_index))
            return NULL; /* a file: its fragment (page=2 of a PDF) is not ours to judge */
    }
    if (!hash || !hash[1])
        return NULL;
    const page_record *r = &st->lc->pages[target_index];
    buf_reset(&scratch->fragment);
    path_percent_decode_into(&scratch->fragment, hash + 1, strlen(hash + 1));
    const char *frag = scratch->fragment.data;
    if (r->recorded && !strlist_has(&r->ids, frag)) {
        *detail = xasprintf("no id '%s' in %s", frag, st->lc->site->pages[target_index]->out_path);
        why = "";
    }
    return why;
}

static void report(run_state *st, const char *path, int line, int col, const char *href,
                   const char *why, char *detail, const char *on_page)
{
    if (on_page)
        diag_error(st->d, path, line, col, "broken link '%s' (on %s): %s", href, on_page,
                   detail ? detail : why);
    else
        diag_error(st->d, path, line, col, "broken link '%s': %s", href, detail ? detail : why);
    free(detail);
    st->broken++;
}

/* Where a link from raw HTML stands in its Markdown file: the first place
 * its text appears (the sanitizer rewrote the tag, so cmark's position of
 * the HTML block is all the build kept). 0, 0 when not found. */
static void locate_in_source(const char *path, const char *href, int *line, int *col)
{
    char *text;
    size_t len;
    if (!*href || fs_read_file(path, &text, &len) < 0)
        return;
    const char *hit = strstr(text, href);
    if (hit) {
        *line = 1;
        const char *line_start = text;
        for (const char *s = text; s < hit; s++)
            if (*s == '\n') {
                (*line)++;
                line_start = s + 1;
            }
        *col = (int)(hit - line_start) + 1;
    }
    free(text);
}

/* --- the check, on all cores, then the report, in page order -------------- */

/* A link of a page that does not resolve: the k-th of its Markdown links
 * or of its recorded ones. */
typedef struct {
    bool markdown;
    size_t k;
    const char *why;
    char *detail; /* owned, may be NULL */
} broken_link;

typedef struct {
    broken_link *items;
    size_t len, cap;
} broken_list;

typedef struct {
    const run_state *st;
    broken_list *found; /* per page (shared: each page is one task's) */
    link_scratch scratch;
} check_worker;

static void note_broken(broken_list *b, bool markdown, size_t k, const char *why, char *detail)
{
    xgrow((void **)&b->items, &b->cap, b->len + 1, sizeof *b->items);
    b->items[b->len++] = (broken_link){markdown, k, why, detail};
}

/* Checks every link of page i; only reads what the render recorded. */
static void check_page_task(void *worker, size_t i)
{
    check_worker *w = worker;
    const run_state *st = w->st;
    if (!st->lc->pages[i].recorded)
        return;
    const page_t *p = st->lc->site->pages[i];
    for (size_t k = 0; k < p->nlinks; k++) {
        const char *href = p->links[k].href;
        if (path_url_is_absolute(href) || !strchr(href, '#'))
            continue; /* the file itself was checked by the markdown stage */
        char *detail;
        const char *why = check_link(st, i, href, &w->scratch, &detail);
        if (why)
            note_broken(&w->found[i], true, k, why, detail);
    }
    const page_record *r = &st->lc->pages[i];
    for (size_t k = 0; k < r->nlinks; k++) {
        char *detail;
        const char *why = check_link(st, i, r->links[k].href, &w->scratch, &detail);
        if (why)
            note_broken(&w->found[i], false, k, why, detail);
    }
}

/* Reports page i's broken links where they were written; a template's
 * link once per template and link. */
static void report_page(run_state *st, size_t i, broken_list *found)
{
    const page_t *p = st->lc->site->pages[i];
    const page_record *r = &st->lc->pages[i];
    for (size_t n = 0; n < found->len; n++) {
        broken_link *b = &found->items[n];
        if (b->markdown) {
            const md_link *l = &p->links[b->k];
            report(st, p->src_path, l->line, l->col, l->url, b->why, b->detail, NULL);
            continue;
        }
        const page_link *l = &r->links[b->k];
        if (l->origin == LINK_CONTENT && p->src_path) {
            int line = 0, col = 0;
            locate_in_source(p->src_path, l->href, &line, &col);
            report(st, p->src_path, line, col, l->href, b->why, b->detail, NULL);
            continue;
        }
        char *key = xasprintf("%s\001%s", r->template_path, l->href);
        bool seen = false;
        for (size_t k = 0; k < st->reported.len && !seen; k++)
            seen = !strcmp(st->reported.items[k], key);
        if (seen) {
            free(key);
            free(b->detail);
            continue;
        }
        strlist_push(&st->reported, key);
        report(st, r->template_path, 0, 0, l->href, b->why, b->detail, p->out_path);
    }
    free(found->items);
}

size_t linkcheck_run(linkcheck_t *lc, const char *const *other_files, size_t nother,
                     size_t jobs, diags_t *d)
{
    run_state st = {.lc = lc, .d = d};
    const site_t *site = lc->site;
    for (size_t i = 0; i < site->npages; i++)
        strlist_push(&st.written, xstrdup(site->pages[i]->out_path));
    for (size_t i = 0; i < site->nresources; i++)
        strlist_push(&st.written, xstrdup(site->resources[i].out_path));
    for (size_t i = 0; i < nother; i++)
        strlist_push(&st.written, xstrdup(other_files[i]));
    strlist_sort(&st.written);
    jobs = jobs ? jobs : 1;
    broken_list *found = xcalloc(site->npages ? site->npages : 1, sizeof *found);
    check_worker *workers = xcalloc(jobs, sizeof *workers);
    void **ptrs = xcalloc(jobs, sizeof *ptrs);
    for (size_t t = 0; t < jobs; t++) {
        workers[t] = (check_worker){.st = &st, .found = found};
        ptrs[t] = &workers[t];
    }
    pool_run_uncounted(site->npages, jobs, ptrs, check_page_task); /* may run beside the bundle */
    for (size_t i = 0; i < site->npages; i++)
        report_page(&st, i, &found[i]);
    free(found);
    for (size_t t = 0; t < jobs; t++) {
        buf_free(&workers[t].scratch.target);
        buf_free(&workers[t].scratch.fragment);
    }
    free(workers);
    free(ptrs);
    strlist_free(&st.written);
    strlist_free(&st.reported);
    return st.broken;
}

char *linkcheck_external(const linkcheck_t *lc)
{
    strlist lines = {0};
    const site_t *site = lc->site;
    for (size_t i = 0; i < site->npages; i++) {
        const page_t *p = site->pages[i];
        for (size_t k = 0; k < p->nlinks; k++)
            if (is_external(p->links[k].url))
                strlist_push(&lines, xasprintf("%s:%d:%d: %s", p->src_path, p->links[k].line,
                                               p->links[k].col, p->links[k].url));
        const page_record *r = &lc->pages[i];
        for (size_t k = 0; k < r->external.len; k++)
            strlist_push(&lines, xasprintf("%s: %s", r->template_path, r->external.items[k]));
    }
    strlist_sort(&lines);
    buf_t out = BUF_INIT;
    for (size_t i = 0; i < lines.len; i++)
        if (i == 0 || strcmp(lines.items[i], lines.items[i - 1]))
            buf_printf(&out, "%s\n", lines.items[i]);
    strlist_free(&lines);
    buf_putc(&out, '\0');
    out.len--;
    return buf_detach(&out);
}
