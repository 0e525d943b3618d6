/* Tests for bundle: what a site operator or a partner checks on the zip.
 * Every test builds its own site folder under /tmp and removes it. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <unzip.h>

#include "buf.h"
#include "bundle.h"
#include "diag.h"
#include "fs.h"
#include "path.h"
#include "xalloc.h"

/* General purpose flag bits 1 and 2 of a deflated entry: the compressor's
 * speed, informational ("super fast" at the bundle's level 1). */
#define DEFLATE_SPEED_BITS 6u
#define T_2023 INT64_C(1700000000) /* 2023-11-14 22:13:20 UTC */

/* ---- helpers ---- */

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/waymark-bundle-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void put(const char *root, const char *rel, const char *text)
{
    char *p = path_join(root, rel);
    assert_int_equal(fs_write_file(p, text, strlen(text)), 0);
    free(p);
}

static void put_bytes(const char *root, const char *rel, const void *data, size_t len)
{
    char *p = path_join(root, rel);
    assert_int_equal(fs_write_file(p, data, len), 0);
    free(p);
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    assert_int_equal(fs_read_file(path, &data, len), 0);
    return data;
}

/* A small site with text (deflated), random bytes (stored) and an empty file. */
static void fill_site(const char *root)
{
    buf_t html = BUF_INIT;
    for (int i = 0; i < 200; i++)
        buf_printf(&html, "<p>Step %d: take a breath.</p>\n", i);
    put(root, "index.html", buf_cstr(&html));
    put(root, "en/about/index.html", "<h1>About</h1>\n");
    put(root, "style.css", "body{font-family:system-ui}\n");
    put(root, "Z/upper.txt", "upper\n");
    put(root, "empty.txt", "");
    unsigned char noise[4096];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof noise; i++) { /* xorshift: incompressible, repeatable */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise[i] = (unsigned char)x;
    }
    put_bytes(root, "img/noise.bin", noise, sizeof noise);
    buf_free(&html);
}

typedef struct {
    char *root, *site, *zip, *sums;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = xcalloc(1, sizeof *f);
    f->root = make_tmpdir();
    f->site = path_join(f->root, "site");
    f->zip = path_join(f->root, "site.zip");
    f->sums = path_join(f->root, "SHA256SUMS");
    assert_int_equal(fs_mkdir_p(f->site), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    fs_remove_tree(f->root);
    free(f->root), free(f->site), free(f->zip), free(f->sums);
    free(f);
    return 0;
}

static void bundle_ok(const char *site, const char *zip, const char *sums, int64_t mtime)
{
    diags_t d = DIAGS_INIT;
    int rc = bundle_write(site, zip, sums, mtime, &d);
    if (rc != 0 || d.len)
        diag_print(&d, stderr);
    assert_int_equal(rc, 0);
    assert_int_equal(d.len, 0);
    diag_free(&d);
}

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | le16(p + 2) << 16; }

/* One zip entry as its raw headers say. */
typedef struct {
    uint32_t made_by, flags, method, time, date, internal, external, local_offset;
    uint32_t extra_len, comment_len, local_extra_len;
    char name[256];
} raw_entry_t;

/* Walks the central directory of a zip in memory; checks the structure
 * along the way (signatures, no archive comment). Returns the entry count. */
static size_t raw_entries(const unsigned char *z, size_t len, raw_entry_t *out, size_t max)
{
    assert_true(len >= 22);
    const unsigned char *end = z + len - 22;
    assert_int_equal(le32(end), 0x06054b50u);
    assert_int_equal(le16(end + 20), 0); /* no archive comment */
    size_t count = le16(end + 10), off = le32(end + 16);
    assert_true(count <= max);
    for (size_t i = 0; i < count; i++) {
        const unsigned char *c = z + off;
        assert_int_equal(le32(c), 0x02014b50u);
        raw_entry_t *e = &out[i];
        *e = (raw_entry_t){le16(c + 4), le16(c + 8), le16(c + 10), le16(c + 12), le16(c + 14),
                           le16(c + 36), le32(c + 38), le32(c + 42), le16(c + 30),
                           le16(c + 32), 0, ""};
        size_t name_len = le16(c + 28);
        assert_true(name_len < sizeof e->name);
        memcpy(e->name, c + 46, name_len);
        const unsigned char *l = z + e->local_offset;
        assert_int_equal(le32(l), 0x04034b50u);
        assert_int_equal(le16(l + 6), e->flags);
        assert_int_equal(le16(l + 10), e->time);
        assert_int_equal(le16(l + 12), e->date);
        e->local_extra_len = le16(l + 28);
        off += 46 + name_len + e->extra_len + e->comment_len;
    }
    return count;
}

