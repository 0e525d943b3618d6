#include "surveys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"
#include "fs.h"
#include "output.h"
#include "path.h"
#include "survey_export.h"
#include "xalloc.h"

static int compare_surveys(const void *a, const void *b)
{
    return strcmp((*(survey_t *const *)a)->id, (*(survey_t *const *)b)->id);
}

int surveys_load(const config_t *cfg, surveys_t *set, diags_t *d)
{
    *set = (surveys_t){.nlanguages = cfg->nlanguages};
    size_t errors_before = d->errors;
    if (!fs_is_dir(SURVEYS_DIR))
        return 0;
    fs_list_t files;
    if (fs_list_files(SURVEYS_DIR, &files) < 0) {
        diag_error(d, SURVEYS_DIR, 0, 0, "cannot read the surveys folder: %s", strerror(errno));
        return -1;
    }
    set->items = xcalloc(files.len + 1, sizeof *set->items);
    for (size_t i = 0; i < files.len; i++) {
        if (!path_has_extension(files.paths[i], ".yaml") || strchr(files.paths[i], '/'))
            continue;
        char *path = path_join(SURVEYS_DIR, files.paths[i]);
        survey_t *s = survey_load(path, d);
        if (s)
            set->items[set->len++] = s;
        free(path);
    }
    fs_list_free(&files);
    qsort(set->items, set->len, sizeof *set->items, compare_surveys);
    set->pages = xcalloc(set->len + 1, sizeof *set->pages);
    set->thanks = xcalloc(set->len + 1, sizeof *set->thanks);
    for (size_t i = 0; i < set->len; i++) {
        set->pages[i] = xcalloc(cfg->nlanguages, sizeof **set->pages);
        set->thanks[i] = xcalloc(cfg->nlanguages, sizeof **set->thanks);
    }
    return d->errors > errors_before ? -1 : 0;
}

void surveys_free(surveys_t *set)
{
    for (size_t i = 0; i < set->len; i++) {
        survey_free(set->items[i]);
        free(set->pages[i]);
        free(set->thanks[i]);
    }
    free(set->items);
    free(set->pages);
    free(set->thanks);
    *set = (surveys_t){0};
}

static long survey_index(const surveys_t *set, const char *id)
{
    for (size_t i = 0; i < set->len; i++)
        if (!strcmp(set->items[i]->id, id))
            return (long)i;
    return -1;
}

const survey_t *surveys_find(const surveys_t *set, const char *id)
{
    long i = survey_index(set, id);
    return i < 0 ? NULL : set->items[i];
}

/* The page a thanks: link leads to, or NULL after reporting. */
static page_t *resolve_thanks(const site_t *site, const page_t *p, diags_t *d)
{
    const fm_node *n = fm_get(p->front, "thanks");
    const char *link = fm_string(p->front, "thanks");
    const fm_node *at = n ? n : fm_get(p->front, "survey");
    if (!link || !path_has_extension(link, ".md")) {
        diag_error(d, p->src_path, at->line, at->col,
                   "a survey page needs 'thanks:', the .md file of the page shown after "
                   "answering (like thanks.md)");
        return NULL;
    }
    const char *why;
    char *rel = site_resolve_link(site, p, link, &why);
    if (!rel) {
        diag_error(d, p->src_path, at->line, at->col, "thanks: '%s': %s", link, why);
        return NULL;
    }
    char *dir = path_dirname(p->out_path);
    char *joined = path_join(dir, rel);
    char *out_path = path_normalize(joined);
    page_t *found = NULL;
    for (size_t i = 0; out_path && i < site->npages; i++)
        if (!strcmp(site->pages[i]->out_path, out_path))
            found = site->pages[i];
    free(out_path);
    free(joined);
    free(dir);
    free(rel);
    return found;
}

void surveys_attach(surveys_t *set, site_t *site, diags_t *d)
{
    for (size_t i = 0; i < site->npages; i++) {
        page_t *p = site->pages[i];
        const fm_node *n = fm_get(p->front, "survey");
        if (!n)
            continue;
        const char *id = fm_string(p->front, "survey");
        long s = id ? survey_index(set, id) : -1;
        if (s < 0) {
            char *file = xasprintf(SURVEYS_DIR "/%s.yaml", id ? id : "");
            diag_error(d, p->src_path, n->line, n->col, "no survey '%s' (%s %s)", id ? id : "",
                       file, fs_is_file(file) ? "has errors" : "does not exist");
            free(file);
            continue;
        }
        if (set->pages[s][p->lang]) {
            diag_error(d, p->src_path, n->line, n->col,
                       "survey '%s' is already presented in this language by %s", id,
                       set->pages[s][p->lang]->src_path);
            continue;
        }
        p->survey = set->items[s];
        set->pages[s][p->lang] = p;
        set->thanks[s][p->lang] = resolve_thanks(site, p, d);
    }
}

