/* sha256: SHA-256 of a buffer, fast where the CPU helps.
 *
 * Every byte a build writes is hashed (SHA256SUMS, the rebuild cache), so
 * this is a hot path: on x86-64 processors with the SHA extensions it
 * uses them (about ten times libsodium's portable code), elsewhere it is
 * libsodium's crypto_hash_sha256. Same digest either way. */
#ifndef WAYMARK_SHA256_H
#define WAYMARK_SHA256_H

#include <stddef.h>

/* The 32-byte digest of data. Thread-safe. */
void sha256(const void *data, size_t len, unsigned char digest[32]);
/* The same as lowercase hex, into hex[65]. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
