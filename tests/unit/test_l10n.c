/* Tests for l10n (catalog layers, digits), right-to-left detection
 * (config_default_direction) and status's source hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "config.h"
#include "l10n.h"
#include "status.h"

static catalog_t *catalog_from(const char *entries)
{
    char path[] = "/tmp/waymark-test-l10n-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n"
               "\"Plural-Forms: nplurals=2; plural=(n != 1);\\n\"\n\n%s", entries);
    fclose(f);
    diags_t d = DIAGS_INIT;
    catalog_t *c = catalog_load(path, path, &d);
    unlink(path);
    assert_int_equal(d.errors, 0);
    diag_free(&d);
    assert_non_null(c);
    return c;
}

static void test_rtl_detection(void **state)
{
    (void)state;
    static const char *const rtl[] = {"ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv",
                                      "ckb", "ar-EG", "fa-AF", "ku-Arab", NULL};
    static const char *const ltr[] = {"en", "fi", "es", "ru", "ja", "fr", "pt-BR", "ku",
                                      "arn", "far", "heb", "tr", "zh-Hans", NULL};
    for (const char *const *c = rtl; *c; c++)
        if (strcmp(config_default_direction(*c), "rtl"))
            fail_msg("%s should be rtl", *c);
    for (const char *const *c = ltr; *c; c++)
        if (strcmp(config_default_direction(*c), "ltr"))
            fail_msg("%s should be ltr", *c);
}

static void test_digits(void **state)
{
    (void)state;
    char *s = l10n_localize_digits("5 March 2024, 10:30", "arab");
    assert_string_equal(s, "٥ March ٢٠٢٤, ١٠:٣٠");
    free(s);
    s = l10n_localize_digits("1390", "arabext");
    assert_string_equal(s, "۱۳۹۰");
    free(s);
    s = l10n_localize_digits("0123456789", "deva");
    assert_string_equal(s, "०१२३४५६७८९");
    free(s);
    s = l10n_localize_digits("42", NULL);
    assert_string_equal(s, "42");
    free(s);
    s = l10n_localize_digits("42", "latn");
    assert_string_equal(s, "42");
    free(s);
    assert_int_equal(l10n_digit_zero("arab"), 0x660);
    assert_int_equal(l10n_digit_zero("roman"), 0);
    assert_int_equal(l10n_digit_zero(NULL), 0);
    assert_non_null(strstr(l10n_digit_systems(), "arabext"));
}

/* site[lang] > theme[lang] > site[default] > theme[default] > NULL */
static void test_lookup_layers(void **state)
{
    (void)state;
    catalog_t *site[2], *theme[2];
    site[0] = catalog_from("msgid \"Only en site\"\nmsgstr \"EN site\"\n");
    theme[0] = catalog_from("msgid \"Home\"\nmsgstr \"Home\"\n\n"
                            "msgid \"Only en theme\"\nmsgstr \"EN theme\"\n");
    site[1] = catalog_from("msgid \"Home\"\nmsgstr \"Alkuun\"\n\n"
                           "#, fuzzy\nmsgid \"Fuzzy\"\nmsgstr \"Epävarma\"\n");
    theme[1] = catalog_from("msgid \"Home\"\nmsgstr \"Etusivu\"\n\n"
                            "msgid \"Next\"\nmsgstr \"Seuraava\"\n\n"
                            "msgid \"%d step\"\nmsgid_plural \"%d steps\"\n"
                            "msgstr[0] \"%d vaihe\"\nmsgstr[1] \"%d vaihetta\"\n");
    assert_string_equal(l10n_lookup(site, theme, 1, NULL, "Home", false, 0), "Alkuun");
    assert_string_equal(l10n_lookup(site, theme, 1, NULL, "Next", false, 0), "Seuraava");
    assert_string_equal(l10n_lookup(site, theme, 1, NULL, "Only en site", false, 0), "EN site");
    assert_string_equal(l10n_lookup(site, theme, 1, NULL, "Only en theme", false, 0), "EN theme");
    assert_null(l10n_lookup(site, theme, 1, NULL, "Nowhere", false, 0));
    assert_null(l10n_lookup(site, theme, 1, NULL, "Fuzzy", false, 0));
    assert_string_equal(l10n_lookup(site, theme, 1, NULL, "%d step", true, 3), "%d vaihetta");
    assert_string_equal(l10n_lookup(site, theme, 0, NULL, "Home", false, 0), "Home");
    assert_string_equal(l10n_lookup(site, NULL, 1, NULL, "Home", false, 0), "Alkuun");
    assert_null(l10n_lookup(NULL, NULL, 1, NULL, "Home", false, 0));

    l10n_catalogs cats = {site, theme, NULL, NULL, 2};
    assert_int_equal(l10n_entry_state(&cats, 1, NULL, "Next"), L10N_TRANSLATED);
    assert_int_equal(l10n_entry_state(&cats, 1, NULL, "Fuzzy"), L10N_OUTDATED);
    /* the default language's text does not make a translation */
    assert_int_equal(l10n_entry_state(&cats, 1, NULL, "Only en site"), L10N_MISSING);
    for (int i = 0; i < 2; i++) {
        catalog_free(site[i]);
        catalog_free(theme[i]);
    }
}

static void test_source_hash_ignores_crlf(void **state)
{
    (void)state;
    char a[65], b[65], c[65];
    status_source_hash("Line one\nLine two\n", 18, a);
    status_source_hash("Line one\r\nLine two\r\n", 20, b);
    status_source_hash("Line one\nLine 2\n", 16, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    /* sha256("Line one\nLine two\n"), as sha256sum computes it */
    assert_string_equal(a, "ac98c501f944c7948e6d3b004c195429c1c560027d9f96284ec2d6028d72381b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtl_detection),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_lookup_layers),
        cmocka_unit_test(test_source_hash_ignores_crlf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
