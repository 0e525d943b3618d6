/* bundle: the reproducible, verifiable zip of a built site.
 *
 * SHA256SUMS sorts before most names, so every SHA-256 is known first:
 * given by the caller (the build hashed what it wrote), else read in a
 * hashing pass. Then two phases run at once, as a pipeline: the pack phase
 * reads each file on all cores (CRC-32 and the entry's final bytes:
 * deflated, or taken from the cache of the last build when the content is
 * the same) while the write phase takes the packed entries in name order
 * and frees them. The pack phase runs at most a window of entries ahead, so
 * memory holds a window's deflated bytes, never the whole zip's. Entries are written
 * in raw mode: we deflate ourselves, so we can store a file whose deflated
 * form is not smaller, and every header field is ours, not minizip's guess
 * (minizip marks text files in internal_fa when it deflates).
 *
 * Files in memory are deflated with libdeflate, not zlib: on our HTML it is
 * 3.5 times faster at the same level and its output is a little smaller.
 * It works on whole buffers only, so the rare file too large to hold in
 * memory is streamed through zlib. */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libdeflate.h>
#include <sodium.h>
#include <zip.h>
#include <zlib.h>

#include "buf.h"
#include "bundlecache.h"
#include "fs.h"
#include "path.h"
#include "pool.h"
#include "progress.h"
#include "sha256.h"
#include "xalloc.h"
#include "zipsink.h"

#define SUMS_NAME "SHA256SUMS"
/* libdeflate's level 1: on a 10,000-page site it deflates in 0.55 to 0.75
 * of level 4's time for a zip 3% larger (level 6: 1.4 times level 4's
 * time, 1.4% smaller). Deflating was the largest single share of a cold
 * build's CPU. Streamed large files use zlib at the same level; minizip
 * marks deflated entries "super fast" (flag bits 1 and 2) at level 1. */
#define DEFLATE_LEVEL 1
/* Entries packed (on all cores) ahead of the writer, at most. */
#define WINDOW_ENTRIES ((size_t)4096)
/* Files up to this size are deflated in memory, so they can be stored
 * instead when deflate does not help; larger ones are streamed, deflated. */
#define WHOLE_FILE_MAX ((size_t)16 << 20)
#define CHUNK ((size_t)64 << 10)
/* From this many entries on, the classic end record cannot hold the count
 * and the zip needs a zip64 end record (zip64_end_write). */
#define ZIP64_MIN_ENTRIES 0xFFFFu
#define VERSION_MADE_BY ((3u << 8) | 20u) /* Unix, zip 2.0 */
#define UTF8_NAME_FLAG (1u << 11)
#define FILE_ATTRIBUTES (0100644ul << 16)
#define DOS_EPOCH INT64_C(315532800)  /* 1980-01-01 00:00:00 UTC */
#define DOS_LAST INT64_C(4354819198)  /* 2107-12-31 23:59:58 UTC */

void bundle_sha256_hex(const void *data, size_t len, char hex[65]) { sha256_hex(data, len, hex); }

/* What the first pass learns about one file. */
typedef struct {
    char hex[65];
    uint64_t size;
    unsigned long crc;
} file_sum_t;

static int report_errno(diags_t *d, const char *path, const char *what)
{
    diag_error(d, path, 0, 0, "%s: %s", what, errno ? strerror(errno) : "unknown error");
    return -1;
}

/* Hashes one file in chunks into *sum. */
static int sum_file(const char *path, file_sum_t *sum, diags_t *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return report_errno(d, path, "cannot read");
    sha256_stream st;
    sha256_begin(&st);
    unsigned char *chunk = xmalloc(CHUNK);
    sum->size = 0;
    sum->crc = 0;
    int rc = 0;
    for (;;) {
        ssize_t got = read(fd, chunk, CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = report_errno(d, path, "cannot read");
            break;
        }
        if (got == 0)
            break;
        sha256_add(&st, chunk, (size_t)got);
        sum->crc = libdeflate_crc32((uint32_t)sum->crc, chunk, (size_t)got);
        sum->size += (uint64_t)got;
    }
    close(fd);
    unsigned char digest[32];
    sha256_end(&st, digest);
    sodium_bin2hex(sum->hex, sizeof sum->hex, digest, sizeof digest); /* no init needed */
    free(chunk);
    return rc;
}

