/* Relative URLs are what make a site work under any sub-path and from
 * file://, so they are pinned here by example. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "path.h"

static void assert_relative(const char *from, const char *to, const char *want)
{
    char *got = path_relative_url(from, to);
    assert_string_equal(got, want);
    free(got);
}

static void test_relative_url(void **state)
{
    (void)state;
    assert_relative("en/about/index.html", "en/index.html", "../index.html");
    assert_relative("en/about/index.html", "fi/about/index.html", "../../fi/about/index.html");
    assert_relative("en/about/index.html", "style.css", "../../style.css");
    assert_relative("index.html", "en/index.html", "en/index.html");
    assert_relative("en/index.html", "en/index.html", "index.html");
    assert_relative("en/a/b/index.html", "en/a/c/index.html", "../c/index.html");
    assert_relative("en/ab/index.html", "en/a/index.html", "../a/index.html");
    assert_relative("en/404.html", "style.css", "../style.css");
}

static void assert_normalized(const char *in, const char *want)
{
    char *got = path_normalize(in);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_string_equal(got, want);
    free(got);
}

static void test_normalize(void **state)
{
    (void)state;
    assert_normalized("a/./b//c", "a/b/c");
    assert_normalized("a/b/../c", "a/c");
    assert_normalized("../x", NULL);
    assert_normalized("a/../../x", NULL);
    assert_normalized("/srv/./out", "/srv/out");
    assert_normalized("./out", "out");
    assert_normalized("en/posts/../about/", "en/about/");
    assert_normalized("en/posts/long-name/../../fi/x", "en/fi/x");
    assert_normalized("a/..", "");
    assert_normalized("a/../", "");
    assert_normalized("/", "/");
    assert_normalized("/a/../b", "/b");
    assert_normalized("", "");
}

static void test_absolute_urls(void **state)
{
    (void)state;
    assert_true(path_url_is_absolute("https://example.org/"));
    assert_true(path_url_is_absolute("mailto:a@b"));
    assert_true(path_url_is_absolute("//evil.example/x.png"));
    assert_true(path_url_is_absolute("JavaScript:alert(1)"));
    assert_false(path_url_is_absolute("about.md"));
    assert_false(path_url_is_absolute("#top"));
    assert_false(path_url_is_absolute("img/a.png"));
}

static void test_url_encode(void **state)
{
    (void)state;
    char *s = path_url_encode("en/a b/100%/index.html");
    assert_string_equal(s, "en/a%20b/100%25/index.html");
    free(s);
    s = path_url_encode("ar/مقالات/index.html");
    assert_string_equal(s, "ar/مقالات/index.html");
    free(s);
    s = path_url_encode("en/what?#x/index.html");
    assert_string_equal(s, "en/what%3F%23x/index.html");
    free(s);
}

static void test_percent_decode(void **state)
{
    (void)state;
    assert_int_equal(path_percent_byte("%2f", 3), '/');
    assert_int_equal(path_percent_byte("%C3", 3), 0xC3);
    assert_int_equal(path_percent_byte("%2", 2), -1);  /* cut short */
    assert_int_equal(path_percent_byte("%zz", 3), -1);
    assert_int_equal(path_percent_byte("a20", 3), -1);
    char *s = path_percent_decode("a%20b/%D9%85%", 13);
    assert_string_equal(s, "a b/\xd9\x85%"); /* a lone '%' stays */
    free(s);
    s = path_percent_decode("100%", 4);
    assert_string_equal(s, "100%");
    free(s);
    s = path_percent_decode("", 0);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relative_url),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_absolute_urls),
        cmocka_unit_test(test_url_encode),
        cmocka_unit_test(test_percent_decode),
    };
    return cmocka_run_group_tests_name("path", tests, NULL, NULL);
}
