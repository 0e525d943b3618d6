/* Tests for rcache: entries come back as they were put; a damaged,
 * truncated or foreign file, or another global key, gives no entries; a
 * save not committed leaves the cache as it was. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "fs.h"
#include "path.h"
#include "rcache.h"
#include "xalloc.h"

static const unsigned char KEY1[RCACHE_KEY_LEN] = {1};
static const unsigned char KEY2[RCACHE_KEY_LEN] = {2};

static char *make_dir(void)
{
    char tmpl[] = "/tmp/waymark-rcache-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void put_page(rcache_t *c, const char *out_path)
{
    static const rcache_dep deps[] = {{"en/index.html", "title", {1}},
                                      {"en/a/index.html", "content", {2}},
                                      {"en/index.html", "url", {3}}};
    static const char *const record[] = {"#top", "t../index.html", "xhttps://example.org/"};
    rcache_entry e = {.out_path = out_path, .size = 1234, .template_path = "themes/t/page.html",
                      .deps = deps, .ndeps = 3, .record = record, .nrecord = 3};
    memset(e.digest, 0xab, sizeof e.digest);
    memset(e.hex, 'f', 64);
    rcache_put(c, &e);
}

static void save_two(const char *dir)
{
    rcache_t *c = rcache_open(dir, "1.0", KEY1);
    put_page(c, "en/a/index.html");
    put_page(c, "en/b/index.html");
    assert_int_equal(rcache_save(c), 0);
    rcache_free(c);
}

static void round_trip(void **state)
{
    (void)state;
    char *dir = make_dir();
    save_two(dir);
    rcache_t *c = rcache_open(dir, "1.0", KEY1);
    const rcache_entry *e = rcache_find(c, "en/b/index.html");
    assert_non_null(e);
    assert_string_equal(e->out_path, "en/b/index.html");
    assert_int_equal(e->size, 1234);
    assert_int_equal(e->digest[31], 0xab);
    assert_int_equal(strspn(e->hex, "f"), 64);
    assert_string_equal(e->template_path, "themes/t/page.html");
    assert_int_equal(e->ndeps, 3);
    /* each value once, however many pages read it */
    size_t nvalues = rcache_nvalues(c);
    assert_int_equal(nvalues, 3);
    assert_true(e->values[1] < nvalues);
    assert_string_equal(rcache_value(c, e->values[1]).page, "en/a/index.html");
    assert_string_equal(rcache_value(c, e->values[1]).field, "content");
    assert_int_equal(rcache_value(c, e->values[1]).digest[0], 2);
    assert_int_equal(rcache_value(c, e->values[2]).digest[0], 3);
    const rcache_entry *a = rcache_find(c, "en/a/index.html");
    assert_non_null(a);
    assert_memory_equal(a->values, e->values, 3 * sizeof *e->values);
    assert_int_equal(e->nrecord, 3);
    const char *record[3];
    rcache_record(c, e, record);
    assert_string_equal(record[0], "#top");
    assert_string_equal(record[2], "xhttps://example.org/");
    assert_null(rcache_find(c, "en/c/index.html"));
    /* only what this build kept or put is saved: en/a is pruned */
    rcache_keep(c, e);
    assert_int_equal(rcache_save(c), 0);
    rcache_free(c);
    c = rcache_open(dir, "1.0", KEY1);
    assert_non_null(rcache_find(c, "en/b/index.html"));
    assert_null(rcache_find(c, "en/a/index.html"));
    /* a kept entry and a new one: the file's values are copied as they
     * are and the new entry's come after them */
    rcache_keep(c, rcache_find(c, "en/b/index.html"));
    put_page(c, "en/c/index.html");
    assert_int_equal(rcache_save(c), 0);
    rcache_free(c);
    c = rcache_open(dir, "1.0", KEY1);
    nvalues = rcache_nvalues(c);
    e = rcache_find(c, "en/c/index.html");
    assert_non_null(e);
    assert_string_equal(e->template_path, "themes/t/page.html");
    assert_string_equal(rcache_value(c, e->values[0]).page, "en/index.html");
    assert_string_equal(rcache_value(c, e->values[0]).field, "title");
    assert_int_equal(rcache_value(c, e->values[1]).digest[0], 2);
    assert_non_null(rcache_find(c, "en/b/index.html"));
    rcache_record(c, e, record);
    assert_string_equal(record[1], "t../index.html");
    assert_int_equal(nvalues, 6);
    /* when most of the file is unused, it is written anew: each value once */
    put_page(c, "en/d/index.html");
    put_page(c, "en/e/index.html");
    assert_int_equal(rcache_save(c), 0);
    rcache_free(c);
    c = rcache_open(dir, "1.0", KEY1);
    assert_int_equal(rcache_nvalues(c), 3);
    e = rcache_find(c, "en/d/index.html");
    assert_non_null(e);
    assert_null(rcache_find(c, "en/b/index.html"));
    assert_string_equal(rcache_value(c, e->values[1]).page, "en/a/index.html");
    assert_memory_equal(e->values, rcache_find(c, "en/e/index.html")->values, 3 * sizeof *e->values);
    rcache_free(c);
    fs_remove_tree(dir);
    free(dir);
}

