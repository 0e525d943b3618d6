/* Tests for linkcheck_scan: the ids and link targets of a page, as a
 * browser would read them. The whole check runs in tests/e2e/bundles.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linkcheck.h"

static void free_list(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static void finds_ids_and_links(void **state)
{
    (void)state;
    const char *html =
        "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"../style.css\">"
        "<style>a[href=\"#no\"]{}</style></head>"
        "<body><h2 id=\"where-to-start\">W</h2><!-- <a href=\"#commented\"> -->"
        "<a name=old></a><p id='single'>x</p>"
        "<a class=x href=\"a.html#b&amp;c\">l</a><img alt=\"\" src=\"img/p.3f2a9c0d.jpg\">"
        "<form action=\"../submit\"></form></body></html>";
    char **ids, **links;
    size_t nids, nlinks;
    linkcheck_scan(html, strlen(html), &ids, &nids, &links, &nlinks);
    assert_int_equal(nids, 3);
    assert_string_equal(ids[0], "where-to-start");
    assert_string_equal(ids[1], "old");
    assert_string_equal(ids[2], "single");
    assert_int_equal(nlinks, 3);
    assert_string_equal(links[0], "../style.css");
    assert_string_equal(links[1], "a.html#b&c");
    assert_string_equal(links[2], "img/p.3f2a9c0d.jpg");
    free_list(ids, nids);
    free_list(links, nlinks);
}

static void empty_and_cut_short(void **state)
{
    (void)state;
    char **ids, **links;
    size_t nids, nlinks;
    linkcheck_scan("", 0, &ids, &nids, &links, &nlinks);
    assert_int_equal(nids + nlinks, 0);
    free_list(ids, nids);
    free_list(links, nlinks);
    const char *cut = "<a href=\"x.html\" id=\"y";
    linkcheck_scan(cut, strlen(cut), &ids, &nids, &links, &nlinks);
    assert_int_equal(nlinks, 1);
    free_list(ids, nids);
    free_list(links, nlinks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_ids_and_links),
        cmocka_unit_test(empty_and_cut_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
