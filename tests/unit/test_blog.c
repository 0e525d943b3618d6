/* The blog model: slugs that are safe file names in any script, dates as
 * Atom needs them, and the pages blog_build makes (order, pager, future
 * posts, series, related posts, errors at the right line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "blog.h"
#include "utf8.h"
#include "xalloc.h"

static void assert_slug(const char *name, const char *want)
{
    char *got = blog_slug(name);
    assert_string_equal(got, want);
    free(got);
}

static void test_slug(void **state)
{
    (void)state;
    assert_slug("Prevention", "prevention");
    assert_slug("self-help", "self-help");
    assert_slug("Ennaltaehkäisy & Tutkimus", "ennaltaehkäisy-tutkimus");
    assert_slug("ÄITI JA ISÄ", "äiti-ja-isä");
    assert_slug("Prevención Temprana", "prevención-temprana");
    assert_slug("¿Qué hacer?", "qué-hacer");
    assert_slug("الوقاية", "الوقاية");
    assert_slug("طلب المساعدة", "طلب-المساعدة");
    assert_slug("سؤال؟ نعم، لا", "سؤال-نعم-لا");
    assert_slug("Помощь", "помощь");
    assert_slug("İstanbul", "istanbul");
    assert_slug("  ../../etc/passwd  ", "etc-passwd");
    assert_slug("a\xe2\x80\xae" "b", "a-b");       /* U+202E right-to-left override */
    assert_slug("zero\xe2\x80\x8bwidth", "zero-width"); /* U+200B */
    assert_slug("tab\there\nnew", "tab-here-new");
    assert_slug("bad \xff byte", "bad-byte");
    assert_slug("?!", "");
    assert_slug("", "");
}

static void test_slug_is_short_and_whole(void **state)
{
    (void)state;
    char name[400] = "";
    for (int i = 0; i < 60; i++)
        strcat(name, "ä"); /* 2 bytes each: 120 bytes */
    char *slug = blog_slug(name);
    assert_true(strlen(slug) <= 80);
    assert_true(strlen(slug) >= 78);
    assert_true(utf8_validate(slug, strlen(slug), NULL, NULL));
    free(slug);
}

