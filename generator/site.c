#include "site.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "fallback.h"
#include "bundle.h"
#include "fs.h"
#include "imagemeta.h"
#include "path.h"
#include "pool.h"
#include "programme.h"
#include "sha256.h"
#include "utf8.h"
#include "xalloc.h"

#define CONTENT_DIR "content"

static page_t *new_page(page_kind kind, int lang, const char *key, char *out_path)
{
    page_t *p = xcalloc(1, sizeof *p);
    p->kind = kind;
    p->lang = lang;
    p->key = xstrdup(key);
    p->out_path = out_path;
    return p;
}

static void add_page(site_t *site, page_t *p)
{
    xgrow((void **)&site->pages, &site->pages_cap, site->npages + 1, sizeof *site->pages);
    site->pages[site->npages++] = p;
}

void site_add_page(site_t *site, page_t *p)
{
    add_page(site, p);
}

/* --- reading one Markdown page ------------------------------------------ */

static bool valid_date(const char *s)
{
    /* YYYY-MM-DD, optionally followed by a time: THH:MM[:SS][.frac][Z|±HH:MM] */
    for (int i = 0; i < 10; i++) {
        bool digit = isdigit((unsigned char)s[i]);
        if ((i == 4 || i == 7) ? s[i] != '-' : !digit)
            return false;
    }
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return false;
    const char *t = s + 10;
    if (!*t)
        return true;
    if ((*t != 'T' && *t != ' ') || !isdigit((unsigned char)t[1]) ||
        !isdigit((unsigned char)t[2]) || t[3] != ':')
        return false;
    return strspn(t + 1, "0123456789:.+-Z") == strlen(t + 1);
}

static char *scalar_field(const fm_node *front, const char *key, const char *path, diags_t *d)
{
    const fm_node *node = fm_get(front, key);
    if (!node)
        return NULL;
    if (node->kind != FM_SCALAR) {
        diag_error(d, path, node->line, node->col, "'%s' must be a single value", key);
        return NULL;
    }
    return xstrdup(node->text);
}

/* Bidi override characters in a title can make it read as something else
 * (a spoofing trick), so editors are told where they are. */
static void warn_bidi_controls(const fm_node *front, const char *path, diags_t *d)
{
    static const char *const keys[] = {"title", "description", "summary", NULL};
    for (const char *const *key = keys; *key; key++) {
        const fm_node *n = fm_get(front, *key);
        size_t offset;
        if (n && n->kind == FM_SCALAR && utf8_find_bidi_control(n->text, strlen(n->text), &offset))
            diag_warning(d, path, n->line, n->col,
                         "'%s' contains a bidirectional control character (U+202A..U+202E, "
                         "U+2066..U+2069) that can make it display as different text",
                         *key);
    }
}

static void read_front_matter(page_t *p, diags_t *d)
{
    const fm_node *f = p->front;
    const char *path = p->src_path;
    p->title = scalar_field(f, "title", path, d);
    p->description = scalar_field(f, "description", path, d);
    p->summary_text = scalar_field(f, "summary", path, d);
    p->layout = scalar_field(f, "layout", path, d);
    p->type = scalar_field(f, "type", path, d);
    p->date = scalar_field(f, "date", path, d);
    if (p->date && !valid_date(p->date)) {
        const fm_node *n = fm_get(f, "date");
        diag_error(d, path, n->line, n->col,
                   "'date' must be an ISO 8601 date like 2026-11-02 or 2026-11-02T10:00:00Z, not '%s'",
                   p->date);
    }
    warn_bidi_controls(f, path, d);
    p->weight = fm_number(f, "weight", 0, path, d);
    p->draft = fm_bool(f, "draft", false, path, d);
    p->toc = fm_bool(f, "toc", false, path, d);
    for (const char *const *name = (const char *const[]){"layout", "type", NULL}; *name; name++) {
        const char *v = fm_string(f, *name);
        if (v && (strchr(v, '/') || strchr(v, '.') || !*v)) {
            const fm_node *n = fm_get(f, *name);
            diag_error(d, path, n->line, n->col, "'%s' must be a template name without '/' or '.'",
                       *name);
        }
    }
}

