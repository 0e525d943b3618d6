/* verify: the checks a partner runs on a bundle before serving it.
 *
 * minizip reads the zip from memory through our own I/O functions, so the
 * bytes whose signature was checked are the bytes that are unpacked. */
#include "verify.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <unzip.h>

#include "buf.h"
#include "bundle.h"
#include "fs.h"
#include "output.h"
#include "path.h"
#include "xalloc.h"

#define SUMS_NAME "SHA256SUMS"
#define NAME_MAX_BYTES 1024
#define SUMS_MAX ((uint64_t)16 << 20)
#define SIG_MAX 8192
#define READ_CHUNK 65536u
#define UNIX_HOST 3

const verify_limits VERIFY_DEFAULT_LIMITS = {
    .max_total = (uint64_t)16 << 30,
    .max_entry = (uint64_t)512 << 20,
    .ratio_floor = (uint64_t)1 << 20,
    .max_ratio = 100,
    .max_entries = 1000000,
};

/* --- the zip in memory, as minizip's I/O ----------------------------------- */

typedef struct {
    const unsigned char *data;
    uint64_t size, pos;
} mem_file;

static voidpf ZCALLBACK mem_open(voidpf opaque, const void *name, int mode)
{
    (void)name;
    mem_file *m = opaque;
    if (mode & ZLIB_FILEFUNC_MODE_WRITE)
        return NULL;
    m->pos = 0;
    return m;
}

static uLong ZCALLBACK mem_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    (void)opaque;
    mem_file *m = stream;
    uint64_t left = m->size - m->pos;
    uLong n = size < left ? size : (uLong)left;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return n;
}

static uLong ZCALLBACK mem_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    (void)opaque, (void)stream, (void)buf, (void)size;
    return 0;
}

static ZPOS64_T ZCALLBACK mem_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((mem_file *)stream)->pos;
}

static long ZCALLBACK mem_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin)
{
    (void)opaque;
    mem_file *m = stream;
    uint64_t base = origin == ZLIB_FILEFUNC_SEEK_SET ? 0
                  : origin == ZLIB_FILEFUNC_SEEK_CUR ? m->pos : m->size;
    if (offset > m->size - base)
        return -1;
    m->pos = base + offset;
    return 0;
}

static int ZCALLBACK mem_close(voidpf opaque, voidpf stream)
{
    (void)opaque, (void)stream;
    return 0;
}

static int ZCALLBACK mem_error(voidpf opaque, voidpf stream)
{
    (void)opaque, (void)stream;
    return 0;
}

static unzFile open_in_memory(mem_file *m)
{
    zlib_filefunc64_def io = {mem_open, mem_read, mem_write, mem_tell, mem_seek,
                              mem_close, mem_error, m};
    return unzOpen2_64("bundle", &io);
}

/* --- names -------------------------------------------------------------------- */

const char *verify_name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return "has an empty name";
    if (len > NAME_MAX_BYTES)
        return "has a name over 1024 bytes";
    if (name[0] == '/')
        return "has an absolute path";
    if (isalpha((unsigned char)name[0]) && name[1] == ':')
        return "has a drive letter (an absolute Windows path)";
    if (strchr(name, '\\'))
        return "has a backslash in its name (a path separator on Windows)";
    for (const unsigned char *s = (const unsigned char *)name; *s; s++)
        if (*s < 0x20 || *s == 0x7F)
            return "has a control character in its name";
    const char *seg = name;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        if (n == 2 && seg[0] == '.' && seg[1] == '.')
            return "climbs out of the folder ('..')";
        if ((n == 1 && seg[0] == '.') || (n == 0 && slash))
            return "has an empty or '.' path segment";
        if (!slash)
            break;
        seg = slash + 1;
    }
    return NULL;
}

/* --- the entry list ------------------------------------------------------------ */

typedef struct {
    char *name;
    uint64_t size, packed;
    bool dir;
    unz64_file_pos pos;
    char hex[65];
    bool hashed;
} entry_t;

