#include "status.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "bundle.h"
#include "fs.h"
#include "path.h"
#include "pot.h"
#include "uistrings.h"
#include "xalloc.h"

#define HASH_MIN 8   /* shortest translation_of accepted */
#define HASH_SHOWN 12

void status_source_hash(const char *body, size_t len, char hex[65])
{
    char *lf = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (!(body[i] == '\r' && i + 1 < len && body[i + 1] == '\n'))
            lf[n++] = body[i];
    bundle_sha256_hex(lf, n, hex);
    free(lf);
}

static void push_name(char ***names, size_t n, const char *name)
{
    *names = xrealloc(*names, (n + 1) * sizeof **names);
    (*names)[n] = xstrdup(name);
}

static void count(status_count *c, l10n_state state, const char *name)
{
    c->total++;
    if (state == L10N_TRANSLATED) {
        c->translated++;
    } else if (state == L10N_MISSING) {
        push_name(&c->missing_names, c->missing, name);
        c->missing++;
    } else {
        push_name(&c->outdated_names, c->outdated, name);
        c->outdated++;
    }
}

/* --- pages ------------------------------------------------------------------ */

static bool is_source_page(const page_t *p)
{
    return p->lang == 0 && p->src_path && !p->fallback_of
           && (p->kind == PAGE_HOME || p->kind == PAGE_SECTION || p->kind == PAGE_PAGE);
}

/* The translation's state against the source's current hash. */
static l10n_state page_state(const page_t *t, const char *hex, diags_t *d)
{
    if (!t || !t->src_path || t->fallback_of)
        return L10N_MISSING;
    const fm_node *n = fm_get(t->front, "translation_of");
    if (!n)
        return L10N_TRANSLATED;
    const char *v = n->kind == FM_SCALAR ? n->text : "";
    size_t len = strlen(v);
    bool hex_only = len >= HASH_MIN && len <= 64;
    for (size_t i = 0; hex_only && i < len; i++)
        hex_only = isxdigit((unsigned char)v[i]);
    if (!hex_only) {
        diag_warning(d, t->src_path, n->line, n->col,
                     "'translation_of' must be the first %d or more hex digits of the source "
                     "page's hash (waymark status --verbose shows it)", HASH_MIN);
        return L10N_TRANSLATED;
    }
    for (size_t i = 0; i < len; i++)
        if (tolower((unsigned char)v[i]) != hex[i])
            return L10N_OUTDATED;
    return L10N_TRANSLATED;
}

/* The hash of a page's Markdown; the load defers reading bodies of large
 * sites to the markdown stage, which status does not run. */
static void source_hash(const page_t *p, char hex[65])
{
    char *source = NULL;
    size_t len = 0;
    const char *body = p->body;
    size_t body_len = p->body_len;
    if (!body && p->body_deferred && fs_read_file(p->src_path, &source, &len) == 0 &&
        p->body_offset + p->body_len <= len)
        body = source + p->body_offset;
    status_source_hash(body ? body : "", body ? body_len : 0, hex);
    free(source);
}

static void count_pages(const site_t *site, status_report *r, diags_t *d)
{
    for (size_t i = 0; i < site->npages; i++) {
        const page_t *p = site->by_key[i];
        if (!is_source_page(p))
            continue;
        char hex[65];
        source_hash(p, hex);
        r->source_hashes = xrealloc(r->source_hashes, (r->nsources + 1) * sizeof *r->source_hashes);
        r->source_hashes[r->nsources++] = xasprintf("%s\t%.*s", *p->key ? p->key : "(home)",
                                                    HASH_SHOWN, hex);
        const char *name = *p->key ? p->key : "(home)";
        for (size_t l = 0; l < r->nlangs; l++) {
            const page_t *t = l == 0 ? p : site_find(site, (int)l, p->key);
            count(&r->langs[l].pages, l == 0 ? L10N_TRANSLATED : page_state(t, hex, d), name);
        }
    }
}

/* --- strings ---------------------------------------------------------------- */

static char *entry_name(const char *msgctxt, const char *msgid)
{
    return msgctxt ? xasprintf("[%s] %s", msgctxt, msgid) : xstrdup(msgid);
}