static void foreign_is_empty(void **state)
{
    (void)state;
    char *dir = make_dir();
    save_two(dir);
    rcache_t *c = rcache_open(dir, "2.0", KEY1); /* another waymark */
    assert_null(rcache_find(c, "en/a/index.html"));
    rcache_free(c);
    c = rcache_open(dir, "1.0", KEY2); /* other templates, catalogs, site.lua */
    assert_null(rcache_find(c, "en/a/index.html"));
    rcache_free(c);
    fs_remove_tree(dir);
    free(dir);
}

static void damage_each_byte(const char *dir, const char *file)
{
    char *path = path_join(dir, file);
    char *orig;
    size_t len;
    assert_int_equal(fs_read_file(path, &orig, &len), 0);
    for (size_t at = 0; at < len; at++) {
        for (int cut = 0; cut < 2; cut++) {
            char *copy = xmalloc(len);
            memcpy(copy, orig, len);
            copy[at] ^= 0x21;
            assert_int_equal(fs_write_file(path, copy, cut ? at : len), 0);
            free(copy);
            rcache_t *c = rcache_open(dir, "1.0", KEY1);
            assert_null(rcache_find(c, "en/a/index.html"));
            rcache_free(c);
        }
    }
    assert_int_equal(fs_write_file(path, orig, len), 0);
    free(orig);
    free(path);
}

/* The pack and its index: any byte changed or cut gives no entries. */
static void damaged_is_empty(void **state)
{
    (void)state;
    char *dir = make_dir();
    save_two(dir);
    damage_each_byte(dir, "render.cache");
    damage_each_byte(dir, "render.idx");
    rcache_t *c = rcache_open(dir, "1.0", KEY1);
    assert_non_null(rcache_find(c, "en/a/index.html"));
    rcache_free(c);
    fs_remove_tree(dir);
    free(dir);
}

/* A save that appended to the pack but stopped before its index: the
 * pack's extra bytes are not read, and the next save appends after what
 * the index covers. */
static void unindexed_tail_is_ignored(void **state)
{
    (void)state;
    char *dir = make_dir();
    save_two(dir);
    char *path = path_join(dir, "render.cache");
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputs("half a segment", f);
    fclose(f);
    rcache_t *c = rcache_open(dir, "1.0", KEY1);
    assert_non_null(rcache_find(c, "en/a/index.html"));
    rcache_keep(c, rcache_find(c, "en/a/index.html"));
    rcache_keep(c, rcache_find(c, "en/b/index.html"));
    put_page(c, "en/c/index.html");
    assert_int_equal(rcache_save(c), 0);
    rcache_free(c);
    c = rcache_open(dir, "1.0", KEY1);
    assert_non_null(rcache_find(c, "en/a/index.html"));
    assert_non_null(rcache_find(c, "en/c/index.html"));
    rcache_free(c);
    free(path);
    fs_remove_tree(dir);
    free(dir);
}

/* The names in dir, sorted, one per line. */
static char *list_dir(const char *dir)
{
    fs_list_t names = {0};
    assert_int_equal(fs_list_files(dir, &names), 0);
    buf_t b = {0};
    for (size_t i = 0; i < names.len; i++)
        buf_printf(&b, "%s\n", names.paths[i]);
    fs_list_free(&names);
    return buf_detach(&b);
}