typedef struct {
    const verify_request *req;
    diags_t *d;
    unzFile zf;
    entry_t *entries;
    size_t len, cap;
    size_t errors;
} checker_t;

static void entry_error(checker_t *c, const char *name, const char *fmt, const char *detail)
{
    buf_t msg = BUF_INIT;
    buf_printf(&msg, "entry '%s' ", name);
    buf_printf(&msg, fmt, detail);
    diag_error(c->d, c->req->zip_path, 0, 0, "%s", buf_cstr(&msg));
    buf_free(&msg);
    c->errors++;
}

/* Zip "external attributes" of a Unix host hold st_mode in the high half. */
static const char *kind_problem(const unz_file_info64 *info, bool *dir)
{
    unsigned mode = (unsigned)(info->external_fa >> 16) & 0170000u;
    if (info->flag & 1u)
        return "is encrypted";
    if (info->compression_method != 0 && info->compression_method != Z_DEFLATED)
        return "uses a compression method other than stored or deflate";
    if ((info->version >> 8) == UNIX_HOST && mode == 0120000u)
        return "is a symbolic link";
    if ((info->version >> 8) == UNIX_HOST && mode && mode != 0100000u && mode != 0040000u)
        return "is a special file (not a regular file or folder)";
    *dir = (info->version >> 8) == UNIX_HOST && mode == 0040000u;
    return NULL;
}

static void size_checks(checker_t *c, const entry_t *e, uint64_t *total)
{
    const verify_limits *lim = &c->req->limits;
    char detail[96];
    if (e->size > lim->max_entry) {
        snprintf(detail, sizeof detail, "%llu bytes, over the %llu-byte limit",
                 (unsigned long long)e->size, (unsigned long long)lim->max_entry);
        entry_error(c, e->name, "is too large (%s): a zip bomb?", detail);
    } else if (e->size >= lim->ratio_floor &&
               e->size / (e->packed ? e->packed : 1) > lim->max_ratio) {
        snprintf(detail, sizeof detail, "%llu:1, over %u:1",
                 (unsigned long long)(e->size / (e->packed ? e->packed : 1)), lim->max_ratio);
        entry_error(c, e->name, "expands too much (%s): a zip bomb?", detail);
    }
    *total += e->size;
}

static int compare_entry_names(const void *a, const void *b)
{
    return strcmp(((const entry_t *)a)->name, ((const entry_t *)b)->name);
}

/* Duplicates, and a file that is also a folder of other entries. */
static void name_clashes(checker_t *c)
{
    qsort(c->entries, c->len, sizeof *c->entries, compare_entry_names);
    for (size_t i = 1; i < c->len; i++) {
        const entry_t *a = &c->entries[i - 1], *b = &c->entries[i];
        size_t n = strlen(a->name);
        if (!strcmp(a->name, b->name))
            entry_error(c, b->name, "%sis in the zip twice", "");
        else if (!a->dir && !strncmp(a->name, b->name, n) && b->name[n] == '/')
            entry_error(c, a->name, "%sis a file and also a folder of other entries", "");
    }
}

