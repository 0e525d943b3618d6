/* bundle: the reproducible, verifiable zip of a built site.
 *
 * Two passes over the site folder. The first hashes every file (SHA-256 for
 * SHA256SUMS, CRC-32 and size to notice a file changing under us); the
 * second writes the zip, one file in memory at a time. Entries are written
 * in raw mode: we deflate ourselves, so we can store a file whose deflated
 * form is not smaller, and every header field is ours, not minizip's guess
 * (minizip marks text files in internal_fa when it deflates). */
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

#include <sodium.h>
#include <zip.h>
#include <zlib.h>

#include "buf.h"
#include "fs.h"
#include "path.h"
#include "xalloc.h"

#define SUMS_NAME "SHA256SUMS"
#define DEFLATE_LEVEL 6
/* Files up to this size are deflated in memory, so they can be stored
 * instead when deflate does not help; larger ones are streamed, deflated. */
#define WHOLE_FILE_MAX ((size_t)16 << 20)
#define CHUNK ((size_t)64 << 10)
/* minizip 1.1 writes a zip64 end record only for archives over 4 GiB, so
 * 65535 or more entries would give a corrupt entry count. */
#define MAX_ENTRIES 0xFFFEu
#define VERSION_MADE_BY ((3u << 8) | 20u) /* Unix, zip 2.0 */
#define UTF8_NAME_FLAG (1u << 11)
#define FILE_ATTRIBUTES (0100644ul << 16)
#define DOS_EPOCH INT64_C(315532800)  /* 1980-01-01 00:00:00 UTC */
#define DOS_LAST INT64_C(4354819198)  /* 2107-12-31 23:59:58 UTC */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void)
{
    /* Only chooses the fastest implementation; hashing works either way. */
    if (sodium_init() < 0)
        return;
}

void bundle_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    pthread_once(&sodium_once, sodium_start);
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
}

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
    crypto_hash_sha256_state st;
    pthread_once(&sodium_once, sodium_start);
    crypto_hash_sha256_init(&st);
    unsigned char *chunk = xmalloc(CHUNK);
    sum->size = 0;
    sum->crc = crc32(0L, Z_NULL, 0);
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
        crypto_hash_sha256_update(&st, chunk, (unsigned long long)got);
        sum->crc = crc32(sum->crc, chunk, (uInt)got);
        sum->size += (uint64_t)got;
    }
    close(fd);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(sum->hex, sizeof sum->hex, digest, sizeof digest);
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