/* Zeroes the DOS time and date of every local and central header. */
static void zero_times(unsigned char *z, size_t len)
{
    raw_entry_t e[64];
    size_t n = raw_entries(z, len, e, 64);
    size_t off = le32(z + len - 22 + 16);
    for (size_t i = 0; i < n; i++) {
        memset(z + off + 12, 0, 4);
        memset(z + e[i].local_offset + 10, 0, 4);
        off += 46 + strlen(e[i].name) + e[i].extra_len + e[i].comment_len;
    }
}

/* ---- tests ---- */

static void sha256_hex_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    bundle_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    bundle_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void same_input_gives_identical_zip(void **state)
{
    fixture_t *f = *state;
    fill_site(f->site);
    char *zip2 = path_join(f->root, "again.zip");
    bundle_ok(f->site, f->zip, NULL, T_2023);
    bundle_ok(f->site, zip2, NULL, T_2023);
    size_t a_len, b_len;
    char *a = slurp(f->zip, &a_len), *b = slurp(zip2, &b_len);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(a), free(b), free(zip2);
}

static void other_mtime_changes_only_time_fields(void **state)
{
    fixture_t *f = *state;
    fill_site(f->site);
    char *zip2 = path_join(f->root, "later.zip");
    bundle_ok(f->site, f->zip, NULL, T_2023);
    bundle_ok(f->site, zip2, NULL, T_2023 + 86400 * 400 + 3661);
    size_t a_len, b_len;
    unsigned char *a = (unsigned char *)slurp(f->zip, &a_len);
    unsigned char *b = (unsigned char *)slurp(zip2, &b_len);
    assert_int_equal(a_len, b_len);
    assert_true(memcmp(a, b, a_len) != 0);
    zero_times(a, a_len);
    zero_times(b, b_len);
    assert_memory_equal(a, b, a_len);
    free(a), free(b), free(zip2);
}

static void entry_times_are_utc_dos_times(void **state)
{
    fixture_t *f = *state;
    put(f->site, "a.txt", "a\n");
    raw_entry_t e[4];
    size_t len;
    struct {
        int64_t mtime;
        unsigned date, time;
    } cases[] = {
        /* 2023-11-14 22:13:20 */
        {T_2023, (43u << 9) | (11u << 5) | 14u, (22u << 11) | (13u << 5) | 10u},
        /* odd second rounds down to the same 2-second step */
        {T_2023 + 1, (43u << 9) | (11u << 5) | 14u, (22u << 11) | (13u << 5) | 10u},
        /* before 1980: clamped to 1980-01-01 00:00:00 */
        {0, (0u << 9) | (1u << 5) | 1u, 0},
        {-5000000000, (0u << 9) | (1u << 5) | 1u, 0},
        /* after the last DOS year: clamped to 2107-12-31 23:59:58 */
        {INT64_C(9000000000), (127u << 9) | (12u << 5) | 31u, (23u << 11) | (59u << 5) | 29u},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bundle_ok(f->site, f->zip, NULL, cases[i].mtime);
        unsigned char *z = (unsigned char *)slurp(f->zip, &len);
        size_t n = raw_entries(z, len, e, 4);
        assert_int_equal(n, 2);
        for (size_t j = 0; j < n; j++) {
            assert_int_equal(e[j].date, cases[i].date);
            assert_int_equal(e[j].time, cases[i].time);
        }
        free(z);
    }
}

static void real_mtimes_and_creation_order_do_not_matter(void **state)
{
    fixture_t *f = *state;
    char *site2 = path_join(f->root, "site2"), *zip2 = path_join(f->root, "two.zip");
    fill_site(f->site);
    /* The same files, created in reverse order, with other real mtimes. */
    unsigned char noise[4096];
    size_t noise_len;
    char *path = path_join(f->site, "img/noise.bin");
    char *data = slurp(path, &noise_len);
    memcpy(noise, data, sizeof noise);
    free(data), free(path);
    put_bytes(site2, "img/noise.bin", noise, noise_len);
    put(site2, "empty.txt", "");
    put(site2, "Z/upper.txt", "upper\n");
    put(site2, "style.css", "body{font-family:system-ui}\n");
    put(site2, "en/about/index.html", "<h1>About</h1>\n");
    path = path_join(f->site, "index.html");
    data = slurp(path, NULL);
    put(site2, "index.html", data);
    free(data), free(path);
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    path = path_join(site2, "index.html");
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    free(path);
    path = path_join(site2, "style.css");
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    free(path);

    bundle_ok(f->site, f->zip, NULL, T_2023);
    bundle_ok(site2, zip2, NULL, T_2023);
    size_t a_len, b_len;
    char *a = slurp(f->zip, &a_len), *b = slurp(zip2, &b_len);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(a), free(b), free(zip2), free(site2);
}

