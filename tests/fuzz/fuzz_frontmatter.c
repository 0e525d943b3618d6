/* libFuzzer target: the front matter reader (fm_read) on any bytes.
 * Must never crash, leak or read outside the input; every node it returns
 * must be walkable. See tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "frontmatter.h"

/* Touches every node, key and scalar, so a dangling pointer shows. */
static size_t walk(const fm_node *n)
{
    if (n->kind == FM_SCALAR)
        return strlen(n->text);
    size_t total = n->len;
    for (size_t i = 0; i < n->len; i++) {
        if (n->kind == FM_MAP)
            total += strlen(n->keys[i]);
        total += walk(n->items[i]);
    }
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diags_t d = DIAGS_INIT;
    fm_page page;
    if (fm_read((const char *)data, size, "content/en/fuzz.md", &page, &d) == 0 && page.root) {
        walk(page.root);
        (void)fm_string(page.root, "title");
        (void)fm_bool(page.root, "draft", false, "content/en/fuzz.md", &d);
        (void)fm_number(page.root, "weight", 0, "content/en/fuzz.md", &d);
        /* The body lies inside the input. */
        if (page.body < (const char *)data || page.body + page.body_len > (const char *)data + size)
            abort();
        fm_free(page.root);
    }
    diag_free(&d);
    return 0;
}