static void count_ui(const l10n_catalogs *cats, const char *const *theme_dirs,
                     const char *const *theme_names, size_t nthemes, status_report *r,
                     diags_t *d)
{
    pot_t pot = POT_INIT;
    diags_t scan = DIAGS_INIT; /* extract reports what cannot be extracted */
    uistrings_collect(theme_dirs, theme_names, nthemes, &pot, &scan);
    for (size_t e = 0; e < pot.len; e++) {
        char *name = entry_name(pot.entries[e].msgctxt, pot.entries[e].msgid);
        for (size_t l = 0; l < r->nlangs; l++)
            count(&r->langs[l].ui,
                  l10n_entry_state(cats, (int)l, pot.entries[e].msgctxt, pot.entries[e].msgid),
                  name);
        free(name);
    }
    for (size_t i = 0; i < scan.len; i++)
        if (scan.items[i].level == DIAG_ERROR)
            diag_error(d, scan.items[i].path, scan.items[i].line, 0, "%s", scan.items[i].msg);
    diag_free(&scan);
    pot_free(&pot);
}

/* msgctxt "<id>" or "<id>" followed by something that cannot be in an id. */
static bool context_of_survey(const char *msgctxt, char **ids, size_t nids)
{
    for (size_t i = 0; msgctxt && i < nids; i++) {
        size_t n = strlen(ids[i]);
        if (strncmp(msgctxt, ids[i], n))
            continue;
        char next = msgctxt[n]; /* only now known to be inside msgctxt */
        if (!isalnum((unsigned char)next) && next != '-' && next != '_')
            return true;
    }
    return false;
}

static void count_surveys(const l10n_catalogs *cats, status_report *r)
{
    fs_list_t files;
    if (!fs_is_dir("surveys") || fs_list_files("surveys", &files) < 0)
        return;
    r->has_surveys = true;
    char **ids = NULL;
    size_t nids = 0;
    for (size_t i = 0; i < files.len; i++) {
        const char *f = files.paths[i];
        if (strchr(f, '/') || (!path_has_extension(f, ".yaml") && !path_has_extension(f, ".yml")))
            continue;
        ids = xrealloc(ids, (nids + 1) * sizeof *ids);
        ids[nids++] = xstrndup(f, strlen(f) - strlen(path_extension(f)));
    }
    const catalog_t *source = cats->site[0];
    for (size_t e = 0; e < catalog_count(source); e++) {
        const catalog_entry *c = catalog_entry_at(source, e);
        if (!context_of_survey(c->msgctxt, ids, nids))
            continue;
        char *name = entry_name(c->msgctxt, c->msgid);
        for (size_t l = 0; l < r->nlangs; l++) {
            bool own = catalog_get(cats->site[l], c->msgctxt, c->msgid) != NULL;
            l10n_state st = l == 0 || own ? L10N_TRANSLATED
                            : catalog_is_fuzzy(cats->site[l], c->msgctxt, c->msgid) ? L10N_OUTDATED
                                                                                    : L10N_MISSING;
            count(&r->langs[l].survey, st, name);
        }
        free(name);
    }
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    fs_list_free(&files);
}

int status_compute(const site_t *site, const l10n_catalogs *catalogs,
                   const char *const *theme_dirs, const char *const *theme_names,
                   size_t nthemes, status_report *r, diags_t *d)
{
    size_t errors_before = d->errors;
    const config_t *cfg = site->cfg;
    *r = (status_report){.langs = xcalloc(cfg->nlanguages, sizeof *r->langs),
                         .nlangs = cfg->nlanguages};
    for (size_t l = 0; l < cfg->nlanguages; l++) {
        r->langs[l].code = cfg->languages[l].code;
        r->langs[l].name = cfg->languages[l].name;
    }
    count_pages(site, r, d);
    count_ui(catalogs, theme_dirs, theme_names, nthemes, r, d);
    count_surveys(catalogs, r);
    return d->errors > errors_before ? -1 : 0;
}

/* --- output ----------------------------------------------------------------- */

static void text_count(buf_t *b, const char *what, const status_count *c)
{
    buf_printf(b, "%s %zu/%zu translated, %zu missing, %zu outdated", what, c->translated,
               c->total, c->missing, c->outdated);
}

static void text_names(buf_t *b, const char *what, const char *state, char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "    %s %s: %s\n", state, what, names[i]);
}

