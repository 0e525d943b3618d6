/* Tests for sanitize: hostile raw HTML comes out harmless (checked by
 * htmlscan), removals are warnings at the Markdown position, and the
 * everyday raw HTML of help pages survives intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "htmlscan.h"
#include "sanitize.h"

static char *run(const char *raw, bool is_inline, int line, int col, diags_t *d)
{
    return sanitize_html(raw, strlen(raw), is_inline, "content/en/page.md", line, col, d);
}

/* Every sanitizer output must pass the page scanner as a fragment. */
static void assert_scan_clean(const char *html)
{
    scan_rules rules = {NULL, NULL, false};
    diags_t d = DIAGS_INIT;
    int n = scan_page(html, strlen(html), "out/page.html", &rules, &d);
    for (size_t i = 0; i < d.len; i++) {
        char *line = diag_format(&d.items[i]);
        fprintf(stderr, "%s in output: %s\n", line, html);
        free(line);
    }
    assert_int_equal(n, 0);
    diag_free(&d);
}

static bool has_warning(const diags_t *d, const char *text)
{
    for (size_t i = 0; i < d->len; i++)
        if (d->items[i].level == DIAG_WARNING && strstr(d->items[i].msg, text))
            return true;
    return false;
}

static const char *const hostile[] = {
    "<script>alert(1)</script>",
    "<SCRIPT SRC=\"x.js\"></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<p>a<script>alert(1)</script>b</p>",
    "<img src=x onerror=alert(1)>",
    "<img/src=\"x\"/onerror=\"alert(1)\">",
    "<img src=\"x\"\nonerror=\"alert(1)\">",
    "<div onmouseover\n=\n\"alert(1)\">x</div>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "<a href=\"java&Tab;script:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\" \x01javascript:alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<a href=\"//evil.example/\">x</a>",
    "<a href=\"\\\\evil.example\\x\">x</a>",
    "<a href=\"ftp://evil.example/\">x</a>",
    "<a href=\"https://x\" ping=\"https://evil.example/\">x</a>",
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
    "<img src=\"//evil.example/x.png\">",
    "<img src=\"https://evil.example/x.png\">",
    "<img srcset=\"https://evil.example/b.png 2x\" src=\"a.png\">",
    "<image src=\"https://evil.example/x.png\">",
    "<video poster=\"https://evil.example/p.png\"></video>",
    "<iframe src=\"page.html\"></iframe>",
    "<object data=\"x.swf\"><p>fallback</p></object>",
    "<embed src=\"x.swf\">",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
    "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">",
    "<style>@import url(https://evil.example/x.css);</style>",
    "<div style=\"background:url(http://evil.example/x.png)\">x</div>",
    "<form action=\"https://evil.example/\"><input name=q><button>Go</button></form>",
    "<p title=`x` onclick=`alert(1)`>x</p>",
    "<img src=x onerror=alert(1)//",
    "<!-- x --!><script>alert(1)</script> -->",
    "<!--> <img src=x onerror=alert(1)> -->",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    "<select><option><img src=x onerror=alert(1)></option></select>",
    "<p style=\"x\" class=\"c\" onclick=\"y\" data-x=\"1\">x</p>",
    "<table><tr><td background=\"https://evil.example/x.png\">x</td></tr></table>",
    "<a href=\"https://x\" target=\"_blank\" rel=\"opener\">x</a>",
    "<blockquote cite=\"javascript:alert(1)\">x</blockquote>",
    "<details open ontoggle=\"alert(1)\"><summary>s</summary></details>",
    "<body onload=\"alert(1)\"><p>x</p>",
    "<p>\xff<script>alert(1)</script>\xff\xfe</p>",
    "<plaintext><script>alert(1)</script>",
};

static void test_hostile_inputs_come_out_harmless(void **state)
{
    (void)state;
    size_t count = sizeof hostile / sizeof *hostile;
    assert_true(count >= 40);
    for (size_t i = 0; i < count; i++) {
        for (int is_inline = 0; is_inline <= 1; is_inline++) {
            diags_t d = DIAGS_INIT;
            char *out = run(hostile[i], is_inline, 12, 3, &d);
            assert_scan_clean(out);
            assert_int_equal(d.errors, 0);
            for (size_t j = 0; j < d.len; j++) /* single-line pieces: all on line 12 */
                if (!strchr(hostile[i], '\n'))
                    assert_int_equal(d.items[j].line, 12);
            free(out);
            diag_free(&d);
        }
    }
}

static void test_hostile_blocks_are_reported(void **state)
{
    (void)state;
    /* A few with no harmful remainder (comments, CDATA) may pass silently;
     * everything else that was removed is a warning. */
    size_t silent = 0;
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        diags_t d = DIAGS_INIT;
        free(run(hostile[i], false, 1, 1, &d));
        if (d.warnings == 0) {
            fprintf(stderr, "no warning for: %s\n", hostile[i]);
            silent++;
        }
        diag_free(&d);
    }
    assert_true(silent <= 5);
}

