#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "frontmatter.h"

#define PATH "content/en/help.md"

static int read_text(const char *src, size_t len, fm_page *page, diags_t *d)
{
    int rc = fm_read(src, len, PATH, page, d);
    if (rc != 0) {
        assert_int_equal(rc, -1);
        assert_null(page->root);
        assert_true(d->errors > 0);
    } else {
        assert_int_equal(d->errors, 0);
    }
    return rc;
}

static int read_page(const char *src, fm_page *page, diags_t *d)
{
    return read_text(src, strlen(src), page, d);
}

/* Asserts that reading src fails with exactly one error, formatted as the
 * user sees it: "content/en/help.md:LINE:COL: error: MESSAGE". */
static void expect_error(const char *src, size_t len, const char *expected)
{
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_text(src, len, &page, &d), -1);
    assert_int_equal(d.len, 1);
    char *got = diag_format(&d.items[0]);
    assert_string_equal(got, expected);
    free(got);
    diag_free(&d);
}

#define EXPECT_ERROR(src, expected) expect_error(src, strlen(src), expected)

static void no_front_matter(void **state)
{
    (void)state;
    const char *src = "# Hello\n\n---\ntitle: not front matter\n---\n";
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page(src, &page, &d), 0);
    assert_null(page.root);
    assert_ptr_equal(page.body, src);
    assert_int_equal(page.body_len, strlen(src));
    assert_int_equal(page.body_line, 1);

    /* "---" followed by text is a thematic break or text, not a marker. */
    assert_int_equal(read_page("--- title: x\nBody\n", &page, &d), 0);
    assert_null(page.root);
    assert_int_equal(read_page("", &page, &d), 0);
    assert_null(page.root);
    assert_int_equal(page.body_len, 0);
    assert_int_equal(d.len, 0);
}

static void empty_front_matter(void **state)
{
    (void)state;
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page("---\n---\nBody\n", &page, &d), 0);
    assert_non_null(page.root);
    assert_int_equal(page.root->kind, FM_MAP);
    assert_int_equal(page.root->len, 0);
    assert_string_equal(page.body, "Body\n");
    assert_int_equal(page.body_line, 3);
    assert_null(fm_string(page.root, "title"));
    fm_free(page.root);

    /* Only blank lines and comments, closed with "...", trailing blanks. */
    assert_int_equal(read_page("--- \n\n# a comment\n...  \nBody", &page, &d), 0);
    assert_int_equal(page.root->kind, FM_MAP);
    assert_int_equal(page.root->len, 0);
    assert_string_equal(page.body, "Body");
    assert_int_equal(page.body_line, 5);
    fm_free(page.root);

    /* Closing line at the very end, without a newline: empty body. */
    assert_int_equal(read_page("---\ntitle: x\n---", &page, &d), 0);
    assert_string_equal(fm_string(page.root, "title"), "x");
    assert_int_equal(page.body_len, 0);
    assert_int_equal(page.body_line, 4);
    fm_free(page.root);
    assert_int_equal(d.len, 0);
}

static void crlf_line_endings(void **state)
{
    (void)state;
    const char *src = "---\r\ntitle: Hello\r\ntags:\r\n  - a\r\n---\r\nBody\r\n";
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page(src, &page, &d), 0);
    assert_string_equal(fm_string(page.root, "title"), "Hello");
    const fm_node *tags = fm_get(page.root, "tags");
    assert_non_null(tags);
    assert_int_equal(tags->kind, FM_LIST);
    assert_int_equal(tags->len, 1);
    assert_string_equal(tags->items[0]->text, "a");
    assert_int_equal(tags->items[0]->line, 4);
    assert_int_equal(tags->items[0]->col, 5);
    assert_string_equal(page.body, "Body\r\n");
    assert_int_equal(page.body_line, 6);
    fm_free(page.root);
}

static void byte_order_mark(void **state)
{
    (void)state;
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page("\xEF\xBB\xBF---\ntitle: x\n---\nBody", &page, &d), 0);
    assert_string_equal(fm_string(page.root, "title"), "x");
    assert_string_equal(page.body, "Body");
    fm_free(page.root);

    assert_int_equal(read_page("\xEF\xBB\xBF# Hi", &page, &d), 0);
    assert_null(page.root);
    assert_string_equal(page.body, "# Hi");
}

