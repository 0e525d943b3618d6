/* Tests for fs: the temporary files a killed build left are removed, those
 * of a running process and every other file stay; a mapped file reads as
 * it was written. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs.h"
#include "path.h"
#include "xalloc.h"

static void touch(const char *dir, const char *name)
{
    char *path = path_join(dir, name);
    assert_int_equal(fs_write_file(path, "x", 1), 0);
    free(path);
}

static bool exists(const char *dir, const char *name)
{
    char *path = path_join(dir, name);
    bool yes = access(path, F_OK) == 0;
    free(path);
    return yes;
}

/* The id of a process that has just ended (and been reaped). */
static pid_t ended_process(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return pid;
}

static void stale_temps_are_removed(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/waymark-fs-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char dead[64], alive[64], replaced[64];
    snprintf(dead, sizeof dead, "render.cache.tmp-%ld", (long)ended_process());
    /* a replaced zip that discard_rename had not removed yet */
    snprintf(replaced, sizeof replaced, "site.zip.old.tmp-%ld", (long)ended_process());
    touch(tmpl, replaced);
    snprintf(alive, sizeof alive, "sources.cache.tmp-%ld", (long)getpid());
    touch(tmpl, dead);
    touch(tmpl, alive);
    touch(tmpl, "render.cache");
    touch(tmpl, "notes.tmp-draft");
    touch(tmpl, ".tmp-1");
    assert_int_equal(fs_remove_stale_temps(tmpl), 2);
    assert_false(exists(tmpl, dead));
    assert_false(exists(tmpl, replaced));
    assert_true(exists(tmpl, alive));
    assert_true(exists(tmpl, "render.cache"));
    assert_true(exists(tmpl, "notes.tmp-draft"));
    assert_true(exists(tmpl, ".tmp-1"));
    assert_int_equal(fs_remove_stale_temps("/nonexistent/waymark"), 0);
    fs_remove_tree(tmpl);
}

static void a_mapped_file_reads_as_written(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/waymark-fs-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *path = path_join(tmpl, "sources.cache"), *empty = path_join(tmpl, "empty");
    assert_int_equal(fs_write_file(path, "abc\0def", 7), 0);
    assert_int_equal(fs_write_file(empty, "", 0), 0);
    size_t len = 0;
    unsigned char *map = fs_map_file(path, &len);
    assert_non_null(map);
    assert_int_equal(len, 7);
    assert_memory_equal(map, "abc\0def", 7);
    fs_unmap_file(map, len);
    assert_null(fs_map_file(empty, &len)); /* nothing to map */
    assert_null(fs_map_file(tmpl, &len));  /* a folder */
    char *missing = path_join(tmpl, "missing");
    assert_null(fs_map_file(missing, &len));
    free(missing);
    free(empty);
    free(path);
    fs_remove_tree(tmpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stale_temps_are_removed),
        cmocka_unit_test(a_mapped_file_reads_as_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
