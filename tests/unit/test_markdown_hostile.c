/* Tests for markdown: the hostile inputs that once broke it (found by the
 * fuzzers and tests/hostile), checked the way a reader would see them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "htmlscan.h"
#include "markdown.h"

static int render(const char *text, md_output *out, diags_t *d)
{
    md_input in = {.text = text, .len = strlen(text), .path = "content/en/t.md", .first_line = 4};
    return md_render(&in, out, d);
}

static void assert_fragment_clean(const char *html)
{
    scan_rules rules = {NULL, NULL, false};
    diags_t d = DIAGS_INIT;
    int n = scan_page(html, strlen(html), "out/t.html", &rules, &d);
    if (n)
        fprintf(stderr, "scan failed on: %s\n", html);
    assert_int_equal(n, 0);
    diag_free(&d);
}

static void many_equal_headings_get_numbered_ids(void **state)
{
    (void)state;
    buf_t text = BUF_INIT;
    buf_puts(&text, "## a-1\n\n## main\n\n");
    for (int i = 0; i < 3000; i++)
        buf_puts(&text, "## a\n\n");
    md_output out;
    diags_t d = DIAGS_INIT;
    assert_int_equal(render(text.data, &out, &d), 0);
    assert_non_null(strstr(out.html, "<h2 id=\"a-1\">a-1</h2>"));
    assert_non_null(strstr(out.html, "<h2 id=\"main-1\">main</h2>")); /* reserved by the theme */
    assert_non_null(strstr(out.html, "<h2 id=\"a\">a</h2>"));
    assert_non_null(strstr(out.html, "<h2 id=\"a-2\">a</h2>"));     /* a-1 was taken */
    assert_non_null(strstr(out.html, "<h2 id=\"a-3000\">a</h2>"));
    assert_null(strstr(out.html, "id=\"a-3001\""));
    md_output_free(&out);
    buf_free(&text);
    diag_free(&d);
}

static void empty_heading_gets_an_id(void **state)
{
    (void)state;
    md_output out;
    diags_t d = DIAGS_INIT;
    assert_int_equal(render("###\n", &out, &d), 0);
    assert_string_equal(out.html, "<h3 id=\"section\"></h3>\n");
    md_output_free(&out);
    diag_free(&d);
}

static void external_link_in_table_cell_is_kept(void **state)
{
    (void)state;
    md_output out;
    diags_t d = DIAGS_INIT;
    assert_int_equal(render("| a |\n|---|\n| [x](https://example.org) y |\n", &out, &d), 0);
    assert_non_null(
        strstr(out.html, "<td><a href=\"https://example.org\" rel=\"noreferrer noopener\">x</a> y</td>"));
    assert_fragment_clean(out.html);
    md_output_free(&out);
    diag_free(&d);
}

static void sourcepos_text_in_attributes_is_left_alone(void **state)
{
    (void)state;
    md_output out;
    diags_t d = DIAGS_INIT;
    render("[x](y.md \"a data-sourcepos=\")\n\n<a href=\"n data-sourcepos=\">x</a>\n", &out, &d);
    assert_non_null(strstr(out.html, "title=\"a data-sourcepos=\">x</a>"));
    assert_fragment_clean(out.html);
    md_output_free(&out);
    diag_free(&d);
}

static void huge_table_is_refused_with_its_line(void **state)
{
    (void)state;
    buf_t text = BUF_INIT;
    buf_puts(&text, "intro\n\n|");
    for (int i = 0; i < 2000; i++)
        buf_puts(&text, "a|");
    buf_puts(&text, "\n|");
    for (int i = 0; i < 2000; i++)
        buf_puts(&text, "-|");
    buf_puts(&text, "\n");
    for (int i = 0; i < 300; i++)
        buf_puts(&text, "|b|\n");
    md_output out;
    diags_t d = DIAGS_INIT;
    assert_int_equal(render(text.data, &out, &d), -1);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.items[0].line, 7); /* the delimiter row: body line 4 + first_line 4 - 1 */
    assert_non_null(strstr(d.items[0].msg, "table too large"));
    md_output_free(&out);
    diag_free(&d);
    /* an ordinary table is fine */
    assert_int_equal(render("| a | b |\n|---|---|\n| 1 | 2 |\n", &out, &d), 0);
    md_output_free(&out);
    buf_free(&text);
    diag_free(&d);
}

int main(void)
{
    md_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_equal_headings_get_numbered_ids),
        cmocka_unit_test(empty_heading_gets_an_id),
        cmocka_unit_test(external_link_in_table_cell_is_kept),
        cmocka_unit_test(sourcepos_text_in_attributes_is_left_alone),
        cmocka_unit_test(huge_table_is_refused_with_its_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
