/* Tests for site: how links written in Markdown find their pages. Each test
 * builds a small site folder under /tmp, loads it from there, removes it. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "diag.h"
#include "fs.h"
#include "path.h"
#include "site.h"
#include "xalloc.h"

typedef struct {
    char *dir, *old_cwd;
    config_t cfg;
    site_t site;
    diags_t d;
} fixture;

static void put(const char *rel, const char *text)
{
    assert_int_equal(fs_write_file(rel, text, strlen(text)), 0);
}

/* en and fi; posts with a slug, a section, a module step. */
static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof *f);
    char tmpl[] = "/tmp/waymark-site-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    f->dir = xstrdup(tmpl);
    f->old_cwd = getcwd(NULL, 0);
    assert_int_equal(chdir(f->dir), 0);
    put("site.lua", "return { name = 't', title = 'T', languages = {"
                    " { code = 'en', name = 'English' }, { code = 'fi', name = 'Suomi' } } }\n");
    put("content/en/_index.md", "---\ntitle: Home\n---\n");
    put("content/en/posts/_index.md", "---\ntitle: Posts\n---\n");
    put("content/en/posts/post-1.md", "---\ntitle: One\ndate: 2026-01-01\n---\n");
    put("content/en/posts/post-2.md", "---\ntitle: Two\nslug: second\ndate: 2026-01-02\n---\n");
    put("content/en/modules/m1/01-step.md", "---\ntitle: Step\n---\n");
    put("content/fi/posts/post-1.md", "---\ntitle: Yksi\ndate: 2026-01-01\n---\n");
    put("content/en/posts/photo.txt", "a file beside the posts");
    f->d = (diags_t)DIAGS_INIT;
    assert_int_equal(config_load(".", &f->cfg, &f->d), 0);
    assert_int_equal(site_load(&f->cfg, &(site_options){0}, &f->site, &f->d), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    site_free(&f->site);
    config_free(&f->cfg);
    diag_free(&f->d);
    assert_int_equal(chdir(f->old_cwd), 0);
    fs_remove_tree(f->dir);
    free(f->dir);
    free(f->old_cwd);
    free(f);
    return 0;
}

/* Resolves url written in the page with this key (English). */
static char *resolve(fixture *f, const char *from_key, const char *url, const char **why)
{
    page_t *from = site_find(&f->site, 0, from_key);
    assert_non_null(from);
    return site_resolve_link(&f->site, from, url, why);
}

static void assert_resolves(fixture *f, const char *from_key, const char *url,
                            const char *expected)
{
    const char *why = NULL;
    char *got = resolve(f, from_key, url, &why);
    if (!got)
        fail_msg("'%s' from '%s' did not resolve: %s", url, from_key, why);
    assert_string_equal(got, expected);
    free(got);
}

static void assert_broken(fixture *f, const char *from_key, const char *url)
{
    const char *why = NULL;
    char *got = resolve(f, from_key, url, &why);
    if (got)
        fail_msg("'%s' from '%s' resolved to '%s'", url, from_key, got);
    assert_non_null(why);
}

static void markdown_file_links_resolve(void **state)
{
    fixture *f = *state;
    assert_resolves(f, "posts/post-1", "post-2.md", "../second/index.html");
    assert_resolves(f, "posts/post-1", "post-2.md#why", "../second/index.html#why");
    assert_resolves(f, "posts/post-1", "_index.md", "../index.html");
    assert_resolves(f, "posts/post-1", "photo.txt", "../photo.txt");
    assert_broken(f, "posts/post-1", "post-3.md");
}

/* Hugo-style links: a page's address, relative to the linking page's own. */
static void directory_links_resolve_against_the_page_address(void **state)
{
    fixture *f = *state;
    assert_resolves(f, "posts/post-1", "../second/", "../second/index.html");
    assert_resolves(f, "posts/post-1", "../second/#part", "../second/index.html#part");
    assert_resolves(f, "posts/post-1", "../", "../index.html");
    assert_resolves(f, "posts/post-1", "../../modules/m1/01-step/",
                    "../../modules/m1/01-step/index.html");
    assert_resolves(f, "posts", "post-1/", "post-1/index.html");
    assert_resolves(f, "posts", "../../fi/posts/post-1/", "../../fi/posts/post-1/index.html");
    assert_resolves(f, "", "posts/second/", "posts/second/index.html");
}

static void directory_links_to_nothing_are_broken(void **state)
{
    fixture *f = *state;
    assert_broken(f, "posts/post-1", "../post-2/");   /* the slug changed its address */
    assert_broken(f, "posts/post-1", "../post-9/");
    assert_broken(f, "posts/post-1", "../../../../../");
    assert_broken(f, "posts/post-1", "../../fi/posts/post-2/"); /* no Finnish translation */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(markdown_file_links_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(directory_links_resolve_against_the_page_address, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(directory_links_to_nothing_are_broken, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
