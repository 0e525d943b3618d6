#include "sha256.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

/* Compresses n 64-byte blocks into state with the SHA-NI instructions. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t state[8],
                                                                  const unsigned char *data,
                                                                  size_t n)
{
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);
    __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8); /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);      /* CDGH */
    for (; n > 0; n--, data += 64) {
        __m128i abef = s0, cdgh = s1, w[16];
        for (int g = 0; g < 16; g++) {
            if (g < 4) {
                w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), swap);
            } else {
                __m128i t = _mm_sha256msg1_epu32(w[g - 4], w[g - 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(w[g - 1], w[g - 2], 4));
                w[g] = _mm_sha256msg2_epu32(t, w[g - 1]);
            }
            __m128i msg = _mm_add_epi32(w[g], _mm_loadu_si128((const __m128i *)&K[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);   /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);    /* DCHG */
    s0 = _mm_blend_epi16(tmp, s1, 0xF0); /* DCBA */
    s1 = _mm_alignr_epi8(s1, tmp, 8);    /* HGFE */
    _mm_storeu_si128((__m128i *)&state[0], s0);
    _mm_storeu_si128((__m128i *)&state[4], s1);
}

static bool have_ni;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

static void detect(void)
{
    unsigned a, b, c, d;
    bool sse = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3);
    have_ni = sse && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}

static const uint32_t INITIAL_STATE[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                          0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static bool ni_available(void)
{
    pthread_once(&detect_once, detect);
    return have_ni;
}

/* Pads the last rest bytes of a message of len bytes and compresses them. */
static void finish_ni(uint32_t state[8], const unsigned char *last, size_t rest, uint64_t len,
                      unsigned char digest[32])
{
    unsigned char tail[128] = {0};
    memcpy(tail, last, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest + 9 <= 64 ? 64 : 128;
    uint64_t bits = len * 8;
    for (int i = 0; i < 8; i++)
        tail[tail_len - 1 - i] = (unsigned char)(bits >> (8 * i));
    blocks_ni(state, tail, tail_len / 64);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (unsigned char)(state[i] >> 24);
        digest[4 * i + 1] = (unsigned char)(state[i] >> 16);
        digest[4 * i + 2] = (unsigned char)(state[i] >> 8);
        digest[4 * i + 3] = (unsigned char)state[i];
    }
}

static bool sha256_ni(const void *data, size_t len, unsigned char digest[32])
{
    if (!ni_available())
        return false;
    uint32_t state[8];
    memcpy(state, INITIAL_STATE, sizeof state);
    size_t full = len / 64;
    blocks_ni(state, data, full);
    finish_ni(state, (const unsigned char *)data + full * 64, len - full * 64, len, digest);
    return true;
}

static void add_ni(sha256_stream *s, const unsigned char *p, size_t len)
{
    s->total += len;
    if (s->used) {
        size_t take = 64 - s->used < len ? 64 - s->used : len;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        len -= take;
        if (s->used < 64)
            return;
        blocks_ni(s->state, s->block, 1);
        s->used = 0;
    }
    blocks_ni(s->state, p, len / 64);
    s->used = len % 64;
    memcpy(s->block, p + len - s->used, s->used);
}
#else
static bool ni_available(void) { return false; }

static bool sha256_ni(const void *data, size_t len, unsigned char digest[32])
{
    (void)data, (void)len, (void)digest;
    return false;
}

static void add_ni(sha256_stream *s, const unsigned char *p, size_t len) { (void)s, (void)p, (void)len; }
static void finish_ni(uint32_t state[8], const unsigned char *last, size_t rest, uint64_t len,
                      unsigned char digest[32])
{
    (void)state, (void)last, (void)rest, (void)len, (void)digest;
}
static const uint32_t INITIAL_STATE[8] = {0};
#endif

void sha256_begin(sha256_stream *s)
{
    s->ni = ni_available();
    s->used = 0;
    s->total = 0;
    memcpy(s->state, INITIAL_STATE, sizeof s->state);
    if (!s->ni)
        crypto_hash_sha256_init(&s->sodium);
}

void sha256_add(sha256_stream *s, const void *data, size_t len)
{
    if (s->ni)
        add_ni(s, data, len);
    else
        crypto_hash_sha256_update(&s->sodium, data, len);
}

void sha256_end(sha256_stream *s, unsigned char digest[32])
{
    if (s->ni)
        finish_ni(s->state, s->block, s->used, s->total, digest);
    else
        crypto_hash_sha256_final(&s->sodium, digest);
}

void sha256(const void *data, size_t len, unsigned char digest[32])
{
    if (!sha256_ni(data, len, digest))
        crypto_hash_sha256(digest, data, len);
}

void sha256_hex(const void *data, size_t len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[32];
    sha256(data, len, digest);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[64] = '\0';
}
