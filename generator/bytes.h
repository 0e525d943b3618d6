/* bytes: the little-endian numbers of waymark's cache files, written into
 * a buffer or a block, and read back through a cursor that turns any
 * overrun into a failed read (a damaged cache is a miss, never a crash). */
#ifndef WAYMARK_BYTES_H
#define WAYMARK_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

void bytes_put_u32(buf_t *b, uint32_t v);
void bytes_put_u64(buf_t *b, uint64_t v);
/* Appends the SHA-256 of everything b holds (a cache file's last 32
 * bytes: a reader checks them before trusting the rest). */
void bytes_seal(buf_t *b);
/* Stores v at p; returns p + 4. */
unsigned char *bytes_store_u32(unsigned char *p, uint32_t v);

uint32_t bytes_u32_at(const unsigned char *p);
uint64_t bytes_u64_at(const unsigned char *p);

typedef struct {
    const unsigned char *p, *end;
    bool ok; /* false after any read past end; every later read fails too */
} byte_cursor;

uint32_t cursor_u32(byte_cursor *c);  /* 0 after a failed read */
uint64_t cursor_u64(byte_cursor *c);
/* The next n bytes (borrowed), or NULL after a failed read. */
const unsigned char *cursor_bytes(byte_cursor *c, size_t n);

#endif
