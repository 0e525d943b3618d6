#include "programme.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "xalloc.h"

#define MINUTES_PER_PROMPT 3

static const char *const ROLE_NAMES[] = {NULL, "programme", "module", "step", "worksheet"};

const char *programme_role_name(page_role role)
{
    return ROLE_NAMES[role];
}

static bool is_programme(const page_t *p)
{
    return p->kind == PAGE_SECTION && p->type && !strcmp(p->type, "programme");
}

/* --- worksheets --------------------------------------------------------- */

static bool is_module_of(const page_t *m, const page_t *programme)
{
    if (m->kind != PAGE_SECTION || m->lang != programme->lang)
        return false;
    char *dir = path_dirname(m->key);
    bool below = !strcmp(dir, programme->key);
    free(dir);
    return below;
}

static page_t *new_worksheet(page_t *module)
{
    page_t *w = xcalloc(1, sizeof *w);
    char *dir = path_dirname(module->out_path);
    w->kind = PAGE_PAGE;
    w->role = ROLE_WORKSHEET;
    w->lang = module->lang;
    w->key = path_join(module->key, "worksheet");
    w->out_path = xasprintf("%s/worksheet/index.html", dir);
    w->title = xstrdup(module->title);
    w->type = xstrdup("worksheet");
    w->module = module;
    free(dir);
    return w;
}

void programme_add_worksheets(site_t *site)
{
    size_t loaded = site->npages;
    for (size_t i = 0; i < loaded; i++) {
        if (!is_programme(site->pages[i]))
            continue;
        for (size_t j = 0; j < loaded; j++) {
            if (!is_module_of(site->pages[j], site->pages[i]))
                continue;
            xgrow((void **)&site->pages, &site->pages_cap, site->npages + 1, sizeof *site->pages);
            site->pages[site->npages++] = new_worksheet(site->pages[j]);
        }
    }
}

/* --- order ---------------------------------------------------------------- */

typedef struct {
    page_t *page;
    bool has;         /* a weight or a numbered name */
    bool from_name;   /* the order comes from the file or folder name */
    double order;
    int line, col;    /* of the weight, for messages */
} ordered;

/* weight: when given, else the number a file or folder name starts with. */
static ordered order_of(page_t *p)
{
    ordered o = {.page = p, .line = 1, .col = 1};
    const fm_node *w = fm_get(p->front, "weight");
    if (w && w->kind == FM_SCALAR && fm_string(p->front, "weight")) {
        o.has = true;
        o.order = p->weight;
        o.line = w->line;
        o.col = w->col;
        return o;
    }
    const char *name = path_basename(p->key);
    if (isdigit((unsigned char)*name)) {
        o.has = o.from_name = true;
        o.order = (double)strtol(name, NULL, 10);
    }
    return o;
}

static int compare_ordered(const void *a, const void *b)
{
    const ordered *x = a, *y = b;
    if (x->has != y->has)
        return x->has ? -1 : 1;
    if (x->has && x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->page->key, y->page->key);
}

/* Sorts items and reports two with the same order inside `owner`. */
static void sort_parts(ordered *items, size_t n, const char *what, const page_t *owner,
                       diags_t *d)
{
    if (n > 1)
        qsort(items, n, sizeof *items, compare_ordered);
    for (size_t i = 1; i < n; i++) {
        const ordered *a = &items[i - 1], *b = &items[i];
        if (!a->has || !b->has || a->order != b->order)
            continue;
        const char *other = a->page->src_path ? a->page->src_path : a->page->out_path;
        diag_error(d, b->page->src_path, b->line, b->col,
                   "duplicate weight %g%s among the %s of '%s': %s has it too; give each its "
                   "own weight or file name number",
                   b->order, b->from_name ? " (from the file name)" : "", what, owner->title,
                   other);
    }
}

/* The children of p that take part, in order, as an owned array; the rest
 * of p's children follow them, and sibling links are redone. */
static page_t **order_children(page_t *p, ordered *items, size_t n)
{
    page_t **parts = xcalloc(n ? n : 1, sizeof *parts);
    page_t **rest = xcalloc(p->nchildren ? p->nchildren : 1, sizeof *rest);
    size_t nrest = 0;
    for (size_t i = 0; i < n; i++)
        parts[i] = items[i].page;
    for (size_t c = 0; c < p->nchildren; c++) {
        bool is_part = false;
        for (size_t i = 0; i < n && !is_part; i++)
            is_part = parts[i] == p->children[c];
        if (!is_part && p->children[c]->role != ROLE_WORKSHEET)
            rest[nrest++] = p->children[c];
    }
    memcpy(p->children, parts, n * sizeof *parts);
    memcpy(p->children + n, rest, nrest * sizeof *rest);
    p->nchildren = n + nrest;
    for (size_t c = 0; c < p->nchildren; c++) {
        p->children[c]->prev = c > 0 ? p->children[c - 1] : NULL;
        p->children[c]->next = c + 1 < p->nchildren ? p->children[c + 1] : NULL;
    }
    free(rest);
    return parts;
}

static int read_minutes(page_t *p, diags_t *d)
{
    double m = fm_number(p->front, "minutes", 0, p->src_path, d);
    if (m < 0 || m > 100000 || m != (double)(int)m) {
        const fm_node *n = fm_get(p->front, "minutes");
        diag_error(d, p->src_path, n->line, n->col, "'minutes' must be a whole number of minutes");
        return 0;
    }
    return (int)m;
}