void surveys_check_catalogs(const surveys_t *set, const config_t *cfg,
                            catalog_t *const *catalogs, diags_t *d)
{
    for (size_t i = 0; i < set->len; i++)
        for (size_t l = 0; l < cfg->nlanguages; l++) {
            char *po = xasprintf("locales/%s.po", cfg->languages[l].code);
            /* a fallback page shows the default language: no translation expected */
            bool presented = set->pages[i][l] && !set->pages[i][l]->fallback_of;
            survey_check_catalog(set->items[i], catalogs[l], po, cfg->languages[l].name,
                                 l > 0 && presented, d);
            free(po);
        }
}

static void write_file(const char *out_dir, const char *rel, const char *text, diags_t *d)
{
    char *path = path_join(out_dir, rel);
    if (fs_write_file(path, text, strlen(text)) < 0)
        diag_error(d, rel, 0, 0, "cannot write %s: %s", path, strerror(errno));
    free(path);
}

/* Puts a file into the new site (out NULL: waymark check, nothing written). */
static void put_file(output_t *out, const char *rel, const char *text, diags_t *d)
{
    if (out && output_put(out, rel, text, strlen(text)) < 0)
        diag_error(d, rel, 0, 0, "cannot write: %s", strerror(errno));
}

static void write_one(const surveys_t *set, size_t i, const config_t *cfg,
                      catalog_t *const *catalogs, output_t *out, diags_t *d)
{
    const survey_t *s = set->items[i];
    survey_language *langs = xcalloc(cfg->nlanguages, sizeof *langs);
    size_t n = 0;
    for (size_t l = 0; l < cfg->nlanguages; l++) {
        if (!set->pages[i][l])
            continue;
        const page_t *thanks = set->thanks[i][l];
        langs[n++] = (survey_language){cfg->languages[l].code, l ? catalogs[l] : NULL,
                                       thanks ? thanks->out_path : NULL};
    }
    if (n == 0)
        diag_warning(d, s->path, 0, 0, "survey '%s' is not presented by any page (no page has "
                     "'survey: %s' in its front matter)", s->id, s->id);
    char *schema = survey_schema_json(s, langs, n);
    char *codebook = survey_codebook_csv(s, langs, n);
    const char *why;
    char *css = form_css(s, &why);
    if (!css)
        diag_error(d, s->path, 0, 0, "%s", why);
    char *dir = path_join(SURVEYS_DIR, s->id);
    char *p_schema = path_join(dir, "schema.json"), *p_codebook = path_join(dir, "codebook.csv");
    char *p_css = surveys_stylesheet_path(s);
    put_file(out, p_schema, schema, d);
    put_file(out, p_codebook, codebook, d);
    if (css)
        put_file(out, p_css, css, d);
    free(p_schema);
    free(p_codebook);
    free(p_css);
    free(dir);
    free(schema);
    free(codebook);
    free(css);
    free(langs);
}

void surveys_write(const surveys_t *set, const config_t *cfg, catalog_t *const *catalogs,
                   output_t *out, diags_t *d)
{
    for (size_t i = 0; i < set->len; i++)
        write_one(set, i, cfg, catalogs, out, d);
}

int surveys_write_pots(const surveys_t *set, const char *dir, diags_t *d)
{
    size_t errors_before = d->errors;
    for (size_t i = 0; i < set->len; i++) {
        char *pot = survey_pot(set->items[i]);
        char *name = xasprintf("%s.pot", set->items[i]->id);
        write_file(dir, name, pot, d);
        free(name);
        free(pot);
    }
    return d->errors > errors_before ? -1 : 0;
}

char *surveys_form_action(const config_t *cfg, const char *page_out_path)
{
    const char *endpoint = cfg->survey_endpoint ? cfg->survey_endpoint : "submit";
    if (path_url_is_absolute(endpoint))
        return xstrdup(endpoint);
    return path_relative_url(page_out_path, endpoint);
}

/* "https://collector.example:8443/a/b" -> "https://collector.example:8443" */
static char *origin_of(const char *url)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t n = strcspn(host, "/?#");
    return xstrndup(url, (size_t)(host - url) + n);
}

char *surveys_page_csp(const config_t *cfg)
{
    const char *endpoint = cfg->survey_endpoint ? cfg->survey_endpoint : "submit";
    const char *self = "form-action 'self'";
    const char *at = strstr(cfg->csp, self);
    if (!path_url_is_absolute(endpoint) || !at)
        return xstrdup(cfg->csp);
    char *origin = origin_of(endpoint);
    char *csp = xasprintf("%.*sform-action %s%s", (int)(at - cfg->csp), cfg->csp, origin,
                          at + strlen(self));
    free(origin);
    return csp;
}

char *surveys_stylesheet_path(const survey_t *s)
{
    return xasprintf(SURVEYS_DIR "/%s/form.css", s->id);
}