/* sha256sum escapes these with a leading backslash; we refuse them instead,
 * so every SHA256SUMS line is the plain "<hex>  <path>" a person can read. */
static bool name_is_listable(const char *name)
{
    return !strpbrk(name, "\\\n\r");
}

/* Length of the UTF-8 sequence at s, or 0 if it is not well formed. */
static size_t utf8_sequence(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
        return 0; /* overlong, surrogate or beyond U+10FFFF */
    return n;
}

/* 1 for a well-formed UTF-8 name with a non-ASCII byte, 0 for plain ASCII,
 * -1 for bytes that are not UTF-8. */
static int name_utf8_kind(const char *name)
{
    int kind = 0;
    for (const unsigned char *s = (const unsigned char *)name; *s;) {
        size_t n = utf8_sequence(s);
        if (n == 0)
            return -1;
        if (n > 1)
            kind = 1;
        s += n;
    }
    return kind;
}

/* Why a site file cannot go into the bundle, or NULL if it can. */
static const char *name_problem(const char *name)
{
    if (!strcmp(name, SUMS_NAME))
        return "the site may not contain " SUMS_NAME ": the bundle writes its own";
    if (!name_is_listable(name))
        return "file name contains a backslash or line break and cannot be listed in "
               SUMS_NAME;
    if (name_utf8_kind(name) < 0)
        return "file name is not valid UTF-8";
    return NULL;
}

/* Unix time to the zip's DOS date fields, in UTC, clamped to the years DOS
 * dates can hold; DOS time counts 2-second steps, so odd seconds round down. */
static tm_zip dos_time(int64_t mtime)
{
    if (mtime < DOS_EPOCH)
        mtime = DOS_EPOCH;
    if (mtime > DOS_LAST)
        mtime = DOS_LAST;
    time_t t = (time_t)mtime;
    struct tm tm;
    gmtime_r(&t, &tm);
    return (tm_zip){(uInt)(tm.tm_sec & ~1), (uInt)tm.tm_min, (uInt)tm.tm_hour,
                    (uInt)tm.tm_mday, (uInt)tm.tm_mon, (uInt)tm.tm_year + 1900};
}

typedef struct {
    zipFile zf;
    const char *zip_path; /* for messages: the user knows this name */
    tm_zip when;
    diags_t *d;
} zip_writer_t;

static int zip_failed(zip_writer_t *w, const char *name)
{
    diag_error(w->d, w->zip_path, 0, 0, "cannot write entry %s: %s", name,
               errno ? strerror(errno) : "zip write error");
    return -1;
}

/* Opens a raw entry: the data written next is already in its final form. */
static int entry_open(zip_writer_t *w, const char *name, int method, bool zip64)
{
    zip_fileinfo info = {.tmz_date = w->when, .dosDate = 0, .internal_fa = 0,
                         .external_fa = FILE_ATTRIBUTES};
    uLong flags = name_utf8_kind(name) > 0 ? UTF8_NAME_FLAG : 0;
    errno = 0;
    int level = method ? DEFLATE_LEVEL : 0;
    int err = zipOpenNewFileInZip4_64(w->zf, name, &info, NULL, 0, NULL, 0, NULL, method, level,
                                      1, -MAX_WBITS, DEF_MEM_LEVEL, Z_DEFAULT_STRATEGY, NULL, 0,
                                      VERSION_MADE_BY, flags, zip64);
    return err == ZIP_OK ? 0 : zip_failed(w, name);
}

static int entry_write(zip_writer_t *w, const char *name, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        unsigned n = len > CHUNK ? (unsigned)CHUNK : (unsigned)len;
        errno = 0;
        if (zipWriteInFileInZip(w->zf, p, n) != ZIP_OK)
            return zip_failed(w, name);
        p += n;
        len -= n;
    }
    return 0;
}

static int entry_close(zip_writer_t *w, const char *name, uint64_t size, unsigned long crc)
{
    errno = 0;
    if (zipCloseFileInZipRaw64(w->zf, size, crc) != ZIP_OK)
        return zip_failed(w, name);
    return 0;
}

