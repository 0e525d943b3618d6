/* Tests for precompress: .gz files nginx can serve, identical on every
 * build and machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "precompress.h"

static const char PAGE[] = "<!DOCTYPE html><html lang=\"en\"><p>Hello, hello, hello, hello.</p></html>\n";

static void header_has_no_name_or_time(void **state)
{
    (void)state;
    unsigned char *gz;
    size_t len;
    assert_int_equal(precompress_gzip(PAGE, strlen(PAGE), &gz, &len), 0);
    assert_true(len > 18);
    assert_int_equal(gz[0], 0x1F);
    assert_int_equal(gz[1], 0x8B);
    assert_int_equal(gz[2], 8);    /* deflate */
    assert_int_equal(gz[3], 0);    /* no FNAME, FCOMMENT, FEXTRA */
    assert_int_equal(gz[4] | gz[5] | gz[6] | gz[7], 0); /* mtime 0 */
    assert_int_equal(gz[9], 255);  /* OS unknown */
    /* gunzip gives the page back */
    char out[256];
    z_stream zs = {0};
    assert_int_equal(inflateInit2(&zs, MAX_WBITS + 16), Z_OK);
    zs.next_in = gz;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = sizeof out;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, strlen(PAGE));
    assert_memory_equal(out, PAGE, strlen(PAGE));
    inflateEnd(&zs);
    /* the same bytes every time */
    unsigned char *again;
    size_t again_len;
    assert_int_equal(precompress_gzip(PAGE, strlen(PAGE), &again, &again_len), 0);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, gz, len);
    free(again);
    free(gz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_has_no_name_or_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
