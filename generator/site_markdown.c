/* site_markdown: the markdown stage of the site model (site.h): every
 * page's Markdown converted on all cores, or taken from the Markdown cache
 * (mdcache.h). With a cache, a page's HTML lives there, not in memory: a
 * conversion puts it and lets it go, a hit never reads it, and each
 * reader gets a checked copy (site_page_html). */
#include "site.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs.h"
#include "markdown.h"
#include "mdcache.h"
#include "path.h"
#include "pool.h"
#include "sha256.h"
#include "xalloc.h"

typedef struct {
    site_t *site;
    diags_t diags;
    mdcache_t *cache;        /* may be NULL */
    const unsigned char *links_key; /* what every page's links resolve against */
    buf_t key;               /* the key material of the page at hand */
} markdown_worker;

typedef struct {
    const site_t *site;
    const page_t *page;
} link_context;

static char *resolve_for_page(void *ctx, const char *url, const char **why)
{
    const link_context *lc = ctx;
    char *resolved = site_resolve_link(lc->site, lc->page, url, why);
    if (!resolved)
        return NULL;
    /* Encode the path, not the "#fragment" that follows it. */
    char *hash = strchr(resolved, '#');
    if (hash)
        *hash = '\0';
    char *encoded = path_url_encode(resolved);
    char *url_out = hash ? xasprintf("%s#%s", encoded, hash + 1) : xstrdup(encoded);
    free(encoded);
    free(resolved);
    return url_out;
}

/* The page whose file holds p's body (a fallback page's original). */
static const page_t *body_owner(const page_t *p)
{
    return p->fallback_of && p->fallback_of->body_hashed ? p->fallback_of : p;
}

/* The page's file, read again: load kept only its front matter (and the
 * digest of its body, which the file must still match). */
static bool read_body_again(page_t *p, diags_t *d)
{
    size_t len;
    p->body_deferred = false;
    if (fs_read_file(p->src_path, &p->source, &len) < 0) {
        diag_error(d, p->src_path, 0, 0, "cannot read: %s", strerror(errno));
        return false;
    }
    const page_t *owner = body_owner(p);
    unsigned char digest[32];
    bool same = len == p->source_len;
    if (same && owner->body_hashed) {
        sha256(p->source + p->body_offset, p->body_len, digest);
        same = !memcmp(digest, owner->body_digest, sizeof digest);
    }
    if (!same) {
        diag_error(d, p->src_path, 0, 0, "file changed during the build; build again");
        free(p->source);
        p->source = NULL;
        return false;
    }
    p->body = p->source + p->body_offset;
    return true;
}

static void put_key_str(buf_t *b, const char *s)
{
    buf_printf(b, "%zu:", s ? strlen(s) : (size_t)0);
    buf_puts(b, s ? s : "");
}

/* What a relative link can resolve to, the same for every page: each
 * page's language, source, key and address, and each content file. */
static void links_key(const site_t *site, unsigned char key[MDCACHE_KEY_LEN])
{
    buf_t b = {0};
    for (size_t i = 0; i < site->npages; i++) {
        const page_t *p = site->pages[i];
        buf_printf(&b, "p%d %d ", (int)p->kind, p->lang);
        put_key_str(&b, p->src_path);
        put_key_str(&b, p->key);
        put_key_str(&b, p->out_path);
    }
    for (size_t i = 0; i < site->nresources; i++) {
        buf_puts(&b, "r");
        put_key_str(&b, site->resources[i].src_path);
        put_key_str(&b, site->resources[i].out_path);
    }
    sha256(b.data ? b.data : "", b.len, key);
    buf_free(&b);
}

static const exercise_labels *labels_of(const site_t *site, const page_t *p)
{
    return site->exercise_labels ? &site->exercise_labels[p->lang] : NULL;
}

/* Everything md_render reads for page p: its body (by its SHA-256) and
 * where it starts, its paths (links resolve from them), its table of
 * contents flag, the exercise headings of its language and the site's
 * link targets. False when the body is neither hashed nor in memory. */
static bool page_key(markdown_worker *w, const page_t *p, unsigned char key[MDCACHE_KEY_LEN])
{
    unsigned char body[32];
    if (p->source && p->body)
        sha256(p->body, p->body_len, body);
    else if (body_owner(p)->body_hashed)
        memcpy(body, body_owner(p)->body_digest, sizeof body);
    else
        return false;
    buf_t *b = &w->key;
    buf_reset(b);
    buf_putn(b, (const char *)w->links_key, MDCACHE_KEY_LEN);
    buf_printf(b, "%d %d %d ", p->lang, p->body_line, p->toc ? 1 : 0);
    put_key_str(b, p->src_path);
    put_key_str(b, p->out_path);
    put_key_str(b, p->fallback_of ? p->fallback_of->out_path : NULL);
    const exercise_labels *l = labels_of(w->site, p);
    put_key_str(b, l ? l->exercise : NULL);
    put_key_str(b, l ? l->reflection : NULL);
    put_key_str(b, l ? l->warning : NULL);
    buf_printf(b, "%zu:", p->body_len);
    buf_putn(b, (const char *)body, sizeof body);
    sha256(b->data, b->len, key);
    return true;
}

/* The page takes a conversion's result (html may be NULL: still in the
 * cache). */