static void expect(const char *raw, bool is_inline, const char *want, size_t warnings)
{
    diags_t d = DIAGS_INIT;
    char *out = run(raw, is_inline, 1, 1, &d);
    assert_string_equal(out, want);
    assert_scan_clean(out);
    for (size_t i = 0; warnings != d.warnings && i < d.len; i++)
        fprintf(stderr, "warning: %s\n", d.items[i].msg);
    assert_int_equal(d.warnings, warnings);
    free(out);
    diag_free(&d);
}

static void test_exact_rewrites(void **state)
{
    (void)state;
    expect("<p>Hello <script>alert(1)</script>world</p>", false, "<p>Hello world</p>", 1);
    expect("<a href=\"javascript:alert(1)\" onclick=\"x\">x</a>", false, "<a>x</a>", 2);
    expect("<font color=red>text</font>", false, "text", 1);
    expect("<p>&amp; &lt; &#x1F600; &bogus;</p>", false,
           "<p>&amp; &lt; \xf0\x9f\x98\x80 &amp;bogus;</p>", 0);
    expect("<P CLASS='note' id=x>a \"b\"</P>", false,
           "<p class=\"note\" id=\"x\">a &quot;b&quot;</p>", 0);
    expect("<a href=\"https://example.org/?a=1&amp;b=2\" rel=\"noopener\">x</a>", false,
           "<a href=\"https://example.org/?a=1&amp;b=2\" rel=\"noreferrer noopener\">x</a>", 0);
    expect("<a href=\"mailto:help@example.org\">mail</a>", false,
           "<a href=\"mailto:help@example.org\">mail</a>", 0);
    expect("<object data=\"x.swf\"><p>fallback</p></object><p>after</p>", false,
           "<p>after</p>", 1);
    expect("<pre>\n\ncode</pre>", false, "<pre>\n\ncode</pre>", 0);
    expect("<!-- note for editors -->\n", false, "\n", 0);
    expect("<section><p>x</p></section>", false, "<p>x</p>", 1);
    expect("<img src=\"https://evil.example/x.png\" alt=\"A\">", false, "<img alt=\"A\">", 1);
    expect("<ol start=\"3\" reversed type=\"a\"><li>x</li></ol>", false,
           "<ol start=\"3\" reversed=\"\" type=\"a\"><li>x</li></ol>", 0);
    expect("<time datetime=\"2024-01-01\">New year</time>", false,
           "<time datetime=\"2024-01-01\">New year</time>", 0);
}

static void test_inline_pieces(void **state)
{
    (void)state;
    expect("<kbd>", true, "<kbd>", 0);
    expect("</kbd>", true, "</kbd>", 0);
    expect("<br/>", true, "<br>", 0);
    expect("</br>", true, "", 0);
    expect("<a href=\"https://x.example/\" target=\"_blank\">", true,
           "<a href=\"https://x.example/\" rel=\"noreferrer noopener\">", 1);
    expect("<a href=\"page.html#top\">", true, "<a href=\"page.html#top\">", 0);
    expect("</a>", true, "</a>", 0);
    expect("<span onclick=\"x\">", true, "<span>", 1);
    expect("<script>", true, "", 1);
    expect("</script>", true, "", 0);
    expect("<!-- hidden -->", true, "", 0);
    expect("<!DOCTYPE html>", true, "", 1);
    expect("<?php echo 1; ?>", true, "", 1);
    expect("<tr>", true, "", 1);
    expect("<image src=\"a.png\">", true, "<img src=\"a.png\">", 0);
    expect("<img src=\"img/a.png\" alt=\"A\">", true, "<img src=\"img/a.png\" alt=\"A\">", 0);
}

static void test_details_split_over_blocks(void **state)
{
    (void)state;
    /* cmark: block 1, then Markdown rendered by cmark, then block 2 */
    expect("<details><summary>More</summary>\n", false, "<details><summary>More</summary>\n",
           0);
    expect("</details>\n", false, "</details>\n", 0);
    expect("<div class=\"box\">\n", false, "<div class=\"box\">\n", 0);
    expect("</div>\n</details>", false, "</div>\n</details>", 0);
    expect("<p>end</p>\n</details>\n", false, "<p>end</p>\n</details>\n", 0);
    expect("</script></details>", false, "</details>", 0);
}

static void test_benign_blocks_kept(void **state)
{
    (void)state;
    expect("<table>\n<thead><tr><th scope=\"col\">Key</th><th>Action</th></tr></thead>\n"
           "<tbody><tr><td><kbd>Ctrl</kbd>+<kbd>Q</kbd></td><td colspan=\"2\">Quit</td></tr>"
           "</tbody>\n</table>\n",
           false,
           "<table>\n<thead><tr><th scope=\"col\">Key</th><th>Action</th></tr></thead>\n"
           "<tbody><tr><td><kbd>Ctrl</kbd>+<kbd>Q</kbd></td><td colspan=\"2\">Quit</td></tr>"
           "</tbody>\n</table>\n",
           0);
    expect("<figure><img src=\"../img/chart.png\" alt=\"Chart\" width=\"300\" height=\"200\">"
           "<figcaption>Chart</figcaption></figure>",
           false,
           "<figure><img src=\"../img/chart.png\" alt=\"Chart\" width=\"300\" height=\"200\">"
           "<figcaption>Chart</figcaption></figure>",
           0);
    expect("<p dir=\"rtl\" lang=\"fa\">\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 <mark>x</mark></p>", false,
           "<p dir=\"rtl\" lang=\"fa\">\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 <mark>x</mark></p>", 0);
    expect("<p>Visit <a href=\"https://example.org/\">us</a>.</p>", false,
           "<p>Visit <a href=\"https://example.org/\" rel=\"noreferrer noopener\">us</a>.</p>",
           0);
}

