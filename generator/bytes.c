#include "bytes.h"

#include "sha256.h"

void bytes_put_u32(buf_t *b, uint32_t v)
{
    unsigned char s[4];
    bytes_store_u32(s, v);
    buf_putn(b, (const char *)s, 4);
}

void bytes_put_u64(buf_t *b, uint64_t v)
{
    bytes_put_u32(b, (uint32_t)v);
    bytes_put_u32(b, (uint32_t)(v >> 32));
}

unsigned char *bytes_store_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
    return p + 4;
}

uint32_t bytes_u32_at(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t bytes_u64_at(const unsigned char *p)
{
    return bytes_u32_at(p) | (uint64_t)bytes_u32_at(p + 4) << 32;
}

const unsigned char *cursor_bytes(byte_cursor *c, size_t n)
{
    if (!c->ok || (size_t)(c->end - c->p) < n) {
        c->ok = false;
        return NULL;
    }
    const unsigned char *at = c->p;
    c->p += n;
    return at;
}

uint32_t cursor_u32(byte_cursor *c)
{
    const unsigned char *p = cursor_bytes(c, 4);
    return p ? bytes_u32_at(p) : 0;
}

uint64_t cursor_u64(byte_cursor *c)
{
    uint64_t lo = cursor_u32(c);
    return lo | (uint64_t)cursor_u32(c) << 32;
}

void bytes_seal(buf_t *b)
{
    unsigned char digest[32];
    sha256(b->data ? b->data : "", b->len, digest);
    buf_putn(b, (const char *)digest, sizeof digest);
}
