/* What an editor's Markdown becomes: ids, table of contents, summary,
 * links, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "markdown.h"
#include "xalloc.h"

typedef struct {
    md_output out;
    diags_t d;
    int rc;
} rendered;

static char *resolve_by_suffix(void *ctx, const char *url, const char **why)
{
    (void)ctx;
    if (strstr(url, "missing")) {
        *why = "no such page";
        return NULL;
    }
    return xasprintf("RESOLVED(%s)", url);
}

static rendered render(const char *text, bool toc)
{
    rendered r = {.d = DIAGS_INIT};
    md_input in = {.text = text, .len = strlen(text), .path = "content/en/p.md", .first_line = 5,
                   .want_toc = toc, .resolve = resolve_by_suffix};
    r.rc = md_render(&in, &r.out, &r.d);
    return r;
}

static void done(rendered *r)
{
    md_output_free(&r->out);
    diag_free(&r->d);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("expected '%s' in:\n%s", needle, haystack);
}

static void test_heading_ids_and_toc(void **state)
{
    (void)state;
    rendered r = render("## Where to start\n\ntext\n\n### Small steps\n\n## Where to start\n\n## Main\n", true);
    assert_int_equal(r.rc, 0);
    assert_contains(r.out.html, "<h2 id=\"where-to-start\">Where to start</h2>");
    assert_contains(r.out.html, "<h3 id=\"small-steps\">");
    assert_contains(r.out.html, "<h2 id=\"where-to-start-1\">");
    assert_contains(r.out.html, "<h2 id=\"main-1\">"); /* "main" is the theme's landmark */
    assert_null(strstr(r.out.html, "data-sourcepos"));
    assert_string_equal(r.out.toc_html,
                        "<ul><li><a href=\"#where-to-start\">Where to start</a>"
                        "<ul><li><a href=\"#small-steps\">Small steps</a></li></ul></li>"
                        "<li><a href=\"#where-to-start-1\">Where to start</a></li>"
                        "<li><a href=\"#main-1\">Main</a></li></ul>");
    done(&r);
}

/* A heading keeps its inline markup and gets its id wherever it stands:
 * in a quote, in a list item, with a footnote reference. */
static void test_heading_ids_inside_blocks(void **state)
{
    (void)state;
    rendered r = render("> ## In a *quote*\n\n- item\n\n  ### In a `list`\n\n"
                        "#### Noted[^1]\n\n[^1]: The note.\n",
                        false);
    assert_int_equal(r.rc, 0);
    assert_contains(r.out.html, "<blockquote>\n<h2 id=\"in-a-quote\">In a <em>quote</em></h2>");
    assert_contains(r.out.html, "<h3 id=\"in-a-list\">In a <code>list</code></h3>");
    assert_contains(r.out.html, "<h4 id=\"noted\">Noted<sup class=\"footnote-ref\"><a href=\"#fn-1\"");
    assert_null(strstr(r.out.html, "data-sourcepos"));
    done(&r);
}

static void test_slugs_keep_non_latin_letters(void **state)
{
    (void)state;
    char *s = md_heading_slug("Mistä apua?");
    assert_string_equal(s, "mistä-apua");
    free(s);
    s = md_heading_slug("أين تجد المساعدة");
    assert_string_equal(s, "أين-تجد-المساعدة");
    free(s);
    s = md_heading_slug("!!!");
    assert_string_equal(s, "section");
    free(s);
}

static void test_summary_and_words(void **state)
{
    (void)state;
    rendered r = render("# Title\n\nFirst *paragraph* here.\n\nSecond one.\n", false);
    assert_string_equal(r.out.summary, "First paragraph here.");
    assert_int_equal(r.out.words, 6);
    assert_null(r.out.toc_html);
    done(&r);
}

static void test_links(void **state)
{
    (void)state;
    rendered r = render("[a](about.md#x) [b](https://example.org/) [c](mailto:a@b.org) "
                        "[d](#local) [e](javascript:alert(1))\n",
                        false);
    assert_int_equal(r.rc, 0);
    assert_contains(r.out.html, "href=\"RESOLVED(about.md#x)\"");
    assert_contains(r.out.html, "<a href=\"https://example.org/\" rel=\"noreferrer noopener\">b</a>");
    assert_contains(r.out.html, "href=\"mailto:a@b.org\"");
    assert_contains(r.out.html, "href=\"#local\"");
    assert_null(strstr(r.out.html, "javascript"));
    assert_contains(r.out.html, " e");
    assert_int_equal(r.d.warnings, 1);
    done(&r);
}

static void test_broken_link_and_external_image_are_errors(void **state)
{
    (void)state;
    rendered r = render("text\n\n[gone](missing.md)\n\n![x](https://evil.example/t.png)\n", false);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.d.errors, 2);
    bool found = false;
    for (size_t i = 0; i < r.d.len; i++) {
        char *line = diag_format(&r.d.items[i]);
        found |= !strcmp(line, "content/en/p.md:7:1: error: broken link 'missing.md': no such page");
        free(line);
    }
    assert_true(found);
    done(&r);
}

static void test_raw_html_is_sanitized_with_position(void **state)
{
    (void)state;
    rendered r = render("ok\n\n<script>alert(1)</script>\n\nPress <kbd onclick=\"x()\">Esc</kbd>\n", false);
    assert_null(strstr(r.out.html, "<script"));
    assert_null(strstr(r.out.html, "onclick"));
    assert_contains(r.out.html, "<kbd>Esc</kbd>");
    assert_true(r.d.warnings >= 2);
    assert_int_equal(r.d.items[0].line, 7);
    done(&r);
}

static void test_gfm_extensions(void **state)
{
    (void)state;
    rendered r = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ www.example.org and a note.[^n]\n\n[^n]: Note.\n", false);
    assert_contains(r.out.html, "<table>");
    assert_contains(r.out.html, "<del>old</del>");
    assert_contains(r.out.html, "href=\"http://www.example.org\" rel=\"noreferrer noopener\"");
    assert_contains(r.out.html, "class=\"footnotes\"");
    done(&r);
}

/* Every form of external link keeps its text and rel inside a table cell. */
static void test_external_links_in_table_cells(void **state)
{
    (void)state;
    rendered r = render("| a | b |\n|---|---|\n| www.example.org | x https://example.com/y z |\n"
                        "| <https://example.net> | [l](https://e.org) |\n", false);
    assert_contains(r.out.html, "<td><a href=\"http://www.example.org\" rel=\"noreferrer noopener\">"
                                "www.example.org</a></td>");
    assert_contains(r.out.html, "<td>x <a href=\"https://example.com/y\" rel=\"noreferrer noopener\">"
                                "https://example.com/y</a> z</td>");
    assert_contains(r.out.html, ">https://example.net</a></td>");
    assert_contains(r.out.html, "<td><a href=\"https://e.org\" rel=\"noreferrer noopener\">l</a></td>");
    done(&r);
}

int main(void)
{
    md_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heading_ids_and_toc),
        cmocka_unit_test(test_heading_ids_inside_blocks),
        cmocka_unit_test(test_slugs_keep_non_latin_letters),
        cmocka_unit_test(test_summary_and_words),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_broken_link_and_external_image_are_errors),
        cmocka_unit_test(test_raw_html_is_sanitized_with_position),
        cmocka_unit_test(test_gfm_extensions),
        cmocka_unit_test(test_external_links_in_table_cells),
    };
    return cmocka_run_group_tests_name("markdown", tests, NULL, NULL);
}
