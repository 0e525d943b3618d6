/* Tests for discard: a replaced file reads as the new one at once, the old
 * one is gone once the removals are awaited, and nothing else is left in
 * the folder; a rename that fails leaves the target as it was. (What a
 * user sees is that of a plain rename: these tests cannot tell whether the
 * old file was freed in the background, only that nothing is left.) */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "discard.h"
#include "fs.h"
#include "path.h"

static size_t entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void assert_file_holds(const char *path, const char *text)
{
    char *data;
    size_t len;
    assert_int_equal(fs_read_file(path, &data, &len), 0);
    assert_string_equal(data, text);
    free(data);
}

static void replaced_file_is_removed_in_the_background(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/waymark-discard-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *zip = path_join(tmpl, "site.zip"), *tmp = path_join(tmpl, "site.zip.tmp-1");
    char *fresh = path_join(tmpl, "fresh.zip"), *fresh_tmp = path_join(tmpl, "fresh.zip.tmp-1");
    assert_int_equal(fs_write_file(zip, "old", 3), 0);
    assert_int_equal(fs_write_file(tmp, "new", 3), 0);
    assert_int_equal(fs_write_file(fresh_tmp, "first", 5), 0);
    discard_t *d = discard_new();
    assert_int_equal(discard_rename(d, tmp, zip), 0);
    assert_file_holds(zip, "new"); /* at once, whatever the removal does */
    assert_int_equal(discard_rename(d, fresh_tmp, fresh), 0); /* nothing to replace */
    discard_free(d);
    assert_file_holds(zip, "new");
    assert_file_holds(fresh, "first");
    assert_int_equal(entries_in(tmpl), 2); /* no temporary left */
    free(fresh_tmp);
    free(fresh);
    free(tmp);
    free(zip);
    fs_remove_tree(tmpl);
}

static void failed_rename_leaves_the_target(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/waymark-discard-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *zip = path_join(tmpl, "site.zip"), *missing = path_join(tmpl, "missing.tmp-1");
    assert_int_equal(fs_write_file(zip, "old", 3), 0);
    discard_t *d = discard_new();
    errno = 0;
    assert_int_equal(discard_rename(d, missing, zip), -1);
    assert_int_equal(errno, ENOENT);
    discard_free(d);
    assert_file_holds(zip, "old");
    assert_int_equal(entries_in(tmpl), 1);
    assert_int_equal(discard_rename(NULL, zip, missing), 0); /* a plain rename */
    assert_file_holds(missing, "old");
    free(missing);
    free(zip);
    fs_remove_tree(tmpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replaced_file_is_removed_in_the_background),
        cmocka_unit_test(failed_rename_leaves_the_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