/* Reads the current entry of an unzip handle whole (caller frees). */
static char *read_entry(unzFile uz, size_t *len)
{
    assert_int_equal(unzOpenCurrentFile(uz), UNZ_OK);
    buf_t out = BUF_INIT;
    char chunk[8192];
    int got;
    while ((got = unzReadCurrentFile(uz, chunk, sizeof chunk)) > 0)
        buf_putn(&out, chunk, (size_t)got);
    assert_int_equal(got, 0);
    assert_int_equal(unzCloseCurrentFile(uz), UNZ_OK); /* UNZ_CRCERROR on a bad CRC */
    *len = out.len;
    return out.data ? buf_detach(&out) : xstrdup("");
}

/* The SHA256SUMS text computed here, independently, from the files. */
static char *expected_sums(const char *site, const char *const *sorted, size_t n)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char *path = path_join(site, sorted[i]);
        size_t len;
        char *data = slurp(path, &len);
        char hex[65];
        bundle_sha256_hex(data, len, hex);
        buf_printf(&b, "%s  %s\n", hex, sorted[i]);
        free(data), free(path);
    }
    return buf_detach(&b);
}

static void entries_read_back_sorted_with_contents_and_mode(void **state)
{
    fixture_t *f = *state;
    fill_site(f->site);
    bundle_ok(f->site, f->zip, f->sums, T_2023);
    const char *names[] = {"SHA256SUMS", "Z/upper.txt", "empty.txt", "en/about/index.html",
                           "img/noise.bin", "index.html", "style.css"};
    const size_t n = sizeof names / sizeof *names;

    unzFile uz = unzOpen64(f->zip);
    assert_non_null(uz);
    unz_global_info64 gi;
    assert_int_equal(unzGetGlobalInfo64(uz, &gi), UNZ_OK);
    assert_int_equal(gi.number_entry, n);
    assert_int_equal(gi.size_comment, 0);
    char *sums_entry = NULL;
    assert_int_equal(unzGoToFirstFile(uz), UNZ_OK);
    for (size_t i = 0; i < n; i++) {
        unz_file_info64 info;
        char name[256];
        assert_int_equal(unzGetCurrentFileInfo64(uz, &info, name, sizeof name, NULL, 0, NULL, 0),
                         UNZ_OK);
        assert_string_equal(name, names[i]);
        assert_int_equal(info.external_fa >> 16, 0100644);
        assert_int_equal(info.internal_fa, 0);
        assert_int_equal(info.version >> 8, 3); /* made on Unix */
        assert_int_equal(info.size_file_extra, 0);
        assert_int_equal(info.size_file_comment, 0);
        assert_int_equal(info.flag & ~DEFLATE_SPEED_BITS, 0);
        size_t len;
        char *data = read_entry(uz, &len);
        if (i == 0) {
            sums_entry = data;
        } else {
            char *path = path_join(f->site, names[i]);
            size_t want_len;
            char *want = slurp(path, &want_len);
            assert_int_equal(len, want_len);
            assert_memory_equal(data, want, len);
            /* deflated where it helps, stored where it does not */
            int method = !strcmp(names[i], "index.html") ? Z_DEFLATED
                       : !strcmp(names[i], "img/noise.bin") || !strcmp(names[i], "empty.txt") ? 0
                       : -1;
            if (method >= 0)
                assert_int_equal(info.compression_method, method);
            free(want), free(path), free(data);
        }
        assert_int_equal(unzGoToNextFile(uz), i + 1 < n ? UNZ_OK : UNZ_END_OF_LIST_OF_FILE);
    }
    unzClose(uz);

    char *want = expected_sums(f->site, names + 1, n - 1);
    assert_string_equal(sums_entry, want);
    char *beside = slurp(f->sums, NULL);
    assert_string_equal(beside, want);
    free(beside), free(want), free(sums_entry);
}