/* The README's example page. */
static const char typical[] = "---\n"
                              "title: \"Step 2: Noticing your triggers\"\n"
                              "description: What sets the urge off, and what to do instead.\n"
                              "date: 2024-05-01\n"
                              "tags: [self-help, triggers]\n"
                              "weight: 20\n"
                              "draft: false\n"
                              "toc: true\n"
                              "slug: noticing-triggers\n"
                              "menu:\n"
                              "  main:\n"
                              "    name: Triggers\n"
                              "    weight: 2.5\n"
                              "reviewed_by: counselling team\n"
                              "---\n"
                              "Some situations make the urge stronger.\n";

static void typical_page(void **state)
{
    (void)state;
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page(typical, &page, &d), 0);
    const fm_node *root = page.root;
    assert_int_equal(root->len, 10);
    assert_string_equal(fm_string(root, "title"), "Step 2: Noticing your triggers");
    assert_false(fm_get(root, "title")->plain);
    assert_string_equal(fm_string(root, "date"), "2024-05-01");
    assert_true(fm_get(root, "date")->plain);
    assert_string_equal(fm_string(root, "reviewed_by"), "counselling team");

    const fm_node *tags = fm_get(root, "tags");
    assert_int_equal(tags->kind, FM_LIST);
    assert_int_equal(tags->len, 2);
    assert_string_equal(tags->items[0]->text, "self-help");
    assert_string_equal(tags->items[1]->text, "triggers");
    assert_null(fm_string(root, "tags")); /* not a scalar */

    const fm_node *main_menu = fm_get(fm_get(root, "menu"), "main");
    assert_non_null(main_menu);
    assert_string_equal(fm_string(main_menu, "name"), "Triggers");
    assert_true(fm_number(main_menu, "weight", 0, PATH, &d) == 2.5);

    assert_true(fm_number(root, "weight", 0, PATH, &d) == 20);
    assert_false(fm_bool(root, "draft", true, PATH, &d));
    assert_true(fm_bool(root, "toc", false, PATH, &d));
    assert_true(fm_bool(root, "missing", true, PATH, &d));
    assert_true(fm_number(root, "missing", 7, PATH, &d) == 7);
    assert_null(fm_get(root, "missing"));
    assert_null(fm_get(tags, "0")); /* a list is not a map */
    assert_int_equal(d.len, 0);

    assert_string_equal(page.body, "Some situations make the urge stronger.\n");
    assert_int_equal(page.body_line, 16);
    fm_free(page.root);
}

static void positions_of_nodes(void **state)
{
    (void)state;
    const char *src = "---\n"
                      "title: Grüße\n"
                      "tags:\n"
                      "  - one\n"
                      "author: {name: \"Ана\", role: editor}\n"
                      "---\n";
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page(src, &page, &d), 0);
    const fm_node *title = fm_get(page.root, "title");
    assert_int_equal(title->line, 2);
    assert_int_equal(title->col, 8);
    const fm_node *author = fm_get(page.root, "author");
    assert_int_equal(author->line, 5);
    assert_int_equal(author->col, 9);
    /* Columns count characters: "Ана" is 6 bytes but 3 columns. */
    const fm_node *role = fm_get(author, "role");
    assert_int_equal(role->line, 5);
    assert_int_equal(role->col, 29);
    assert_int_equal(fm_get(author, "name")->col, 16);
    fm_free(page.root);
}

/* libyaml breaks lines at U+2028 and a lone CR as well; editors and our
 * reports do not, so positions after them must still match the file. */
static void positions_after_unusual_line_breaks(void **state)
{
    (void)state;
    EXPECT_ERROR("---\na: \"x\xE2\x80\xA8y\"\nb: \"p\rq\"\nc: *z\n---\n",
                 PATH ":4:4: error: YAML aliases (*name) are not allowed in front matter");
}

static void duplicate_key(void **state)
{
    (void)state;
    EXPECT_ERROR("---\ntitle: A\ndescription: x\ntitle: B\n---\nBody\n",
                 PATH ":4:1: error: duplicate key 'title' (first given at line 2)");
    EXPECT_ERROR("---\nmenu:\n  main: {weight: 1, weight: 2}\n---\n",
                 PATH ":3:21: error: duplicate key 'weight' (first given at line 3)");

    /* Every later occurrence is reported against the first. */
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page("---\na: 1\nb: 2\na: 3\na: 4\n---\n", &page, &d), -1);
    assert_int_equal(d.len, 2);
    assert_int_equal(d.items[0].line, 4);
    assert_int_equal(d.items[1].line, 5);
    assert_non_null(strstr(d.items[1].msg, "first given at line 2"));
    diag_free(&d);
}

