/* Tests for imagemeta: what a photo loses (metadata) and keeps (every byte
 * of the image) when the build copies it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "buf.h"
#include "imagemeta.h"

/* A 1x1 JPEG: SOI, APP0 JFIF, DQT, SOF9, DAC, SOS, data, EOI. */
static const unsigned char CLEAN_JPEG[] = {
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x01, 0x00, 0x48,
    0x00, 0x48, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x03, 0x02, 0x02, 0x02, 0x02, 0x02, 0x03,
    0x02, 0x02, 0x02, 0x03, 0x03, 0x03, 0x03, 0x04, 0x06, 0x04, 0x04, 0x04, 0x04, 0x04, 0x08, 0x06,
    0x06, 0x05, 0x06, 0x09, 0x08, 0x0A, 0x0A, 0x09, 0x08, 0x09, 0x09, 0x0A, 0x0C, 0x0F, 0x0C, 0x0A,
    0x0B, 0x0E, 0x0B, 0x09, 0x09, 0x0D, 0x11, 0x0D, 0x0E, 0x0F, 0x10, 0x10, 0x11, 0x10, 0x0A, 0x0C,
    0x12, 0x13, 0x12, 0x10, 0x13, 0x0F, 0x10, 0x10, 0x10, 0xFF, 0xC9, 0x00, 0x0B, 0x08, 0x00, 0x01,
    0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xCC, 0x00, 0x06, 0x00, 0x10, 0x10, 0x05, 0xFF, 0xDA,
    0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0xD2, 0xCF, 0x20, 0xFF, 0xD9};
#define APP0_END 20 /* where the APP0 segment ends */

static void put_segment(buf_t *b, unsigned marker, const char *body)
{
    size_t n = strlen(body) + 2;
    buf_putc(b, (char)0xFF);
    buf_putc(b, (char)marker);
    buf_putc(b, (char)(n >> 8));
    buf_putc(b, (char)(n & 0xFF));
    buf_puts(b, body);
}

/* The clean JPEG with extra segments inserted after APP0, and a tail. */
static unsigned char *jpeg_with(const char *const *bodies, const unsigned *markers, size_t n,
                                const char *tail, size_t *len)
{
    buf_t b = BUF_INIT;
    buf_putn(&b, (const char *)CLEAN_JPEG, APP0_END);
    for (size_t i = 0; i < n; i++)
        put_segment(&b, markers[i], bodies[i]);
    buf_putn(&b, (const char *)CLEAN_JPEG + APP0_END, sizeof CLEAN_JPEG - APP0_END);
    buf_puts(&b, tail);
    *len = b.len;
    return (unsigned char *)buf_detach(&b);
}

static void jpeg_loses_exif_xmp_comment_and_keeps_the_image(void **state)
{
    (void)state;
    const char *bodies[] = {"Exif\0\0GPS 60.17N 24.94E", "http://ns.adobe.com/xap/1.0/\0<x:Jane/>",
                            "taken at home by Jane", "ICC_PROFILE\0device"};
    const unsigned markers[] = {0xE1, 0xE1, 0xFE, 0xE2};
    size_t len, out_len;
    unsigned char *dirty = jpeg_with(bodies, markers, 4, "trailing secret", &len);
    const char *why = NULL;
    unsigned char *clean = imagemeta_strip(dirty, len, &out_len, &why);
    assert_non_null(clean);
    assert_int_equal(out_len, sizeof CLEAN_JPEG);
    assert_memory_equal(clean, CLEAN_JPEG, sizeof CLEAN_JPEG);
    free(clean);
    free(dirty);
}

static void jpeg_keeps_adobe_colour_segment(void **state)
{
    (void)state;
    const char *bodies[] = {"Adobe\x64\x80\x01\x01\x01\x01"};
    const unsigned markers[] = {0xEE};
    size_t len, out_len;
    unsigned char *in = jpeg_with(bodies, markers, 1, "", &len);
    const char *why = NULL;
    unsigned char *out = imagemeta_strip(in, len, &out_len, &why);
    assert_non_null(out);
    assert_int_equal(out_len, len);
    free(out);
    free(in);
}

