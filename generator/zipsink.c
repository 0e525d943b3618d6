#define _GNU_SOURCE
#include "zipsink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

#define SINK_BYTES (4u << 20)

/* buf holds the file's bytes [start, start + len); pos is where the next
 * write goes, end the file's length so far. */
typedef struct {
    int fd;
    unsigned char *buf;
    uint64_t start, len, pos, end;
    int err; /* errno of the first failure, else 0 */
} sink;

static void write_at(sink *s, const void *data, size_t n, uint64_t at)
{
    const unsigned char *p = data;
    while (n > 0 && !s->err) {
        ssize_t w = pwrite(s->fd, p, n, (off_t)at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->err = w < 0 ? errno : EIO;
            return;
        }
        p += w, n -= (size_t)w, at += (uint64_t)w;
    }
}

static void flush(sink *s)
{
    write_at(s, s->buf, s->len, s->start);
#ifdef SYNC_FILE_RANGE_WRITE
    /* started on the disk now, so that the fsync before the zip is
     * published has less left to wait for */
    if (!s->err && s->len)
        sync_file_range(s->fd, (off_t)s->start, (off_t)s->len, SYNC_FILE_RANGE_WRITE);
#endif
    s->len = 0;
}

static voidpf ZCALLBACK sink_open(voidpf opaque, const void *path, int mode)
{
    (void)opaque;
    if (!(mode & ZLIB_FILEFUNC_MODE_CREATE))
        return NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return NULL;
    sink *s = xcalloc(1, sizeof *s);
    s->fd = fd;
    s->buf = xmalloc(SINK_BYTES);
    return s;
}

static uLong ZCALLBACK sink_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    (void)opaque, (void)stream, (void)buf, (void)size;
    return 0;
}

static void advance(sink *s, uint64_t n)
{
    s->pos += n;
    if (s->pos > s->end)
        s->end = s->pos;
}

static uLong ZCALLBACK sink_write(voidpf opaque, voidpf stream, const void *data, uLong size)
{
    (void)opaque;
    sink *s = stream;
    if (s->len == 0)
        s->start = s->pos; /* an empty buffer may start anywhere */
    bool inside = s->pos >= s->start && s->pos <= s->start + s->len;
    if (!inside || s->pos - s->start + size > SINK_BYTES) {
        flush(s);
        s->start = s->pos;
        if (size > SINK_BYTES) { /* larger than the buffer: straight out */
            write_at(s, data, size, s->pos);
            advance(s, size);
            return s->err ? 0 : size;
        }
    }
    uint64_t off = s->pos - s->start;
    memcpy(s->buf + off, data, size);
    if (off + size > s->len)
        s->len = off + size;
    advance(s, size);
    return s->err ? 0 : size;
}

static ZPOS64_T ZCALLBACK sink_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((sink *)stream)->pos;
}

static long ZCALLBACK sink_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin)
{
    (void)opaque;
    sink *s = stream;
    uint64_t base = origin == ZLIB_FILEFUNC_SEEK_SET ? 0
                  : origin == ZLIB_FILEFUNC_SEEK_CUR ? s->pos : s->end;
    s->pos = base + offset;
    return 0;
}

static int ZCALLBACK sink_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    sink *s = stream;
    flush(s);
    if (close(s->fd) < 0 && !s->err)
        s->err = errno;
    int err = s->err;
    free(s->buf);
    free(s);
    errno = err;
    return err ? -1 : 0;
}

static int ZCALLBACK sink_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((sink *)stream)->err;
}

void zipsink_io(zlib_filefunc64_def *io)
{
    *io = (zlib_filefunc64_def){sink_open, sink_read, sink_write, sink_tell, sink_seek,
                                sink_close, sink_error, NULL};
}
