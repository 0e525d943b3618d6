#include "langbundle.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "bundle.h"
#include "fs.h"
#include "htmltok.h"
#include "path.h"
#include "xalloc.h"

/* --- reading a tag ------------------------------------------------------------ */

typedef struct {
    const char *name, *value; /* value NULL when the attribute has none */
    size_t name_len, value_len;
    const char *start, *end;  /* the whole attribute, leading space included */
} attr_t;

#define MAX_ATTRS 64

typedef struct {
    const char *name;
    size_t name_len;
    attr_t attrs[MAX_ATTRS];
    size_t nattrs;
    const char *end; /* just past '>' */
} tag_t;

/* Reads the start tag at s ('<' then a letter); false when it is not one. */
static bool read_tag(const char *s, const char *end, tag_t *t)
{
    const char *p = s + 1;
    t->name = p;
    while (p < end && (isalnum((unsigned char)*p) || *p == '-'))
        p++;
    t->name_len = (size_t)(p - t->name);
    t->nattrs = 0;
    while (p < end) {
        const char *start = p;
        while (p < end && (isspace((unsigned char)*p) || *p == '/'))
            p++;
        if (p < end && *p == '>') {
            t->end = p + 1;
            return true;
        }
        attr_t a = {.name = p, .start = start};
        while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/')
            p++;
        a.name_len = (size_t)(p - a.name);
        if (p < end && *p == '=') {
            p++;
            char q = p < end ? *p : 0;
            if (q == '"' || q == '\'') {
                a.value = ++p;
                while (p < end && *p != q)
                    p++;
                a.value_len = (size_t)(p - a.value);
                if (p < end)
                    p++;
            } else {
                a.value = p;
                while (p < end && !isspace((unsigned char)*p) && *p != '>')
                    p++;
                a.value_len = (size_t)(p - a.value);
            }
        }
        a.end = p;
        if (a.name_len == 0)
            return false;
        if (t->nattrs < MAX_ATTRS)
            t->attrs[t->nattrs++] = a;
    }
    return false;
}

static bool attr_is(const attr_t *a, const char *name)
{
    return a->name_len == strlen(name) && !strncasecmp(a->name, name, a->name_len);
}

static bool tag_is(const tag_t *t, const char *name)
{
    return t->name_len == strlen(name) && !strncasecmp(t->name, name, t->name_len);
}

/* --- one link --------------------------------------------------------------- */

typedef enum { LINK_KEEP, LINK_ABSOLUTE, LINK_DROP } link_action;

/* What to do with a link (decoded value) from page_path; *site_path gets
 * the site-root path it leads to for LINK_ABSOLUTE (caller frees). */
static link_action judge_link(const char *url, const char *page_path,
                              const langbundle_links *links, char **site_path,
                              const char **suffix)
{
    char scheme[HTMLTOK_SCHEME_MAX];
    *site_path = NULL;
    if (!*url || *url == '#' || *url == '?'
        || htmltok_url_classify(url, strlen(url), scheme) != URL_RELATIVE || *url == '/')
        return LINK_KEEP;
    size_t path_len = strcspn(url, "?#");
    *suffix = url + path_len;
    char *decoded = path_percent_decode(url, path_len);
    char *dir = path_dirname(page_path);
    char *joined = path_join(dir, decoded);
    char *target = path_normalize(joined);
    free(decoded);
    free(dir);
    free(joined);
    if (!target)
        return LINK_KEEP;
    if (!*target || target[strlen(target) - 1] == '/') {
        char *index = xasprintf("%sindex.html", target);
        free(target);
        target = index;
    }
    link_action action = LINK_KEEP;
    if (links->exists(target, links->ctx))
        action = LINK_KEEP;
    else if (links->other_page(target, links->ctx))
        action = links->base_url ? LINK_ABSOLUTE : LINK_DROP;
    else
        links->other_file(target, links->ctx);
    if (action == LINK_ABSOLUTE)
        *site_path = target;
    else
        free(target);
    return action;
}

/* --- a page ------------------------------------------------------------------- */

/* Attributes an <a> without href must not have (HTML, "the a element"). */
static bool needs_href(const attr_t *a)
{
    static const char *const names[] = {"hreflang", "rel",  "type", "target", "download",
                                        "ping",     "referrerpolicy", NULL};
    for (const char *const *n = names; *n; n++)
        if (attr_is(a, *n))
            return true;
    return false;
}

