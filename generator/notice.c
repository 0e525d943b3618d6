/* notice: server-written pages; see notice.h. */
#include "notice.h"

#include <string.h>

#include "buf.h"
#include "config.h"

static void put_text(buf_t *b, const char *s)
{
    buf_put_html(b, s, strlen(s));
}

char *notice_html(const notice_page *p)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"");
    put_text(&b, p->lang);
    buf_puts(&b, "\" dir=\"");
    put_text(&b, config_default_direction(p->lang));
    buf_puts(&b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"");
    put_text(&b, p->csp);
    buf_puts(&b, "\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
                 "<meta name=\"robots\" content=\"noindex\">\n<title>");
    put_text(&b, p->title);
    buf_puts(&b, "</title>\n");
    if (p->stylesheet) {
        buf_puts(&b, "<link rel=\"stylesheet\" href=\"");
        put_text(&b, p->stylesheet);
        buf_puts(&b, "\">\n");
    }
    buf_puts(&b, "</head>\n<body>\n<main id=\"main\">\n<h1>");
    put_text(&b, p->title);
    buf_puts(&b, "</h1>\n");
    for (size_t i = 0; i < p->nparagraphs; i++) {
        buf_puts(&b, "<p>");
        put_text(&b, p->paragraphs[i]);
        buf_puts(&b, "</p>\n");
    }
    if (p->nitems) {
        buf_puts(&b, "<ul>\n");
        for (size_t i = 0; i < p->nitems; i++) {
            buf_puts(&b, p->code_items ? "<li><code>" : "<li>");
            put_text(&b, p->items[i]);
            buf_puts(&b, p->code_items ? "</code></li>\n" : "</li>\n");
        }
        buf_puts(&b, "</ul>\n");
    }
    if (p->after) {
        buf_puts(&b, "<p>");
        put_text(&b, p->after);
        buf_puts(&b, "</p>\n");
    }
    buf_puts(&b, "</main>\n</body>\n</html>\n");
    return buf_detach(&b);
}
