#include "l10n.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs.h"
#include "path.h"
#include "xalloc.h"

/* --- catalogs --------------------------------------------------------------- */

static catalog_t *load_if_present(const char *path, const char *shown, bool *found, diags_t *d)
{
    *found = fs_is_file(path);
    catalog_t *c = *found ? catalog_load(path, shown, d) : NULL;
    return c ? c : catalog_empty();
}

void l10n_load_catalogs(const config_t *cfg, const char *const *theme_dirs,
                        const char *const *theme_names, size_t n_themes, l10n_catalogs *out,
                        diags_t *d)
{
    size_t n = cfg->nlanguages;
    *out = (l10n_catalogs){xcalloc(n, sizeof(catalog_t *)), xcalloc(n, sizeof(catalog_t *)),
                           xcalloc(n, sizeof(bool)), xcalloc(n, sizeof(bool)), n};
    for (size_t l = 0; l < n; l++) {
        const char *code = cfg->languages[l].code;
        char *path = xasprintf("locales/%s.po", code);
        out->site[l] = load_if_present(path, path, &out->has_site[l], d);
        size_t t = 0;
        for (; t < n_themes; t++) {
            char *tp = xasprintf("%s/locales/%s.po", theme_dirs[t], code);
            char *shown = xasprintf("%s/locales/%s.po", theme_names[t], code);
            bool is_file = fs_is_file(tp);
            if (is_file)
                out->theme[l] = load_if_present(tp, shown, &out->has_theme[l], d);
            free(tp);
            free(shown);
            if (is_file)
                break;
        }
        if (!out->theme[l])
            out->theme[l] = catalog_empty();
        if (!out->has_site[l] && !out->has_theme[l] && fs_is_dir("locales"))
            diag_warning(d, path, 0, 0, "no catalog: interface texts in %s fall back to %s",
                         cfg->languages[l].name, cfg->languages[0].name);
        free(path);
    }
}

void l10n_catalogs_free(l10n_catalogs *c)
{
    for (size_t l = 0; l < c->n; l++) {
        catalog_free(c->site[l]);
        catalog_free(c->theme[l]);
    }
    free(c->site);
    free(c->theme);
    free(c->has_site);
    free(c->has_theme);
    *c = (l10n_catalogs){0};
}

static const char *lookup_one(const catalog_t *c, const char *ctx, const char *id, bool plural,
                              unsigned long n)
{
    if (!c)
        return NULL;
    return plural ? catalog_nget(c, ctx, id, NULL, n) : catalog_get(c, ctx, id);
}

const char *l10n_lookup(catalog_t *const *site, catalog_t *const *theme, int lang,
                        const char *msgctxt, const char *msgid, bool plural, unsigned long n)
{
    const int langs[2] = {lang, 0};
    for (int i = 0; i < (lang == 0 ? 1 : 2); i++) {
        const char *s = lookup_one(site ? site[langs[i]] : NULL, msgctxt, msgid, plural, n);
        if (!s)
            s = lookup_one(theme ? theme[langs[i]] : NULL, msgctxt, msgid, plural, n);
        if (s)
            return s;
    }
    return NULL;
}

l10n_state l10n_entry_state(const l10n_catalogs *c, int lang, const char *msgctxt,
                            const char *msgid)
{
    if (catalog_get(c->site[lang], msgctxt, msgid) || catalog_get(c->theme[lang], msgctxt, msgid))
        return L10N_TRANSLATED;
    if (catalog_is_fuzzy(c->site[lang], msgctxt, msgid) ||
        catalog_is_fuzzy(c->theme[lang], msgctxt, msgid))
        return L10N_OUTDATED;
    return L10N_MISSING;
}

/* --- digits ------------------------------------------------------------------ */

/* CLDR numbering system names with decimal digits in one Unicode block. */
static const struct {
    const char *name;
    uint32_t zero;
} DIGITS[] = {
    {"latn", 0x30},    {"arab", 0x660},   {"arabext", 0x6F0}, {"deva", 0x966},
    {"beng", 0x9E6},   {"guru", 0xA66},   {"gujr", 0xAE6},    {"orya", 0xB66},
    {"tamldec", 0xBE6}, {"telu", 0xC66},  {"knda", 0xCE6},    {"mlym", 0xD66},
    {"thai", 0xE50},   {"laoo", 0xED0},   {"tibt", 0xF20},    {"mymr", 0x1040},
    {"khmr", 0x17E0},  {"mong", 0x1810},  {"fullwide", 0xFF10},
};

uint32_t l10n_digit_zero(const char *system)
{
    for (size_t i = 0; system && i < sizeof DIGITS / sizeof *DIGITS; i++)
        if (!strcmp(DIGITS[i].name, system))
            return DIGITS[i].zero;
    return 0;
}

const char *l10n_digit_systems(void)
{
    return "latn, arab, arabext, deva, beng, guru, gujr, orya, tamldec, telu, knda, mlym, "
           "thai, laoo, tibt, mymr, khmr, mong, fullwide";
}

static void put_utf8(buf_t *b, uint32_t cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xC0 | (cp >> 6)), s[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else {
        s[0] = (char)(0xE0 | (cp >> 12)), s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    }
    buf_putn(b, s, n);
}

char *l10n_localize_digits(const char *s, const char *system)
{
    uint32_t zero = l10n_digit_zero(system);
    if (!zero || zero == 0x30)
        return xstrdup(s);
    buf_t b = BUF_INIT;
    buf_puts(&b, "");
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            put_utf8(&b, zero + (uint32_t)(*s - '0'));
        else
            buf_putc(&b, *s);
    }
    return buf_detach(&b);
}
