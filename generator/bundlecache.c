#define _DEFAULT_SOURCE
#include "bundlecache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zlib.h> /* Z_DEFLATED: the zip method number */

#include "buf.h"
#include "bundle.h"
#include "fs.h"
#include "path.h"
#include "xalloc.h"

#define INDEX_NAME "bundle.idx"
#define PACK_NAME "bundle.pack"
#define FORMAT 1
#define INDEX_LINE_BYTES 112 /* a usual index line, and a little more */

struct bcache {
    int fd;              /* the pack file */
    uint64_t pack_size;
    bcache_entry *items; /* sorted by hex */
    size_t len;
};

/* The next cache is the old pack with this build's new entries appended
 * (the old ones are used where they are), unless less than half of the
 * old pack is still used: then it is a new pack, written beside it. */
struct bcache_writer {
    char *dir, *idx_tmp, *pack_tmp; /* pack_tmp: NULL when appending */
    FILE *pack;
    uint64_t offset;
    uint64_t start;                 /* appending: the pack's size before */
    buf_t index;
    int level;
    bool failed, committed;
};

static void header(buf_t *b, int level)
{
    /* The deflater's name and level: another one gives other bytes. */
    buf_printf(b, "waymark-bundle-cache %d libdeflate=%s level=%d\n", FORMAT,
               LIBDEFLATE_VERSION_STRING, level);
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const bcache_entry *)a)->hex, ((const bcache_entry *)b)->hex);
}

/* Parses the index text (already checked against its checksum). */
/* Reads a decimal number and the one space or newline after it. */
static bool read_number(const char **s, uint64_t *v, char after)
{
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return false;
    uint64_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    if (*p != after)
        return false;
    *v = n;
    *s = p + 1;
    return true;
}

/* One line: "<sha256 hex> <method> <crc> <size> <offset> <packed_len> <packed_crc>\n"
 * (read by hand: sscanf took a noticeable part of a rebuild). */
static bool parse_entry(const char **line, bcache_entry *e)
{
    const char *s = *line;
    for (int i = 0; i < 64; i++, s++) {
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
        e->hex[i] = *s;
    }
    e->hex[64] = '\0';
    uint64_t method, crc, packed_crc;
    if (*s++ != ' ' || !read_number(&s, &method, ' ') || !read_number(&s, &crc, ' ') ||
        !read_number(&s, &e->size, ' ') || !read_number(&s, &e->offset, ' ') ||
        !read_number(&s, &e->packed_len, ' ') || !read_number(&s, &packed_crc, '\n') ||
        (method != 0 && method != Z_DEFLATED) || crc > UINT32_MAX || packed_crc > UINT32_MAX)
        return false;
    e->method = (int)method;
    e->crc = (unsigned long)crc;
    e->packed_crc = (unsigned long)packed_crc;
    *line = s;
    return true;
}

static bool parse_entries(bcache_t *c, const char *text, uint64_t pack_size)
{
    size_t cap = 0;
    for (const char *line = text; *line;) {
        bcache_entry e = {0};
        if (!parse_entry(&line, &e) || e.offset > pack_size || e.packed_len > pack_size - e.offset)
            return false;
        xgrow((void **)&c->items, &cap, c->len + 1, sizeof *c->items);
        c->items[c->len++] = e;
    }
    for (size_t i = 1; i < c->len; i++)
        if (strcmp(c->items[i - 1].hex, c->items[i].hex) >= 0)
            return false; /* written sorted and unique; anything else is not ours */
    return true;
}

bcache_t *bcache_open(const char *dir, int level)
{
    char *idx_path = path_join(dir, INDEX_NAME), *pack_path = path_join(dir, PACK_NAME);
    char *text = NULL;
    size_t len = 0;
    bcache_t *c = NULL;
    buf_t head = BUF_INIT;
    header(&head, level);
    if (fs_read_file(idx_path, &text, &len) < 0 || strlen(text) != len)
        goto done;
    /* Layout: header, "pack <size>\n", entries, "end <sha256 of all above>\n". */
    char *end_line = len >= 69 ? text + len - 69 : NULL;
    if (!end_line || strncmp(end_line, "end ", 4) || text[len - 1] != '\n' ||
        strncmp(text, head.data, head.len))
        goto done;
    char want[65], got[65];
    memcpy(want, end_line + 4, 64);
    want[64] = '\0';
    bundle_sha256_hex(text, (size_t)(end_line - text), got);
    if (strcmp(want, got))
        goto done;
    *end_line = '\0';
    uint64_t pack_size;
    int n = 0;
    const char *after_head = text + head.len;
    if (sscanf(after_head, "pack %" SCNu64 "\n%n", &pack_size, &n) != 1 || n == 0)
        goto done;
    c = xcalloc(1, sizeof *c);
    c->pack_size = pack_size;
    c->fd = open(pack_path, O_RDONLY | O_CLOEXEC);
    off_t actual = c->fd >= 0 ? lseek(c->fd, 0, SEEK_END) : -1;
    if (actual < 0 || (uint64_t)actual != pack_size || !parse_entries(c, after_head + n, pack_size)) {
        bcache_close(c);
        c = NULL;
    }
done:
    buf_free(&head);
    free(text);
    free(idx_path);
    free(pack_path);
    return c;
}