char *status_format_text(const status_report *r, bool verbose)
{
    buf_t b = BUF_INIT;
    const status_language *def = &r->langs[0];
    buf_printf(&b, "waymark status: default language %s (%s): %zu pages, %zu ui strings, ",
               def->code, def->name, def->pages.total, def->ui.total);
    if (r->has_surveys)
        buf_printf(&b, "%zu survey strings\n", def->survey.total);
    else
        buf_puts(&b, "no surveys\n");
    for (size_t l = 0; l < r->nlangs; l++) {
        const status_language *g = &r->langs[l];
        buf_printf(&b, "%s (%s): ", g->code, g->name);
        text_count(&b, "pages", &g->pages);
        buf_puts(&b, "; ");
        text_count(&b, "ui", &g->ui);
        if (r->has_surveys) {
            buf_puts(&b, "; ");
            text_count(&b, "surveys", &g->survey);
        }
        buf_putc(&b, '\n');
        if (!verbose)
            continue;
        text_names(&b, "page", "missing", g->pages.missing_names, g->pages.missing);
        text_names(&b, "page", "outdated", g->pages.outdated_names, g->pages.outdated);
        text_names(&b, "ui string", "missing", g->ui.missing_names, g->ui.missing);
        text_names(&b, "ui string", "outdated", g->ui.outdated_names, g->ui.outdated);
        text_names(&b, "survey string", "missing", g->survey.missing_names, g->survey.missing);
        text_names(&b, "survey string", "outdated", g->survey.outdated_names, g->survey.outdated);
    }
    if (verbose && r->nsources) {
        buf_printf(&b, "translation_of for each %s page (its current hash):\n", def->code);
        for (size_t i = 0; i < r->nsources; i++) {
            const char *tab = strchr(r->source_hashes[i], '\t');
            buf_printf(&b, "    %.*s: translation_of: %s\n", (int)(tab - r->source_hashes[i]),
                       r->source_hashes[i], tab + 1);
        }
    }
    return buf_detach(&b);
}

static void json_string(buf_t *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, '"');
}

static void json_list(buf_t *b, char **names, size_t n)
{
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(b, ", ");
        json_string(b, names[i]);
    }
    buf_putc(b, ']');
}

static void json_count(buf_t *b, const char *key, const status_count *c)
{
    buf_printf(b, "      \"%s\": {\"total\": %zu, \"translated\": %zu, \"missing\": %zu, "
               "\"outdated\": %zu, \"missing_items\": ", key, c->total, c->translated,
               c->missing, c->outdated);
    json_list(b, c->missing_names, c->missing);
    buf_puts(b, ", \"outdated_items\": ");
    json_list(b, c->outdated_names, c->outdated);
    buf_putc(b, '}');
}

char *status_format_json(const status_report *r)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "{\n  \"default_language\": ");
    json_string(&b, r->langs[0].code);
    buf_printf(&b, ",\n  \"complete\": %s,\n  \"has_surveys\": %s,\n  \"languages\": [\n",
               status_anything_missing(r) ? "false" : "true", r->has_surveys ? "true" : "false");
    for (size_t l = 0; l < r->nlangs; l++) {
        const status_language *g = &r->langs[l];
        buf_puts(&b, "    {\n      \"code\": ");
        json_string(&b, g->code);
        buf_puts(&b, ",\n      \"name\": ");
        json_string(&b, g->name);
        buf_puts(&b, ",\n");
        json_count(&b, "pages", &g->pages);
        buf_puts(&b, ",\n");
        json_count(&b, "ui", &g->ui);
        buf_puts(&b, ",\n");
        json_count(&b, "surveys", &g->survey);
        buf_printf(&b, "\n    }%s\n", l + 1 < r->nlangs ? "," : "");
    }
    buf_puts(&b, "  ],\n  \"source_hashes\": {");
    for (size_t i = 0; i < r->nsources; i++) {
        const char *tab = strchr(r->source_hashes[i], '\t');
        char *key = xstrndup(r->source_hashes[i], (size_t)(tab - r->source_hashes[i]));
        buf_puts(&b, i ? ", " : "");
        json_string(&b, key);
        buf_puts(&b, ": ");
        json_string(&b, tab + 1);
        free(key);
    }
    buf_puts(&b, "}\n}\n");
    return buf_detach(&b);
}

bool status_anything_missing(const status_report *r)
{
    for (size_t l = 0; l < r->nlangs; l++)
        if (r->langs[l].pages.missing || r->langs[l].ui.missing || r->langs[l].survey.missing)
            return true;
    return false;
}

static void free_count(status_count *c)
{
    for (size_t i = 0; i < c->missing; i++)
        free(c->missing_names[i]);
    for (size_t i = 0; i < c->outdated; i++)
        free(c->outdated_names[i]);
    free(c->missing_names);
    free(c->outdated_names);
}

void status_report_free(status_report *r)
{
    for (size_t l = 0; l < r->nlangs; l++) {
        free_count(&r->langs[l].pages);
        free_count(&r->langs[l].ui);
        free_count(&r->langs[l].survey);
    }
    free(r->langs);
    for (size_t i = 0; i < r->nsources; i++)
        free(r->source_hashes[i]);
    free(r->source_hashes);
    *r = (status_report){0};
}
