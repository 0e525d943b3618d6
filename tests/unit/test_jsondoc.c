/* The JSON reader reads what waymark writes (schema.json) and refuses what
 * RFC 8259 refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jsondoc.h"

static json_value *parse(const char *text)
{
    char *err = NULL;
    json_value *v = json_parse(text, strlen(text), &err);
    if (!v)
        fail_msg("'%s' refused: %s", text, err);
    return v;
}

static void assert_refused(const char *text)
{
    char *err = NULL;
    json_value *v = json_parse(text, strlen(text), &err);
    if (v)
        fail_msg("'%s' accepted", text);
    assert_non_null(err);
    free(err);
}

static void test_reads_objects_in_order(void **state)
{
    (void)state;
    json_value *v = parse(" {\"b\": [1, -2.5e1, true, false, null], \"a\": \"x\\u00e9\\ud83d\\ude00\\n\"} ");
    assert_int_equal(v->type, JSON_OBJECT);
    assert_string_equal(v->keys[0], "b");
    const json_value *b = json_get(v, "b");
    assert_int_equal(b->len, 5);
    assert_true(b->items[1]->number == -25.0);
    assert_int_equal(b->items[2]->type, JSON_TRUE);
    assert_true(json_is_null(b->items[4]));
    assert_string_equal(json_string(json_get(v, "a")), "x\xc3\xa9\xf0\x9f\x98\x80\n");
    assert_null(json_get(v, "c"));
    assert_true(json_is_null(json_get(v, "c")));
    json_free(v);
}

static void test_refuses_what_rfc8259_refuses(void **state)
{
    (void)state;
    assert_refused("");
    assert_refused("{\"a\": 1,}");
    assert_refused("[1 2]");
    assert_refused("{'a': 1}");
    assert_refused("// c\n{}");
    assert_refused("01");
    assert_refused("1.");
    assert_refused("\"\\x\"");
    assert_refused("\"\\ud800\"");
    assert_refused("\"\\u0000\"");
    assert_refused("\"a\nb\"");
    assert_refused("\"\xff\"");
    assert_refused("{} {}");
    assert_refused("1e999");
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[sizeof deep - 1] = '\0';
    assert_refused(deep);
}

static void test_error_has_line_and_column(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(json_parse("{\n  \"a\": tru\n}", 14, &err));
    assert_string_equal(err, "line 2, column 8: unexpected character");
    free(err);
}

static void test_writes_strings_escaped(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    json_put_string(&b, "a\"b\\c\n\x01 \xc3\xa9");
    assert_string_equal(buf_cstr(&b), "\"a\\\"b\\\\c\\n\\u0001 \xc3\xa9\"");
    char *err = NULL;
    json_value *v = json_parse(b.data, b.len, &err);
    assert_string_equal(v->string, "a\"b\\c\n\x01 \xc3\xa9");
    json_free(v);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_objects_in_order),
        cmocka_unit_test(test_refuses_what_rfc8259_refuses),
        cmocka_unit_test(test_error_has_line_and_column),
        cmocka_unit_test(test_writes_strings_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
