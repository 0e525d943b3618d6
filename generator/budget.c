#include "budget.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

static double kb(uint64_t bytes) { return (double)bytes / 1024.0; }

/* "en/about/" for "en/about/index.html": the address a reader sees. */
static void put_address(buf_t *b, const char *out_path)
{
    size_t n = strlen(out_path);
    const char *index = "index.html";
    if (n >= strlen(index) && !strcmp(out_path + n - strlen(index), index))
        n -= strlen(index);
    buf_putn(b, out_path, n ? n : strlen(out_path));
}

char *budget_summary(const site_t *site, const uint64_t *page_bytes, uint64_t css_bytes)
{
    size_t top[BUDGET_LARGEST], ntop = 0;
    uint64_t *per_lang = xcalloc(site->cfg->nlanguages, sizeof *per_lang);
    for (size_t i = 0; i < site->npages; i++) {
        if (site->pages[i]->kind == PAGE_ROOT)
            continue;
        per_lang[site->pages[i]->lang] += page_bytes[i];
        /* insertion into the short list of the heaviest, heaviest first */
        size_t at = ntop;
        while (at > 0 && page_bytes[top[at - 1]] < page_bytes[i])
            at--;
        if (at >= BUDGET_LARGEST)
            continue;
        if (ntop < BUDGET_LARGEST)
            ntop++;
        memmove(top + at + 1, top + at, (ntop - 1 - at) * sizeof *top);
        top[at] = i;
    }
    buf_t b = BUF_INIT;
    buf_puts(&b, "  heaviest pages:");
    for (size_t k = 0; k < ntop; k++) {
        buf_puts(&b, k ? ", " : " ");
        put_address(&b, site->pages[top[k]]->out_path);
        buf_printf(&b, " %.1f KB", kb(page_bytes[top[k]]));
    }
    buf_printf(&b, " (HTML, + %.1f KB CSS each)\n  HTML per language:", kb(css_bytes));
    for (size_t l = 0; l < site->cfg->nlanguages; l++)
        buf_printf(&b, "%s%s %.1f KB", l ? ", " : " ", site->cfg->languages[l].code,
                   kb(per_lang[l]));
    buf_putc(&b, '\n');
    free(per_lang);
    return buf_detach(&b);
}

size_t budget_check(const site_t *site, const uint64_t *page_bytes, uint64_t css_bytes,
                    double page_kb, bool strict, diags_t *d)
{
    if (page_kb <= 0)
        return 0;
    size_t over = 0;
    for (size_t i = 0; i < site->npages; i++) {
        const page_t *p = site->pages[i];
        uint64_t total = page_bytes[i] + css_bytes;
        if (kb(total) <= page_kb || page_bytes[i] == 0)
            continue;
        over++;
        (strict ? diag_error : diag_warning)(
            d, p->src_path ? p->src_path : p->out_path, 0, 0,
            "page weighs %.1f KB (HTML %.1f KB + CSS %.1f KB), over the budget of %g KB a page "
            "(site.lua budget.page_kb)",
            kb(total), kb(page_bytes[i]), kb(css_bytes), page_kb);
    }
    return over;
}