static void default_type(page_t *p, const char *type)
{
    if (!p->type)
        p->type = xstrdup(type);
}

/* --- modules and steps ---------------------------------------------------- */

static void link_module(page_t *programme, page_t *m, int number, diags_t *d)
{
    m->role = ROLE_MODULE;
    m->programme = programme;
    m->module = m;
    m->module_number = number;
    m->minutes_given = read_minutes(m, d);
    default_type(m, "module");
    ordered *items = xcalloc(m->nchildren ? m->nchildren : 1, sizeof *items);
    size_t n = 0;
    for (size_t c = 0; c < m->nchildren; c++) {
        page_t *child = m->children[c];
        if (child->role == ROLE_WORKSHEET) {
            m->worksheet = child;
            child->programme = programme;
            child->module_number = number;
            child->prev = child->next = NULL; /* not one of the module's steps */
        } else if (child->kind == PAGE_PAGE) {
            items[n++] = order_of(child);
        } else {
            diag_warning(d, child->src_path, 1, 1,
                         "a folder inside a module is not a step of '%s' (steps are the "
                         "module folder's own pages)",
                         m->title);
        }
    }
    sort_parts(items, n, "steps", m, d);
    m->parts = order_children(m, items, n);
    m->nparts = n;
    if (n == 0)
        diag_error(d, m->src_path, 1, 1,
                   "module '%s' has no steps: add its steps as pages in its folder "
                   "(01-first-step.md, 02-….md)",
                   m->title);
    for (size_t i = 0; i < n; i++) {
        page_t *s = m->parts[i];
        s->role = ROLE_STEP;
        s->programme = programme;
        s->module = m;
        s->module_number = number;
        s->step_number = (int)i + 1;
        s->minutes_given = read_minutes(s, d);
        default_type(s, "step");
    }
    free(items);
}

/* Numbers the steps through the whole programme and links each to the
 * steps before and after it, across module boundaries. */
static void chain_steps(page_t *programme)
{
    page_t *previous = NULL;
    int count = 0;
    for (size_t i = 0; i < programme->nparts; i++) {
        page_t *m = programme->parts[i];
        for (size_t j = 0; j < m->nparts; j++) {
            page_t *s = m->parts[j];
            s->programme_step = ++count;
            s->prev_step = previous;
            if (previous)
                previous->next_step = s;
            previous = s;
        }
    }
    programme->programme_steps = count;
}

static void link_programme(page_t *p, diags_t *d)
{
    p->role = ROLE_PROGRAMME;
    p->programme = p;
    p->minutes_given = read_minutes(p, d);
    ordered *items = xcalloc(p->nchildren ? p->nchildren : 1, sizeof *items);
    size_t n = 0;
    for (size_t c = 0; c < p->nchildren; c++)
        if (p->children[c]->kind == PAGE_SECTION)
            items[n++] = order_of(p->children[c]);
    sort_parts(items, n, "modules", p, d);
    p->parts = order_children(p, items, n);
    p->nparts = n;
    free(items);
    if (n == 0)
        diag_warning(d, p->src_path, 1, 1,
                     "programme '%s' has no modules: add folders with an _index.md below it",
                     p->title);
    for (size_t i = 0; i < n; i++) {
        page_t *m = p->parts[i];
        link_module(p, m, (int)i + 1, d);
        m->prev_module = i > 0 ? p->parts[i - 1] : NULL;
        m->next_module = i + 1 < n ? p->parts[i + 1] : NULL;
    }
    chain_steps(p);
}

void programme_link(site_t *site, diags_t *d)
{
    for (size_t i = 0; i < site->npages; i++) {
        page_t *p = site->pages[i];
        if (is_programme(p))
            link_programme(p, d);
        else if (p->kind == PAGE_PAGE && p->type && !strcmp(p->type, "programme") && p->src_path)
            diag_warning(d, p->src_path, 1, 1,
                         "'type: programme' makes a programme only of a folder's _index.md");
    }
}

/* --- estimated time ------------------------------------------------------- */

static int step_minutes(const page_t *s)
{
    if (s->minutes_given)
        return s->minutes_given;
    int minutes = page_reading_minutes(s);
    for (size_t i = 0; i < s->nexercises; i++)
        if (s->exercises[i].kind != EXERCISE_WARNING)
            minutes += MINUTES_PER_PROMPT;
    return minutes;
}

static int sum_of_parts(const page_t *p, int (*each)(const page_t *))
{
    if (p->minutes_given)
        return p->minutes_given;
    int total = 0;
    for (size_t i = 0; i < p->nparts; i++)
        total += each(p->parts[i]);
    return total;
}

static int module_minutes(const page_t *m)
{
    return sum_of_parts(m, step_minutes);
}

int programme_minutes(const page_t *p)
{
    switch (p->role) {
    case ROLE_PROGRAMME:
        return sum_of_parts(p, module_minutes);
    case ROLE_MODULE:
        return module_minutes(p);
    case ROLE_STEP:
        return step_minutes(p);
    case ROLE_WORKSHEET:
        return p->module ? module_minutes(p->module) : 0;
    default:
        return 0;
    }
}
