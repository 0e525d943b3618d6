/* libFuzzer target: Markdown to HTML, raw-HTML filter included (md_render
 * with no link resolver). Whatever the input, a render without errors must
 * produce HTML that passes the output rules as a page fragment; the target
 * aborts (a finding) when it does not. See tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "htmlscan.h"
#include "markdown.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    md_init();
    return 0;
}

static void fail_with(const char *html, diags_t *scan)
{
    for (size_t i = 0; i < scan->len; i++) {
        char *line = diag_format(&scan->items[i]);
        fprintf(stderr, "%s\n", line);
        free(line);
    }
    fprintf(stderr, "--- rendered HTML ---\n%s\n", html);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 200000) /* deep nesting is quadratic in cmark; keep runs fast */
        return 0;
    bool toc = size && (data[0] & 1);
    md_input in = {.text = (const char *)data, .len = size, .path = "content/en/fuzz.md",
                   .first_line = 1, .want_toc = toc};
    md_output out = {0};
    diags_t d = DIAGS_INIT;
    int rc = md_render(&in, &out, &d);
    if (rc == 0) {
        /* The way render.c uses it: content (and toc) inside a page body. */
        buf_t page = BUF_INIT;
        buf_puts(&page, "<main id=\"main\">\n");
        if (out.toc_html)
            buf_puts(&page, out.toc_html);
        buf_puts(&page, out.html ? out.html : "");
        buf_puts(&page, "</main>\n");
        scan_rules rules = {NULL, NULL, false};
        diags_t scan = DIAGS_INIT;
        if (scan_page(page.data, page.len, "out/fuzz.html", &rules, &scan) > 0)
            fail_with(page.data, &scan);
        diag_free(&scan);
        buf_free(&page);
    }
    md_output_free(&out);
    diag_free(&d);
    return 0;
}