/* Reads the central directory: names, kinds and sizes, before any data. */
static int list_entries(checker_t *c)
{
    unz_global_info64 gi;
    if (unzGetGlobalInfo64(c->zf, &gi) != UNZ_OK) {
        diag_error(c->d, c->req->zip_path, 0, 0, "cannot read the zip's directory");
        c->errors++;
        return -1;
    }
    if (gi.number_entry > c->req->limits.max_entries) {
        diag_error(c->d, c->req->zip_path, 0, 0, "%llu entries: more than the %zu allowed",
                   (unsigned long long)gi.number_entry, c->req->limits.max_entries);
        c->errors++;
        return -1;
    }
    uint64_t total = 0;
    int rc = unzGoToFirstFile(c->zf);
    while (rc == UNZ_OK) {
        unz_file_info64 info;
        char name[NAME_MAX_BYTES + 2];
        if (unzGetCurrentFileInfo64(c->zf, &info, name, sizeof name, NULL, 0, NULL, 0) != UNZ_OK)
            break;
        if (info.size_filename >= sizeof name)
            snprintf(name + NAME_MAX_BYTES - 3, 4, "...");
        entry_t e = {.name = xstrdup(name), .size = info.uncompressed_size,
                     .packed = info.compressed_size};
        unzGetFilePos64(c->zf, &e.pos);
        bool dir = false;
        const char *problem = info.size_filename > NAME_MAX_BYTES ? "has a name over 1024 bytes"
                            : verify_name_problem(name);
        if (!problem)
            problem = kind_problem(&info, &dir);
        e.dir = dir || (*name && name[strlen(name) - 1] == '/');
        if (problem)
            entry_error(c, name, "%s", problem);
        size_checks(c, &e, &total);
        xgrow((void **)&c->entries, &c->cap, c->len + 1, sizeof *c->entries);
        c->entries[c->len++] = e;
        rc = unzGoToNextFile(c->zf);
    }
    if (rc != UNZ_END_OF_LIST_OF_FILE) {
        diag_error(c->d, c->req->zip_path, 0, 0, "the zip's directory is damaged");
        c->errors++; /* nothing after this may read the partial list */
        return -1;
    }
    if (total > c->req->limits.max_total) {
        diag_error(c->d, c->req->zip_path, 0, 0,
                   "unpacks to %llu bytes, over the %llu-byte limit: a zip bomb?",
                   (unsigned long long)total, (unsigned long long)c->req->limits.max_total);
        c->errors++;
    }
    name_clashes(c);
    return c->errors ? -1 : 0;
}

/* --- reading entries ------------------------------------------------------------ */

/* Reads one entry whole (at most its declared size, itself within the
 * limits), checking the CRC-32 at the end. Returns 0 or -1 after reporting. */
static int read_entry(checker_t *c, entry_t *e, buf_t *data)
{
    buf_reset(data);
    if (unzGoToFilePos64(c->zf, &e->pos) != UNZ_OK || unzOpenCurrentFile(c->zf) != UNZ_OK) {
        entry_error(c, e->name, "%scannot be opened", "");
        return -1;
    }
    char chunk[READ_CHUNK];
    int got;
    bool too_long = false;
    while ((got = unzReadCurrentFile(c->zf, chunk, sizeof chunk)) > 0) {
        if (data->len + (size_t)got > e->size) {
            too_long = true;
            break;
        }
        buf_putn(data, chunk, (size_t)got);
    }
    int closed = unzCloseCurrentFile(c->zf);
    if (too_long)
        entry_error(c, e->name, "%sholds more bytes than its header says: a zip bomb?", "");
    else if (got < 0)
        entry_error(c, e->name, "%scannot be decompressed (damaged data)", "");
    else if (closed == UNZ_CRCERROR || data->len != e->size)
        entry_error(c, e->name, "%sdoes not match its CRC-32 or size (damaged data)", "");
    else
        return 0;
    return -1;
}

static const char *sums_line_problem(const char *line, size_t n)
{
    if (n < 67 || line[64] != ' ' || line[65] != ' ')
        return "is not '<sha256>  <name>'";
    for (size_t i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)line[i]) || isupper((unsigned char)line[i]))
            return "has a checksum that is not 64 lowercase hex digits";
    return NULL;
}

typedef struct {
    char *name;
    char hex[65];
    bool seen;
} sum_t;

static int compare_sums(const void *a, const void *b)
{
    return strcmp(((const sum_t *)a)->name, ((const sum_t *)b)->name);
}