static void raw_headers_have_no_extras_or_comments(void **state)
{
    fixture_t *f = *state;
    fill_site(f->site);
    bundle_ok(f->site, f->zip, NULL, T_2023);
    size_t len;
    unsigned char *z = (unsigned char *)slurp(f->zip, &len);
    raw_entry_t e[16];
    size_t n = raw_entries(z, len, e, 16);
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(e[i].made_by, (3u << 8) | 20u);
        assert_int_equal(e[i].extra_len, 0);
        assert_int_equal(e[i].local_extra_len, 0);
        assert_int_equal(e[i].comment_len, 0);
        assert_int_equal(e[i].internal, 0);
        assert_int_equal(e[i].external, 0100644u << 16);
        /* no data descriptor, no encryption; deflated "super fast" */
        assert_int_equal(e[i].flags, e[i].method == 8 ? DEFLATE_SPEED_BITS : 0);
        if (i > 0)
            assert_true(strcmp(e[i - 1].name, e[i].name) < 0);
    }
    free(z);
}

static int have(const char *tool)
{
    char *cmd = xasprintf("command -v %s >/dev/null 2>&1", tool);
    int ok = system(cmd) == 0;
    free(cmd);
    return ok;
}

static void sha256sum_verifies_site_and_unzipped_bundle(void **state)
{
    fixture_t *f = *state;
    if (!have("sha256sum"))
        skip();
    fill_site(f->site);
    put(f->site, "ar/مرحبا.html", "<p dir=\"rtl\">مرحبا</p>\n");
    bundle_ok(f->site, f->zip, f->sums, T_2023);
    char *cmd = xasprintf("cd '%s' && sha256sum -c --strict --status '%s'", f->site, f->sums);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    /* A tampered file must fail the same check. */
    put(f->site, "style.css", "body{color:red}\n");
    cmd = xasprintf("cd '%s' && sha256sum -c --status '%s' 2>/dev/null", f->site, f->sums);
    assert_int_not_equal(system(cmd), 0);
    free(cmd);
    if (!have("unzip"))
        return;
    /* What the README tells a partner to run. */
    char *out = path_join(f->root, "unpacked");
    cmd = xasprintf("unzip -q -d '%s' '%s' && cd '%s' && sha256sum -c --strict --status "
                    "SHA256SUMS", out, f->zip, out);
    assert_int_equal(system(cmd), 0);
    free(cmd), free(out);
}

/* Asserts an error was reported that mentions what. */
static void assert_error_mentions(diags_t *d, const char *what)
{
    assert_true(d->errors > 0);
    for (size_t i = 0; i < d->len; i++) {
        char *line = diag_format(&d->items[i]);
        int found = strstr(line, what) != NULL;
        free(line);
        if (found)
            return;
    }
    diag_print(d, stderr);
    fail_msg("no error mentions %s", what);
}

static void assert_no_temp_left(const char *dir)
{
    fs_list_t list;
    assert_int_equal(fs_list_files(dir, &list), 0);
    for (size_t i = 0; i < list.len; i++)
        if (strstr(list.paths[i], ".tmp-"))
            fail_msg("temporary file left: %s", list.paths[i]);
    fs_list_free(&list);
}

static void missing_site_keeps_old_zip(void **state)
{
    fixture_t *f = *state;
    put(f->root, "site.zip", "old zip");
    put(f->root, "SHA256SUMS", "old sums");
    char *missing = path_join(f->root, "no-such-site");
    diags_t d = DIAGS_INIT;
    assert_int_equal(bundle_write(missing, f->zip, f->sums, T_2023, &d), -1);
    assert_error_mentions(&d, missing);
    assert_error_mentions(&d, strerror(ENOENT));
    char *zip = slurp(f->zip, NULL), *sums = slurp(f->sums, NULL);
    assert_string_equal(zip, "old zip");
    assert_string_equal(sums, "old sums");
    assert_no_temp_left(f->root);
    free(zip), free(sums), free(missing);
    diag_free(&d);
}