const bcache_entry *bcache_find(const bcache_t *c, const char *hex)
{
    if (!c || !c->len)
        return NULL;
    bcache_entry probe;
    snprintf(probe.hex, sizeof probe.hex, "%s", hex);
    return bsearch(&probe, c->items, c->len, sizeof *c->items, compare_entries);
}

/* Reads len bytes of the pack at offset into dst: true when all came. */
static bool read_pack(const bcache_t *c, unsigned char *dst, size_t len, uint64_t offset)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(c->fd, dst + got, len - got, (off_t)(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got == len;
}

/* The writer reads the entries mostly in the order the last build wrote
 * them, so one read of a window serves many: a read per entry was a
 * system call for every file of the site. The window grows while reads
 * follow on from it and starts small again after a jump (to the entries
 * a rebuild appended, and back), as kernel readahead does. */
#define WINDOW_BYTES (1u << 20)
#define WINDOW_FIRST (64u << 10)

struct bcache_reader {
    const bcache_t *cache;
    unsigned char *window; /* WINDOW_BYTES */
    uint64_t start; /* the pack's bytes start .. start + len are in window */
    size_t len;
    size_t next_read; /* how much the next read that follows on takes */
    unsigned char *large; /* the last entry too large for the window */
};

bcache_reader *bcache_reader_new(const bcache_t *c)
{
    bcache_reader *r = xcalloc(1, sizeof *r);
    r->cache = c;
    return r;
}

const unsigned char *bcache_reader_get(bcache_reader *r, const bcache_entry *e)
{
    const bcache_t *c = r->cache;
    size_t len = (size_t)e->packed_len;
    const unsigned char *data;
    if (len > WINDOW_BYTES) {
        free(r->large);
        r->large = xmalloc(len);
        if (!read_pack(c, r->large, len, e->offset))
            return NULL;
        data = r->large;
    } else {
        if (e->offset < r->start || e->offset + len > r->start + r->len) {
            if (!r->window)
                r->window = xmalloc(WINDOW_BYTES);
            bool follows_on = r->len && e->offset == r->start + r->len;
            r->next_read = !follows_on       ? WINDOW_FIRST
                         : r->next_read < WINDOW_BYTES / 2 ? r->next_read * 2
                                                          : WINDOW_BYTES;
            size_t want = len > r->next_read ? len : r->next_read;
            uint64_t left = c->pack_size - e->offset; /* the index said it fits */
            r->start = e->offset;
            r->len = left < want ? (size_t)left : want;
            if (!read_pack(c, r->window, r->len, r->start)) {
                r->len = 0;
                return NULL;
            }
        }
        data = r->window + (e->offset - r->start);
    }
    return libdeflate_crc32(0, data, len) == e->packed_crc ? data : NULL;
}

void bcache_reader_free(bcache_reader *r)
{
    if (!r)
        return;
    free(r->window);
    free(r->large);
    free(r);
}

void bcache_close(bcache_t *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->items);
    free(c);
}

/* Whether most of the old pack is still in use (the last build's
 * entries); appending to a mostly unused pack would only let it grow. */
static bool worth_appending(const bcache_t *old)
{
    uint64_t used = 0;
    for (size_t i = 0; i < old->len; i++)
        used += old->items[i].packed_len;
    return old->len > 0 && used * 2 >= old->pack_size;
}

static bool start_appending(bcache_writer_t *w, const bcache_t *old)
{
    char *path = path_join(w->dir, PACK_NAME);
    w->pack = fopen(path, "ab");
    free(path);
    if (!w->pack || fseek(w->pack, 0, SEEK_END) != 0 || ftell(w->pack) != (long)old->pack_size) {
        if (w->pack)
            fclose(w->pack);
        w->pack = NULL;
        return false;
    }
    w->offset = w->start = old->pack_size;
    return true;
}

/* fs_temp_path's name for dir/name (caller frees). */
static char *temp_path_in(const char *dir, const char *name)
{
    char *path = path_join(dir, name), *tmp = fs_temp_path(path);
    free(path);
    return tmp;
}

