#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

#define S(lit) lit, sizeof lit - 1

static void valid_text_in_many_scripts(void **state)
{
    (void)state;
    const char *text = "Hello, world\n"
                       "Grüße aus Köln\n"
                       "مرحبا بالعالم\n"
                       "سلام دنیا\n"
                       "Привет, мир\n"
                       "你好，世界\n"
                       "emoji \xF0\x9F\x98\x80 and U+10FFFF \xF4\x8F\xBF\xBF\n";
    assert_true(utf8_validate(text, strlen(text), NULL, NULL));
    assert_true(utf8_validate("", 0, NULL, NULL));
}

static void expect_invalid(const char *s, size_t len, int line, int col)
{
    int l = -1, c = -1;
    assert_false(utf8_validate(s, len, &l, &c));
    assert_int_equal(l, line);
    assert_int_equal(c, col);
}

static void rejects_malformed_sequences(void **state)
{
    (void)state;
    expect_invalid(S("\x80"), 1, 1);                 /* lone continuation byte */
    /* after long ASCII runs (read eight bytes at a time) and other scripts */
    expect_invalid(S("title: long enough line\nsecond line, also long\xFF"), 2, 23);
    expect_invalid(S("0123456789abcdef\x80"), 1, 17);
    expect_invalid(S("Grüße aus Köln, line one\nПривет\xC3"), 2, 7);
    expect_invalid(S("ab\xC3"), 1, 3);               /* truncated at the end */
    expect_invalid(S("a\xC3z"), 1, 2);               /* bad continuation */
    expect_invalid(S("\xC0\xAF"), 1, 1);             /* overlong '/' */
    expect_invalid(S("\xE0\x80\xAF"), 1, 1);         /* overlong, 3 bytes */
    expect_invalid(S("\xF0\x80\x80\xAF"), 1, 1);     /* overlong, 4 bytes */
    expect_invalid(S("\xED\xA0\x80"), 1, 1);         /* surrogate U+D800 */
    expect_invalid(S("\xED\xBF\xBF"), 1, 1);         /* surrogate U+DFFF */
    expect_invalid(S("\xF4\x90\x80\x80"), 1, 1);     /* U+110000 */
    expect_invalid(S("\xF5\x80\x80\x80"), 1, 1);
    expect_invalid(S("\xFF"), 1, 1);
}

static void reports_line_and_character_column(void **state)
{
    (void)state;
    /* "é" and "ü" are two bytes but one column each. */
    expect_invalid(S("first line\nsecond\r\nké ü \xFE rest"), 3, 6);
    expect_invalid(S("\n\n\n\xC3("), 4, 1);
}

static void decodes_code_points(void **state)
{
    (void)state;
    size_t w;
    assert_int_equal(utf8_decode(S("A"), &w), 'A');
    assert_int_equal(w, 1);
    assert_int_equal(utf8_decode(S("é"), &w), 0xE9);
    assert_int_equal(w, 2);
    assert_int_equal(utf8_decode(S("你"), &w), 0x4F60);
    assert_int_equal(w, 3);
    assert_int_equal(utf8_decode(S("\xF0\x9F\x98\x80"), &w), 0x1F600);
    assert_int_equal(w, 4);
    assert_int_equal(utf8_decode(S("\xE4\xBD"), &w), -1);
    assert_int_equal(w, 1);
}

static void finds_bidi_controls(void **state)
{
    (void)state;
    size_t off = 99;
    assert_false(utf8_find_bidi_control(S("plain title"), &off));
    /* Arabic text and the ordinary marks LRM/RLM/ALM are not flagged. */
    assert_false(utf8_find_bidi_control(S("مرحبا \xE2\x80\x8E\xE2\x80\x8F\xD8\x9C"), &off));
    assert_true(utf8_find_bidi_control(S("abc\xE2\x80\xAE" "cba"), &off)); /* RLO */
    assert_int_equal(off, 3);
    assert_true(utf8_find_bidi_control(S("x\xE2\x80\xAA"), &off)); /* LRE */
    assert_int_equal(off, 1);
    assert_true(utf8_find_bidi_control(S("é\xE2\x81\xA6"), &off)); /* LRI */
    assert_int_equal(off, 2);
    assert_true(utf8_find_bidi_control(S("\xE2\x81\xA9"), &off)); /* PDI */
    assert_int_equal(off, 0);
    assert_false(utf8_find_bidi_control(S("\xE2\x80\xAF\xE2\x81\xAA"), &off)); /* neighbours */
    assert_false(utf8_find_bidi_control(S("\xE2\x80"), &off)); /* truncated */
}

static void counts_words(void **state)
{
    (void)state;
    assert_int_equal(utf8_count_words(S("")), 0);
    assert_int_equal(utf8_count_words(S("  \n\t ")), 0);
    assert_int_equal(utf8_count_words(S("Hello, world!")), 2);
    assert_int_equal(utf8_count_words(S("You don't have to do this alone.")), 7);
    assert_int_equal(utf8_count_words(S("a well-known fact — really")), 4);
    assert_int_equal(utf8_count_words(S("It's 2024 ... (yes)")), 3);
    assert_int_equal(utf8_count_words(S("Grüße\u00A0aus Köln")), 3);
    assert_int_equal(utf8_count_words(S("مرحبا بالعالم، كيف حالك؟")), 4);
    /* ZWNJ inside a Persian word does not split it. */
    assert_int_equal(utf8_count_words(S("می\u200Cخواهم کمک")), 2);
    assert_int_equal(utf8_count_words(S("你好，世界。")), 4);
    assert_int_equal(utf8_count_words(S("Tor 浏览器 ok")), 5);
    assert_int_equal(utf8_count_words(S("ひらがな")), 4);
    assert_int_equal(utf8_count_words(S("안녕하세요 세계")), 2);
    /* Invalid bytes separate words instead of crashing. */
    assert_int_equal(utf8_count_words(S("one\xFFtwo\xC3")), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_text_in_many_scripts),
        cmocka_unit_test(rejects_malformed_sequences),
        cmocka_unit_test(reports_line_and_character_column),
        cmocka_unit_test(decodes_code_points),
        cmocka_unit_test(finds_bidi_controls),
        cmocka_unit_test(counts_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
