/* treelist: the files under a folder, the same as a full listing gives,
 * reading again only the folders whose status changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "path.h"
#include "treelist.h"
#include "xalloc.h"

#define DIR_TEMPLATE "/tmp/waymark-treelist-XXXXXX"
static char root[sizeof DIR_TEMPLATE];

static void put(const char *rel)
{
    char *path = path_join(root, rel);
    char *dir = path_dirname(path);
    assert_int_equal(fs_mkdir_p(dir), 0);
    assert_int_equal(fs_write_file(path, "x", 1), 0);
    free(dir);
    free(path);
}

/* Now, after the folders' last change has had time to show in their
 * timestamps (so the test does not depend on the margin's length). */
static int64_t settled_now(void)
{
    struct timespec pause = {0, 30 * 1000000L}, now;
    nanosleep(&pause, NULL);
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static void assert_listing(const fs_list_t *got, const char *const *want, size_t n)
{
    assert_int_equal(got->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got->paths[i], want[i]);
}

static void make_tree(void)
{
    memcpy(root, DIR_TEMPLATE, sizeof DIR_TEMPLATE);
    assert_non_null(mkdtemp(root));
    put("a/x.html");
    put("a/b/y.html");
    put("c.txt");
    put(".hidden");
    char *link = path_join(root, "a/link");
    assert_int_equal(symlink("b", link), 0);
    free(link);
}

static void test_unchanged_folders_are_not_read_again(void **state)
{
    (void)state;
    make_tree();
    const char *want[] = {"a/b/y.html", "a/x.html", "c.txt"};
    treelist_dirs first, second;
    fs_list_t files;
    assert_int_equal(treelist_files(root, NULL, NULL, 0, settled_now(), &first, &files), 0);
    assert_listing(&files, want, 3);
    fs_list_t full;
    assert_int_equal(fs_list_files(root, &full), 0);
    assert_listing(&full, want, 3); /* what a full listing gives */
    fs_list_free(&full);
    assert_int_equal(first.len, 3);
    assert_string_equal(first.items[0].name, "");
    assert_string_equal(first.items[1].name, "a");
    assert_string_equal(first.items[2].name, "a/b");
    fs_list_free(&files);

    /* The caller's files stand for an unchanged folder's: a name that is
     * not on disk shows that "a" and "a/b" were not read. */
    const char *known[] = {"a/b/ghost.html", "a/b/y.html", "a/ghost.html", "a/x.html", "c.txt"};
    assert_int_equal(treelist_files(root, &first, known, 5, settled_now(), &second, &files), 0);
    assert_listing(&files, known, 5);
    fs_list_free(&files);
    treelist_dirs_free(&second);
    /* names starting with '.' are left out, as when a folder is read */
    const char *dotted[] = {".hidden", "a/.ghost", "a/x.html", "c.txt"};
    assert_int_equal(treelist_files(root, &first, dotted, 4, settled_now(), &second, &files), 0);
    assert_listing(&files, dotted + 2, 2);
    fs_list_free(&files);
    treelist_dirs_free(&second);

    /* a file added to a/b changes a/b alone: it is read again, "a" not */
    put("a/b/stray.html");
    assert_int_equal(treelist_files(root, &first, known, 5, settled_now(), &second, &files), 0);
    const char *now[] = {"a/b/stray.html", "a/b/y.html", "a/ghost.html", "a/x.html", "c.txt"};
    assert_listing(&files, now, 5);
    fs_list_free(&files);
    treelist_dirs_free(&second);

    /* a folder replaced by another of the same name is read again too */
    char *b = path_join(root, "a/b"), *moved = path_join(root, "b-old");
    assert_int_equal(rename(b, moved), 0);
    put("a/b/new.html");
    assert_int_equal(treelist_files(root, &first, known, 5, settled_now(), &second, &files), 0);
    const char *replaced[] = {"a/b/new.html", "a/x.html", "b-old/stray.html", "b-old/y.html",
                              "c.txt"};
    assert_listing(&files, replaced, 5);
    fs_list_free(&files);
    treelist_dirs_free(&second);
    free(b);
    free(moved);
    treelist_dirs_free(&first);
    fs_remove_tree(root);
}

static void test_folders_changed_just_now_are_read_again(void **state)
{
    (void)state;
    make_tree();
    treelist_dirs first, second;
    fs_list_t files, again;
    assert_int_equal(treelist_files(root, NULL, NULL, 0, treelist_trust_before(), &first, &files),
                     0);
    assert_int_equal(files.len, 3);
    assert_int_equal(first.len, 3); /* all named, none with a status: */
    for (size_t i = 0; i < first.len; i++)
        assert_int_equal(first.items[i].ino, 0); /* the next change could share its timestamp */
    fs_list_free(&files);
    treelist_dirs_free(&first);

    /* a/b changes after the others settled: its parent's record still
     * leads the next listing to it */
    int64_t settled = settled_now();
    settled_now(); /* timestamps come from a clock a tick behind */
    put("a/b/late.html");
    assert_int_equal(treelist_files(root, NULL, NULL, 0, settled, &second, &files), 0);
    assert_int_equal(second.len, 3);
    assert_true(second.items[0].ino != 0 && second.items[1].ino != 0);
    assert_int_equal(second.items[2].ino, 0); /* a/b */
    const char *want[] = {"a/b/late.html", "a/b/y.html", "a/x.html", "c.txt"};
    assert_listing(&files, want, 4);
    assert_int_equal(treelist_files(root, &second, (const char *const *)files.paths, files.len,
                                    settled_now(), &first, &again),
                     0);
    assert_listing(&again, want, 4);
    fs_list_free(&again);
    fs_list_free(&files);
    treelist_dirs_free(&first);
    treelist_dirs_free(&second);
    fs_remove_tree(root);
}

static void test_a_missing_root_is_an_error(void **state)
{
    (void)state;
    treelist_dirs seen;
    fs_list_t files;
    errno = 0;
    assert_int_equal(treelist_files("/nonexistent/waymark-treelist", NULL, NULL, 0,
                                    treelist_trust_before(), &seen, &files),
                     -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(files.len, 0);
    assert_int_equal(seen.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unchanged_folders_are_not_read_again),
        cmocka_unit_test(test_folders_changed_just_now_are_read_again),
        cmocka_unit_test(test_a_missing_root_is_an_error),
    };
    return cmocka_run_group_tests_name("treelist", tests, NULL, NULL);
}
