/* Tests for render_cache: a kept page holds exactly when every value it
 * read has the digest it had, and each value is worked out once for all
 * the pages that read it. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs.h"
#include "rcache.h"
#include "render_cache.h"
#include "xalloc.h"

static const unsigned char KEY[RCACHE_KEY_LEN] = {7};

/* The values as they are now: the home's title changed (digest 9). */
typedef struct {
    int asked;
    const char *changed_page, *changed_field;
} world;

static bool value_now(void *ctx, const char *page, const char *field,
                      unsigned char digest[RCACHE_VALUE_LEN])
{
    world *w = ctx;
    w->asked++;
    memset(digest, 0, RCACHE_VALUE_LEN);
    if (!strcmp(page, "gone/index.html"))
        return false;
    digest[0] = !strcmp(field, "title") ? 1 : !strcmp(field, "url") ? 3 : 2;
    if (w->changed_page && !strcmp(page, w->changed_page) && !strcmp(field, w->changed_field))
        digest[0] = 9;
    return true;
}

/* Pages that read the home's title and url, and their own title. */
static void save_pages(const char *dir)
{
    rcache_t *c = rcache_open(dir, "1.0", KEY);
    const char *pages[] = {"en/a/index.html", "en/b/index.html", "en/c/index.html"};
    for (int i = 0; i < 3; i++) {
        rcache_dep deps[] = {{"en/index.html", "title", {1}},
                             {"en/index.html", "url", {3}},
                             {pages[i], "title", {1}},
                             {i == 2 ? "gone/index.html" : pages[i], "content", {2}}};
        rcache_entry e = {.out_path = pages[i], .template_path = "t/page.html", .deps = deps,
                          .ndeps = 4};
        memset(e.hex, 'a', 64);
        rcache_put(c, &e);
    }
    assert_int_equal(rcache_save(c), 0);
    rcache_free(c);
}

static void each_value_once(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/waymark-render-cache-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    save_pages(tmpl);
    rcache_t *c = rcache_open(tmpl, "1.0", KEY);
    render_cache_t *rc = render_cache_new(c, NULL, NULL);
    world w = {0};
    assert_true(render_cache_holds(rc, rcache_find(c, "en/a/index.html"), value_now, &w));
    assert_int_equal(w.asked, 4);
    /* b shares the home's two values with a: only its own two are asked */
    assert_true(render_cache_holds(rc, rcache_find(c, "en/b/index.html"), value_now, &w));
    assert_int_equal(w.asked, 6);
    /* c read a page that is gone */
    assert_false(render_cache_holds(rc, rcache_find(c, "en/c/index.html"), value_now, &w));
    render_cache_free(rc);
    /* the home's title changed: no page that read it holds */
    rc = render_cache_new(c, NULL, NULL);
    w = (world){0, "en/index.html", "title"};
    assert_false(render_cache_holds(rc, rcache_find(c, "en/a/index.html"), value_now, &w));
    assert_false(render_cache_holds(rc, rcache_find(c, "en/b/index.html"), value_now, &w));
    assert_int_equal(w.asked, 1); /* known changed after the first ask */
    render_cache_free(rc);
    assert_null(render_cache_new(NULL, NULL, NULL));
    rcache_free(c);
    fs_remove_tree(tmpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_value_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