static void unwritable_zip_keeps_old_zip(void **state)
{
    fixture_t *f = *state;
    fill_site(f->site);
    put(f->root, "site.zip", "old zip");
    /* A directory where the temporary zip goes: fails even for root. */
    char *blocker = xasprintf("%s.tmp-%ld", f->zip, (long)getpid());
    assert_int_equal(mkdir(blocker, 0755), 0);
    diags_t d = DIAGS_INIT;
    assert_int_equal(bundle_write(f->site, f->zip, NULL, T_2023, &d), -1);
    assert_error_mentions(&d, f->zip);
    char *zip = slurp(f->zip, NULL);
    assert_string_equal(zip, "old zip");
    free(zip);
    rmdir(blocker);
    free(blocker);
    diag_free(&d);

    /* A zip in a folder that does not exist. */
    char *nowhere = path_join(f->root, "missing/dir/site.zip");
    assert_int_equal(bundle_write(f->site, nowhere, NULL, T_2023, &d), -1);
    assert_error_mentions(&d, nowhere);
    assert_false(fs_is_file(nowhere));
    free(nowhere);
    diag_free(&d);
}

static void unwritable_sums_keeps_old_zip(void **state)
{
    fixture_t *f = *state;
    fill_site(f->site);
    put(f->root, "site.zip", "old zip");
    diags_t d = DIAGS_INIT;
    assert_int_equal(bundle_write(f->site, f->zip, "/dev/null/SHA256SUMS", T_2023, &d), -1);
    assert_error_mentions(&d, "/dev/null/SHA256SUMS");
    char *zip = slurp(f->zip, NULL);
    assert_string_equal(zip, "old zip");
    assert_no_temp_left(f->root);
    free(zip);
    diag_free(&d);
}

static void failed_write_midway_keeps_old_zip(void **state)
{
    fixture_t *f = *state;
    fill_site(f->site);
    put(f->root, "site.zip", "old zip");
    /* Writes past 2 KiB fail (EFBIG), as on a full disk, even for root. */
    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 2048;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    diags_t d = DIAGS_INIT;
    int rc = bundle_write(f->site, f->zip, NULL, T_2023, &d);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(rc, -1);
    assert_error_mentions(&d, f->zip);
    assert_error_mentions(&d, strerror(EFBIG));
    char *zip = slurp(f->zip, NULL);
    assert_string_equal(zip, "old zip");
    assert_no_temp_left(f->root);
    free(zip);
    diag_free(&d);
}

static void unreadable_file_is_an_error(void **state)
{
    fixture_t *f = *state;
    if (geteuid() == 0)
        skip(); /* root reads anything */
    fill_site(f->site);
    put(f->root, "site.zip", "old zip");
    char *secret = path_join(f->site, "style.css");
    assert_int_equal(chmod(secret, 0), 0);
    diags_t d = DIAGS_INIT;
    assert_int_equal(bundle_write(f->site, f->zip, NULL, T_2023, &d), -1);
    assert_error_mentions(&d, secret);
    assert_error_mentions(&d, strerror(EACCES));
    char *zip = slurp(f->zip, NULL);
    assert_string_equal(zip, "old zip");
    chmod(secret, 0644);
    free(zip), free(secret);
    diag_free(&d);
}

static void names_that_cannot_be_listed_are_errors(void **state)
{
    fixture_t *f = *state;
    const char *bad[] = {"SHA256SUMS", "back\\slash.html", "line\nbreak.html", "latin1-\xe9.html",
                         "overlong-\xc0\xaf.html"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        put(f->site, "index.html", "ok\n");
        put(f->site, bad[i], "bad\n");
        diags_t d = DIAGS_INIT;
        assert_int_equal(bundle_write(f->site, f->zip, NULL, T_2023, &d), -1);
        char *path = path_join(f->site, bad[i]);
        assert_error_mentions(&d, path);
        assert_false(fs_is_file(f->zip));
        free(path);
        diag_free(&d);
        path = path_join(f->site, bad[i]);
        unlink(path);
        free(path);
    }
}