/* Parses SHA256SUMS into a sorted list; reports bad lines. */
static sum_t *parse_sums(checker_t *c, const char *text, size_t len, size_t *n)
{
    sum_t *sums = NULL;
    size_t cap = 0, count = 0;
    int line_no = 0;
    for (size_t i = 0; i < len;) {
        const char *s = text + i, *nl = memchr(s, '\n', len - i);
        size_t linelen = nl ? (size_t)(nl - s) : len - i;
        i += linelen + 1;
        line_no++;
        const char *problem = sums_line_problem(s, linelen);
        if (problem) {
            diag_error(c->d, c->req->zip_path, 0, 0, SUMS_NAME " line %d %s", line_no, problem);
            c->errors++;
            continue;
        }
        xgrow((void **)&sums, &cap, count + 1, sizeof *sums);
        sums[count].name = xstrndup(s + 66, linelen - 66);
        memcpy(sums[count].hex, s, 64);
        sums[count].hex[64] = '\0';
        sums[count].seen = false;
        count++;
    }
    if (count) /* no line at all leaves sums NULL */
        qsort(sums, count, sizeof *sums, compare_sums);
    for (size_t k = 1; k < count; k++)
        if (!strcmp(sums[k - 1].name, sums[k].name)) {
            diag_error(c->d, c->req->zip_path, 0, 0, SUMS_NAME " lists '%s' twice", sums[k].name);
            c->errors++;
        }
    *n = count;
    return sums;
}

static entry_t *find_entry(checker_t *c, const char *name)
{
    entry_t probe = {.name = (char *)name};
    if (!c->len)
        return NULL;
    return bsearch(&probe, c->entries, c->len, sizeof *c->entries, compare_entry_names);
}

/* Writes one checked entry below the staging folder. */
static void unpack_entry(checker_t *c, const char *staging, const entry_t *e, const buf_t *data)
{
    char *to = path_join(staging, e->name);
    int rc = e->dir ? fs_mkdir_p(to) : fs_write_file(to, data->data ? data->data : "", data->len);
    if (rc < 0) {
        diag_error(c->d, to, 0, 0, "cannot write: %s", strerror(errno));
        c->errors++;
    }
    free(to);
}

/* Hashes every entry (and unpacks it into staging, when given). */
static void hash_entries(checker_t *c, const char *staging, verify_report *rep)
{
    buf_t data = BUF_INIT;
    for (size_t i = 0; i < c->len; i++) {
        entry_t *e = &c->entries[i];
        if (!e->dir && read_entry(c, e, &data) < 0)
            continue;
        if (!e->dir) {
            bundle_sha256_hex(data.data ? data.data : "", data.len, e->hex);
            e->hashed = true;
            if (strcmp(e->name, SUMS_NAME)) {
                rep->files++;
                rep->bytes += data.len;
            }
        }
        if (staging && !c->errors)
            unpack_entry(c, staging, e, &data);
    }
    buf_free(&data);
}

/* Every file entry listed and matching; everything listed present. */
static void compare_with_sums(checker_t *c)
{
    entry_t *sums_entry = find_entry(c, SUMS_NAME);
    if (!sums_entry || sums_entry->dir || sums_entry->size > SUMS_MAX) {
        diag_error(c->d, c->req->zip_path, 0, 0, "no " SUMS_NAME " inside: not a waymark bundle");
        c->errors++;
        return;
    }
    buf_t text = BUF_INIT;
    if (read_entry(c, sums_entry, &text) < 0) {
        buf_free(&text);
        return;
    }
    size_t n;
    sum_t *sums = parse_sums(c, text.data ? text.data : "", text.len, &n);
    for (size_t i = 0; i < c->len; i++) {
        entry_t *e = &c->entries[i];
        if (e->dir || !strcmp(e->name, SUMS_NAME) || !e->hashed)
            continue;
        sum_t probe = {.name = e->name};
        sum_t *s = n ? bsearch(&probe, sums, n, sizeof *sums, compare_sums) : NULL;
        if (!s) {
            entry_error(c, e->name, "%sis not listed in " SUMS_NAME " (an added file)", "");
            continue;
        }
        s->seen = true;
        if (strcmp(s->hex, e->hex))
            entry_error(c, e->name, "%sdoes not match its SHA-256 in " SUMS_NAME " (changed)", "");
    }
    for (size_t k = 0; k < n; k++) {
        entry_t *e = find_entry(c, sums[k].name);
        if (!sums[k].seen && (!e || e->dir)) {
            diag_error(c->d, c->req->zip_path, 0, 0,
                       "'%s' is listed in " SUMS_NAME " but missing from the zip", sums[k].name);
            c->errors++;
        }
        free(sums[k].name);
    }
    free(sums);
    buf_free(&text);
}