/* The first pass: checks every name and builds the SHA256SUMS text. */
static int build_sums(const char *site_dir, const fs_list_t *files, file_sum_t *sums,
                      buf_t *text, diags_t *d)
{
    int rc = 0;
    for (size_t i = 0; i < files->len; i++) {
        const char *name = files->paths[i];
        char *path = path_join(site_dir, name);
        const char *problem = name_problem(name);
        if (problem) {
            diag_error(d, path, 0, 0, "%s", problem);
            rc = -1;
        } else if (sum_file(path, &sums[i], d) < 0) {
            rc = -1;
        } else {
            buf_printf(text, "%s  %s\n", sums[i].hex, name);
        }
        free(path);
    }
    return rc;
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

/* Writes an entry whose bytes (with CRC-32 crc) are in memory: deflated
 * when that is smaller, stored otherwise. */
static int entry_from_memory(zip_writer_t *w, const char *name, const void *data, size_t len,
                             unsigned long crc)
{
    z_stream zs;
    deflate_start(&zs);
    uLong bound = deflateBound(&zs, (uLong)len);
    unsigned char *packed = xmalloc(bound);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = packed;
    zs.avail_out = (uInt)bound;
    int zrc = deflate(&zs, Z_FINISH);
    size_t packed_len = zs.total_out;
    deflateEnd(&zs);
    bool store = zrc != Z_STREAM_END || packed_len >= len;
    int rc = entry_open(w, name, store ? 0 : Z_DEFLATED, false);
    if (rc == 0)
        rc = entry_write(w, name, store ? data : packed, store ? len : packed_len);
    if (rc == 0)
        rc = entry_close(w, name, len, crc);
    free(packed);
    return rc;
}

/* Reads a file whole and writes its entry; checks it is what pass one saw. */
static int entry_from_small_file(zip_writer_t *w, const char *name, const char *path,
                                 const file_sum_t *sum)
{
    char *data;
    size_t len;
    if (fs_read_file(path, &data, &len) < 0)
        return report_errno(w->d, path, "cannot read");
    int rc = 0;
    unsigned long crc = crc32(crc32(0L, Z_NULL, 0), (Bytef *)data, (uInt)len);
    if (len != sum->size || crc != sum->crc) {
        diag_error(w->d, path, 0, 0, "file changed while the bundle was written");
        rc = -1;
    } else {
        rc = entry_from_memory(w, name, data, len, crc);
    }
    free(data);
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

/* The second pass: every file, and SHA256SUMS at its sorted place. */
static int write_entries(zip_writer_t *w, const char *site_dir, const fs_list_t *files,
                         const file_sum_t *sums, const buf_t *sums_text)
{
    bool sums_written = false;
    for (size_t i = 0; i <= files->len; i++) {
        const char *name = i < files->len ? files->paths[i] : NULL;
        if (!sums_written && (!name || strcmp(name, SUMS_NAME) > 0)) {
            sums_written = true;
            const char *text = sums_text->data ? sums_text->data : "";
            unsigned long crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text,
                                      (uInt)sums_text->len);
            if (entry_from_memory(w, SUMS_NAME, text, sums_text->len, crc) < 0)
                return -1;
        }
        if (!name)
            break;
        char *path = path_join(site_dir, name);
        int rc = sums[i].size <= WHOLE_FILE_MAX
                     ? entry_from_small_file(w, name, path, &sums[i])
                     : entry_from_large_file(w, name, path, &sums[i]);
        free(path);
        if (rc < 0)
            return -1;
    }
    return 0;
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

/* Writes the whole zip to tmp_path. */
static int write_zip(const char *tmp_path, const char *zip_path, int64_t mtime,
                     const char *site_dir, const fs_list_t *files, const file_sum_t *sums,
                     const buf_t *sums_text, diags_t *d)
{
    errno = 0;
    zipFile zf = zipOpen64(tmp_path, APPEND_STATUS_CREATE);
    if (!zf)
        return report_errno(d, zip_path, "cannot create");
    zip_writer_t w = {zf, zip_path, dos_time(mtime), d};
    int rc = write_entries(&w, site_dir, files, sums, sums_text);
    errno = 0;
    if (zipClose(zf, NULL) != ZIP_OK && rc == 0)
        rc = report_errno(d, zip_path, "cannot write");
    if (rc == 0 && sync_file(tmp_path) < 0)
        rc = report_errno(d, zip_path, "cannot write");
    return rc;
}

int bundle_write(const char *site_dir, const char *zip_path, const char *sums_path,
                 int64_t mtime, diags_t *d)
{
    fs_list_t files;
    if (fs_list_files(site_dir, &files) < 0)
        return report_errno(d, site_dir, "cannot list the site folder");
    if (files.len > MAX_ENTRIES - 1) {
        diag_error(d, site_dir, 0, 0, "%zu files: a bundle holds at most %u", files.len,
                   MAX_ENTRIES - 1);
        fs_list_free(&files);
        return -1;
    }
    file_sum_t *sums = xcalloc(files.len ? files.len : 1, sizeof *sums);
    buf_t text = BUF_INIT;
    char *zip_tmp = xasprintf("%s.tmp-%ld", zip_path, (long)getpid());
    char *sums_tmp = sums_path ? xasprintf("%s.tmp-%ld", sums_path, (long)getpid()) : NULL;
    int rc = build_sums(site_dir, &files, sums, &text, d);
    if (rc == 0)
        rc = write_zip(zip_tmp, zip_path, mtime, site_dir, &files, sums, &text, d);
    if (rc == 0 && sums_tmp && fs_write_file(sums_tmp, text.data ? text.data : "", text.len) < 0)
        rc = report_errno(d, sums_path, "cannot write");
    if (rc == 0 && sums_tmp && rename(sums_tmp, sums_path) < 0)
        rc = report_errno(d, sums_path, "cannot write");
    if (rc == 0 && rename(zip_tmp, zip_path) < 0)
        rc = report_errno(d, zip_path, "cannot write");
    if (rc < 0) {
        unlink(zip_tmp);
        if (sums_tmp)
            unlink(sums_tmp);
    }
    free(zip_tmp);
    free(sums_tmp);
    buf_free(&text);
    free(sums);
    fs_list_free(&files);
    return rc;
}