static void empty_nested_and_utf8_names(void **state)
{
    fixture_t *f = *state;
    put(f->site, "a/b/c/d/e/deep.html", "deep\n");
    put(f->site, "a/empty", "");
    put(f->site, "ar/مرحبا.html", "<p>مرحبا</p>\n");
    put(f->site, "fa/سلام/index.html", "<p>سلام</p>\n");
    put(f->site, "index.html", "home\n");
    bundle_ok(f->site, f->zip, f->sums, T_2023);
    const char *names[] = {"SHA256SUMS", "a/b/c/d/e/deep.html", "a/empty", "ar/مرحبا.html",
                           "fa/سلام/index.html", "index.html"};
    const size_t n = sizeof names / sizeof *names;
    unzFile uz = unzOpen64(f->zip);
    assert_non_null(uz);
    assert_int_equal(unzGoToFirstFile(uz), UNZ_OK);
    for (size_t i = 0; i < n; i++) {
        unz_file_info64 info;
        char name[256];
        assert_int_equal(unzGetCurrentFileInfo64(uz, &info, name, sizeof name, NULL, 0, NULL, 0),
                         UNZ_OK);
        assert_string_equal(name, names[i]);
        int non_ascii = 0;
        for (const char *s = name; *s; s++)
            non_ascii |= (unsigned char)*s >= 0x80;
        /* language encoding: UTF-8 */
        assert_int_equal(info.flag & ~DEFLATE_SPEED_BITS, non_ascii ? 1u << 11 : 0u);
        size_t len;
        char *data = read_entry(uz, &len);
        if (!strcmp(name, "a/empty"))
            assert_int_equal(len, 0);
        free(data);
        assert_int_equal(unzGoToNextFile(uz), i + 1 < n ? UNZ_OK : UNZ_END_OF_LIST_OF_FILE);
    }
    unzClose(uz);
    char *want = expected_sums(f->site, names + 1, n - 1);
    char *beside = slurp(f->sums, NULL);
    assert_string_equal(beside, want);
    free(want), free(beside);
}

static void empty_site_has_only_empty_sums(void **state)
{
    fixture_t *f = *state;
    bundle_ok(f->site, f->zip, f->sums, T_2023);
    unzFile uz = unzOpen64(f->zip);
    assert_non_null(uz);
    unz_global_info64 gi;
    assert_int_equal(unzGetGlobalInfo64(uz, &gi), UNZ_OK);
    assert_int_equal(gi.number_entry, 1);
    assert_int_equal(unzGoToFirstFile(uz), UNZ_OK);
    size_t len;
    char *data = read_entry(uz, &len);
    assert_int_equal(len, 0);
    free(data);
    unzClose(uz);
    size_t sums_len;
    char *sums = slurp(f->sums, &sums_len);
    assert_int_equal(sums_len, 0);
    free(sums);
}

static void large_file_is_streamed_intact(void **state)
{
    fixture_t *f = *state;
    /* Over the in-memory limit (16 MiB): takes the streaming path. */
    size_t len = ((size_t)17 << 20) + 12345;
    char *big = xmalloc(len);
    for (size_t i = 0; i < len; i++)
        big[i] = "waymark\n"[i % 8] + (char)(i / 100000 % 3);
    put_bytes(f->site, "video/big.bin", big, len);
    put(f->site, "index.html", "home\n");
    bundle_ok(f->site, f->zip, f->sums, T_2023);
    unzFile uz = unzOpen64(f->zip);
    assert_non_null(uz);
    assert_int_equal(unzLocateFile(uz, "video/big.bin", 1), UNZ_OK);
    unz_file_info64 info;
    assert_int_equal(unzGetCurrentFileInfo64(uz, &info, NULL, 0, NULL, 0, NULL, 0), UNZ_OK);
    assert_int_equal(info.compression_method, Z_DEFLATED);
    assert_true(info.compressed_size < len / 10);
    assert_int_equal(info.size_file_extra, 0);
    size_t got_len;
    char *got = read_entry(uz, &got_len);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, big, len);
    unzClose(uz);
    char hex[65];
    bundle_sha256_hex(big, len, hex);
    char *sums = slurp(f->sums, NULL);
    assert_non_null(strstr(sums, hex));
    free(sums), free(got), free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_hex_known_vectors),
        cmocka_unit_test_setup_teardown(same_input_gives_identical_zip, setup, teardown),
        cmocka_unit_test_setup_teardown(other_mtime_changes_only_time_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(entry_times_are_utc_dos_times, setup, teardown),
        cmocka_unit_test_setup_teardown(real_mtimes_and_creation_order_do_not_matter, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(entries_read_back_sorted_with_contents_and_mode, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(raw_headers_have_no_extras_or_comments, setup, teardown),
        cmocka_unit_test_setup_teardown(sha256sum_verifies_site_and_unzipped_bundle, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(missing_site_keeps_old_zip, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_zip_keeps_old_zip, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_sums_keeps_old_zip, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_midway_keeps_old_zip, setup, teardown),
        cmocka_unit_test_setup_teardown(unreadable_file_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(names_that_cannot_be_listed_are_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_nested_and_utf8_names, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_site_has_only_empty_sums, setup, teardown),
        cmocka_unit_test_setup_teardown(large_file_is_streamed_intact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
