#include "feed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "buf.h"
#include "fs.h"
#include "htmltok.h"
#include "output.h"
#include "path.h"
#include "utf8.h"
#include "xalloc.h"

/* --- XML text ----------------------------------------------------------------- */

/* Appends s escaped for XML text and attributes, leaving out what XML 1.0
 * cannot hold: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; bytes that
 * are not UTF-8. */
static void xml_put(buf_t *b, const char *s)
{
    size_t len = strlen(s), run = 0;
    for (size_t i = 0; i < len;) {
        size_t width;
        int32_t c = utf8_decode(s + i, len - i, &width);
        bool ok = c >= 0 && (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') && c != 0xFFFE &&
                  c != 0xFFFF;
        if (!ok) {
            buf_put_html(b, s + run, i - run);
            run = i + width;
        }
        i += width;
    }
    buf_put_html(b, s + run, len - run);
}

static void xml_element(buf_t *b, const char *indent, const char *name, const char *text)
{
    buf_printf(b, "%s<%s>", indent, name);
    xml_put(b, text);
    buf_printf(b, "</%s>\n", name);
}

/* --- absolute URLs -------------------------------------------------------------- */

/* Percent-encodes bytes outside ASCII (an IRI becomes a URI). */
static void put_ascii_url(buf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            buf_printf(b, "%%%02X", c);
        else
            buf_putc(b, (char)c);
    }
}

static void put_base(buf_t *b, const char *base_url)
{
    buf_puts(b, base_url);
    if (!*base_url || base_url[strlen(base_url) - 1] != '/')
        buf_putc(b, '/');
}

char *feed_absolute_url(const char *base_url, const char *out_path)
{
    buf_t b = BUF_INIT;
    put_base(&b, base_url);
    char *encoded = path_url_encode(out_path);
    size_t n = strlen(encoded);
    const char *index = "index.html";
    if (!strcmp(path_basename(encoded), index))
        n -= strlen(index);
    put_ascii_url(&b, encoded, n);
    free(encoded);
    return buf_detach(&b);
}

/* A relative URL written in the page at out_path, made absolute; NULL
 * when it climbs above the site root (it is then left as it is). The URL
 * is already percent-encoded as waymark writes it. */
static char *absolute_from(const char *base_url, const char *out_path, const char *url)
{
    size_t path_len = strcspn(url, "?#");
    buf_t b = BUF_INIT;
    if (path_len == 0) { /* "#part" or "?q": the page itself */
        char *page = feed_absolute_url(base_url, out_path);
        buf_puts(&b, page);
        free(page);
    } else {
        char *dir = path_dirname(out_path);
        char *rel = xstrndup(url, path_len);
        char *joined = path_join(dir, rel);
        char *norm = path_normalize(joined);
        free(dir);
        free(rel);
        free(joined);
        if (!norm || norm[0] == '/') {
            free(norm);
            buf_free(&b);
            return NULL;
        }
        put_base(&b, base_url);
        size_t n = strlen(norm);
        if (!strcmp(path_basename(norm), "index.html"))
            n -= strlen("index.html");
        put_ascii_url(&b, norm, n);
        free(norm);
    }
    put_ascii_url(&b, url + path_len, strlen(url + path_len));
    return buf_detach(&b);
}

/* The post's HTML with every relative href="" and src="" made absolute.
 * The HTML is waymark's own (cmark and the sanitizer): attribute values
 * are double-quoted and a '"' in text is always escaped, so ' href="'
 * only ever starts an attribute. */
static char *absolute_content(const char *html, const char *base_url, const char *out_path)
{
    buf_t out = BUF_INIT;
    const char *s = html;
    for (;;) {
        const char *href = strstr(s, " href=\""), *src = strstr(s, " src=\"");
        const char *at = !href ? src : !src ? href : href < src ? href : src;
        if (!at)
            break;
        const char *value = strchr(at, '"') + 1;
        const char *end = strchr(value, '"');
        if (!end)
            break;
        buf_putn(&out, s, (size_t)(value - s));
        buf_t decoded = BUF_INIT;
        htmltok_decode_attr(value, (size_t)(end - value), &decoded);
        char scheme[HTMLTOK_SCHEME_MAX];
        char *abs = NULL;
        if (decoded.len &&
            htmltok_url_classify(decoded.data, decoded.len, scheme) == URL_RELATIVE)
            abs = absolute_from(base_url, out_path, buf_cstr(&decoded));
        if (abs)
            buf_put_html(&out, abs, strlen(abs));
        else
            buf_putn(&out, value, (size_t)(end - value));
        free(abs);
        buf_free(&decoded);
        s = end;
    }
    buf_puts(&out, s);
    return buf_detach(&out);
}

/* --- one feed --------------------------------------------------------------------- */

static const char *ui_text(const catalog_t *own, const catalog_t *fallback, const char *msgid)
{
    const char *s = own ? catalog_get(own, "blog", msgid) : NULL;
    if (!s && fallback)
        s = catalog_get(fallback, "blog", msgid);
    return s ? s : msgid;
}

static const char *page_title(const page_t *p, const catalog_t *own, const catalog_t *fallback)
{
    return p->blog && p->blog->translate_title ? ui_text(own, fallback, p->title) : p->title;
}

/* The later of the post's date and its updated date, as RFC 3339. */
static char *entry_updated(const page_t *post)
{
    char *published = blog_rfc3339(post->date);
    char *updated = blog_rfc3339(post->blog->updated);
    if (updated && published && strcmp(updated, published) > 0) {
        free(published);
        return updated;
    }
    free(updated);
    return published;
}