bcache_writer_t *bcache_create(const char *dir, int level, const bcache_t *old)
{
    if (fs_mkdir_p(dir) < 0)
        return NULL;
    bcache_writer_t *w = xcalloc(1, sizeof *w);
    w->dir = xstrdup(dir);
    w->level = level;
    w->idx_tmp = temp_path_in(dir, INDEX_NAME);
    /* room for as many lines as the last build's index: growing it was a
     * copy into fresh memory each time, while the zip waited */
    if (old)
        buf_reserve(&w->index, old->len * INDEX_LINE_BYTES);
    if (old && worth_appending(old) && start_appending(w, old))
        return w;
    w->pack_tmp = temp_path_in(dir, PACK_NAME);
    w->pack = fopen(w->pack_tmp, "wb");
    if (!w->pack) {
        bcache_abort(w);
        return NULL;
    }
    return w;
}

/* One index line, in the form read_entry reads (by hand rather than with
 * printf: there is one per file of the site). */
static void put_index_line(buf_t *b, const char *hex, int method, unsigned long crc,
                           uint64_t size, uint64_t offset, uint64_t packed_len,
                           unsigned long packed_crc)
{
    const uint64_t numbers[] = {(uint64_t)method, crc, size, offset, packed_len, packed_crc};
    buf_puts(b, hex);
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
        buf_putc(b, ' ');
        buf_put_u64(b, numbers[i]);
    }
    buf_putc(b, '\n');
}

void bcache_add(bcache_writer_t *w, const char *hex, int method, unsigned long crc,
                uint64_t size, const void *packed, size_t packed_len, const bcache_entry *kept)
{
    if (!w || w->failed)
        return;
    if (kept && !w->pack_tmp) { /* already in the pack we append to */
        put_index_line(&w->index, hex, method, crc, size, kept->offset, kept->packed_len,
                       kept->packed_crc);
        return;
    }
    if (packed_len && fwrite(packed, 1, packed_len, w->pack) != packed_len) {
        w->failed = true;
        return;
    }
    unsigned long packed_crc = libdeflate_crc32(0, packed, packed_len);
    put_index_line(&w->index, hex, method, crc, size, w->offset, packed_len, packed_crc);
    w->offset += packed_len;
}

/* Entries arrive in file-name order; the index is kept in hash order. */
static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_unique_lines(const buf_t *entries)
{
    char *text = xstrdup(entries->data ? entries->data : "");
    size_t n = 0, cap = 0;
    char **lines = NULL;
    for (char *s = text, *nl; *s; s = nl + 1) {
        nl = strchr(s, '\n');
        *nl = '\0';
        xgrow((void **)&lines, &cap, n + 1, sizeof *lines);
        lines[n++] = s;
    }
    if (n > 1)
        qsort(lines, n, sizeof *lines, compare_lines);
    buf_t out = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strncmp(lines[i], lines[i - 1], 64)) /* same content: keep one */
        {
            buf_puts(&out, lines[i]);
            buf_putc(&out, '\n');
        }
    free(lines);
    free(text);
    return buf_detach(&out);
}

int bcache_commit(bcache_writer_t *w)
{
    if (!w)
        return -1;
    bool ok = !w->failed && fflush(w->pack) == 0 && fclose(w->pack) == 0;
    w->pack = NULL;
    if (ok) {
        char *entries = sorted_unique_lines(&w->index);
        buf_t text = BUF_INIT;
        header(&text, w->level);
        buf_puts(&text, "pack ");
        buf_put_u64(&text, w->offset);
        buf_putc(&text, '\n');
        buf_puts(&text, entries);
        char hex[65];
        bundle_sha256_hex(text.data, text.len, hex);
        buf_printf(&text, "end %s\n", hex);
        char *idx = path_join(w->dir, INDEX_NAME), *pack = path_join(w->dir, PACK_NAME);
        /* The index goes last: an old index never describes the new pack
         * for long, and if it does, its size check fails. */
        ok = fs_write_file(w->idx_tmp, text.data, text.len) == 0 &&
             (!w->pack_tmp || rename(w->pack_tmp, pack) == 0) && rename(w->idx_tmp, idx) == 0;
        w->committed = ok;
        free(idx);
        free(pack);
        free(entries);
        buf_free(&text);
    }
    bcache_abort(w);
    return ok ? 0 : -1;
}

void bcache_abort(bcache_writer_t *w)
{
    if (!w)
        return;
    if (w->pack)
        fclose(w->pack);
    if (!w->pack_tmp && !w->committed) { /* the old cache, as it was */
        char *pack = path_join(w->dir, PACK_NAME);
        if (truncate(pack, (off_t)w->start) < 0) /* then its size check fails: no cache */
            unlink(pack);
        free(pack);
    }
    unlink(w->idx_tmp);
    if (w->pack_tmp)
        unlink(w->pack_tmp);
    free(w->dir);
    free(w->idx_tmp);
    free(w->pack_tmp);
    buf_free(&w->index);
    free(w);
}