/* A save written but not committed (the build failed after its pages were
 * rendered) leaves the cache in use as it was, whether the new entries
 * were appended to it or written beside it; committing puts them in use. */
static void uncommitted_save_changes_nothing(void **state)
{
    (void)state;
    char *dir = make_dir();
    save_two(dir);
    char *before = list_dir(dir);
    char *pack = path_join(dir, "render.cache");
    struct stat st;
    assert_int_equal(stat(pack, &st), 0);
    off_t pack_size = st.st_size;
    for (int anew = 0; anew <= 1; anew++) {
        rcache_t *c = rcache_open(dir, "1.0", KEY1);
        if (!anew) { /* most of the file kept: appended */
            rcache_keep(c, rcache_find(c, "en/a/index.html"));
            rcache_keep(c, rcache_find(c, "en/b/index.html"));
        }
        put_page(c, "en/c/index.html");
        assert_int_equal(rcache_save_write(c), 0);
        assert_int_equal(rcache_save_commit(c, false), 0);
        rcache_free(c);
        c = rcache_open(dir, "1.0", KEY1);
        assert_non_null(rcache_find(c, "en/a/index.html"));
        assert_non_null(rcache_find(c, "en/b/index.html"));
        assert_null(rcache_find(c, "en/c/index.html"));
        rcache_free(c);
        char *after = list_dir(dir);
        assert_string_equal(after, before); /* nothing left beside it */
        free(after);
        assert_int_equal(stat(pack, &st), 0);
        assert_int_equal(st.st_size, pack_size); /* nor appended to it */
    }
    free(pack);
    /* written, then freed without a commit: the same */
    rcache_t *c = rcache_open(dir, "1.0", KEY1);
    put_page(c, "en/c/index.html");
    assert_int_equal(rcache_save_write(c), 0);
    rcache_free(c);
    c = rcache_open(dir, "1.0", KEY1);
    assert_null(rcache_find(c, "en/c/index.html"));
    put_page(c, "en/c/index.html");
    assert_int_equal(rcache_save_write(c), 0);
    assert_int_equal(rcache_save_commit(c, true), 0);
    rcache_free(c);
    c = rcache_open(dir, "1.0", KEY1);
    assert_non_null(rcache_find(c, "en/c/index.html"));
    assert_null(rcache_find(c, "en/a/index.html"));
    rcache_free(c);
    char *after = list_dir(dir);
    assert_string_equal(after, before);
    free(after);
    free(before);
    fs_remove_tree(dir);
    free(dir);
}

static void global_key_follows_files(void **state)
{
    (void)state;
    char *dir = make_dir();
    char *tpl = path_join(dir, "page.html"), *lua = path_join(dir, "site.lua");
    assert_int_equal(fs_write_file(tpl, "<p>{{ page.title }}</p>", 23), 0);
    assert_int_equal(fs_write_file(lua, "return {}", 9), 0);
    const char *dirs[] = {dir}, *files[] = {lua};
    unsigned char a[RCACHE_KEY_LEN], b[RCACHE_KEY_LEN], c[RCACHE_KEY_LEN];
    rcache_global_key(dirs, 1, files, 1, "v1", a);
    rcache_global_key(dirs, 1, files, 1, "v1", b);
    assert_memory_equal(a, b, RCACHE_KEY_LEN);
    assert_int_equal(fs_write_file(tpl, "<p>{{ page.title }}!</p>", 24), 0);
    rcache_global_key(dirs, 1, files, 1, "v1", c);
    assert_memory_not_equal(a, c, RCACHE_KEY_LEN);
    rcache_global_key(dirs, 1, files, 1, "v2", b);
    assert_memory_not_equal(c, b, RCACHE_KEY_LEN);
    free(tpl);
    free(lua);
    fs_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(foreign_is_empty),
        cmocka_unit_test(damaged_is_empty),
        cmocka_unit_test(unindexed_tail_is_ignored),
        cmocka_unit_test(uncommitted_save_changes_nothing),
        cmocka_unit_test(global_key_follows_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