static void damaged_files_are_refused(void **state)
{
    (void)state;
    size_t out_len;
    const char *why = NULL;
    assert_null(imagemeta_strip(CLEAN_JPEG, 60, &out_len, &why));
    assert_non_null(strstr(why, "JPEG"));
    assert_null(imagemeta_strip((const unsigned char *)"GIF89a", 6, &out_len, &why));
    assert_string_equal(why, "neither a JPEG nor a PNG file, whatever its name says");
    unsigned char bad_length[sizeof CLEAN_JPEG];
    memcpy(bad_length, CLEAN_JPEG, sizeof CLEAN_JPEG);
    bad_length[4] = 0x7F; /* APP0 length far past the end */
    assert_null(imagemeta_strip(bad_length, sizeof bad_length, &out_len, &why));
}

static void put_chunk(buf_t *b, const char *type, const char *data, size_t n)
{
    unsigned char head[8] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                             (unsigned char)(n >> 8), (unsigned char)n};
    memcpy(head + 4, type, 4);
    buf_putn(b, (const char *)head, 8);
    buf_putn(b, data, n);
    uLong crc = crc32(crc32(0, NULL, 0), head + 4, 4);
    crc = crc32(crc, (const Bytef *)data, (uInt)n);
    unsigned char c[4] = {(unsigned char)(crc >> 24), (unsigned char)(crc >> 16),
                          (unsigned char)(crc >> 8), (unsigned char)crc};
    buf_putn(b, (const char *)c, 4);
}

static void png_keeps_only_image_chunks(void **state)
{
    (void)state;
    buf_t in = BUF_INIT, want = BUF_INIT;
    buf_putn(&in, "\x89PNG\r\n\x1a\n", 8);
    buf_putn(&want, "\x89PNG\r\n\x1a\n", 8);
    static const char ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0};
    put_chunk(&in, "IHDR", ihdr, 13);
    put_chunk(&want, "IHDR", ihdr, 13);
    put_chunk(&in, "tEXt", "Author\0Jane", 11);
    put_chunk(&in, "eXIf", "MM\0*GPS", 7);
    put_chunk(&in, "tIME", "\7\352\1\1\0\0\0", 7);
    put_chunk(&in, "pHYs", "\0\0\x0b\x13\0\0\x0b\x13\1", 9);
    put_chunk(&want, "pHYs", "\0\0\x0b\x13\0\0\x0b\x13\1", 9);
    put_chunk(&in, "IDAT", "xyz", 3);
    put_chunk(&want, "IDAT", "xyz", 3);
    put_chunk(&in, "zTXt", "Comment\0\0x", 10);
    put_chunk(&in, "IEND", "", 0);
    put_chunk(&want, "IEND", "", 0);
    buf_puts(&in, "after the end");
    size_t out_len;
    const char *why = NULL;
    unsigned char *out = imagemeta_strip((unsigned char *)in.data, in.len, &out_len, &why);
    assert_non_null(out);
    assert_int_equal(out_len, want.len);
    assert_memory_equal(out, want.data, want.len);
    free(out);
    /* without IEND it is refused */
    assert_null(imagemeta_strip((unsigned char *)want.data, want.len - 12, &out_len, &why));
    buf_free(&in);
    buf_free(&want);
}

static void names(void **state)
{
    (void)state;
    assert_true(imagemeta_handles("a/Photo.JPG"));
    assert_true(imagemeta_handles("x.jpeg"));
    assert_true(imagemeta_handles("x.png"));
    assert_false(imagemeta_handles("x.gif"));
    assert_true(imagemeta_unhandled_image("x.webp"));
    assert_false(imagemeta_unhandled_image("x.pdf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jpeg_loses_exif_xmp_comment_and_keeps_the_image),
        cmocka_unit_test(jpeg_keeps_adobe_colour_segment),
        cmocka_unit_test(damaged_files_are_refused),
        cmocka_unit_test(png_keeps_only_image_chunks),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
