/* Exercise blocks: which info strings make one, when a fence is closed,
 * the headings, and what the markdown stage makes of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exercise.h"
#include "markdown.h"

static void test_kind_of(void **state)
{
    (void)state;
    const char *title;
    size_t n;
    assert_int_equal(exercise_kind_of("exercise", &title, &n), EXERCISE_EXERCISE);
    assert_int_equal(n, 0);
    assert_int_equal(exercise_kind_of("  reflection  What you noticed  ", &title, &n),
                     EXERCISE_REFLECTION);
    assert_int_equal(n, strlen("What you noticed"));
    assert_memory_equal(title, "What you noticed", n);
    assert_int_equal(exercise_kind_of("warning", &title, &n), EXERCISE_WARNING);
    assert_int_equal(exercise_kind_of("exercises", &title, &n), EXERCISE_NONE);
    assert_int_equal(exercise_kind_of("c", &title, &n), EXERCISE_NONE);
    assert_int_equal(exercise_kind_of("", &title, &n), EXERCISE_NONE);
    assert_int_equal(exercise_kind_of(NULL, &title, &n), EXERCISE_NONE);
}

static void test_fence_closed(void **state)
{
    (void)state;
    const char *closed = "text\n```exercise\nbody\n```\n";
    assert_true(exercise_fence_closed(closed, strlen(closed), 2, 4));
    const char *longer = "````exercise\nbody\n`````   \n";
    assert_true(exercise_fence_closed(longer, strlen(longer), 1, 3));
    const char *shorter = "````exercise\nbody\n```\n";
    assert_false(exercise_fence_closed(shorter, strlen(shorter), 1, 3));
    const char *other_char = "```exercise\nbody\n~~~\n";
    assert_false(exercise_fence_closed(other_char, strlen(other_char), 1, 3));
    const char *open = "```exercise\nbody\n\nmore\n";
    assert_false(exercise_fence_closed(open, strlen(open), 1, 4));
    const char *trailing = "```exercise\nbody\n``` x\n";
    assert_false(exercise_fence_closed(trailing, strlen(trailing), 1, 3));
    const char *quoted = "> ```exercise\n> body\n> ```";
    assert_true(exercise_fence_closed(quoted, strlen(quoted), 1, 3));
    const char *crlf = "```exercise\r\nbody\r\n```\r\n";
    assert_true(exercise_fence_closed(crlf, strlen(crlf), 1, 3));
}

static void test_labels(void **state)
{
    (void)state;
    exercise_t ex = {.kind = EXERCISE_REFLECTION, .number = 3};
    exercise_set_label(&ex, NULL);
    assert_string_equal(ex.label, "Reflection 3");
    ex.title = strdup("Looking back");
    exercise_labels fi = {"Tehtävä %d", "Pohdinta %d", "Tärkeää"};
    exercise_set_label(&ex, &fi);
    assert_string_equal(ex.label, "Pohdinta 3: Looking back");
    ex.kind = EXERCISE_WARNING;
    exercise_set_label(&ex, &fi);
    assert_string_equal(ex.label, "Looking back"); /* a callout's title replaces the word */
    free(ex.title);
    ex.title = NULL;
    exercise_set_label(&ex, &fi);
    assert_string_equal(ex.label, "Tärkeää");
    free(ex.label);
}

static void test_page_html_escapes_label(void **state)
{
    (void)state;
    exercise_t ex = {.kind = EXERCISE_EXERCISE, .number = 1, .label = "A <b> & c", .html = "<p>x</p>\n"};
    char *html = exercise_page_html(&ex, "exercise-1");
    assert_non_null(strstr(html, "<section class=\"exercise exercise-exercise\" aria-labelledby=\"exercise-1\">"));
    assert_non_null(strstr(html, ">A &lt;b&gt; &amp; c</h2>"));
    assert_non_null(strstr(html, "<p>x</p>\n<div class=\"write-space\"></div>\n</section>"));
    free(html);
}

static md_output render(const char *text, diags_t *d, int *rc)
{
    md_input in = {.text = text, .len = strlen(text), .path = "step.md", .first_line = 5};
    md_output out;
    *rc = md_render(&in, &out, d);
    return out;
}

static void test_markdown_blocks(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    int rc;
    md_output out = render("Intro.\n\n```exercise Your reasons\nWrite *three*.\n```\n\n"
                           "```warning\nCareful.\n```\n\n```reflection\nNotice.\n```\n\n"
                           "```c\nint x;\n```\n",
                           &d, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(out.nexercises, 3);
    assert_int_equal(out.exercises[0].kind, EXERCISE_EXERCISE);
    assert_int_equal(out.exercises[0].number, 1);
    assert_int_equal(out.exercises[0].line, 7);
    assert_string_equal(out.exercises[0].label, "Exercise 1: Your reasons");
    assert_string_equal(out.exercises[0].html, "<p>Write <em>three</em>.</p>\n");
    assert_int_equal(out.exercises[1].kind, EXERCISE_WARNING);
    assert_int_equal(out.exercises[1].number, 0);
    assert_int_equal(out.exercises[2].number, 2);
    assert_non_null(strstr(out.html, "<h2 class=\"exercise-title\" id=\"exercise-1\">Exercise 1: Your reasons</h2>"));
    assert_non_null(strstr(out.html, "id=\"callout-1\""));
    assert_non_null(strstr(out.html, "<code class=\"language-c\">int x;"));
    assert_null(strstr(out.html, "language-exercise"));
    md_output_free(&out);
    diag_free(&d);
}

static void test_markdown_unclosed(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    int rc;
    md_output out = render("Intro.\n\n```reflection\nNever closed.\n\n## Not a heading\n", &d, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(d.errors, 1);
    assert_string_equal(d.items[0].path, "step.md");
    assert_int_equal(d.items[0].line, 7);
    assert_non_null(strstr(d.items[0].msg, "reflection block is never closed"));
    md_output_free(&out);
    diag_free(&d);
}

static void test_markdown_closed_by_container_is_fine(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    int rc;
    /* the quote ends the block before the end of the page: not an error */
    md_output out = render("> ```exercise\n> Inside.\n\nAfter.\n", &d, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(out.nexercises, 1);
    md_output_free(&out);
    diag_free(&d);
}

static void test_ids_do_not_clash_with_headings(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    int rc;
    md_output out = render("## Exercise 1\n\n```exercise\nA.\n```\n", &d, &rc);
    assert_non_null(strstr(out.html, "<h2 id=\"exercise-1\">Exercise 1</h2>"));
    assert_non_null(strstr(out.html, "id=\"exercise-1-1\">Exercise 1</h2>"));
    md_output_free(&out);
    diag_free(&d);
}

int main(void)
{
    md_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_of),
        cmocka_unit_test(test_fence_closed),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_page_html_escapes_label),
        cmocka_unit_test(test_markdown_blocks),
        cmocka_unit_test(test_markdown_unclosed),
        cmocka_unit_test(test_markdown_closed_by_container_is_fine),
        cmocka_unit_test(test_ids_do_not_clash_with_headings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
