/* Tests for uistrings (the t()/tc() scanner) and pot (the .pot writer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pot.h"
#include "uistrings.h"

static const pot_entry *must_find(const pot_t *pot, const char *ctxt, const char *id)
{
    const pot_entry *e = pot_find(pot, ctxt, id);
    if (!e)
        fail_msg("no entry [%s] %s", ctxt ? ctxt : "", id);
    return e;
}

static void test_scan_finds_calls_with_lines(void **state)
{
    (void)state;
    static const char tpl[] =
        "<h1>{{ t(\"Page not found\") }}</h1>\n"                                /* 1 */
        "{% local n = tc('date format', '%e %B %Y') %}\n"                       /* 2 */
        "<p>{{ t(\"%d minute read\", minutes) }} {{ tc(\"month\", \"May\", 2) }}</p>\n" /* 3 */
        "{#- t(\"In a comment\") -#}\n"                                          /* 4 */
        "<p>t(\"Outside a tag\")</p>\n"                                          /* 5 */
        "{{ x.t(\"A method\") }} {{ text(\"Not t\") }} {{ \"t('in a string')\" }}\n" /* 6 */
        "{% -- t(\"Lua comment\")\n"                                             /* 7 */
        "   local s = t [[Long\n"                                                /* 8 */
        "string]] %}\n"                                                          /* 9 */
        "{{ t(\"Esc\\\"aped\\n\") }}{{ t(\"Page not found\") }}\n";              /* 10 */
    pot_t pot = POT_INIT;
    diags_t d = DIAGS_INIT;
    uistrings_scan(tpl, "themes/default/templates/x.html", &pot, &d);
    assert_int_equal(d.len, 0);
    const pot_entry *e = must_find(&pot, NULL, "Page not found");
    assert_int_equal(e->nrefs, 2);
    assert_string_equal(e->refs[0], "themes/default/templates/x.html:1");
    assert_string_equal(e->refs[1], "themes/default/templates/x.html:10");
    assert_null(e->msgid_plural);
    e = must_find(&pot, "date format", "%e %B %Y");
    assert_string_equal(e->refs[0], "themes/default/templates/x.html:2");
    e = must_find(&pot, NULL, "%d minute read");
    assert_string_equal(e->msgid_plural, "%d minute read");
    assert_non_null(must_find(&pot, "month", "May")->msgid_plural);
    /* t [[...]] is not a call with parentheses: not taken */
    assert_null(pot_find(&pot, NULL, "Long\nstring"));
    assert_string_equal(must_find(&pot, NULL, "Esc\"aped\n")->refs[0],
                        "themes/default/templates/x.html:10");
    static const char *const absent[] = {"In a comment", "Outside a tag", "A method", "Not t",
                                         "in a string", "Lua comment", NULL};
    for (const char *const *a = absent; *a; a++)
        if (pot_find(&pot, NULL, *a))
            fail_msg("'%s' should not be extracted", *a);
    assert_int_equal(pot.len, 5);
    pot_free(&pot);
    diag_free(&d);
}

static void test_scan_warns_on_computed_text(void **state)
{
    (void)state;
    static const char tpl[] = "{{ t(label) }}\n{{ t(\"a\" .. b) }}\n{{ tc(ctx, \"x\") }}\n";
    pot_t pot = POT_INIT;
    diags_t d = DIAGS_INIT;
    uistrings_scan(tpl, "t.html", &pot, &d);
    assert_int_equal(pot.len, 0);
    assert_int_equal(d.warnings, 3);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.items[1].line, 2);
    assert_non_null(strstr(d.items[0].msg, "not a string literal"));
    pot_free(&pot);
    diag_free(&d);
}

static void test_pot_format(void **state)
{
    (void)state;
    pot_t pot = POT_INIT;
    pot_add(&pot, NULL, "Say \"hi\"\\now", NULL, "a.html", 3, NULL);
    pot_add(&pot, "month", "May", NULL, NULL, 0, "A month's name.");
    pot_add(&pot, NULL, "%d step", "%d steps", "b.html", 7, NULL);
    pot_add(&pot, NULL, "Say \"hi\"\\now", NULL, "a.html", 3, NULL); /* same ref once */
    pot_add(&pot, NULL, "Two\nlines", NULL, "c.html", 1, NULL);
    char *text = pot_format(&pot, "demo");
    assert_non_null(strstr(text, "\"Project-Id-Version: demo\\n\"\n"));
    assert_non_null(strstr(text, "\n#: a.html:3\nmsgid \"Say \\\"hi\\\"\\\\now\"\nmsgstr \"\"\n"));
    assert_null(strstr(text, "#: a.html:3\n#: a.html:3"));
    assert_non_null(strstr(text, "\n#. A month's name.\nmsgctxt \"month\"\nmsgid \"May\"\nmsgstr \"\"\n"));
    assert_non_null(strstr(text, "#: b.html:7\nmsgid \"%d step\"\nmsgid_plural \"%d steps\"\n"
                                 "msgstr[0] \"\"\nmsgstr[1] \"\"\n"));
    assert_non_null(strstr(text, "msgid \"\"\n\"Two\\n\"\n\"lines\"\n"));
    free(text);
    pot_free(&pot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_finds_calls_with_lines),
        cmocka_unit_test(test_scan_warns_on_computed_text),
        cmocka_unit_test(test_pot_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
