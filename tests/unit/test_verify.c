/* Tests for verify: which entry names a partner's unzip must never see, and
 * a bundle written by bundle_write passing and unpacking whole. The e2e
 * suite (tests/e2e/bundles.sh) runs the tampered zips. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "bundle.h"
#include "fs.h"
#include "path.h"
#include "verify.h"
#include "xalloc.h"

static void unsafe_names(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "/etc/passwd", "../x", "a/../../x", "a/..", "C:/x",
                                      "a\\..\\x", "a//b", "./a", "a/./b", "a\nb", NULL};
    for (const char *const *n = bad; *n; n++)
        assert_non_null(verify_name_problem(*n));
    static const char *const good[] = {"index.html", "en/about/index.html", "a..b/c", "..a",
                                       "en/ä.html", "dir/", NULL};
    for (const char *const *n = good; *n; n++)
        assert_null(verify_name_problem(*n));
}

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/waymark-verify-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void bundle_passes_and_unpacks(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char *site = path_join(dir, "site"), *zip = path_join(dir, "b.zip"), *to = path_join(dir, "www");
    char *a = path_join(site, "en/index.html"), *b = path_join(site, "style.css");
    assert_int_equal(fs_write_file(a, "<p>hi</p>", 9), 0);
    assert_int_equal(fs_write_file(b, "p{}", 3), 0);
    diags_t d = DIAGS_INIT;
    assert_int_equal(bundle_write(site, zip, NULL, 1700000000, &d), 0);
    verify_request req = {zip, NULL, NULL, to, VERIFY_DEFAULT_LIMITS};
    verify_report rep;
    assert_int_equal(verify_bundle(&req, &rep, &d), 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(rep.files, 2);
    assert_int_equal(rep.bytes, 12);
    char *got = path_join(to, "en/index.html");
    char *data;
    size_t len;
    assert_int_equal(fs_read_file(got, &data, &len), 0);
    assert_string_equal(data, "<p>hi</p>");
    free(data);
    verify_report_free(&rep);
    /* a per-entry limit below the page's size refuses the bundle, and the
     * folder from the first run stays as it was */
    req.limits.max_entry = 4;
    assert_int_equal(verify_bundle(&req, &rep, &d), -1);
    assert_true(d.errors > 0);
    assert_true(fs_is_file(got));
    verify_report_free(&rep);
    diag_free(&d);
    fs_remove_tree(dir);
    free(got);
    free(a), free(b), free(site), free(zip), free(to), free(dir);
}

/* A central directory that breaks off after its first entry is one error,
 * and nothing is read from the partial list (found by tests/fuzz/fuzz_verify:
 * the checks went on and searched an empty entry list). */
static void damaged_directory_stops_the_check(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char *site = path_join(dir, "site"), *zip = path_join(dir, "b.zip");
    char *a = path_join(site, "a.html"), *b = path_join(site, "b.html");
    assert_int_equal(fs_write_file(a, "<p>a</p>", 8), 0);
    assert_int_equal(fs_write_file(b, "<p>b</p>", 8), 0);
    diags_t d = DIAGS_INIT;
    assert_int_equal(bundle_write(site, zip, NULL, 1700000000, &d), 0);
    char *data;
    size_t len;
    assert_int_equal(fs_read_file(zip, &data, &len), 0);
    unsigned char *first = NULL; /* the first central directory record */
    for (size_t i = 0; !first && i + 4 <= len; i++)
        if (!memcmp(data + i, "PK\1\2", 4))
            first = (unsigned char *)data + i;
    assert_non_null(first);
    first[28] = 0x29, first[29] = 0x0d; /* its name is now 3369 bytes long */
    assert_int_equal(fs_write_file(zip, data, len), 0);
    verify_request req = {zip, NULL, NULL, NULL, VERIFY_DEFAULT_LIMITS};
    verify_report rep;
    assert_int_equal(verify_bundle(&req, &rep, &d), -1);
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(d.items[0].msg, "directory is damaged"));
    assert_int_equal(rep.files, 0);
    verify_report_free(&rep);
    diag_free(&d);
    fs_remove_tree(dir);
    free(data), free(a), free(b), free(site), free(zip), free(dir);
}

/* verify_bundle fails zip with exactly one error, whose message holds text. */
static void expect_one_error(const char *zip, const char *text)
{
    diags_t d = DIAGS_INIT;
    verify_request req = {zip, NULL, NULL, NULL, VERIFY_DEFAULT_LIMITS};
    verify_report rep;
    assert_int_equal(verify_bundle(&req, &rep, &d), -1);
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(d.items[0].msg, text));
    verify_report_free(&rep);
    diag_free(&d);
}

/* An entry with an empty name is refused like any unsafe name (found by
 * tests/fuzz/fuzz_verify: its last character was read before the name). */
static void an_empty_name_is_refused(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char *zip = path_join(dir, "b.zip");
    zipFile zf = zipOpen(zip, APPEND_STATUS_CREATE);
    assert_non_null(zf);
    assert_int_equal(zipOpenNewFileInZip(zf, "", NULL, NULL, 0, NULL, 0, NULL, 0, 0), ZIP_OK);
    assert_int_equal(zipWriteInFileInZip(zf, "x", 1), ZIP_OK);
    assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
    assert_int_equal(zipClose(zf, NULL), ZIP_OK);
    expect_one_error(zip, "has an empty name");
    fs_remove_tree(dir);
    free(zip), free(dir);
}

/* A SHA256SUMS without one valid line lists nothing: every file is an
 * added one (found by tests/fuzz/fuzz_verify: the empty list was sorted). */
static void empty_sums_list_nothing(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char *zip = path_join(dir, "b.zip");
    zipFile zf = zipOpen(zip, APPEND_STATUS_CREATE);
    assert_non_null(zf);
    assert_int_equal(zipOpenNewFileInZip(zf, "a.html", NULL, NULL, 0, NULL, 0, NULL, 0, 0), ZIP_OK);
    assert_int_equal(zipWriteInFileInZip(zf, "a", 1), ZIP_OK);
    assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
    assert_int_equal(zipOpenNewFileInZip(zf, "SHA256SUMS", NULL, NULL, 0, NULL, 0, NULL, 0, 0), ZIP_OK);
    assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
    assert_int_equal(zipClose(zf, NULL), ZIP_OK);
    expect_one_error(zip, "entry 'a.html' is not listed in SHA256SUMS");
    fs_remove_tree(dir);
    free(zip), free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unsafe_names),
        cmocka_unit_test(bundle_passes_and_unpacks),
        cmocka_unit_test(damaged_directory_stops_the_check),
        cmocka_unit_test(an_empty_name_is_refused),
        cmocka_unit_test(empty_sums_list_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
