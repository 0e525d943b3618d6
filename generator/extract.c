#include "extract.h"

#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "l10n.h"
#include "pot.h"
#include "survey.h"
#include "surveys.h"
#include "uistrings.h"
#include "xalloc.h"

typedef void (*extract_step)(const extract_context *ctx, extract_result *res, diags_t *d);

/* A count in a template gives no English plural; the default language's
 * catalog (site, then theme) usually has it ("%d minutes read"). */
static void fill_plurals(const extract_context *ctx, pot_t *pot)
{
    diags_t ignored = DIAGS_INIT; /* catalog problems are the build's to report */
    l10n_catalogs cats;
    l10n_load_catalogs(ctx->cfg, ctx->theme_dirs, ctx->theme_names, ctx->nthemes, &cats,
                       &ignored);
    for (size_t i = 0; i < pot->len; i++) {
        pot_entry *e = &pot->entries[i];
        if (!e->msgid_plural)
            continue;
        catalog_t *layers[2] = {cats.site[0], cats.theme[0]};
        for (int k = 0; k < 2; k++) {
            const char *found = NULL;
            for (size_t j = 0; j < catalog_count(layers[k]) && !found; j++) {
                const catalog_entry *c = catalog_entry_at(layers[k], j);
                if (c->msgid_plural && !strcmp(c->msgid, e->msgid)
                    && (c->msgctxt == NULL) == (e->msgctxt == NULL)
                    && (!c->msgctxt || !strcmp(c->msgctxt, e->msgctxt)))
                    found = c->msgid_plural;
            }
            if (found) {
                free(e->msgid_plural);
                e->msgid_plural = xstrdup(found);
                break;
            }
        }
    }
    l10n_catalogs_free(&cats);
    diag_free(&ignored);
}

static void extract_ui(const extract_context *ctx, extract_result *res, diags_t *d)
{
    pot_t pot = POT_INIT;
    size_t errors_before = d->errors;
    uistrings_collect(ctx->theme_dirs, ctx->theme_names, ctx->nthemes, &pot, d);
    fill_plurals(ctx, &pot);
    const char *path = EXTRACT_DIR "/ui.pot";
    if (d->errors == errors_before && pot_write(&pot, path, ctx->cfg->name, d) == 0)
        extract_result_add(res, path, pot.len);
    pot_free(&pot);
}

/* One .pot per surveys/<id>.yaml (msgctxt <survey>/<question>...). */
static void extract_surveys(const extract_context *ctx, extract_result *res, diags_t *d)
{
    surveys_t surveys = {0};
    if (surveys_load(ctx->cfg, &surveys, d) == 0 &&
        surveys_write_pots(&surveys, EXTRACT_DIR, d) == 0)
        for (size_t i = 0; i < surveys.len; i++) {
            char *path = xasprintf(EXTRACT_DIR "/%s.pot", surveys.items[i]->id);
            extract_result_add(res, path, surveys.items[i]->ntexts);
            free(path);
        }
    surveys_free(&surveys);
}

/* Each writes .pot files below locales/templates/. */
static const extract_step STEPS[] = {
    extract_ui,
    extract_surveys,
};

void extract_result_add(extract_result *res, const char *path, size_t count)
{
    xgrow((void **)&res->files, &res->cap, res->nfiles + 1, sizeof *res->files);
    xgrow((void **)&res->counts, &res->counts_cap, res->nfiles + 1, sizeof *res->counts);
    res->files[res->nfiles] = xstrdup(path);
    res->counts[res->nfiles++] = count;
}

void extract_run(const config_t *cfg, const char *const *theme_dirs,
                 const char *const *theme_names, size_t nthemes, extract_result *res,
                 diags_t *d)
{
    extract_context ctx = {cfg, theme_dirs, theme_names, nthemes};
    for (size_t i = 0; i < sizeof STEPS / sizeof *STEPS; i++)
        STEPS[i](&ctx, res, d);
}

void extract_result_free(extract_result *res)
{
    for (size_t i = 0; i < res->nfiles; i++)
        free(res->files[i]);
    free(res->files);
    free(res->counts);
    *res = (extract_result){0};
}