static void alias_bomb_refused(void **state)
{
    (void)state;
    const char *src = "---\n"
                      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
                      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                      "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                      "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                      "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
                      "---\n";
    EXPECT_ERROR(src, PATH ":3:8: error: YAML aliases (*name) are not allowed in front matter");
}

static void anchors_and_tags_ignored(void **state)
{
    (void)state;
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page("---\ntitle: &t !!str Hello\nicon: !!binary aGk=\n---\n", &page, &d),
                     0);
    assert_string_equal(fm_string(page.root, "title"), "Hello");
    assert_string_equal(fm_string(page.root, "icon"), "aGk=");
    fm_free(page.root);
}

static char *nested_lists(int levels)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "---\nx: ");
    for (int i = 0; i < levels; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < levels; i++)
        buf_putc(&b, ']');
    buf_puts(&b, "\n---\n");
    return buf_detach(&b);
}

static void deep_nesting_refused(void **state)
{
    (void)state;
    /* The root map is level 1; the 32nd '[' (column 35) would be level 33. */
    char *src = nested_lists(40);
    EXPECT_ERROR(src, PATH ":2:35: error: front matter nested too deeply (more than 32 levels)");
    free(src);

    fm_page page;
    diags_t d = DIAGS_INIT;
    src = nested_lists(31);
    assert_int_equal(read_page(src, &page, &d), 0);
    const fm_node *n = fm_get(page.root, "x");
    for (int depth = 2; depth < 32; depth++) {
        assert_int_equal(n->kind, FM_LIST);
        assert_int_equal(n->len, 1);
        n = n->items[0];
    }
    assert_int_equal(n->len, 0);
    fm_free(page.root);
    free(src);

    src = nested_lists(200000);
    assert_int_equal(read_page(src, &page, &d), -1);
    diag_free(&d);
    free(src);
}

static void too_many_values_refused(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_puts(&b, "---\nx: [");
    for (int i = 0; i < 100001; i++)
        buf_puts(&b, "1,");
    buf_puts(&b, "]\n---\n");
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page(buf_cstr(&b), &page, &d), -1);
    assert_int_equal(d.len, 1);
    assert_string_equal(d.items[0].msg, "front matter has too many values (more than 100000)");
    diag_free(&d);
    buf_free(&b);
}

static void unclosed_front_matter(void **state)
{
    (void)state;
    EXPECT_ERROR("---\ntitle: x\n\nBody text\n",
                 PATH ":1:1: error: front matter is not closed (expected a line '---')");
    EXPECT_ERROR("---", PATH ":1:1: error: front matter is not closed (expected a line '---')");
}

static void malformed_yaml(void **state)
{
    (void)state;
    EXPECT_ERROR("---\ntitle: x\nmenu:\n\tmain: 1\n---\n",
                 PATH ":4:1: error: found character that cannot start any token while scanning "
                      "for the next token (which started at line 4, column 1); YAML does not "
                      "allow tabs for indentation, use spaces");
    EXPECT_ERROR("---\ntitle: \"Hello\ndate: 2024-01-01\n---\nBody\n",
                 PATH ":4:1: error: found unexpected end of stream while scanning a quoted "
                      "scalar (which started at line 2, column 8)");
    EXPECT_ERROR("---\ntitle: a\n  bad: indent\n---\n",
                 PATH ":3:6: error: mapping values are not allowed in this context");
    /* A control character, found by libyaml's reader (byte offsets). */
    EXPECT_ERROR("---\ntitle: Grüße\x01\n---\n",
                 PATH ":2:13: error: control characters are not allowed (U+0001)");
}

static void root_must_be_a_mapping(void **state)
{
    (void)state;
    EXPECT_ERROR("---\n- a\n- b\n---\n",
                 PATH ":2:1: error: front matter must be a mapping of keys to values");
    EXPECT_ERROR("---\n\njust a sentence\n---\n",
                 PATH ":3:1: error: front matter must be a mapping of keys to values");
}