static void take_output(page_t *p, md_output *out)
{
    p->exercises = out->exercises;
    p->nexercises = out->nexercises;
    p->html = out->html;
    p->toc_html = out->toc_html;
    p->summary = p->summary_text ? xstrdup(p->summary_text) : out->summary;
    if (p->summary_text)
        free(out->summary);
    p->words = out->words;
    p->links = out->links;
    p->nlinks = out->nlinks;
}

/* Converts the page's Markdown (read again from its file when load
 * deferred it) into *out, and keeps it in the cache (may be NULL) under
 * p->md_key when keyed; *kept (may be NULL) then says where its HTML is.
 * Returns 0, or -1 (errors in d; *out is then empty: the build stops
 * before anything would show the page). */
static int convert_source(const site_t *site, page_t *p, mdcache_t *cache, md_output *out,
                          mdcache_html *kept, diags_t *d)
{
    *out = (md_output){0};
    if (kept)
        *kept = (mdcache_html){0};
    if (p->body_deferred && !read_body_again(p, d))
        return -1;
    if (!p->source)
        return -1;
    link_context lc = {site, p};
    md_input in = {p->body, p->body_len, p->src_path, p->body_line, p->toc, resolve_for_page, &lc,
                   labels_of(site, p)};
    size_t before = d->len;
    int rc = md_render(&in, out, d);
    mdcache_html at;
    bool put = rc == 0 && cache && p->md_keyed && mdcache_put(cache, p->md_key, out, d, before, &at);
    if (kept)
        *kept = put ? at : (mdcache_html){0};
    if (rc < 0)
        md_output_free(out);
    free(p->source);
    p->source = NULL;
    p->body = NULL;
    return rc;
}

static void convert_page(void *worker, size_t index)
{
    markdown_worker *w = worker;
    page_t *p = w->site->pages[index];
    if (!p->source && !p->body_deferred)
        return;
    /* A fallback page repeats its original's problems: report them once. */
    diags_t repeated = DIAGS_INIT;
    diags_t *d = p->fallback_of ? &repeated : &w->diags;
    md_output out;
    if (w->cache && page_key(w, p, p->md_key)) {
        p->md_keyed = true;
        mdcache_html at;
        if (mdcache_get(w->cache, p->md_key, &out, &at, d)) {
            /* the body stays unread, the HTML in the cache (site_page_html) */
            take_output(p, &out);
            p->html_cache = w->cache;
            p->html_at = at;
            diag_free(&repeated);
            return;
        }
    }
    mdcache_html kept;
    if (convert_source(w->site, p, w->cache, &out, &kept, d) == 0) {
        if (kept.put) { /* the HTML waits in the cache, not in memory */
            free(out.html);
            out.html = NULL;
            p->html_cache = w->cache;
            p->html_at = kept;
        }
        take_output(p, &out);
    }
    diag_free(&repeated);
}

/* Guards where a page's HTML is (html_cache, html): site_page_html
 * changes it when the cache's copy is damaged, and render workers may ask
 * for the same page at once. */
static pthread_mutex_t late_html = PTHREAD_MUTEX_INITIALIZER;

/* The cache's copy of p's HTML was damaged: the page is converted again
 * from its file. Only its HTML is taken (the rest came from the entry's
 * checked head) and only errors reported (its warnings already were). */
static void convert_again(const site_t *site, page_t *p, mdcache_t *cache, diags_t *d)
{
    diags_t again = DIAGS_INIT;
    md_output out;
    if (convert_source(site, p, cache, &out, NULL, &again) == 0) {
        p->html = out.html;
        out.html = NULL;
        md_output_free(&out);
    }
    for (size_t i = 0; i < again.len; i++)
        if (again.items[i].level == DIAG_ERROR)
            diag_error(d, again.items[i].path, again.items[i].line, again.items[i].col, "%s",
                       again.items[i].msg);
    diag_free(&again);
}

char *site_page_html(const site_t *site, const page_t *page, diags_t *d)
{
    page_t *p = (page_t *)page; /* a site's pages are its own, never const objects */
    pthread_mutex_lock(&late_html);
    mdcache_t *cache = p->html_cache;
    mdcache_html at = p->html_at;
    pthread_mutex_unlock(&late_html);
    char *html = cache ? mdcache_fetch(cache, p->md_key, &at) : NULL;
    pthread_mutex_lock(&late_html);
    if (cache && !html && p->html_cache == cache) { /* damaged: made again, once */
        p->html_cache = NULL;
        convert_again(site, p, cache, d);
    }
    if (!html && p->html)
        html = xstrdup(p->html);
    pthread_mutex_unlock(&late_html);
    return html;
}

int site_convert_markdown(site_t *site, size_t jobs, mdcache_t *cache, diags_t *d)
{
    size_t errors_before = d->errors;
    unsigned char links[MDCACHE_KEY_LEN];
    if (cache)
        links_key(site, links);
    markdown_worker *workers = xcalloc(jobs, sizeof *workers);
    void **ptrs = xcalloc(jobs, sizeof *ptrs);
    for (size_t t = 0; t < jobs; t++) {
        workers[t] = (markdown_worker){.site = site, .cache = cache, .links_key = links};
        ptrs[t] = &workers[t];
    }
    pool_run(site->npages, jobs, ptrs, convert_page);
    for (size_t t = 0; t < jobs; t++) {
        diag_merge(d, &workers[t].diags);
        buf_free(&workers[t].key);
    }
    free(workers);
    free(ptrs);
    return d->errors > errors_before ? -1 : 0;
}