static char *absolute_url(const char *base_url, const char *site_path, const char *suffix)
{
    size_t n = strlen(base_url);
    const char *shown = site_path;
    size_t shown_len = strlen(site_path);
    /* ".../index.html" reads better as ".../" on a web server */
    if (shown_len >= 10 && !strcmp(site_path + shown_len - 10, "index.html"))
        shown_len -= 10;
    char *path = xstrndup(shown, shown_len);
    char *encoded = path_url_encode(path);
    char *url = xasprintf("%s%s%s%s", base_url, n && base_url[n - 1] == '/' ? "" : "/", encoded,
                          suffix);
    free(path);
    free(encoded);
    return url;
}

/* Writes tag t with its link attribute handled; returns false when the
 * whole element is to be left out (a <link> that cannot lead anywhere). */
static bool write_tag(buf_t *out, const tag_t *t, const char *tag_start, const char *page_path,
                      const langbundle_links *links)
{
    link_action action = LINK_KEEP;
    size_t link_attr = MAX_ATTRS;
    char *site_path = NULL, *value = NULL;
    const char *suffix = "";
    for (size_t i = 0; i < t->nattrs && link_attr == MAX_ATTRS; i++) {
        const attr_t *a = &t->attrs[i];
        if (!a->value || !(attr_is(a, "href") || attr_is(a, "src")))
            continue;
        buf_t v = BUF_INIT;
        buf_puts(&v, "");
        htmltok_decode_attr(a->value, a->value_len, &v);
        value = buf_detach(&v);
        action = judge_link(value, page_path, links, &site_path, &suffix);
        link_attr = i;
    }
    if (action == LINK_DROP && tag_is(t, "link")) {
        free(value);
        return false;
    }
    if (action == LINK_KEEP) {
        buf_putn(out, tag_start, (size_t)(t->end - tag_start));
        free(value);
        return true;
    }
    buf_putn(out, tag_start, (size_t)(t->attrs[0].start - tag_start));
    for (size_t i = 0; i < t->nattrs; i++) {
        const attr_t *a = &t->attrs[i];
        if (i == link_attr && action == LINK_ABSOLUTE) {
            char *url = absolute_url(links->base_url, site_path, suffix);
            buf_putc(out, ' ');
            buf_putn(out, a->name, a->name_len);
            buf_puts(out, "=\"");
            buf_put_html(out, url, strlen(url));
            buf_putc(out, '"');
            free(url);
        } else if (!(action == LINK_DROP && (i == link_attr || needs_href(a)))) {
            buf_putn(out, a->start, (size_t)(a->end - a->start));
        }
    }
    buf_putn(out, t->attrs[t->nattrs - 1].end, (size_t)(t->end - t->attrs[t->nattrs - 1].end));
    free(site_path);
    free(value);
    return true;
}

char *langbundle_rewrite_html(const char *html, size_t len, const char *page_path,
                              const langbundle_links *links)
{
    buf_t out = BUF_INIT;
    buf_puts(&out, "");
    const char *p = html, *end = html + len;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt) {
            buf_putn(&out, p, (size_t)(end - p));
            break;
        }
        buf_putn(&out, p, (size_t)(lt - p));
        if (end - lt >= 4 && !strncmp(lt, "<!--", 4)) {
            const char *close = strstr(lt + 4, "-->");
            const char *stop = close ? close + 3 : end;
            buf_putn(&out, lt, (size_t)(stop - lt));
            p = stop;
            continue;
        }
        tag_t t;
        if (lt + 1 < end && isalpha((unsigned char)lt[1]) && read_tag(lt, end, &t) && t.nattrs) {
            if (!write_tag(&out, &t, lt, page_path, links) && t.end < end && *t.end == '\n')
                t.end++; /* a removed <link> leaves no empty line */
            p = t.end;
        } else {
            buf_putc(&out, '<');
            p = lt + 1;
        }
    }
    return buf_detach(&out);
}

/* --- a language's bundle ------------------------------------------------------- */