/* The URL segment for the page's file name, or its slug. */
static char *output_name(const page_t *p, const char *file_stem, diags_t *d)
{
    const fm_node *slug = fm_get(p->front, "slug");
    if (!slug)
        return xstrdup(file_stem);
    if (slug->kind != FM_SCALAR || !*slug->text || strchr(slug->text, '/') ||
        !strcmp(slug->text, ".") || !strcmp(slug->text, "..") || slug->text[0] == '.') {
        diag_error(d, p->src_path, slug->line, slug->col,
                   "'slug' must be one URL segment (no '/', not starting with '.')");
        return xstrdup(file_stem);
    }
    return xstrdup(slug->text);
}

/* Output path and key from the path below content/<lang>/. */
static void place_page(page_t *p, const char *lang_code, const char *rel, diags_t *d)
{
    char *dir = path_dirname(rel);
    char *stem = xstrndup(path_basename(rel), strlen(path_basename(rel)) - 3);
    if (!strcmp(stem, "_index") || !strcmp(stem, "index")) {
        p->kind = *dir ? (strcmp(stem, "_index") ? PAGE_PAGE : PAGE_SECTION) : PAGE_HOME;
        p->key = xstrdup(dir);
        char *base = path_join(lang_code, dir);
        p->out_path = path_join(base, "index.html");
        free(base);
    } else {
        p->kind = PAGE_PAGE;
        p->key = path_join(dir, stem);
        char *name = output_name(p, stem, d);
        char *base = path_join(lang_code, dir);
        char *folder = path_join(base, name);
        p->out_path = path_join(folder, "index.html");
        free(base);
        free(folder);
        free(name);
    }
    free(dir);
    free(stem);
}

/* Models the page from the source cache when its file is as the cache
 * knows it (*kept then set): its front matter parsed, where its body is
 * and the body's digest, without opening the file. st gets the status. */
static bool model_from_cache(page_t *p, srccache_t *sources, struct stat *st,
                             const srccache_entry **kept)
{
    const srccache_entry *e = srccache_lookup(sources, p->src_path);
    *kept = NULL;
    if (!e || stat(p->src_path, st) < 0 || !srccache_matches(e, st) ||
        fm_decode(e->tree, e->tree_len, &p->front) < 0)
        return false;
    p->body_offset = e->front_len;
    p->body_len = e->body_len;
    p->body_line = e->body_line;
    p->source_len = e->size;
    memcpy(p->body_digest, e->body_digest, sizeof p->body_digest);
    *kept = e;
    return true;
}

/* Models the page from its file: the front matter parsed (and, when tree
 * is not NULL, encoded there for the source cache), the body hashed. */
