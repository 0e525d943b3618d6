/* zipsink: a zip written through the sink has exactly the bytes minizip
 * writes through stdio, with small entries, entries larger than the
 * sink's buffer, and raw entries closed with their CRC and sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fs.h"
#include "zipsink.h"

static unsigned char *pattern(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)("<p>waymark</p>\n"[i % 15] ^ ((seed >> 16) & 3));
    }
    return p;
}

/* Writes the same entries: deflated by minizip, stored, and stored raw
 * with the CRC and size given at close (as the bundle reuses entries). */
static void write_entries(zipFile zf)
{
    static const size_t sizes[] = {0, 10, 5u << 20, 70000, 6u << 20, 200, 9u << 20, 3};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char name[32];
        snprintf(name, sizeof name, "dir/file-%zu.html", i);
        unsigned char *data = pattern(sizes[i], (unsigned)i);
        zip_fileinfo info = {0};
        int method = i % 3 == 0 ? Z_DEFLATED : 0;
        int raw = i % 3 == 2;
        assert_int_equal(zipOpenNewFileInZip2_64(zf, name, &info, NULL, 0, NULL, 0, NULL,
                                                 method, method ? 6 : 0, raw, 1),
                         ZIP_OK);
        assert_int_equal(zipWriteInFileInZip(zf, data, (unsigned)sizes[i]), ZIP_OK);
        if (raw)
            assert_int_equal(zipCloseFileInZipRaw64(zf, sizes[i],
                                                    crc32(0, data, (uInt)sizes[i])),
                             ZIP_OK);
        else
            assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
        free(data);
    }
}

static char *read_whole(const char *path, size_t *len)
{
    char *data = NULL;
    assert_int_equal(fs_read_file(path, &data, len), 0);
    return data;
}

static void test_same_bytes_as_stdio(void **state)
{
    (void)state;
    char dir[] = "/tmp/waymark-zipsink-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char plain[64], sunk[64];
    snprintf(plain, sizeof plain, "%s/plain.zip", dir);
    snprintf(sunk, sizeof sunk, "%s/sink.zip", dir);

    zipFile zf = zipOpen64(plain, APPEND_STATUS_CREATE);
    assert_non_null(zf);
    write_entries(zf);
    assert_int_equal(zipClose(zf, "comment"), ZIP_OK);

    zlib_filefunc64_def io;
    zipsink_io(&io);
    zf = zipOpen2_64(sunk, APPEND_STATUS_CREATE, NULL, &io);
    assert_non_null(zf);
    write_entries(zf);
    assert_int_equal(zipClose(zf, "comment"), ZIP_OK);

    size_t a_len, b_len;
    char *a = read_whole(plain, &a_len), *b = read_whole(sunk, &b_len);
    assert_true(a_len > (11u << 20)); /* the stored entries */
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(a);
    free(b);
    unlink(plain);
    unlink(sunk);
    rmdir(dir);
}

static void test_a_folder_cannot_be_opened(void **state)
{
    (void)state;
    zlib_filefunc64_def io;
    zipsink_io(&io);
    assert_null(zipOpen2_64("/", APPEND_STATUS_CREATE, NULL, &io));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_as_stdio),
        cmocka_unit_test(test_a_folder_cannot_be_opened),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
