/* bundlecache: deflated zip entries kept between builds. A rebuild appends
 * only its new entries to the pack; a failed one takes them back. */
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

#include "bundlecache.h"
#include "fs.h"
#include "path.h"
#include "xalloc.h"

#define LEVEL 6

#define DIR_TEMPLATE "/tmp/waymark-bcache-XXXXXX"
static char dir[sizeof DIR_TEMPLATE];

static void make_dir(void)
{
    memcpy(dir, DIR_TEMPLATE, sizeof DIR_TEMPLATE);
    assert_non_null(mkdtemp(dir));
}

static void hex_of(int n, char hex[65])
{
    snprintf(hex, 65, "%064x", n);
}

static long pack_size(void)
{
    char *path = path_join(dir, "bundle.pack");
    struct stat st;
    long size = stat(path, &st) == 0 ? (long)st.st_size : -1;
    free(path);
    return size;
}

/* Entry n holds 1000 bytes of the letter 'a' + n. */
static void add(bcache_writer_t *w, int n, const bcache_entry *kept)
{
    char hex[65], bytes[1000];
    hex_of(n, hex);
    memset(bytes, 'a' + n, sizeof bytes);
    bcache_add(w, hex, 0, 0, sizeof bytes, bytes, sizeof bytes, kept);
}

static void assert_entry(const bcache_t *c, int n)
{
    char hex[65];
    hex_of(n, hex);
    const bcache_entry *e = bcache_find(c, hex);
    assert_non_null(e);
    bcache_reader *r = bcache_reader_new(c);
    const unsigned char *bytes = bcache_reader_get(r, e);
    assert_non_null(bytes);
    assert_int_equal(e->packed_len, 1000);
    assert_int_equal(bytes[0], 'a' + n);
    assert_int_equal(bytes[999], 'a' + n);
    bcache_reader_free(r);
}

static void rebuild_appends_and_failure_takes_back(void **state)
{
    (void)state;
    make_dir();
    bcache_writer_t *w = bcache_create(dir, LEVEL, NULL);
    for (int n = 0; n < 4; n++)
        add(w, n, NULL);
    assert_int_equal(bcache_commit(w), 0);
    long first = pack_size();

    /* a failed rebuild: entries 0-2 kept, 9 new, then aborted */
    bcache_t *old = bcache_open(dir, LEVEL);
    assert_non_null(old);
    w = bcache_create(dir, LEVEL, old);
    char hex[65];
    for (int n = 0; n < 3; n++) {
        hex_of(n, hex);
        add(w, n, bcache_find(old, hex));
    }
    add(w, 9, NULL);
    bcache_abort(w);
    bcache_close(old);
    assert_int_equal(pack_size(), first);
    old = bcache_open(dir, LEVEL);
    assert_non_null(old); /* the old cache, as it was */
    assert_entry(old, 3);

    /* the same rebuild, committed: only entry 9 is written */
    w = bcache_create(dir, LEVEL, old);
    for (int n = 0; n < 3; n++) {
        hex_of(n, hex);
        add(w, n, bcache_find(old, hex));
    }
    add(w, 9, NULL);
    bcache_close(old);
    assert_int_equal(bcache_commit(w), 0);
    assert_int_equal(pack_size(), first + 1000);
    bcache_t *now = bcache_open(dir, LEVEL);
    assert_non_null(now);
    for (int n = 0; n < 3; n++)
        assert_entry(now, n);
    assert_entry(now, 9);
    hex_of(3, hex);
    assert_null(bcache_find(now, hex)); /* no longer in the bundle */

    /* a build of entry 9 alone: most of the pack was in use, so it is kept */
    for (int round = 0; round < 2; round++) {
        w = bcache_create(dir, LEVEL, now);
        hex_of(9, hex);
        add(w, 9, bcache_find(now, hex));
        bcache_close(now);
        assert_int_equal(bcache_commit(w), 0);
        /* then the next build finds one entry in five used: a new pack */
        assert_int_equal(pack_size(), round == 0 ? first + 1000 : 1000);
        now = bcache_open(dir, LEVEL);
        assert_non_null(now);
        assert_entry(now, 9);
    }
    bcache_close(now);
    fs_remove_tree(dir);
}

/* A pack changed behind the index's back: the damaged entry does not
 * read, the others still do. */
static void damaged_entry_is_not_used(void **state)
{
    (void)state;
    make_dir();
    bcache_writer_t *w = bcache_create(dir, LEVEL, NULL);
    for (int n = 0; n < 3; n++)
        add(w, n, NULL);
    assert_int_equal(bcache_commit(w), 0);
    char *pack = path_join(dir, "bundle.pack");
    FILE *f = fopen(pack, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 1500, SEEK_SET), 0); /* inside the second entry */
    fputc('!', f);
    fclose(f);
    free(pack);
    bcache_t *c = bcache_open(dir, LEVEL);
    assert_non_null(c);
    char hex[65];
    hex_of(1, hex);
    const bcache_entry *damaged = bcache_find(c, hex);
    assert_non_null(damaged);
    bcache_reader *r = bcache_reader_new(c);
    assert_null(bcache_reader_get(r, damaged));
    bcache_reader_free(r);
    assert_entry(c, 0);
    assert_entry(c, 2);
    bcache_close(c);
    fs_remove_tree(dir);
}

/* One reader serves entries in any order, and ones larger than its
 * window, each checked. */
static void reader_takes_any_order_and_size(void **state)
{
    (void)state;
    make_dir();
    bcache_writer_t *w = bcache_create(dir, LEVEL, NULL);
    size_t big_len = 3u << 20;
    char *big = xmalloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)(i * 7);
    char hex[65];
    add(w, 0, NULL);
    hex_of(1, hex);
    bcache_add(w, hex, 0, 0, big_len, big, big_len, NULL);
    add(w, 2, NULL);
    assert_int_equal(bcache_commit(w), 0);
    bcache_t *c = bcache_open(dir, LEVEL);
    assert_non_null(c);
    bcache_reader *r = bcache_reader_new(c);
    for (int round = 0; round < 2; round++) {
        int order[] = {2, 1, 0, 1, 2, 0};
        for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
            hex_of(order[k], hex);
            const bcache_entry *e = bcache_find(c, hex);
            assert_non_null(e);
            const unsigned char *bytes = bcache_reader_get(r, e);
            assert_non_null(bytes);
            if (order[k] == 1)
                assert_memory_equal(bytes, big, big_len);
            else
                assert_int_equal(bytes[999], 'a' + order[k]);
        }
    }
    bcache_reader_free(r);
    bcache_close(c);
    free(big);
    fs_remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rebuild_appends_and_failure_takes_back),
        cmocka_unit_test(damaged_entry_is_not_used),
        cmocka_unit_test(reader_takes_any_order_and_size),
    };
    return cmocka_run_group_tests_name("bundlecache", tests, NULL, NULL);
}
