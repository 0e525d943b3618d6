/* libFuzzer target: the output scanner (scan_page) on any bytes, as a
 * full page and as a fragment, with and without a form endpoint. It must
 * never crash, hang or read outside the input. See tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "htmlscan.h"

static const char CSP[] = "default-src 'none'; style-src 'self'; img-src 'self'; "
                          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    scan_rules rules = {CSP, (data[0] & 2) ? "../submit" : NULL, data[0] & 1};
    /* An exact-size copy, so a read past the end is caught. */
    char *html = malloc(size - 1 ? size - 1 : 1);
    memcpy(html, data + 1, size - 1);
    diags_t d = DIAGS_INIT;
    int n = scan_page(html, size - 1, "out/fuzz.html", &rules, &d);
    if (n < 0 || (n > 0 && d.errors == 0))
        abort(); /* violations are always reported */
    diag_free(&d);
    free(html);
    return 0;
}