typedef struct {
    const config_t *cfg;
    const char *site_dir, *stage;
    int lang;
    fs_list_t *all; /* every file of the full site */
    diags_t *d;
} bundle_ctx;

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_full_site(const bundle_ctx *c, const char *path)
{
    return bsearch(&path, c->all->paths, c->all->len, sizeof *c->all->paths, compare_strings);
}

/* The language whose folder holds path, or -1 for a shared file. */
static int language_of(const config_t *cfg, const char *path)
{
    size_t n = strcspn(path, "/");
    if (!path[n])
        return -1;
    for (size_t l = 0; l < cfg->nlanguages; l++)
        if (strlen(cfg->languages[l].code) == n && !strncmp(path, cfg->languages[l].code, n))
            return (int)l;
    return -1;
}

static bool belongs(const bundle_ctx *c, const char *path)
{
    int l = language_of(c->cfg, path);
    return l < 0 || l == c->lang;
}

static bool link_exists(const char *path, void *ctx)
{
    bundle_ctx *c = ctx;
    if (!belongs(c, path))
        return false;
    char *staged = path_join(c->stage, path);
    bool found = fs_is_file(staged);
    free(staged);
    return found;
}

static bool link_other_page(const char *path, void *ctx)
{
    return in_full_site(ctx, path) && path_has_extension(path, ".html");
}

static bool link_other_file(const char *path, void *ctx)
{
    bundle_ctx *c = ctx;
    if (!in_full_site(c, path) || path_has_extension(path, ".html"))
        return false;
    char *from = path_join(c->site_dir, path), *to = path_join(c->stage, path);
    if (fs_copy_file(from, to) < 0)
        diag_error(c->d, path, 0, 0, "cannot copy into the language bundle: %s", strerror(errno));
    free(from);
    free(to);
    return true;
}

static void stage_language(bundle_ctx *c)
{
    for (size_t i = 0; i < c->all->len; i++) {
        if (!belongs(c, c->all->paths[i]))
            continue;
        char *from = path_join(c->site_dir, c->all->paths[i]);
        char *to = path_join(c->stage, c->all->paths[i]);
        if (fs_copy_file(from, to) < 0)
            diag_error(c->d, c->all->paths[i], 0, 0, "cannot copy: %s", strerror(errno));
        free(from);
        free(to);
    }
    langbundle_links links = {link_exists, link_other_page, link_other_file, c, c->cfg->base_url};
    for (size_t i = 0; i < c->all->len; i++) {
        const char *rel = c->all->paths[i];
        if (!belongs(c, rel) || !path_has_extension(rel, ".html"))
            continue;
        char *path = path_join(c->stage, rel), *html = NULL;
        size_t len;
        if (fs_read_file(path, &html, &len) == 0) {
            char *rewritten = langbundle_rewrite_html(html, len, rel, &links);
            if (fs_write_file(path, rewritten, strlen(rewritten)) < 0)
                diag_error(c->d, rel, 0, 0, "cannot write: %s", strerror(errno));
            free(rewritten);
        }
        free(html);
        free(path);
    }
}

int langbundle_write_all(const config_t *cfg, const char *site_dir, const char *out_dir,
                         int64_t mtime, diags_t *d)
{
    fs_list_t all;
    if (fs_list_files(site_dir, &all) < 0) {
        diag_error(d, site_dir, 0, 0, "cannot list the built site: %s", strerror(errno));
        return -1;
    }
    size_t errors_before = d->errors;
    for (size_t l = 0; l < cfg->nlanguages && d->errors == errors_before; l++) {
        const char *code = cfg->languages[l].code;
        char *stage = xasprintf("%s/.%s-%s.tmp-%ld", out_dir, cfg->name, code, (long)getpid());
        fs_remove_tree(stage);
        bundle_ctx c = {cfg, site_dir, stage, (int)l, &all, d};
        stage_language(&c);
        char *zip = xasprintf("%s/%s-%s.zip", out_dir, cfg->name, code);
        char *sums = xasprintf("%s/%s-%s.SHA256SUMS", out_dir, cfg->name, code);
        if (d->errors == errors_before)
            bundle_write(stage, zip, sums, mtime, d);
        fs_remove_tree(stage);
        free(stage);
        free(zip);
        free(sums);
    }
    fs_list_free(&all);
    return d->errors > errors_before ? -1 : 0;
}
