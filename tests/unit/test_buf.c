/* Tests for buf, the string builder: every way of reading a buffer gives
 * a terminated string, including a buffer nothing was written to (an
 * empty Markdown heading once produced an id from uninitialised memory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "markdown.h"

static void empty_buffer_reads_as_empty_string(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    assert_string_equal(buf_cstr(&b), "");
    buf_free(&b);
    buf_t c = BUF_INIT;
    char *s = buf_detach(&c);
    assert_string_equal(s, "");
    free(s);
    buf_t e = BUF_INIT;
    buf_printf(&e, "%s", ""); /* writes nothing */
    assert_string_equal(buf_cstr(&e), "");
    buf_free(&e);
}

static void appends_and_escapes(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_puts(&b, "a");
    buf_putc(&b, 'b');
    buf_printf(&b, "%d", 42);
    buf_put_html(&b, "<&\"'>", 5);
    assert_string_equal(buf_cstr(&b), "ab42&lt;&amp;&quot;&#39;&gt;");
    buf_reset(&b);
    assert_string_equal(buf_cstr(&b), "");
    char *s = buf_detach(&b);
    assert_string_equal(s, "");
    assert_null(b.data);
    free(s);
}

/* Numbers written by hand read as printf writes them; text longer than the
 * room left is formatted whole (buf_printf formats into the room first). */
static void numbers_and_long_text_read_as_printf_writes_them(void **state)
{
    (void)state;
    const uint64_t unsigned_values[] = {0, 7, 10, 4294967295u, UINT64_MAX};
    const int64_t signed_values[] = {0, -1, 42, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < 5; i++) {
        buf_t mine = BUF_INIT;
        char theirs[64];
        buf_put_u64(&mine, unsigned_values[i]);
        buf_putc(&mine, ' ');
        buf_put_i64(&mine, signed_values[i]);
        snprintf(theirs, sizeof theirs, "%" PRIu64 " %" PRId64, unsigned_values[i],
                 signed_values[i]);
        assert_string_equal(buf_cstr(&mine), theirs);
        buf_free(&mine);
    }
    /* around the room a fresh buffer has (64 bytes, its NUL included) */
    for (size_t n = 60; n <= 70; n++) {
        char text[80];
        memset(text, 'a' + (int)(n % 26), n);
        text[n] = '\0';
        buf_t fresh = BUF_INIT;
        buf_printf(&fresh, "%s", text);
        assert_int_equal(fresh.len, n);
        assert_string_equal(buf_cstr(&fresh), text);
        buf_printf(&fresh, "%s", text); /* and again, after it */
        assert_int_equal(fresh.len, 2 * n);
        assert_memory_equal(fresh.data + n, text, n + 1);
        buf_free(&fresh);
    }
    char long_text[5000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    buf_t b = BUF_INIT;
    buf_puts(&b, "a");
    buf_printf(&b, "<%s>", long_text);
    buf_printf(&b, "%d", 7);
    assert_int_equal(b.len, 1 + 2 + strlen(long_text) + 1);
    assert_int_equal(strlen(buf_cstr(&b)), b.len);
    assert_int_equal(b.data[1], '<');
    assert_int_equal(b.data[b.len - 2], '>');
    assert_int_equal(b.data[b.len - 1], '7');
    buf_free(&b);
}

static void empty_heading_gets_a_fixed_id(void **state)
{
    (void)state;
    char *id = md_heading_slug("");
    assert_string_equal(id, "section");
    free(id);
}

/* Codebook and export cells: a researcher's CSV reader must get the text back. */
static void csv_fields_are_quoted_only_when_needed(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_put_csv(&b, "plain");
    buf_putc(&b, ',');
    buf_put_csv(&b, "a, \"b\"\nc");
    buf_putc(&b, ',');
    buf_put_csv(&b, NULL);
    assert_string_equal(buf_cstr(&b), "plain,\"a, \"\"b\"\"\nc\",");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_buffer_reads_as_empty_string),
        cmocka_unit_test(appends_and_escapes),
        cmocka_unit_test(numbers_and_long_text_read_as_printf_writes_them),
        cmocka_unit_test(empty_heading_gets_a_fixed_id),
        cmocka_unit_test(csv_fields_are_quoted_only_when_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