static void keys_must_be_text(void **state)
{
    (void)state;
    EXPECT_ERROR("---\n? [a, b]\n: c\n---\n",
                 PATH ":2:3: error: a key in front matter must be text, not a list or a mapping");
    EXPECT_ERROR("---\ntitle: \"a\\0b\"\n---\n",
                 PATH ":2:8: error: front matter text may not contain a NUL character");
}

static void invalid_utf8(void **state)
{
    (void)state;
    EXPECT_ERROR("---\ntitle: x\n---\nLine\nbad \xC3( here\n",
                 PATH ":5:5: error: invalid UTF-8");
    EXPECT_ERROR("---\ntitle: Gr\xFC\xDF" "e\n---\n", PATH ":2:10: error: invalid UTF-8");
    /* A NUL byte is valid UTF-8 but not valid YAML. */
    expect_error("---\na: \0\n---\n", sizeof "---\na: \0\n---\n" - 1,
                 PATH ":2:4: error: control characters are not allowed (U+0000)");
}

static void check_bool(const char *value, bool fallback, bool expected, const char *error)
{
    char *src = NULL;
    buf_t b = BUF_INIT;
    buf_printf(&b, "---\ntitle: x\ndraft: %s\n---\n", value);
    src = buf_detach(&b);
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page(src, &page, &d), 0);
    assert_int_equal(fm_bool(page.root, "draft", fallback, PATH, &d), expected);
    if (error) {
        assert_int_equal(d.len, 1);
        char *got = diag_format(&d.items[0]);
        assert_string_equal(got, error);
        free(got);
    } else {
        assert_int_equal(d.len, 0);
    }
    diag_free(&d);
    fm_free(page.root);
    free(src);
}

static void bool_values(void **state)
{
    (void)state;
    check_bool("true", false, true, NULL);
    check_bool("True", false, true, NULL);
    check_bool("FALSE", true, false, NULL);
    check_bool("", true, true, NULL);  /* no value: the fallback */
    check_bool("~", false, false, NULL);
    check_bool("yes", false, false, PATH ":3:8: error: 'draft' must be true or false");
    check_bool("on", true, true, PATH ":3:8: error: 'draft' must be true or false");
    check_bool("\"true\"", false, false,
               PATH ":3:8: error: 'draft' must be true or false (without quotes)");
    check_bool("[true]", false, false, PATH ":3:8: error: 'draft' must be true or false");
}

static void check_number(const char *value, double expected, const char *error)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "---\nweight: %s\n---\n", value);
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page(buf_cstr(&b), &page, &d), 0);
    assert_true(fm_number(page.root, "weight", -1, PATH, &d) == expected);
    if (error) {
        assert_int_equal(d.len, 1);
        char *got = diag_format(&d.items[0]);
        assert_string_equal(got, error);
        free(got);
    } else {
        assert_int_equal(d.len, 0);
    }
    diag_free(&d);
    fm_free(page.root);
    buf_free(&b);
}

static void number_values(void **state)
{
    (void)state;
    check_number("10", 10, NULL);
    check_number("-3", -3, NULL);
    check_number("+2.5", 2.5, NULL);
    check_number(".5", 0.5, NULL);
    check_number("1e3", 1000, NULL);
    check_number("null", -1, NULL);
    check_number("ten", -1, PATH ":2:9: error: 'weight' must be a number");
    check_number("0x10", -1, PATH ":2:9: error: 'weight' must be a number");
    check_number(".inf", -1, PATH ":2:9: error: 'weight' must be a number");
    check_number("1e999", -1, PATH ":2:9: error: 'weight' must be a number");
    check_number("1.", 1, NULL);
    check_number("5 apples", -1, PATH ":2:9: error: 'weight' must be a number");
    check_number("'5'", -1, PATH ":2:9: error: 'weight' must be a number (without quotes)");
    check_number("{a: 1}", -1, PATH ":2:9: error: 'weight' must be a number");
}

static void null_values_are_absent(void **state)
{
    (void)state;
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page("---\na:\nb: ~\nc: null\nd: ''\ne: \"null\"\n---\n", &page, &d), 0);
    assert_null(fm_string(page.root, "a"));
    assert_null(fm_string(page.root, "b"));
    assert_null(fm_string(page.root, "c"));
    assert_string_equal(fm_string(page.root, "d"), "");
    assert_string_equal(fm_string(page.root, "e"), "null");
    assert_non_null(fm_get(page.root, "a")); /* still visible to templates */
    fm_free(page.root);
}

