/* srccache: an entry comes back only for a file whose status is the one
 * it was noted with, from a file of the same waymark version, unharmed,
 * and only once its save is committed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "srccache.h"

static char dir[] = "/tmp/waymark-srccache-XXXXXX";

static struct stat status_of(off_t size, time_t mtime, long ctime_ns)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_size = size;
    st.st_ino = 42;
    st.st_dev = 7;
    st.st_mtim.tv_sec = mtime;
    st.st_ctim.tv_sec = mtime;
    st.st_ctim.tv_nsec = ctime_ns;
    return st;
}

static void save_one(const char *version, const struct stat *st)
{
    srccache_t *c = srccache_open(dir, version);
    srccache_entry e = {.path = "content/en/a.md", .tree = "(tree)", .tree_len = 6,
                        .front_len = 17, .body_len = 5, .body_line = 4};
    memset(e.body_digest, 0xab, sizeof e.body_digest);
    srccache_set_status(&e, st);
    srccache_note(c, &e);
    assert_int_equal(srccache_save(c), 0);
    srccache_free(c);
}

static void test_an_unchanged_file_is_found(void **state)
{
    (void)state;
    struct stat st = status_of(22, 1000, 5);
    save_one("1.0", &st);
    srccache_t *c = srccache_open(dir, "1.0");
    const srccache_entry *e = srccache_find(c, "content/en/a.md", &st);
    assert_non_null(e);
    assert_int_equal(e->front_len, 17);
    assert_int_equal(e->tree_len, 6);
    assert_string_equal(e->tree, "(tree)");
    assert_int_equal(e->body_len, 5);
    assert_int_equal(e->body_line, 4);
    assert_int_equal(e->body_digest[31], 0xab);
    assert_null(srccache_find(c, "content/en/b.md", &st));
    srccache_free(c);
}

static void test_any_change_of_status_misses(void **state)
{
    (void)state;
    struct stat st = status_of(22, 1000, 5);
    save_one("1.0", &st);
    srccache_t *c = srccache_open(dir, "1.0");
    struct stat other = st;
    other.st_ctim.tv_nsec = 6; /* written again, modification time put back */
    assert_null(srccache_find(c, "content/en/a.md", &other));
    other = st;
    other.st_ino = 43; /* replaced by another file */
    assert_null(srccache_find(c, "content/en/a.md", &other));
    other = st;
    other.st_mtim.tv_sec = 1001;
    assert_null(srccache_find(c, "content/en/a.md", &other));
    srccache_free(c);
}

static void test_foreign_or_damaged_files_are_ignored(void **state)
{
    (void)state;
    struct stat st = status_of(22, 1000, 5);
    save_one("1.0", &st);
    srccache_t *c = srccache_open(dir, "2.0");
    assert_null(srccache_find(c, "content/en/a.md", &st));
    srccache_free(c);

    char path[64], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/sources.cache", dir);
    assert_int_equal(fs_read_file(path, &data, &len), 0);
    data[len / 2] ^= 1;
    assert_int_equal(fs_write_file(path, data, len), 0);
    free(data);
    c = srccache_open(dir, "1.0");
    assert_null(srccache_find(c, "content/en/a.md", &st));
    srccache_free(c);

    /* an empty file cannot be mapped: it is read instead, and ignored */
    assert_int_equal(fs_write_file(path, "", 0), 0);
    c = srccache_open(dir, "1.0");
    assert_null(srccache_find(c, "content/en/a.md", &st));
    srccache_free(c);
}

/* A save written and not committed (a build that failed after loading)
 * leaves the file as it was and nothing beside it. */
static void test_an_uncommitted_save_changes_nothing(void **state)
{
    (void)state;
    struct stat st = status_of(22, 1000, 5);
    save_one("1.0", &st);
    for (int freed = 0; freed <= 1; freed++) {
        srccache_t *c = srccache_open(dir, "1.0");
        srccache_loaded(c);
        srccache_entry e = {.path = "content/en/b.md", .tree = "(b)", .tree_len = 3,
                            .front_len = 17, .body_len = 5, .body_line = 4};
        srccache_set_status(&e, &st);
        srccache_note(c, &e);
        assert_int_equal(srccache_save_write(c), 0);
        if (!freed)
            assert_int_equal(srccache_save_commit(c, false), 0);
        srccache_free(c); /* freed: drops what was written */
        c = srccache_open(dir, "1.0");
        assert_non_null(srccache_find(c, "content/en/a.md", &st));
        assert_null(srccache_find(c, "content/en/b.md", &st));
        srccache_free(c);
        fs_list_t names = {0};
        assert_int_equal(fs_list_files(dir, &names), 0);
        assert_int_equal(names.len, 1); /* sources.cache alone */
        fs_list_free(&names);
    }
    srccache_t *c = srccache_open(dir, "1.0");
    srccache_loaded(c);
    srccache_entry e = {.path = "content/en/b.md", .tree = "(b)", .tree_len = 3,
                        .front_len = 17, .body_len = 5, .body_line = 4};
    srccache_set_status(&e, &st);
    srccache_note(c, &e);
    assert_int_equal(srccache_save_write(c), 0);
    assert_int_equal(srccache_save_commit(c, true), 0);
    srccache_free(c);
    c = srccache_open(dir, "1.0");
    assert_null(srccache_find(c, "content/en/a.md", &st));
    assert_non_null(srccache_find(c, "content/en/b.md", &st));
    srccache_free(c);
}

/* An entry found and noted again (an unchanged page) is saved whole, though
 * the file it was found in is let go of once the pages are loaded. */
static void test_a_found_entry_noted_again_survives(void **state)
{
    (void)state;
    struct stat st = status_of(22, 1000, 5);
    save_one("1.0", &st);
    for (int round = 0; round < 2; round++) {
        srccache_t *c = srccache_open(dir, "1.0");
        srccache_entry e = *srccache_find(c, "content/en/a.md", &st);
        srccache_note(c, &e);
        srccache_loaded(c);
        assert_int_equal(srccache_save(c), 0);
        srccache_free(c);
    }
    srccache_t *c = srccache_open(dir, "1.0");
    const srccache_entry *e = srccache_find(c, "content/en/a.md", &st);
    assert_non_null(e);
    assert_string_equal(e->tree, "(tree)");
    assert_int_equal(e->front_len, 17);
    assert_int_equal(e->body_digest[0], 0xab);
    srccache_free(c);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "%s/sources.cache", dir);
    unlink(path);
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_unchanged_file_is_found),
        cmocka_unit_test(test_any_change_of_status_misses),
        cmocka_unit_test(test_foreign_or_damaged_files_are_ignored),
        cmocka_unit_test(test_an_uncommitted_save_changes_nothing),
        cmocka_unit_test(test_a_found_entry_noted_again_survives),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