static void write_link(buf_t *b, const char *indent, const char *rel, const char *type,
                       const char *href)
{
    buf_printf(b, "%s<link rel=\"%s\" type=\"%s\" href=\"", indent, rel, type);
    xml_put(b, href);
    buf_puts(b, "\"/>\n");
}

static void write_entry(buf_t *b, const site_t *site, const page_t *post, diags_t *d)
{
    const char *base = site->cfg->base_url;
    char *url = feed_absolute_url(base, post->out_path);
    char *published = blog_rfc3339(post->date), *updated = entry_updated(post);
    buf_puts(b, "<entry>\n");
    xml_element(b, "  ", "title", post->title);
    write_link(b, "  ", "alternate", "text/html", url);
    xml_element(b, "  ", "id", url);
    xml_element(b, "  ", "published", published);
    xml_element(b, "  ", "updated", updated);
    for (size_t i = 0; i < post->blog->nauthors; i++) {
        buf_puts(b, "  <author><name>");
        xml_put(b, post->blog->authors[i]);
        buf_puts(b, "</name></author>\n");
    }
    for (size_t i = 0; i < post->blog->tags.len; i++) {
        const page_t *tag = post->blog->tags.items[i];
        buf_puts(b, "  <category term=\"");
        xml_put(b, tag->blog->slug);
        buf_puts(b, "\" label=\"");
        xml_put(b, tag->title);
        buf_puts(b, "\"/>\n");
    }
    if (post->summary && *post->summary) {
        buf_puts(b, "  <summary type=\"text\">");
        xml_put(b, post->summary);
        buf_puts(b, "</summary>\n");
    }
    char *content = site_page_html(site, post, d);
    char *html = absolute_content(content ? content : "", base, post->out_path);
    free(content);
    buf_puts(b, "  <content type=\"html\" xml:base=\"");
    xml_put(b, url);
    buf_puts(b, "\">");
    xml_put(b, html);
    buf_puts(b, "</content>\n</entry>\n");
    free(html);
    free(url);
    free(published);
    free(updated);
}

char *feed_xml(const site_t *site, const page_t *list, const catalog_t *own,
               const catalog_t *fallback, diags_t *d)
{
    const config_t *cfg = site->cfg;
    const page_blog *lb = list->blog;
    const blog_list *posts = lb->role == BLOG_INDEX ? &lb->first->blog->all : &lb->posts;
    size_t n = posts->len < cfg->blog_feed_size ? posts->len : cfg->blog_feed_size;
    char *self = feed_absolute_url(cfg->base_url, lb->feed);
    char *page = feed_absolute_url(cfg->base_url, list->out_path);
    char *title = xasprintf("%s: %s", cfg->title, page_title(list, own, fallback));
    char *newest = NULL;
    for (size_t i = 0; i < n; i++) {
        char *u = entry_updated(posts->items[i]);
        if (!newest || strcmp(u, newest) > 0) {
            free(newest);
            newest = u;
        } else {
            free(u);
        }
    }
    buf_t b = BUF_INIT;
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
    xml_put(&b, cfg->languages[list->lang].code);
    buf_puts(&b, "\">\n");
    xml_element(&b, "", "title", title);
    if (list->description && *list->description)
        xml_element(&b, "", "subtitle", list->description);
    write_link(&b, "", "self", "application/atom+xml", self);
    write_link(&b, "", "alternate", "text/html", page);
    xml_element(&b, "", "id", self);
    xml_element(&b, "", "updated", newest ? newest : "1970-01-01T00:00:00Z");
    buf_puts(&b, "<author><name>");
    xml_put(&b, cfg->title);
    buf_puts(&b, "</name></author>\n<generator>waymark</generator>\n");
    for (size_t i = 0; i < n; i++)
        write_entry(&b, site, posts->items[i], d);
    buf_puts(&b, "</feed>\n");
    free(self);
    free(page);
    free(title);
    free(newest);
    return buf_detach(&b);
}

/* --- every feed ---------------------------------------------------------------------- */

bool feed_left_out(const site_t *site)
{
    if (site->cfg->base_url)
        return false;
    for (size_t i = 0; i < site->npages; i++)
        if (site->pages[i]->blog && site->pages[i]->blog->role == BLOG_POST)
            return true;
    return false;
}

static bool valid_base_url(const char *url)
{
    return (!strncmp(url, "http://", 7) && url[7] && url[7] != '/') ||
           (!strncmp(url, "https://", 8) && url[8] && url[8] != '/');
}

size_t feed_write_all(const site_t *site, catalog_t *const *catalogs, output_t *out,
                      diags_t *d)
{
    const char *base = site->cfg->base_url;
    if (!base)
        return 0;
    if (!valid_base_url(base) || strpbrk(base, "\"<>\\ ")) {
        diag_error(d, "site.lua", 0, 0,
                   "'base_url' must be an absolute http:// or https:// address, like "
                   "\"http://example.onion/\" (feeds need it)");
        return 0;
    }
    size_t written = 0;
    for (size_t i = 0; i < site->npages; i++) {
        const page_t *p = site->pages[i];
        if (!p->blog || !p->blog->feed)
            continue;
        char *xml = feed_xml(site, p, catalogs ? catalogs[p->lang] : NULL,
                             catalogs ? catalogs[0] : NULL, d);
        if (out && output_put(out, p->blog->feed, xml, strlen(xml)) < 0)
            diag_error(d, p->blog->feed, 0, 0, "cannot write: %s", strerror(errno));
        free(xml);
        written++;
    }
    return written;
}