/* Every prefix of a page and a few thousand byte mutations: fm_read must
 * either succeed or fail with an error, never crash or leak (run under ASan). */
static void survives_mangled_input(void **state)
{
    (void)state;
    size_t len = sizeof typical - 1;
    char *copy = malloc(len);
    for (size_t cut = 0; cut <= len; cut++) {
        memcpy(copy, typical, cut);
        fm_page page;
        diags_t d = DIAGS_INIT;
        read_text(copy, cut, &page, &d);
        fm_free(page.root);
        diag_free(&d);
    }
    static const char alphabet[] = "-:[]{}&*!?|>'\"#\n\r\t ,.~0a\\\xC3\xA9\x80";
    uint32_t seed = 12345;
    for (int round = 0; round < 5000; round++) {
        memcpy(copy, typical, len);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = 4 + (seed >> 8) % (len - 4);
            seed = seed * 1103515245u + 12345u;
            copy[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        fm_page page;
        diags_t d = DIAGS_INIT;
        if (read_text(copy, len, &page, &d) == 0 && page.root) {
            assert_int_equal(page.root->kind, FM_MAP);
            assert_true(page.body >= copy && page.body + page.body_len == copy + len);
        }
        fm_free(page.root);
        diag_free(&d);
    }
    free(copy);
}

/* The same tree, node by node: kinds, positions, texts, keys. */
static void assert_same_tree(const fm_node *a, const fm_node *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->line, b->line);
    assert_int_equal(a->col, b->col);
    assert_int_equal(a->plain, b->plain);
    if (a->kind == FM_SCALAR) {
        assert_string_equal(a->text, b->text);
        return;
    }
    assert_int_equal(a->len, b->len);
    for (size_t i = 0; i < a->len; i++) {
        if (a->kind == FM_MAP)
            assert_string_equal(a->keys[i], b->keys[i]);
        assert_same_tree(a->items[i], b->items[i]);
    }
}

static void encoded_tree_reads_back(void **state)
{
    (void)state;
    fm_page page;
    diags_t d = DIAGS_INIT;
    assert_int_equal(read_page(typical, &page, &d), 0);
    buf_t bytes = BUF_INIT;
    fm_encode(page.root, &bytes);
    fm_node *back;
    assert_int_equal(fm_decode(bytes.data, bytes.len, &back), 0);
    assert_non_null(back);
    assert_same_tree(page.root, back);
    fm_free(back);
    /* anything cut short, or with bytes after it, is not a tree */
    for (size_t n = 0; n < bytes.len; n++) {
        back = NULL;
        assert_int_equal(fm_decode(bytes.data, n, &back), -1);
        assert_null(back);
    }
    buf_putc(&bytes, 'x');
    assert_int_equal(fm_decode(bytes.data, bytes.len, &back), -1);
    buf_free(&bytes);
    fm_free(page.root);

    /* a page without front matter */
    fm_encode(NULL, &bytes);
    back = (fm_node *)&bytes;
    assert_int_equal(fm_decode(bytes.data, bytes.len, &back), 0);
    assert_null(back);
    buf_free(&bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_front_matter),
        cmocka_unit_test(empty_front_matter),
        cmocka_unit_test(crlf_line_endings),
        cmocka_unit_test(byte_order_mark),
        cmocka_unit_test(typical_page),
        cmocka_unit_test(positions_of_nodes),
        cmocka_unit_test(positions_after_unusual_line_breaks),
        cmocka_unit_test(duplicate_key),
        cmocka_unit_test(alias_bomb_refused),
        cmocka_unit_test(anchors_and_tags_ignored),
        cmocka_unit_test(deep_nesting_refused),
        cmocka_unit_test(too_many_values_refused),
        cmocka_unit_test(unclosed_front_matter),
        cmocka_unit_test(malformed_yaml),
        cmocka_unit_test(root_must_be_a_mapping),
        cmocka_unit_test(keys_must_be_text),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(bool_values),
        cmocka_unit_test(number_values),
        cmocka_unit_test(null_values_are_absent),
        cmocka_unit_test(survives_mangled_input),
        cmocka_unit_test(encoded_tree_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