static void test_warning_positions(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    char *out = run("<p>ok</p>\n<p onclick=\"x\">y</p>", false, 5, 1, &d);
    assert_int_equal(d.len, 1);
    assert_int_equal(d.items[0].line, 6);
    assert_int_equal(d.items[0].col, 4);
    assert_string_equal(d.items[0].msg, "removed attribute onclick on <p>");
    assert_string_equal(d.items[0].path, "content/en/page.md");
    free(out);
    diag_free(&d);

    out = run("<span onclick=\"x\">", true, 3, 7, &d);
    assert_int_equal(d.len, 1);
    assert_int_equal(d.items[0].line, 3);
    assert_int_equal(d.items[0].col, 13);
    free(out);
    diag_free(&d);

    out = run("<div>\n  <p>a</p>\n  <script>x</script>\n</div>", false, 20, 1, &d);
    assert_int_equal(d.len, 1);
    assert_int_equal(d.items[0].line, 22);
    assert_int_equal(d.items[0].col, 3);
    assert_non_null(strstr(d.items[0].msg, "removed <script> element"));
    free(out);
    diag_free(&d);

    out = run("</details>\n<a href=\"javascript:x\">y</a>", false, 8, 1, &d);
    assert_string_equal(out, "</details>\n<a>y</a>");
    assert_int_equal(d.items[0].line, 9);
    assert_int_equal(d.items[0].col, 4);
    assert_true(has_warning(&d, "removed link with javascript: URL"));
    free(out);
    diag_free(&d);
}

static void test_nul_bytes_never_reach_the_page(void **state)
{
    (void)state;
    static const char raw[] = "<p title=\"a\0b\">x\0y<b\0>z</p>";
    for (int is_inline = 0; is_inline <= 1; is_inline++) {
        diags_t d = DIAGS_INIT;
        char *out = sanitize_html(raw, sizeof raw - 1, is_inline, "p.md", 1, 1, &d);
        assert_scan_clean(out);
        free(out);
        diag_free(&d);
    }
}

static void test_deep_nesting_does_not_crash(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    for (int i = 0; i < 5000; i++)
        buf_puts(&b, "<div><span>");
    buf_puts(&b, "x");
    diags_t d = DIAGS_INIT;
    char *out = sanitize_html(b.data, b.len, false, "p.md", 1, 1, &d);
    assert_scan_clean(out);
    assert_true(has_warning(&d, "nested deeper"));
    free(out);
    diag_free(&d);
    buf_free(&b);
}

static uint32_t next_random(uint32_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    return *seed;
}

/* Random junk made of HTML's sharp edges: never a crash, always clean. */
static void test_random_input_always_clean(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "<", ">", "</", "/>", "\"", "'", "=", " ", "\n", "&", "&#", "x", ";", "<a href=",
        "<img src=", "javascript:", "https://e.example/", "//e", "onclick=", "<script>",
        "</script>", "<p>", "</p>", "<!--", "-->", "<details>", "</details>", "<svg>",
        "<table>", "<td>", "<pre>", "<textarea>", "\xff", "\xc3", "\xa9", "&amp;", "&#0;",
        "<style>", "</div>", "<div", "<![CDATA[", "]]>", "<?", "`", "\t",
    };
    uint32_t seed = 42;
    size_t npieces = sizeof pieces / sizeof *pieces;
    for (int iter = 0; iter < 3000; iter++) {
        buf_t b = BUF_INIT;
        int n = 1 + (int)(next_random(&seed) % 12);
        for (int i = 0; i < n; i++)
            buf_puts(&b, pieces[next_random(&seed) % npieces]);
        diags_t d = DIAGS_INIT;
        char *out = sanitize_html(b.data, b.len, iter % 2, "p.md", 1, 1, &d);
        assert_scan_clean(out);
        assert_int_equal(d.errors, 0);
        free(out);
        diag_free(&d);
        buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_inputs_come_out_harmless),
        cmocka_unit_test(test_hostile_blocks_are_reported),
        cmocka_unit_test(test_exact_rewrites),
        cmocka_unit_test(test_inline_pieces),
        cmocka_unit_test(test_details_split_over_blocks),
        cmocka_unit_test(test_benign_blocks_kept),
        cmocka_unit_test(test_warning_positions),
        cmocka_unit_test(test_nul_bytes_never_reach_the_page),
        cmocka_unit_test(test_deep_nesting_does_not_crash),
        cmocka_unit_test(test_random_input_always_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