static void assert_rfc3339(const char *in, const char *want)
{
    char *got = blog_rfc3339(in);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_rfc3339(void **state)
{
    (void)state;
    assert_rfc3339("2026-11-02", "2026-11-02T00:00:00Z");
    assert_rfc3339("2026-11-02T10:30", "2026-11-02T10:30:00Z");
    assert_rfc3339("2026-11-02 10:30:15", "2026-11-02T10:30:15Z");
    assert_rfc3339("2026-11-02T10:30:15.25+02:00", "2026-11-02T10:30:15+02:00");
    assert_rfc3339("2024-02-29", "2024-02-29T00:00:00Z");
    assert_rfc3339("2026-02-29", NULL);
    assert_rfc3339("2026-13-01", NULL);
    assert_rfc3339("2026-11-31", NULL);
    assert_rfc3339("2026-11-02T25:00", NULL);
    assert_rfc3339("2026-11-02x", NULL);
    assert_rfc3339("02.11.2026", NULL);
    assert_rfc3339("2026-11-02T10:30+2:00", NULL);
    assert_rfc3339(NULL, NULL);
}

/* --- blog_build on a small site ---------------------------------------------- */

typedef struct {
    config_t cfg;
    config_language langs[1];
    site_t site;
    diags_t d;
} fixture;

static void add_post(fixture *f, const char *name, const char *front)
{
    page_t *p = xcalloc(1, sizeof *p);
    p->kind = PAGE_PAGE;
    p->src_path = xasprintf("content/en/posts/%s.md", name);
    p->key = xasprintf("posts/%s", name);
    p->out_path = xasprintf("en/posts/%s/index.html", name);
    p->source = xasprintf("---\n%s---\nText.\n", front);
    fm_page fm;
    assert_int_equal(fm_read(p->source, strlen(p->source), p->src_path, &fm, &f->d), 0);
    p->front = fm.root;
    p->title = xstrdup(fm_string(p->front, "title"));
    p->date = xstrdup(fm_string(p->front, "date"));
    site_add_page(&f->site, p);
}

static fixture *new_fixture(size_t page_size)
{
    fixture *f = xcalloc(1, sizeof *f);
    f->langs[0] = (config_language){.code = "en", .name = "English", .dir = "ltr"};
    f->cfg = (config_t){.title = "T", .languages = f->langs, .nlanguages = 1,
                        .blog_section = "posts", .blog_page_size = page_size,
                        .blog_feed_size = 20};
    f->site = (site_t){.cfg = &f->cfg};
    page_t *home = xcalloc(1, sizeof *home);
    home->kind = PAGE_HOME;
    home->key = xstrdup("");
    home->out_path = xstrdup("en/index.html");
    home->title = xstrdup("Home");
    site_add_page(&f->site, home);
    f->site.homes = xcalloc(1, sizeof *f->site.homes);
    f->site.homes[0] = home;
    return f;
}

static void free_fixture(fixture *f)
{
    site_free(&f->site);
    diag_free(&f->d);
    free(f);
}

static page_t *page_at(const fixture *f, const char *out_path)
{
    for (size_t i = 0; i < f->site.npages; i++)
        if (!strcmp(f->site.pages[i]->out_path, out_path))
            return f->site.pages[i];
    return NULL;
}

static int build(fixture *f)
{
    blog_options opts = {.future = false, .today = "2026-06-01"};
    return blog_build(&f->site, &opts, &f->d);
}

static void test_index_pages_newest_first(void **state)
{
    (void)state;
    fixture *f = new_fixture(2);
    add_post(f, "a", "title: A\ndate: 2026-01-01\n");
    add_post(f, "c", "title: C\ndate: 2026-03-01\n");
    add_post(f, "b", "title: B\ndate: 2026-02-01T10:00\n");
    add_post(f, "later", "title: Later\ndate: 2026-06-02\n");
    assert_int_equal(build(f), 0);
    assert_null(page_at(f, "en/posts/later/index.html")); /* tomorrow: not yet */
    page_t *index = page_at(f, "en/posts/index.html");
    page_t *second = page_at(f, "en/posts/page/2/index.html");
    assert_non_null(index);
    assert_non_null(second);
    assert_null(page_at(f, "en/posts/page/3/index.html"));
    assert_int_equal(index->blog->posts.len, 2);
    assert_string_equal(index->blog->posts.items[0]->title, "C");
    assert_string_equal(index->blog->posts.items[1]->title, "B");
    assert_int_equal(second->blog->posts.len, 1);
    assert_string_equal(second->blog->posts.items[0]->title, "A");
    assert_int_equal(second->blog->number, 2);
    assert_int_equal(second->blog->count, 2);
    assert_ptr_equal(second->blog->pager_prev, index);
    assert_ptr_equal(index->blog->pager_next, second);
    assert_null(second->blog->pager_next);
    assert_ptr_equal(second->parent, index);
    assert_non_null(page_at(f, "en/posts/archive/2026/index.html"));
    assert_ptr_equal(f->site.homes[0]->blog->recent.items[0], index->blog->posts.items[0]);
    free_fixture(f);
}

static void test_future_posts_with_option(void **state)
{
    (void)state;
    fixture *f = new_fixture(10);
    add_post(f, "later", "title: Later\ndate: 2026-06-02\n");
    blog_options opts = {.future = true, .today = "2026-06-01"};
    assert_int_equal(blog_build(&f->site, &opts, &f->d), 0);
    assert_non_null(page_at(f, "en/posts/later/index.html"));
    free_fixture(f);
}

static void test_series_and_related(void **state)
{
    (void)state;
    fixture *f = new_fixture(10);
    add_post(f, "two", "title: Two\ndate: 2026-01-01\nseries: My Series\nseries_part: 2\n"
                       "tags: [x, y]\n");
    add_post(f, "one", "title: One\ndate: 2026-02-01\nseries: my series\nseries_part: 1\n"
                       "tags: [x]\n");
    add_post(f, "other", "title: Other\ndate: 2026-03-01\ntags: [x, y, z]\n");
    add_post(f, "lonely", "title: Lonely\ndate: 2026-04-01\ntags: [w]\n");
    assert_int_equal(build(f), 0);
    page_t *series = page_at(f, "en/posts/series/my-series/index.html");
    assert_non_null(series);
    assert_string_equal(series->key, "posts/series/one"); /* keyed by the first part's file */
    page_t *one = page_at(f, "en/posts/one/index.html"), *two = page_at(f, "en/posts/two/index.html");
    assert_ptr_equal(series->blog->posts.items[0], one);
    assert_ptr_equal(series->blog->posts.items[1], two);
    assert_int_equal(two->blog->series_part, 2);
    assert_int_equal(two->blog->series_count, 2);
    assert_ptr_equal(two->blog->series_prev, one);
    assert_null(two->blog->series_next);
    /* "two" shares x and y with "other", only x with "one" */
    assert_int_equal(two->blog->related.len, 2);
    assert_string_equal(two->blog->related.items[0]->title, "Other");
    assert_string_equal(two->blog->related.items[1]->title, "One");
    assert_int_equal(page_at(f, "en/posts/lonely/index.html")->blog->related.len, 0);
    page_t *tag = page_at(f, "en/posts/tags/x/index.html");
    assert_int_equal(tag->blog->posts.len, 3);
    assert_string_equal(tag->blog->posts.items[0]->title, "Other"); /* newest first */
    free_fixture(f);
}

static void test_errors_point_at_lines(void **state)
{
    (void)state;
    fixture *f = new_fixture(10);
    add_post(f, "nodate", "title: No date\n");
    add_post(f, "baddate", "title: Bad\ndate: 2026-02-30\n");
    add_post(f, "p1", "title: P1\ndate: 2026-01-01\nseries: S\nseries_part: 1\n");
    add_post(f, "p1b", "title: P1b\ndate: 2026-01-02\nseries: S\nseries_part: 1\n");
    add_post(f, "badtag", "title: T\ndate: 2026-01-01\ntags: [ok, \"?!\"]\n");
    assert_int_equal(build(f), -1);
    assert_int_equal(f->d.errors, 4);
    bool seen[4] = {false};
    for (size_t i = 0; i < f->d.len; i++) {
        const diag_t *e = &f->d.items[i];
        if (!strcmp(e->path, "content/en/posts/nodate.md") && e->line == 1)
            seen[0] = strstr(e->msg, "needs a 'date'") != NULL;
        if (!strcmp(e->path, "content/en/posts/baddate.md") && e->line == 3)
            seen[1] = true;
        if (strstr(e->path, "posts/p1") && e->line == 5)
            seen[2] = strstr(e->msg, "already has a part 1") != NULL;
        if (!strcmp(e->path, "content/en/posts/badtag.md") && e->line == 4)
            seen[3] = true;
    }
    for (int i = 0; i < 4; i++)
        assert_true(seen[i]);
    free_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slug),
        cmocka_unit_test(test_slug_is_short_and_whole),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_index_pages_newest_first),
        cmocka_unit_test(test_future_posts_with_option),
        cmocka_unit_test(test_series_and_related),
        cmocka_unit_test(test_errors_point_at_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
