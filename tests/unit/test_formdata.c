/* The form parser decides what counts as a browser's form body: every
 * malformed shape must be refused, every real one read exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "formdata.h"

static form_t parse_ok(const char *body)
{
    form_t f;
    const char *err = NULL;
    int rc = form_parse(body, strlen(body), &f, &err);
    if (rc != 0)
        fail_msg("'%s' refused: %s", body, err);
    return f;
}

static void assert_refused(const char *body)
{
    form_t f;
    const char *err = NULL;
    if (form_parse(body, strlen(body), &f, &err) == 0)
        fail_msg("'%s' accepted", body);
    assert_non_null(err);
    assert_int_equal(f.len, 0);
}

static void test_reads_fields_in_order(void **state)
{
    (void)state;
    form_t f = parse_ok("_survey=wellbeing&age=2&topics=a&topics=c&comment=");
    assert_int_equal(f.len, 5);
    assert_string_equal(f.items[0].name, "_survey");
    assert_string_equal(f.items[0].value, "wellbeing");
    assert_string_equal(f.items[3].value, "c");
    assert_string_equal(f.items[4].value, "");
    assert_int_equal(form_count(&f, "topics"), 2);
    assert_int_equal(form_count(&f, "nope"), 0);
    assert_string_equal(form_get(&f, "topics"), "a");
    assert_null(form_get(&f, "nope"));
    form_free(&f);
}

static void test_decodes_plus_and_percent(void **state)
{
    (void)state;
    form_t f = parse_ok("help.where=at+home%2C%20mostly&q%2Eother=caf%C3%A9&t=line1%0D%0Aline2");
    assert_string_equal(f.items[0].name, "help.where");
    assert_string_equal(f.items[0].value, "at home, mostly");
    assert_string_equal(f.items[1].name, "q.other");
    assert_string_equal(f.items[1].value, "caf\xc3\xa9");
    assert_string_equal(f.items[2].value, "line1\r\nline2");
    form_free(&f);
    f = parse_ok("a=%2B%26%3D");
    assert_string_equal(f.items[0].value, "+&=");
    form_free(&f);
}

static void test_empty_body_has_no_fields(void **state)
{
    (void)state;
    form_t f = parse_ok("");
    assert_int_equal(f.len, 0);
    form_free(&f);
}

static void test_refuses_malformed(void **state)
{
    (void)state;
    assert_refused("a=1&&b=2");       /* empty pair */
    assert_refused("a=1&");           /* trailing & */
    assert_refused("&a=1");           /* leading & */
    assert_refused("a");              /* no = */
    assert_refused("=1");             /* no name */
    assert_refused("a=%");            /* truncated escape */
    assert_refused("a=%4");
    assert_refused("a=%zz");
    assert_refused("a=%00");          /* NUL */
    assert_refused("a=%07");          /* control character */
    assert_refused("a=%C3");          /* truncated UTF-8 */
    assert_refused("a=%C0%AF");       /* overlong UTF-8 */
    assert_refused("a=%ED%A0%80");    /* surrogate */
    assert_refused("a=caf\xc3\xa9");  /* raw non-ASCII byte */
    assert_refused("a=b c");          /* raw space */
    assert_refused("a=b\nc");         /* raw line break */
    assert_refused("a=<b>");          /* raw < > */
}

static void test_refuses_too_many_fields(void **state)
{
    (void)state;
    size_t n = FORM_MAX_FIELDS + 1;
    char *body = test_malloc(n * 4 + 1);
    char *p = body;
    for (size_t i = 0; i < n; i++) {
        memcpy(p, i ? "&a=1" : "a=1", i ? 4 : 3);
        p += i ? 4 : 3;
    }
    *p = '\0';
    assert_refused(body);
    test_free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_fields_in_order),
        cmocka_unit_test(test_decodes_plus_and_percent),
        cmocka_unit_test(test_empty_body_has_no_fields),
        cmocka_unit_test(test_refuses_malformed),
        cmocka_unit_test(test_refuses_too_many_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
