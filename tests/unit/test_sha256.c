/* Tests for sha256: the digests SHA256SUMS lists, whichever code computes
 * them (the CPU's SHA instructions or libsodium), at once or in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "sha256.h"

static void known_digests(void **state)
{
    (void)state;
    char hex[65];
    sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(two_blocks, strlen(two_blocks), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* Every length around the block and padding boundaries, and a large one,
 * against libsodium. */
static void same_as_libsodium(void **state)
{
    (void)state;
    size_t max = 1 << 20;
    unsigned char *data = malloc(max);
    uint32_t x = 12345;
    for (size_t i = 0; i < max; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 16);
    }
    unsigned char want[32], got[32];
    for (size_t len = 0; len <= 300; len++) {
        crypto_hash_sha256(want, data + len % 7, len);
        sha256(data + len % 7, len, got);
        assert_memory_equal(want, got, 32);
    }
    crypto_hash_sha256(want, data, max);
    sha256(data, max, got);
    assert_memory_equal(want, got, 32);
    free(data);
}

/* A digest taken piece by piece, in pieces of every size around a block,
 * is the one-shot digest. */
static void pieces_make_the_same_digest(void **state)
{
    (void)state;
    size_t max = 5000;
    unsigned char *data = malloc(max);
    for (size_t i = 0; i < max; i++)
        data[i] = (unsigned char)(i * 31 + 7);
    unsigned char want[32], got[32];
    for (size_t len = 0; len <= max; len += len < 300 ? 1 : 977) {
        crypto_hash_sha256(want, data, len);
        for (size_t piece = 1; piece <= 130; piece += piece < 70 ? 1 : 29) {
            sha256_stream s;
            sha256_begin(&s);
            for (size_t at = 0; at < len; at += piece)
                sha256_add(&s, data + at, len - at < piece ? len - at : piece);
            sha256_end(&s, got);
            assert_memory_equal(want, got, 32);
        }
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_digests),
        cmocka_unit_test(same_as_libsodium),
        cmocka_unit_test(pieces_make_the_same_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
