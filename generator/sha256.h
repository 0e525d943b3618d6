/* sha256: SHA-256 of a buffer, fast where the CPU helps.
 *
 * Every byte a build writes is hashed (SHA256SUMS, the rebuild cache), so
 * this is a hot path: on x86-64 processors with the SHA extensions it
 * uses them (about ten times libsodium's portable code), elsewhere it is
 * libsodium's crypto_hash_sha256. Same digest either way. */
#ifndef WAYMARK_SHA256_H
#define WAYMARK_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium/crypto_hash_sha256.h>

/* A digest taken piece by piece (for data not held in memory at once):
 * sha256_begin, sha256_add any number of times, sha256_end. */
typedef struct {
    uint32_t state[8];      /* SHA-NI path */
    unsigned char block[64];
    size_t used;            /* bytes waiting in block */
    uint64_t total;
    bool ni;
    crypto_hash_sha256_state sodium; /* the other path */
} sha256_stream;

void sha256_begin(sha256_stream *s);
void sha256_add(sha256_stream *s, const void *data, size_t len);
void sha256_end(sha256_stream *s, unsigned char digest[32]);

/* The 32-byte digest of data. Thread-safe. */
void sha256(const void *data, size_t len, unsigned char digest[32]);
/* The same as lowercase hex, into hex[65]. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