/* --- the signature --------------------------------------------------------------- */

/* A "sha256:<hex>" field in the trusted comment must name this zip. */
static int check_comment_hash(const verify_request *req, const char *comment, const char *data,
                              size_t len, diags_t *d)
{
    const char *field = strstr(comment, "sha256:");
    if (!field)
        return 0;
    char hex[65];
    bundle_sha256_hex(data, len, hex);
    if (strncmp(field + 7, hex, 64) != 0) {
        diag_error(d, req->sig_path, 0, 0,
                   "the trusted comment names another zip (its sha256 differs from this file's)");
        return -1;
    }
    return 0;
}

static int check_signature(const verify_request *req, const char *data, size_t len,
                           verify_report *rep, diags_t *d)
{
    char *text = NULL;
    size_t text_len;
    if (fs_read_file(req->sig_path, &text, &text_len) < 0) {
        diag_error(d, req->sig_path, 0, 0, "cannot read the signature: %s", strerror(errno));
        return -1;
    }
    minisign_signature sig;
    const char *why = NULL;
    int rc = text_len > SIG_MAX ? (why = "not a minisign signature (too long)", -1)
                                : minisign_read_signature(text, text_len, &sig, &why);
    free(text);
    if (rc == 0) {
        rc = minisign_verify(req->key, &sig, data, len, &why);
        if (rc == 0)
            rc = check_comment_hash(req, sig.trusted_comment, data, len, d);
        if (rc == 0) {
            rep->trusted_comment = xstrdup(sig.trusted_comment);
            minisign_key_id_hex(sig.key_id, rep->key_id);
        }
        minisign_signature_free(&sig);
    }
    if (rc < 0 && why)
        diag_error(d, req->sig_path, 0, 0, "%s", why);
    return rc;
}

/* --- the whole check --------------------------------------------------------------- */

static int check_zip(const verify_request *req, mem_file *m, verify_report *rep, diags_t *d)
{
    checker_t c = {.req = req, .d = d};
    c.zf = open_in_memory(m);
    if (!c.zf) {
        diag_error(d, req->zip_path, 0, 0, "not a zip file (or a damaged one)");
        return -1;
    }
    char *staging = NULL;
    if (list_entries(&c) == 0 && req->extract_dir) {
        staging = output_begin(req->extract_dir, d);
        if (!staging)
            c.errors++;
    }
    if (!c.errors) {
        hash_entries(&c, staging, rep);
        compare_with_sums(&c);
    }
    if (staging && (c.errors || output_commit(staging, req->extract_dir, d) < 0)) {
        output_abort(staging);
        c.errors++;
    }
    free(staging);
    unzClose(c.zf);
    for (size_t i = 0; i < c.len; i++)
        free(c.entries[i].name);
    free(c.entries);
    return c.errors || d->errors ? -1 : 0;
}

int verify_bundle(const verify_request *req, verify_report *rep, diags_t *d)
{
    *rep = (verify_report){0};
    char *data = NULL;
    size_t len = 0;
    struct stat st;
    if (stat(req->zip_path, &st) == 0 && (uint64_t)st.st_size > req->limits.max_total) {
        diag_error(d, req->zip_path, 0, 0, "is larger than the %llu-byte limit",
                   (unsigned long long)req->limits.max_total);
        return -1;
    }
    if (fs_read_file(req->zip_path, &data, &len) < 0) {
        diag_error(d, req->zip_path, 0, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    if (req->sig_path)
        rc = check_signature(req, data, len, rep, d);
    if (rc == 0) {
        mem_file m = {(const unsigned char *)data, len, 0};
        rc = check_zip(req, &m, rep, d);
    }
    free(data);
    return rc;
}

void verify_report_free(verify_report *rep)
{
    free(rep->trusted_comment);
    *rep = (verify_report){0};
}
