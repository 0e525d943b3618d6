/* libFuzzer target: the raw-HTML filter alone (sanitize_html), block and
 * inline. Its output must always pass the output rules as a fragment; the
 * target aborts when it does not. See tests/fuzz/README.md. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "htmlscan.h"
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool is_inline = data[0] & 1;
    diags_t d = DIAGS_INIT;
    char *html = sanitize_html((const char *)data + 1, size - 1, is_inline, "content/en/fuzz.md",
                               1, 1, &d);
    scan_rules rules = {NULL, NULL, false};
    diags_t scan = DIAGS_INIT;
    if (scan_page(html, strlen(html), "out/fuzz.html", &rules, &scan) > 0) {
        for (size_t i = 0; i < scan.len; i++) {
            char *line = diag_format(&scan.items[i]);
            fprintf(stderr, "%s\n", line);
            free(line);
        }
        fprintf(stderr, "--- sanitized HTML ---\n%s\n", html);
        abort();
    }
    diag_free(&scan);
    diag_free(&d);
    free(html);
    return 0;
}
