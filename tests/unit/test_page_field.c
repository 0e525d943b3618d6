/* page_field: every field a template can read is found by its name, and
 * only those. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "page_field.h"

static void test_every_field_is_found_by_its_name(void **state)
{
    (void)state;
    for (int f = 0; f < PAGE_FIELD_COUNT; f++) {
        const char *name = page_field_name((page_field)f);
        assert_int_equal(page_field_find(name), f);
        if (f > 0) /* the search needs them in order */
            assert_true(strcmp(page_field_name((page_field)(f - 1)), name) < 0);
    }
}

static void test_names_templates_use(void **state)
{
    (void)state;
    assert_int_equal(page_field_find("title"), PF_TITLE);
    assert_int_equal(page_field_find("url"), PF_URL);
    assert_int_equal(page_field_find("module_number"), PF_MODULE_NUMBER);
    assert_int_equal(page_field_find("modules"), PF_MODULES);
    assert_int_equal(page_field_find("series_prev"), PF_SERIES_PREV);
    assert_int_equal(page_field_find("years"), PF_YEARS);
    assert_int_equal(page_field_find("ancestors"), PF_ANCESTORS);
}

static void test_other_names_are_no_fields(void **state)
{
    (void)state;
    assert_int_equal(page_field_find(""), -1);
    assert_int_equal(page_field_find("Title"), -1);
    assert_int_equal(page_field_find("titles"), -1);
    assert_int_equal(page_field_find("zzz"), -1);
    assert_int_equal(page_field_find("a"), -1);
}

static void test_reader_dependent_fields(void **state)
{
    (void)state;
    assert_true(page_field_reader_dependent(PF_URL));
    assert_true(page_field_reader_dependent(PF_IS_CURRENT));
    assert_true(page_field_reader_dependent(PF_FEED));
    assert_true(page_field_reader_dependent(PF_SURVEY_STYLESHEET));
    assert_false(page_field_reader_dependent(PF_PATH));
    assert_false(page_field_reader_dependent(PF_TITLE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_is_found_by_its_name),
        cmocka_unit_test(test_names_templates_use),
        cmocka_unit_test(test_other_names_are_no_fields),
        cmocka_unit_test(test_reader_dependent_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