static int model_from_file(page_t *p, struct stat *st, buf_t *tree, diags_t *d)
{
    size_t len;
    if (fs_read_file_stat(p->src_path, &p->source, &len, st) < 0) {
        diag_error(d, p->src_path, 0, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    fm_page fm;
    if (fm_read(p->source, len, p->src_path, &fm, d) < 0)
        return -1;
    p->front = fm.root;
    p->body_offset = (size_t)(fm.body - p->source);
    p->body_len = fm.body_len;
    p->body_line = fm.body_line;
    p->source_len = len;
    sha256(fm.body, fm.body_len, p->body_digest);
    free(p->source);
    p->source = NULL;
    if (tree)
        fm_encode(p->front, tree);
    return 0;
}

/* Reads and models one page; *mtime gets its file's modification time.
 * Only the front matter and the body's digest are kept: the Markdown
 * stage reads the body again (100,000 pages would not fit in memory). */
static page_t *read_page(const char *lang_code, int lang, const char *rel, int64_t *mtime,
                         srccache_t *sources, diags_t *d)
{
    page_t *p = xcalloc(1, sizeof *p);
    p->lang = lang;
    p->src_path = xasprintf(CONTENT_DIR "/%s/%s", lang_code, rel);
    struct stat st;
    const srccache_entry *kept;
    buf_t tree = BUF_INIT;
    if (!model_from_cache(p, sources, &st, &kept) &&
        model_from_file(p, &st, sources ? &tree : NULL, d) < 0) {
        page_free(p);
        return NULL;
    }
    *mtime = (int64_t)st.st_mtime;
    p->body_deferred = true;
    p->body_hashed = true;
    srccache_entry note = {.path = kept ? kept->path : p->src_path,
                           .tree = kept ? kept->tree : tree.data,
                           .tree_len = kept ? kept->tree_len : tree.len,
                           .front_len = p->body_offset, .body_len = p->body_len,
                           .body_line = p->body_line};
    srccache_set_status(&note, &st);
    memcpy(note.body_digest, p->body_digest, sizeof note.body_digest);
    srccache_note(sources, &note);
    buf_free(&tree);
    read_front_matter(p, d);
    place_page(p, lang_code, rel, d);
    if (!p->title) {
        diag_warning(d, p->src_path, 1, 1, "page has no 'title' in its front matter");
        p->title = xstrdup(*p->key ? path_basename(p->key) : "");
    }
    return p;
}

/* --- walking content/ ----------------------------------------------------- */

/* A JPEG or PNG is written without its metadata, under a name holding a
 * hash of what is written ("a.3f2a9c0d.jpg"), so it can be cached for good. */
static void strip_image(site_resource *r, diags_t *d)
{
    char *raw;
    size_t len;
    if (fs_read_file(r->src_path, &raw, &len) < 0) {
        diag_error(d, r->src_path, 0, 0, "cannot read: %s", strerror(errno));
        return;
    }
    const char *why = NULL;
    r->data = imagemeta_strip((unsigned char *)raw, len, &r->len, &why);
    free(raw);
    if (!r->data) {
        diag_error(d, r->src_path, 0, 0, "cannot remove the image's metadata: %s", why);
        return;
    }
    char hex[65];
    bundle_sha256_hex(r->data, r->len, hex);
    const char *ext = path_extension(r->out_path);
    char *named = xasprintf("%.*s.%.8s%s", (int)(ext - r->out_path), r->out_path, hex, ext);
    free(r->out_path);
    r->out_path = named;
}

static void add_resource(site_t *site, const char *src_rel, diags_t *d)
{
    xgrow((void **)&site->resources, &site->resources_cap, site->nresources + 1,
          sizeof *site->resources);
    site_resource *r = &site->resources[site->nresources++];
    *r = (site_resource){xasprintf(CONTENT_DIR "/%s", src_rel), xstrdup(src_rel), NULL, 0};
    if (imagemeta_handles(src_rel))
        strip_image(r, d);
    else if (imagemeta_unhandled_image(src_rel))
        diag_warning(d, r->src_path, 0, 0,
                     "copied with its metadata: waymark removes metadata from JPEG and PNG only; "
                     "convert it to one of those if it is a photo");
}

/* Files the load workers read: each fills its own slot, so the site is
 * the same whatever the number of threads. */
typedef struct {
    const site_t *site;
    const fs_list_t *files;
    page_t **pages;   /* one slot per file; NULL unless a page was read */
    int64_t *mtimes;  /* one per file */
    const site_options *opts;
    diags_t diags;
} load_worker;

static void load_task(void *worker, size_t index)
{
    load_worker *w = worker;
    const char *rel = w->files->paths[index];
    const char *slash = strchr(rel, '/');
    char *code = slash ? xstrndup(rel, (size_t)(slash - rel)) : NULL;
    int lang = code ? config_language_index(w->site->cfg, code) : -1;
    w->mtimes[index] = -1;
    if (lang >= 0 && path_has_extension(rel, ".md"))
        w->pages[index] =
            read_page(code, lang, slash + 1, &w->mtimes[index], w->opts->sources, &w->diags);
    if (!w->pages[index]) { /* a resource, or a page that could not be read */
        char *src = xasprintf(CONTENT_DIR "/%s", rel);
        w->mtimes[index] = fs_mtime(src);
        free(src);
    }
    free(code);
}

/* Adds one file of content/ (its page p already read, or NULL). */
static void add_content_file(site_t *site, const site_options *opts, const char *rel,
                             int64_t mtime, page_t *p, diags_t *d)
{
    const char *slash = strchr(rel, '/');
    char *src = xasprintf(CONTENT_DIR "/%s", rel);
    if (mtime > site->newest_mtime)
        site->newest_mtime = mtime;
    if (!slash) {
        diag_warning(d, src, 0, 0, "not inside a language folder (content/<lang>/); ignored");
        free(src);
        return;
    }
    char *code = xstrndup(rel, (size_t)(slash - rel));
    int lang = config_language_index(site->cfg, code);
    if (lang < 0) {
        diag_error(d, src, 0, 0, "unknown language folder '%s' (site.lua lists the languages)",
                   code);
    } else if (path_has_extension(rel, ".md")) {
        if (p && p->draft && !opts->drafts)
            page_free(p);
        else if (p)
            add_page(site, p);
    } else {
        add_resource(site, rel, d);
    }
    free(code);
    free(src);
}

static int load_content(site_t *site, const site_options *opts, diags_t *d)
{
    fs_list_t files;
    if (fs_list_files(CONTENT_DIR, &files) < 0) {
        diag_error(d, CONTENT_DIR, 0, 0, "cannot read the content folder: %s", strerror(errno));
        return -1;
    }
    size_t jobs = opts->jobs ? opts->jobs : 1;
    page_t **pages = xcalloc(files.len ? files.len : 1, sizeof *pages);
    int64_t *mtimes = xcalloc(files.len ? files.len : 1, sizeof *mtimes);
    load_worker *workers = xcalloc(jobs, sizeof *workers);
    void **ptrs = xcalloc(jobs, sizeof *ptrs);
    for (size_t t = 0; t < jobs; t++) {
        workers[t] = (load_worker){site, &files, pages, mtimes, opts, DIAGS_INIT};
        ptrs[t] = &workers[t];
    }
    pool_run(files.len, jobs, ptrs, load_task);
    for (size_t t = 0; t < jobs; t++)
        diag_merge(d, &workers[t].diags);
    for (size_t i = 0; i < files.len; i++)
        add_content_file(site, opts, files.paths[i], mtimes[i], pages[i], d);
    free(workers);
    free(ptrs);
    free(pages);
    free(mtimes);
    fs_list_free(&files);
    return 0;
}

/* --- building the model --------------------------------------------------- */

static int compare_out_path(const void *a, const void *b)
{
    return strcmp((*(page_t *const *)a)->out_path, (*(page_t *const *)b)->out_path);
}

static int compare_lang_key(const void *a, const void *b)
{
    const page_t *x = *(page_t *const *)a, *y = *(page_t *const *)b;
    if (x->lang != y->lang)
        return x->lang < y->lang ? -1 : 1;
    return strcmp(x->key, y->key);
}

page_t *site_find(const site_t *site, int lang, const char *key)
{
    page_t probe = {.lang = lang, .key = (char *)key};
    page_t *probe_ptr = &probe;
    page_t **found = bsearch(&probe_ptr, site->by_key, site->npages, sizeof *site->by_key,
                             compare_lang_key);
    return found ? *found : NULL;
}

static void add_generated_pages(site_t *site)
{
    const config_t *cfg = site->cfg;
    site->homes = xcalloc(cfg->nlanguages, sizeof *site->homes);
    for (size_t l = 0; l < cfg->nlanguages; l++) {
        const char *code = cfg->languages[l].code;
        page_t *home = NULL;
        for (size_t i = 0; i < site->npages; i++)
            if (site->pages[i]->kind == PAGE_HOME && site->pages[i]->lang == (int)l)
                home = site->pages[i];
        if (!home) {
            home = new_page(PAGE_HOME, (int)l, "", xasprintf("%s/index.html", code));
            home->title = xstrdup(cfg->title);
            add_page(site, home);
        }
        site->homes[l] = home;
        page_t *missing = new_page(PAGE_404, (int)l, "\x01" "404", xasprintf("%s/404.html", code));
        missing->title = xstrdup("404");
        add_page(site, missing);
    }
    site->root = new_page(PAGE_ROOT, 0, "\x01" "root", xstrdup("index.html"));
    site->root->title = xstrdup(cfg->title);
    add_page(site, site->root);
}

/* The page written at out_path, or NULL: site->pages is sorted by out_path. */
static page_t *page_at_output(const site_t *site, const char *out_path)
{
    page_t probe = {.out_path = (char *)out_path};
    page_t *probe_ptr = &probe;
    page_t **found = bsearch(&probe_ptr, site->pages, site->npages, sizeof *site->pages,
                             compare_out_path);
    return found ? *found : NULL;
}

static void report_duplicates(site_t *site, diags_t *d)
{
    if (site->npages) /* no pages: site->pages is NULL */
        qsort(site->pages, site->npages, sizeof *site->pages, compare_out_path);
    for (size_t i = 1; i < site->npages; i++) {
        page_t *a = site->pages[i - 1], *b = site->pages[i];
        if (!strcmp(a->out_path, b->out_path))
            diag_error(d, b->src_path ? b->src_path : a->src_path, 0, 0,
                       "writes %s, as %s does too", b->out_path,
                       a->src_path ? a->src_path : "a generated page");
    }
    for (size_t i = 0; i < site->nresources; i++) {
        page_t *p = page_at_output(site, site->resources[i].out_path);
        if (p)
            diag_error(d, site->resources[i].src_path, 0, 0, "would overwrite the page %s",
                       p->out_path);
    }
}

/* The nearest section above key in the same language, or the home. */
static page_t *find_parent(const site_t *site, const page_t *p)
{
    char *dir = path_dirname(p->key);
    page_t *parent = NULL;
    while (!parent) {
        page_t *candidate = site_find(site, p->lang, dir);
        if (candidate && candidate != p && candidate->kind != PAGE_PAGE)
            parent = candidate;
        else if (!*dir)
            parent = site->homes[p->lang];
        else {
            char *up = path_dirname(dir);
            free(dir);
            dir = up;
        }
    }
    free(dir);
    return parent;
}

/* Weighted pages first by weight, then newest first, then by title. */
static int compare_siblings(const void *a, const void *b)
{
    const page_t *x = *(page_t *const *)a, *y = *(page_t *const *)b;
    bool xw = x->weight != 0, yw = y->weight != 0;
    if (xw != yw)
        return xw ? -1 : 1;
    if (x->weight != y->weight)
        return x->weight < y->weight ? -1 : 1;
    int c = strcmp(y->date ? y->date : "", x->date ? x->date : "");
    if (c)
        return c;
    c = strcmp(x->title, y->title);
    return c ? c : strcmp(x->out_path, y->out_path);
}

static void link_tree(site_t *site)
{
    for (size_t i = 0; i < site->npages; i++) {
        page_t *p = site->pages[i];
        if (p->kind != PAGE_SECTION && p->kind != PAGE_PAGE)
            continue;
        page_t *parent = find_parent(site, p);
        p->parent = parent;
        xgrow((void **)&parent->children, &parent->children_cap, parent->nchildren + 1,
              sizeof *parent->children);
        parent->children[parent->nchildren++] = p;
    }
    for (size_t i = 0; i < site->npages; i++) {
        page_t *p = site->pages[i];
        if (p->nchildren > 1)
            qsort(p->children, p->nchildren, sizeof *p->children, compare_siblings);
        for (size_t c = 0; c < p->nchildren; c++) {
            p->children[c]->prev = c > 0 ? p->children[c - 1] : NULL;
            p->children[c]->next = c + 1 < p->nchildren ? p->children[c + 1] : NULL;
        }
    }
}

static void link_translations(site_t *site)
{
    size_t nlang = site->cfg->nlanguages;
    for (size_t i = 0; i < site->npages; i++)
        site->pages[i]->translations = xcalloc(nlang, sizeof(page_t *));
    for (size_t i = 0; i < site->npages; i++) {
        page_t *p = site->pages[i];
        if (p->kind == PAGE_ROOT) {
            p->translations[0] = p;
            continue;
        }
        for (size_t l = 0; l < nlang; l++) {
            page_t *t = site_find(site, (int)l, p->key);
            p->translations[l] = t && !t->fallback_of ? t : NULL; /* real ones only */
        }
    }
}

static int compare_resource(const void *a, const void *b)
{
    return strcmp(((const site_resource *)a)->out_path, ((const site_resource *)b)->out_path);
}

int site_load(const config_t *cfg, const site_options *opts, site_t *site, diags_t *d)
{
    *site = (site_t){.cfg = cfg};
    size_t errors_before = d->errors;
    if (load_content(site, opts, d) < 0)
        return -1;
    add_generated_pages(site);
    if (cfg->fallback == CONFIG_FALLBACK_DEFAULT)
        fallback_add_pages(site, d); /* l10n: pages missing in a language */
    programme_add_worksheets(site);
    /* blog: posts and the pages that list them (generator/blog.c) */
    blog_build(site, &(blog_options){.future = opts->future, .jobs = opts->jobs}, d);
    report_duplicates(site, d);
    if (site->nresources > 1) /* qsort(NULL, 0) is undefined */
        qsort(site->resources, site->nresources, sizeof *site->resources, compare_resource);
    site->by_key = xmalloc(site->npages * sizeof *site->by_key);
    memcpy(site->by_key, site->pages, site->npages * sizeof *site->pages);
    qsort(site->by_key, site->npages, sizeof *site->by_key, compare_lang_key);
    link_tree(site);
    programme_link(site, d);
    link_translations(site);
    return d->errors > errors_before ? -1 : 0;
}

void site_free(site_t *site)
{
    for (size_t i = 0; i < site->npages; i++)
        page_free(site->pages[i]);
    free(site->pages);
    free(site->by_key);
    free(site->homes);
    for (size_t i = 0; i < site->nresources; i++) {
        free(site->resources[i].src_path);
        free(site->resources[i].out_path);
        free(site->resources[i].data);
    }
    free(site->resources);
    *site = (site_t){0};
}

page_t *site_page_at(const site_t *site, const char *out_path, size_t *index)
{
    size_t lo = 0, hi = site->npages;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(site->pages[mid]->out_path, out_path);
        if (c == 0) {
            if (index)
                *index = mid;
            return site->pages[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool site_has_resource(const site_t *site, const char *out_path)
{
    site_resource probe = {.out_path = (char *)out_path};
    return site->nresources && /* resources is NULL when there are none */
           bsearch(&probe, site->resources, site->nresources, sizeof *site->resources,
                   compare_resource) != NULL;
}

const site_resource *site_resource_from(const site_t *site, const char *src_rel)
{
    size_t prefix = strlen(CONTENT_DIR) + 1;
    for (size_t i = 0; i < site->nresources; i++)
        if (!strcmp(site->resources[i].src_path + prefix, src_rel))
            return &site->resources[i];
    return NULL;
}

/* --- links written in Markdown -------------------------------------------- */

static page_t *page_for_source(const site_t *site, int lang, const char *lang_rel)
{
    /* lang_rel is a .md path below content/<lang>/ */
    char *stem = xstrndup(lang_rel, strlen(lang_rel) - 3);
    const char *base = path_basename(stem);
    page_t *p;
    if (!strcmp(base, "_index") || !strcmp(base, "index")) {
        char *dir = path_dirname(stem);
        p = site_find(site, lang, dir);
        free(dir);
    } else {
        p = site_find(site, lang, stem);
    }
    free(stem);
    return p;
}

/* A link ending in '/' is a page's address, written as Hugo users write
 * them: relative to the linking page's own address (its folder), as a
 * browser reads it. "../post-12/" from en/posts/post-1/index.html is the
 * page written at en/posts/post-12/index.html. */
static char *resolve_directory_link(const site_t *site, const page_t *from, const char *target,
                                    const char **why)
{
    char *from_dir = path_dirname(from->out_path);
    char *joined = path_join(from_dir, target);
    char *dir = path_normalize(joined);
    char *result = NULL;
    if (!dir || dir[0] == '/') {
        *why = "points above the site root";
    } else {
        char *out = path_join(dir, "index.html");
        page_t *p = page_at_output(site, out);
        if (p)
            result = path_relative_url(from->out_path, p->out_path);
        else
            *why = "no page has this address (or it is a draft)";
        free(out);
    }
    free(from_dir);
    free(joined);
    free(dir);
    return result;
}

char *site_resolve_link(const site_t *site, const page_t *from, const char *url,
                        const char **why)
{
    const char *hash = strchr(url, '#');
    size_t target_len = hash ? (size_t)(hash - url) : strlen(url);
    char *target = xstrndup(url, target_len);
    /* A fallback page's Markdown is the default language's: read its links
     * there, then lead to this language's page of the same key if any. */
    const page_t *src = from->fallback_of ? from->fallback_of : from;
    const char *code = site->cfg->languages[src->lang].code;
    char *src_dir = path_dirname(src->src_path + strlen(CONTENT_DIR) + 1 + strlen(code) + 1);
    char *joined = path_join(src_dir, target);
    char *lang_rel = path_normalize(joined);
    char *result = NULL;
    *why = NULL;
    if (target_len > 0 && target[0] != '/' && target[target_len - 1] == '/') {
        result = resolve_directory_link(site, from, target, why);
    } else if (!lang_rel) {
        *why = "points above the language folder";
    } else if (path_has_extension(lang_rel, ".md")) {
        page_t *p = page_for_source(site, src->lang, lang_rel);
        page_t *own = p && from != src ? site_find(site, from->lang, p->key) : NULL;
        if (own)
            p = own;
        if (p)
            result = path_relative_url(from->out_path, p->out_path);
        else
            *why = "no such page (or it is a draft, or a post dated in the future)";
    } else {
        char *out = path_join(code, lang_rel);
        const site_resource *r = site_resource_from(site, out);
        if (r)
            result = path_relative_url(from->out_path, r->out_path);
        else
            *why = "no such file under content/";
        free(out);
    }
    if (result && hash) {
        char *with_fragment = xasprintf("%s%s", result, hash);
        free(result);
        result = with_fragment;
    }
    free(target);
    free(src_dir);
    free(joined);
    free(lang_rel);
    return result;
}