/* zlib keeps a pointer back to the z_stream, so it is set up in place. */
static void deflate_start(z_stream *zs)
{
    *zs = (z_stream){0};
    /* Raw deflate (negative window bits), as zip stores it. */
    if (deflateInit2(zs, DEFLATE_LEVEL, Z_DEFLATED, -MAX_WBITS, DEF_MEM_LEVEL,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        fprintf(stderr, "waymark: out of memory\n");
        abort();
    }
}

/* Deflates len bytes into *packed (caller frees); returns false (and no
 * buffer) when deflating does not make them smaller: they are stored. */
static bool deflate_whole(struct libdeflate_compressor *deflater, const void *data, size_t len,
                          unsigned char **packed, size_t *packed_len)
{
    /* Room for one byte less than the input: a bigger result is not kept. */
    unsigned char *out = len > 1 ? xmalloc(len - 1) : NULL;
    *packed_len = out ? libdeflate_deflate_compress(deflater, data, len, out, len - 1) : 0;
    if (*packed_len == 0) {
        free(out);
        *packed = NULL;
        return false;
    }
    /* Kept until the writer gets to it: only the bytes used. */
    *packed = xrealloc(out, *packed_len);
    return true;
}

static struct libdeflate_compressor *deflater_new(void)
{
    struct libdeflate_compressor *deflater = libdeflate_alloc_compressor(DEFLATE_LEVEL);
    if (!deflater) {
        fprintf(stderr, "waymark: out of memory\n");
        abort();
    }
    return deflater;
}

/* Writes an entry whose final bytes (method 0: stored, or deflated) are
 * in memory; size and crc describe the uncompressed bytes. */
static int entry_from_packed(zip_writer_t *w, const char *name, int method, const void *packed,
                             size_t packed_len, uint64_t size, unsigned long crc)
{
    int rc = entry_open(w, name, method, false);
    if (rc == 0)
        rc = entry_write(w, name, packed, packed_len);
    if (rc == 0)
        rc = entry_close(w, name, size, crc);
    return rc;
}

/* Deflates one chunk (or the end) of a streamed file into the entry. */
static int deflate_chunk(zip_writer_t *w, const char *name, z_stream *zs, unsigned char *out,
                         int flush)
{
    int zrc;
    do {
        zs->next_out = out;
        zs->avail_out = (uInt)CHUNK;
        zrc = deflate(zs, flush);
        if (zrc == Z_STREAM_ERROR) {
            diag_error(w->d, w->zip_path, 0, 0, "cannot compress entry %s", name);
            return -1;
        }
        if (entry_write(w, name, out, CHUNK - zs->avail_out) < 0)
            return -1;
    } while (zs->avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
    return 0;
}

/* Streams a large file into a deflated entry, chunk by chunk. */
static int entry_from_large_file(zip_writer_t *w, const char *name, const char *path,
                                 const file_sum_t *sum)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return report_errno(w->d, path, "cannot read");
    int rc = entry_open(w, name, Z_DEFLATED, sum->size >= 0xFFFFFFFFu);
    z_stream zs;
    deflate_start(&zs);
    unsigned char *in = xmalloc(CHUNK), *out = xmalloc(CHUNK);
    uint64_t size = 0;
    unsigned long crc = crc32(0L, Z_NULL, 0);
    while (rc == 0) {
        ssize_t got = read(fd, in, CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = report_errno(w->d, path, "cannot read");
            break;
        }
        crc = crc32(crc, in, (uInt)got);
        size += (uint64_t)got;
        zs.next_in = in;
        zs.avail_in = (uInt)got;
        rc = deflate_chunk(w, name, &zs, out, got == 0 ? Z_FINISH : Z_NO_FLUSH);
        if (got == 0)
            break;
    }
    deflateEnd(&zs);
    close(fd);
    free(in);
    free(out);
    if (rc == 0 && (size != sum->size || crc != sum->crc)) {
        diag_error(w->d, path, 0, 0, "file changed while the bundle was written");
        rc = -1;
    }
    if (rc == 0)
        rc = entry_close(w, name, size, crc);
    return rc;
}


/* --- the pack phase: every entry hashed and deflated, on all cores --------- */

/* One file of the bundle, as the pack phase leaves it for the writer. */
typedef struct {
    const char *name, *path; /* borrowed */
    file_sum_t sum;
    bool hex_given;          /* sum.hex is known: the caller's, or the hashing pass's */
    bool summed;             /* the hashing pass read it: sum.size and sum.crc
                                too, which the pack phase checks */
    bool large;              /* streamed by the writer, deflated */
    bool failed;             /* the pack phase reported it: the zip stops */
    int method;              /* 0 stored, Z_DEFLATED */
    unsigned char *packed;   /* final bytes (owned); NULL: cached or large */
    size_t packed_len;
    const bcache_entry *cached; /* read from the cache by the writer */
} entry_t;

typedef struct {
    entry_t *entries;
    const bcache_t *cache;
    struct libdeflate_compressor *deflater; /* made on first use */
    diags_t diags;
} pack_worker;

static unsigned long crc_of(const void *data, size_t len)
{
    return libdeflate_crc32(0, data, len);
}

/* Takes the cached form of e's content when there is one. */
static bool use_cache(const bcache_t *cache, entry_t *e)
{
    const bcache_entry *hit = bcache_find(cache, e->sum.hex);
    if (!hit || (e->sum.size != UINT64_MAX && hit->size != e->sum.size))
        return false;
    e->cached = hit;
    e->method = hit->method;
    e->sum.size = hit->size;
    e->sum.crc = hit->crc;
    return true;
}

/* e's bytes in memory: hashed (unless given), then cached or deflated.
 * False when they are not the bytes the hashing pass read. */
static bool pack_bytes(entry_t *e, pack_worker *w, char *data, size_t len)
{
    if (!e->hex_given)
        bundle_sha256_hex(data, len, e->sum.hex);
    uint64_t summed_size = e->sum.size;
    unsigned long summed_crc = e->sum.crc;
    e->sum.size = len;
    if (use_cache(w->cache, e)) {
        free(data);
        return true;
    }
    e->sum.crc = crc_of(data, len);
    if (!w->deflater)
        w->deflater = deflater_new();
    if (deflate_whole(w->deflater, data, len, &e->packed, &e->packed_len)) {
        e->method = Z_DEFLATED;
        free(data);
    } else {
        e->method = 0;
        e->packed = (unsigned char *)data;
        e->packed_len = len;
    }
    return !e->summed || (summed_size == len && summed_crc == e->sum.crc);
}

/* Reads, checks and deflates one entry (or finds it in the cache); false
 * after reporting. */
static bool pack_entry(pack_worker *w, entry_t *e)
{
    if (e->hex_given && use_cache(w->cache, e))
        return true; /* nothing to read at all */
    struct stat st;
    if (stat(e->path, &st) < 0)
        return report_errno(&w->diags, e->path, "cannot read"), false;
    if ((uint64_t)st.st_size > WHOLE_FILE_MAX) {
        e->large = true;
        e->method = Z_DEFLATED;
        return sum_file(e->path, &e->sum, &w->diags) == 0;
    }
    char *data;
    size_t len;
    if (fs_read_file(e->path, &data, &len) < 0)
        return report_errno(&w->diags, e->path, "cannot read"), false;
    if (!pack_bytes(e, w, data, len)) {
        diag_error(&w->diags, e->path, 0, 0, "file changed while the bundle was written");
        return false;
    }
    return true;
}

static void pack_task(void *worker, size_t index)
{
    pack_worker *w = worker;
    entry_t *e = &w->entries[index];
    e->failed = !pack_entry(w, e);
}

/* The hashing pass, for the files whose SHA-256 the caller did not give. */
static void hash_task(void *worker, size_t index)
{
    pack_worker *w = worker;
    entry_t *e = &w->entries[index];
    if (e->hex_given)
        return;
    if (sum_file(e->path, &e->sum, &w->diags) == 0)
        e->hex_given = e->summed = true;
}

/* The pack phase's threads: one worker each. */
typedef struct {
    pack_worker *workers;
    void **ptrs;
    size_t jobs;
} crew_t;

static crew_t crew_new(entry_t *entries, const bcache_t *cache, size_t jobs)
{
    crew_t c = {NULL, NULL, jobs ? jobs : 1};
    c.workers = xcalloc(c.jobs, sizeof *c.workers);
    c.ptrs = xcalloc(c.jobs, sizeof *c.ptrs);
    for (size_t t = 0; t < c.jobs; t++) {
        c.workers[t] = (pack_worker){.entries = entries, .cache = cache, .diags = DIAGS_INIT};
        c.ptrs[t] = &c.workers[t];
    }
    return c;
}

/* Hands what the workers reported to d; -1 when it was an error. */
static int crew_finish(crew_t *c, diags_t *d)
{
    size_t before = d->errors;
    for (size_t t = 0; t < c->jobs; t++) {
        diag_merge(d, &c->workers[t].diags);
        libdeflate_free_compressor(c->workers[t].deflater);
    }
    free(c->workers);
    free(c->ptrs);
    return d->errors > before ? -1 : 0;
}

/* Runs task on every one of n entries on jobs threads. */
static int run_tasks(entry_t *entries, size_t n, const bcache_t *cache, size_t jobs,
                     pool_task_fn task, diags_t *d)
{
    crew_t crew = crew_new(entries, cache, jobs);
    pool_run(n, crew.jobs, crew.ptrs, task);
    return crew_finish(&crew, d);
}

/* --- the write phase: entries in name order, raw ------------------------- */

/* A cached entry whose cache bytes went bad since they were found: packed
 * again from the file. */
static int repack(zip_writer_t *w, entry_t *e)
{
    char *data;
    size_t len;
    if (fs_read_file(e->path, &data, &len) < 0)
        return report_errno(w->d, e->path, "cannot read");
    e->cached = NULL;
    char want[65];
    memcpy(want, e->sum.hex, sizeof want);
    e->hex_given = e->summed = false;
    pack_worker alone = {0};
    pack_bytes(e, &alone, data, len);
    libdeflate_free_compressor(alone.deflater);
    if (strcmp(want, e->sum.hex)) {
        diag_error(w->d, e->path, 0, 0, "file changed while the bundle was written");
        return -1;
    }
    return 0;
}

static int write_entry(zip_writer_t *w, entry_t *e, bcache_reader *cache,
                       bcache_writer_t *next_cache)
{
    if (e->large)
        return entry_from_large_file(w, e->name, e->path, &e->sum);
    const unsigned char *packed = e->packed;
    size_t packed_len = e->packed_len;
    if (e->cached) {
        packed = bcache_reader_get(cache, e->cached); /* borrowed */
        packed_len = (size_t)e->cached->packed_len;
        if (!packed) {
            if (repack(w, e) < 0)
                return -1;
            packed = e->packed;
            packed_len = e->packed_len;
        }
    }
    int rc = entry_from_packed(w, e->name, e->method, packed, packed_len, e->sum.size, e->sum.crc);
    if (rc == 0)
        bcache_add(next_cache, e->sum.hex, e->method, e->sum.crc, e->sum.size, packed, packed_len,
                   e->cached);
    free(e->packed);
    e->packed = NULL;
    return rc;
}

static int write_sums_entry(zip_writer_t *w, const buf_t *text)
{
    const char *data = text->data ? text->data : "";
    unsigned char *packed;
    size_t packed_len;
    struct libdeflate_compressor *deflater = deflater_new();
    bool deflated = deflate_whole(deflater, data, text->len, &packed, &packed_len);
    libdeflate_free_compressor(deflater);
    int rc = entry_from_packed(w, SUMS_NAME, deflated ? Z_DEFLATED : 0, deflated ? packed : (unsigned char *)data,
                               deflated ? packed_len : text->len, text->len, crc_of(data, text->len));
    if (deflated)
        free(packed);
    return rc;
}

/* Every entry, and SHA256SUMS at its sorted place: a window at a time,
 * packed on jobs threads, then written in order and freed. */
/* What the writer needs to take the packed entries in order. */
typedef struct {
    zip_writer_t *w;
    entry_t *entries;
    const buf_t *sums_text;
    bcache_reader *cache;
    bcache_writer_t *next_cache;
    bool sums_written;
} zip_feed;

/* Writes entry i (and SHA256SUMS, where it sorts, before it). */
static int write_next(void *ctx, size_t i)
{
    zip_feed *f = ctx;
    entry_t *e = &f->entries[i];
    if (e->failed)
        return -1;
    if (!f->sums_written && strcmp(e->name, SUMS_NAME) > 0) {
        f->sums_written = true;
        if (write_sums_entry(f->w, f->sums_text) < 0)
            return -1;
    }
    return write_entry(f->w, e, f->cache, f->next_cache);
}

/* The pack phase runs on jobs threads while this thread writes what is
 * packed, in name order; at most a window of entries waits in memory. */
static int write_entries(zip_writer_t *w, entry_t *entries, size_t n, const buf_t *sums_text,
                         const bcache_t *cache, bcache_writer_t *next_cache, size_t jobs)
{
    zip_feed feed = {w, entries, sums_text, bcache_reader_new(cache), next_cache, false};
    crew_t crew = crew_new(entries, cache, jobs);
    int rc = pool_run_ordered(n, crew.jobs, crew.ptrs, pack_task, write_next, &feed,
                              WINDOW_ENTRIES);
    bcache_reader_free(feed.cache);
    if (crew_finish(&crew, w->d) < 0)
        rc = -1;
    return rc == 0 && !feed.sums_written ? write_sums_entry(w, sums_text) : rc;
}

/* So a crash right after the rename cannot leave an empty zip behind. */
static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* --- the zip64 end of the central directory ------------------------------ */

#define EOCD_SIG 0x06054b50u
#define ZIP64_EOCD_SIG 0x06064b50u
#define ZIP64_LOCATOR_SIG 0x07064b50u
#define EOCD_LEN 22          /* with no comment: we never write one */
#define ZIP64_EOCD_LEN 56
#define ZIP64_LOCATOR_LEN 20
#define ZIP64_MADE_BY ((3u << 8) | 45u) /* Unix, zip 4.5: the first with zip64 */

static void put_le(unsigned char *p, uint64_t v, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = bytes; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* Makes the end of the finished zip at path valid for its entries count of
 * entries (at least ZIP64_MIN_ENTRIES).
 *
 * Why by hand: the classic end record counts entries in 16 bits, and
 * minizip 1.1 as Debian ships it (1.1-8) writes the zip64 end record that
 * holds larger counts only when the central directory starts beyond 4 GiB;
 * below that it stores the count modulo 65536, and readers then see a
 * corrupt archive. No Debian library writes zip64 from entries we deflate
 * ourselves (raw writes), so minizip still writes every entry and the
 * central directory, and this replaces only its 22-byte end record with
 * APPNOTE 4.3.14's zip64 end record, 4.3.15's locator, and 4.3.16's end
 * record whose counts say 0xFFFF: "look in the zip64 record". Smaller zips
 * never come here and keep minizip's bytes. */
static int zip64_end_write(const char *path, uint64_t entries)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    unsigned char end[EOCD_LEN];
    int rc = -1;
    errno = EINVAL; /* unless a call below says otherwise */
    if (fstat(fd, &st) < 0 || st.st_size < EOCD_LEN)
        goto done;
    off_t end_at = st.st_size - EOCD_LEN;
    if (pread(fd, end, EOCD_LEN, end_at) != EOCD_LEN || get_le(end, 4) != EOCD_SIG)
        goto done;
    uint64_t cd_size = get_le(end + 12, 4), cd_offset = get_le(end + 16, 4);
    if (cd_offset == 0xFFFFFFFFu) { /* over 4 GiB: minizip wrote zip64 itself */
        rc = 0;
        goto done;
    }
    uint64_t count = get_le(end + 10, 2);
    if (cd_offset + cd_size != (uint64_t)end_at || get_le(end + 20, 2) != 0 ||
        (count != (entries & 0xFFFFu) && count != 0xFFFFu))
        goto done; /* not the end minizip 1.1 writes: leave it alone */
    unsigned char tail[ZIP64_EOCD_LEN + ZIP64_LOCATOR_LEN + EOCD_LEN];
    unsigned char *rec = tail, *loc = tail + ZIP64_EOCD_LEN, *eocd = loc + ZIP64_LOCATOR_LEN;
    put_le(rec, ZIP64_EOCD_SIG, 4);
    put_le(rec + 4, ZIP64_EOCD_LEN - 12, 8); /* the size of the rest of it */
    put_le(rec + 12, ZIP64_MADE_BY, 2);
    put_le(rec + 14, 45, 2);                 /* version needed to extract */
    put_le(rec + 16, 0, 4);                  /* this disk */
    put_le(rec + 20, 0, 4);                  /* the central directory's disk */
    put_le(rec + 24, entries, 8);            /* entries on this disk */
    put_le(rec + 32, entries, 8);            /* entries in all */
    put_le(rec + 40, cd_size, 8);
    put_le(rec + 48, cd_offset, 8);
    put_le(loc, ZIP64_LOCATOR_SIG, 4);
    put_le(loc + 4, 0, 4);                   /* the zip64 record's disk */
    put_le(loc + 8, (uint64_t)end_at, 8);    /* where the zip64 record starts */
    put_le(loc + 16, 1, 4);                  /* disks in all */
    memcpy(eocd, end, EOCD_LEN);
    put_le(eocd + 8, 0xFFFF, 2);
    put_le(eocd + 10, 0xFFFF, 2);
    if (pwrite(fd, tail, sizeof tail, end_at) == (ssize_t)sizeof tail)
        rc = 0;
    else if (errno == 0)
        errno = ENOSPC;
done:
    if (close(fd) < 0)
        rc = -1;
    return rc;
}

static int write_zip(const char *tmp_path, const char *zip_path, int64_t mtime, entry_t *entries,
                     size_t n, const buf_t *sums_text, const bcache_t *cache,
                     bcache_writer_t *next_cache, size_t jobs, diags_t *d)
{
    errno = 0;
    zlib_filefunc64_def io;
    zipsink_io(&io);
    zipFile zf = zipOpen2_64(tmp_path, APPEND_STATUS_CREATE, NULL, &io);
    if (!zf)
        return report_errno(d, zip_path, "cannot create");
    zip_writer_t w = {zf, zip_path, dos_time(mtime), d};
    int rc = write_entries(&w, entries, n, sums_text, cache, next_cache, jobs);
    errno = 0;
    if (zipClose(zf, NULL) != ZIP_OK && rc == 0)
        rc = report_errno(d, zip_path, "cannot write");
    if (rc == 0 && n + 1 >= ZIP64_MIN_ENTRIES && zip64_end_write(tmp_path, n + 1) < 0)
        rc = report_errno(d, zip_path, "cannot write the zip64 end record");
    return rc;
}

/* The zip's fsync, on a thread while SHA256SUMS and the bundle cache are
 * written (it is a tenth of a rebuild's bundle time). */
typedef struct {
    const char *path;
    int rc, err;
} zip_sync;

static void *sync_main(void *arg)
{
    zip_sync *s = arg;
    s->rc = sync_file(s->path);
    s->err = errno;
    return NULL;
}

/* --- the bundle ----------------------------------------------------------- */

static int compare_files(const void *a, const void *b)
{
    return strcmp(((const bundle_file *)a)->name, ((const bundle_file *)b)->name);
}

/* Checks names and sets up the entries in name order (caller frees). */
static entry_t *make_entries(const bundle_file *files, size_t n, diags_t *d)
{
    bundle_file *sorted = xmalloc((n ? n : 1) * sizeof *sorted);
    memcpy(sorted, files, n * sizeof *files);
    qsort(sorted, n, sizeof *sorted, compare_files);
    entry_t *entries = xcalloc(n ? n : 1, sizeof *entries);
    for (size_t i = 0; i < n; i++) {
        entry_t *e = &entries[i];
        *e = (entry_t){.name = sorted[i].name, .path = sorted[i].path};
        e->sum.size = UINT64_MAX; /* not known yet */
        if (sorted[i].sha256 && strlen(sorted[i].sha256) == 64) {
            memcpy(e->sum.hex, sorted[i].sha256, 65);
            e->hex_given = true;
        }
        const char *problem = name_problem(e->name);
        if (problem)
            diag_error(d, e->path, 0, 0, "%s", problem);
        else if (i > 0 && !strcmp(e->name, entries[i - 1].name))
            diag_error(d, e->path, 0, 0, "two files named %s in the bundle", e->name);
    }
    free(sorted);
    return entries;
}

bcache_t *bundle_cache_open(const char *cache_dir)
{
    return bcache_open(cache_dir, DEFLATE_LEVEL);
}

int bundle_write_files(const bundle_file *files, size_t nfiles, const char *zip_path,
                       const char *sums_path, int64_t mtime, const bundle_options *opts,
                       diags_t *d)
{
    size_t before = d->errors;
    entry_t *entries = make_entries(files, nfiles, d);
    bcache_t *cache = opts && opts->cache ? opts->cache
                    : opts && opts->cache_dir ? bundle_cache_open(opts->cache_dir)
                                              : NULL;
    buf_t text = BUF_INIT;
    char *zip_tmp = fs_temp_path(zip_path);
    char *sums_tmp = sums_path ? fs_temp_path(sums_path) : NULL;
    int rc = d->errors > before ? -1 : 0;
    size_t jobs = opts && opts->jobs ? opts->jobs : 1;
    size_t unhashed = 0;
    for (size_t i = 0; i < nfiles; i++)
        unhashed += !entries[i].hex_given;
    if (rc == 0 && unhashed) {
        progress_stage("hash", nfiles);
        rc = run_tasks(entries, nfiles, cache, jobs, hash_task, d);
    }
    progress_stage("bundle", nfiles);
    size_t sums_len = 0; /* in one piece: each doubling was a copy into fresh memory */
    for (size_t i = 0; rc == 0 && i < nfiles; i++)
        sums_len += 64 + 2 + strlen(entries[i].name) + 1;
    buf_reserve(&text, sums_len);
    for (size_t i = 0; rc == 0 && i < nfiles; i++) {
        buf_puts(&text, entries[i].sum.hex);
        buf_puts(&text, "  ");
        buf_puts(&text, entries[i].name);
        buf_putc(&text, '\n');
    }
    bcache_writer_t *next_cache = rc == 0 && opts && opts->cache_dir
                                      ? bcache_create(opts->cache_dir, DEFLATE_LEVEL, cache)
                                      : NULL;
    if (rc == 0)
        rc = write_zip(zip_tmp, zip_path, mtime, entries, nfiles, &text, cache, next_cache, jobs,
                       d);
    zip_sync sync = {.path = zip_tmp};
    pool_background syncing = {0};
    if (rc == 0)
        pool_background_start(&syncing, sync_main, &sync);
    if (rc == 0 && sums_tmp && fs_write_file(sums_tmp, text.data ? text.data : "", text.len) < 0)
        rc = report_errno(d, sums_path, "cannot write");
    if (rc == 0 && opts && opts->may_publish && !opts->may_publish(opts->publish_ctx))
        rc = -1;
    bcache_close(cache);
    /* its entries are whole and named by their content: kept even if the
     * zip cannot be renamed below */
    if (rc == 0)
        bcache_commit(next_cache);
    else
        bcache_abort(next_cache);
    /* so a crash right after the rename cannot leave an empty zip behind */
    pool_background_join(&syncing);
    if (rc == 0 && sync.rc < 0) {
        errno = sync.err;
        rc = report_errno(d, zip_path, "cannot write");
    }
    if (rc == 0 && opts && opts->before_replacing && !opts->before_replacing(opts->publish_ctx))
        rc = -1;
    /* the zip first: if it cannot be replaced, the old SHA256SUMS still
     * describes the old zip */
    if (rc == 0 && discard_rename(opts ? opts->discard : NULL, zip_tmp, zip_path) < 0)
        rc = report_errno(d, zip_path, "cannot write");
    if (rc == 0 && sums_tmp && rename(sums_tmp, sums_path) < 0)
        rc = report_errno(d, sums_path, "cannot write");
    if (rc < 0) {
        unlink(zip_tmp);
        if (sums_tmp)
            unlink(sums_tmp);
    }
    for (size_t i = 0; i < nfiles; i++)
        free(entries[i].packed);
    free(entries);
    free(zip_tmp);
    free(sums_tmp);
    buf_free(&text);
    return rc;
}

int bundle_write(const char *site_dir, const char *zip_path, const char *sums_path,
                 int64_t mtime, diags_t *d)
{
    fs_list_t list;
    if (fs_list_files(site_dir, &list) < 0)
        return report_errno(d, site_dir, "cannot list the site folder");
    bundle_file *files = xcalloc(list.len ? list.len : 1, sizeof *files);
    for (size_t i = 0; i < list.len; i++)
        files[i] = (bundle_file){list.paths[i], path_join(site_dir, list.paths[i]), NULL};
    bundle_options opts = {.jobs = pool_default_jobs()};
    int rc = bundle_write_files(files, list.len, zip_path, sums_path, mtime, &opts, d);
    for (size_t i = 0; i < list.len; i++)
        free((char *)files[i].path);
    free(files);
    fs_list_free(&list);
    return rc;
}
