/* Tests for langbundle_rewrite_html: links in a one-language bundle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "langbundle.h"

/* The bundle holds fi/ and style.css; the full site also has en/ pages and
 * an image. */
static bool exists(const char *path, void *ctx)
{
    (void)ctx;
    return !strncmp(path, "fi/", 3) || !strcmp(path, "style.css") || !strcmp(path, "index.html");
}

static bool other_page(const char *path, void *ctx)
{
    (void)ctx;
    return !strcmp(path, "en/about/index.html") || !strcmp(path, "en/a b/index.html");
}

static int copied;
static bool other_file(const char *path, void *ctx)
{
    (void)ctx;
    bool is = !strcmp(path, "en/lake.png");
    copied += is;
    return is;
}

static const char PAGE[] =
    "<!DOCTYPE html>\n<html lang=\"fi\">\n<head>\n"
    "<link rel=\"stylesheet\" href=\"../../style.css\">\n"
    "<link rel=\"alternate\" hreflang=\"en\" href=\"../../en/about/index.html\">\n"
    "</head>\n<body>\n<!-- <a href=\"../../en/about/index.html\"> -->\n"
    "<a href=\"../../en/about/index.html#top\" hreflang=\"en\" lang=\"en\" dir=\"auto\">English</a>\n"
    "<a href=\"index.html\" aria-current=\"true\">Suomi</a>\n"
    "<a href='../../en/a%20b/index.html'>Space</a>\n"
    "<img src=\"../../en/lake.png\" alt=\"\">\n<a href=\"https://example.org/\">out</a>\n"
    "<a href=\"#x\">x</a> <a href=\"../../missing.html\">gone</a>\n</body>\n</html>\n";

static char *rewrite(const char *base_url)
{
    langbundle_links links = {exists, other_page, other_file, NULL, base_url};
    return langbundle_rewrite_html(PAGE, strlen(PAGE), "fi/about/index.html", &links);
}

static void test_links_to_other_languages_become_absolute(void **state)
{
    (void)state;
    copied = 0;
    char *html = rewrite("http://example.onion/help");
    assert_non_null(strstr(html, "<link rel=\"stylesheet\" href=\"../../style.css\">"));
    assert_non_null(strstr(html, "<link rel=\"alternate\" hreflang=\"en\" href=\"http://example.onion/help/en/about/\">"));
    assert_non_null(strstr(html, "<a href=\"http://example.onion/help/en/about/#top\" hreflang=\"en\" lang=\"en\" dir=\"auto\">English</a>"));
    assert_non_null(strstr(html, "<a href=\"http://example.onion/help/en/a%20b/\">Space</a>"));
    assert_non_null(strstr(html, "<a href=\"index.html\" aria-current=\"true\">Suomi</a>"));
    /* comments, other sites, fragments and broken links are left alone */
    assert_non_null(strstr(html, "<!-- <a href=\"../../en/about/index.html\"> -->"));
    assert_non_null(strstr(html, "<a href=\"https://example.org/\">out</a>"));
    assert_non_null(strstr(html, "<a href=\"#x\">x</a> <a href=\"../../missing.html\">gone</a>"));
    /* a file of another language is kept, for the caller to copy in */
    assert_non_null(strstr(html, "<img src=\"../../en/lake.png\" alt=\"\">"));
    assert_int_equal(copied, 1);
    free(html);
}

static void test_links_to_other_languages_left_out_without_base_url(void **state)
{
    (void)state;
    char *html = rewrite(NULL);
    assert_null(strstr(html, "hreflang=\"en\" href"));
    assert_null(strstr(html, "<link rel=\"alternate\""));
    assert_non_null(strstr(html, "</head>"));
    assert_non_null(strstr(html, "<link rel=\"stylesheet\" href=\"../../style.css\">\n</head>"));
    assert_non_null(strstr(html, "<a lang=\"en\" dir=\"auto\">English</a>"));
    assert_non_null(strstr(html, "<a>Space</a>"));
    assert_non_null(strstr(html, "<a href=\"index.html\" aria-current=\"true\">Suomi</a>"));
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_to_other_languages_become_absolute),
        cmocka_unit_test(test_links_to_other_languages_left_out_without_base_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
