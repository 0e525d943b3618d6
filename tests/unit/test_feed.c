/* Atom feeds: absolute URLs from base_url, the post's HTML with its
 * relative links made absolute, XML escaping. (tests/e2e/blog.sh checks
 * whole feeds against the Atom schema with xmllint.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "blog.h"
#include "feed.h"
#include "xalloc.h"

static void assert_url(const char *base, const char *out_path, const char *want)
{
    char *got = feed_absolute_url(base, out_path);
    assert_string_equal(got, want);
    free(got);
}

static void test_absolute_url(void **state)
{
    (void)state;
    assert_url("http://x.onion/", "en/posts/a/index.html", "http://x.onion/en/posts/a/");
    assert_url("http://x.onion", "en/feed.xml", "http://x.onion/en/feed.xml");
    assert_url("https://example.org/help/", "fi/posts/tags/ä/index.html",
               "https://example.org/help/fi/posts/tags/%C3%A4/");
    assert_url("http://x.onion/", "en/a b/index.html", "http://x.onion/en/a%20b/");
}

typedef struct {
    config_t cfg;
    config_language langs[1];
    site_t site;
    diags_t d;
} fixture;

static page_t *add_page(fixture *f, page_kind kind, const char *key, const char *out)
{
    page_t *p = xcalloc(1, sizeof *p);
    p->kind = kind;
    p->key = xstrdup(key);
    p->out_path = xstrdup(out);
    site_add_page(&f->site, p);
    return p;
}

static fixture *new_fixture(const char *title, const char *html)
{
    fixture *f = xcalloc(1, sizeof *f);
    f->langs[0] = (config_language){.code = "fi", .name = "Suomi", .dir = "ltr"};
    f->cfg = (config_t){.title = "Site & Co", .base_url = "http://x.onion/",
                        .languages = f->langs, .nlanguages = 1, .blog_section = "posts",
                        .blog_page_size = 10, .blog_feed_size = 20};
    f->site = (site_t){.cfg = &f->cfg};
    page_t *home = add_page(f, PAGE_HOME, "", "fi/index.html");
    f->site.homes = xcalloc(1, sizeof *f->site.homes);
    f->site.homes[0] = home;
    page_t *post = add_page(f, PAGE_PAGE, "posts/a", "fi/posts/a/index.html");
    post->src_path = xstrdup("content/fi/posts/a.md");
    post->source = xstrdup("---\ndate: 2026-03-01\nupdated: 2026-04-02T08:00\n"
                           "tags: [Ennaltaehkäisy]\nauthor: A <b>\n---\n");
    fm_page fm;
    assert_int_equal(fm_read(post->source, strlen(post->source), post->src_path, &fm, &f->d), 0);
    post->front = fm.root;
    post->title = xstrdup(title);
    post->date = xstrdup("2026-03-01");
    post->summary = xstrdup("Summary \"quoted\"");
    post->html = xstrdup(html);
    blog_options opts = {.today = "2026-06-01"};
    assert_int_equal(blog_build(&f->site, &opts, &f->d), 0);
    return f;
}

static page_t *page_at(const fixture *f, const char *out_path)
{
    for (size_t i = 0; i < f->site.npages; i++)
        if (!strcmp(f->site.pages[i]->out_path, out_path))
            return f->site.pages[i];
    return NULL;
}

static void free_fixture(fixture *f)
{
    site_free(&f->site);
    diag_free(&f->d);
    free(f);
}

static void test_feed_document(void **state)
{
    (void)state;
    fixture *f = new_fixture("Fish \x01& chips",
                             "<p><a href=\"../../get-help/index.html#now\">help</a> "
                             "<img src=\"pic.png\" alt=\"\"> <a href=\"#fn-1\">1</a> "
                             "<a href=\"https://example.org/\" rel=\"noreferrer noopener\">x</a></p>");
    page_t *index = page_at(f, "fi/posts/index.html");
    assert_non_null(index);
    assert_string_equal(index->blog->feed, "fi/feed.xml");
    page_t *tag = page_at(f, "fi/posts/tags/ennaltaehkäisy/index.html");
    assert_non_null(tag);
    assert_string_equal(tag->blog->feed, "fi/posts/tags/ennaltaehkäisy/feed.xml");
    diags_t d = DIAGS_INIT;
    char *xml = feed_xml(&f->site, index, NULL, NULL, &d);
    assert_int_equal(d.len, 0);
    diag_free(&d);
    assert_non_null(strstr(xml, "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fi\">"));
    assert_non_null(strstr(xml, "<title>Site &amp; Co: Posts</title>"));
    assert_non_null(strstr(xml, "<id>http://x.onion/fi/feed.xml</id>"));
    assert_non_null(strstr(xml, "<updated>2026-04-02T08:00:00Z</updated>"));
    assert_non_null(strstr(xml, "<published>2026-03-01T00:00:00Z</published>"));
    assert_non_null(strstr(xml, "<title>Fish &amp; chips</title>")); /* U+0001 left out */
    assert_non_null(strstr(xml, "<name>A &lt;b&gt;</name>"));
    assert_non_null(strstr(xml, "<category term=\"ennaltaehkäisy\" label=\"Ennaltaehkäisy\"/>"));
    assert_non_null(strstr(xml, "Summary &quot;quoted&quot;"));
    /* relative links made absolute, inside escaped HTML */
    assert_non_null(strstr(xml, "href=&quot;http://x.onion/fi/get-help/#now&quot;"));
    assert_non_null(strstr(xml, "src=&quot;http://x.onion/fi/posts/a/pic.png&quot;"));
    assert_non_null(strstr(xml, "href=&quot;http://x.onion/fi/posts/a/#fn-1&quot;"));
    assert_non_null(strstr(xml, "href=&quot;https://example.org/&quot;"));
    assert_null(strstr(xml, "<p>")); /* the content is escaped, not markup */
    free(xml);
    free_fixture(f);
}

static void test_no_base_url_no_feeds(void **state)
{
    (void)state;
    fixture *f = new_fixture("T", "<p>x</p>");
    assert_false(feed_left_out(&f->site));
    f->cfg.base_url = NULL;
    assert_true(feed_left_out(&f->site));
    assert_int_equal(feed_write_all(&f->site, NULL, NULL, &f->d), 0);
    free_fixture(f);
}

static void test_bad_base_url(void **state)
{
    (void)state;
    fixture *f = new_fixture("T", "<p>x</p>");
    f->cfg.base_url = "example.onion";
    assert_int_equal(feed_write_all(&f->site, NULL, NULL, &f->d), 0);
    assert_int_equal(f->d.errors, 1);
    assert_non_null(strstr(f->d.items[0].msg, "base_url"));
    free_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absolute_url),
        cmocka_unit_test(test_feed_document),
        cmocka_unit_test(test_no_base_url_no_feeds),
        cmocka_unit_test(test_bad_base_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
