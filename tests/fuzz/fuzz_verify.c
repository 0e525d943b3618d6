/* libFuzzer target: `waymark verify`'s zip reader (verify_bundle, through
 * minizip) on any bytes written to a temporary .zip, without a key, with
 * --extract into a folder inside a private temporary folder.
 *
 * What must hold: the check passes only for a well-formed bundle, which
 * the target confirms on its own from what was unpacked (SHA256SUMS lists
 * every unpacked file, once, with its SHA-256, and nothing else); and
 * nothing is ever written anywhere but the extract folder (after any run
 * the temporary folder holds only the zip and, after a pass, the extract
 * folder: no staging folder left, no file beside it). Anything else
 * aborts (a finding). See tests/fuzz/README.md. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "diag.h"
#include "fs.h"
#include "verify.h"
#include "xalloc.h"

static char root[] = "/tmp/waymark-fuzz-verify-XXXXXX";
static char *zip_path, *jail, *extract_dir;

static void remove_temp(void) { fs_remove_tree(root); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (!mkdtemp(root))
        abort();
    zip_path = xasprintf("%s/bundle.zip", root);
    jail = xasprintf("%s/jail", root);
    extract_dir = xasprintf("%s/site", jail);
    if (fs_mkdir_p(jail) < 0)
        abort();
    atexit(remove_temp);
    return 0;
}

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_verify: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* dir must hold exactly the names given (NULL-terminated), no more. */
static void expect_only(const char *dir, const char *const *names)
{
    DIR *d = opendir(dir);
    if (!d)
        fail("cannot list", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        bool known = false;
        for (const char *const *n = names; *n; n++)
            known |= !strcmp(e->d_name, *n);
        if (!known)
            fail("something was written outside the extract folder", e->d_name);
    }
    closedir(d);
}

static bool listed(const char *sums, const char *name, const char *hex)
{
    size_t n = strlen(name);
    for (const char *line = sums; *line;) {
        if (!strncmp(line, hex, 64) && !strncmp(line + 64, "  ", 2) &&
            !strncmp(line + 66, name, n) && (line[66 + n] == '\n' || !line[66 + n]))
            return true;
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return false;
}

/* After a pass: the unpacked folder is a bundle, by its own SHA256SUMS. */
static void check_unpacked(const verify_report *rep)
{
    char *sums_path = xasprintf("%s/SHA256SUMS", extract_dir);
    char *sums;
    size_t sums_len;
    if (fs_read_file(sums_path, &sums, &sums_len) < 0)
        fail("passed without a SHA256SUMS", NULL);
    fs_list_t files = {0};
    if (fs_list_files(extract_dir, &files) < 0)
        fail("cannot list the unpacked folder", NULL);
    size_t count = 0, lines = 0;
    for (size_t i = 0; i < sums_len; i++)
        lines += sums[i] == '\n';
    lines += sums_len && sums[sums_len - 1] != '\n';
    for (size_t i = 0; i < files.len; i++) {
        if (!strcmp(files.paths[i], "SHA256SUMS"))
            continue;
        char *path = xasprintf("%s/%s", extract_dir, files.paths[i]);
        char *data, hex[65];
        size_t len;
        if (fs_read_file(path, &data, &len) < 0)
            fail("cannot read an unpacked file", files.paths[i]);
        bundle_sha256_hex(data, len, hex);
        if (!listed(sums, files.paths[i], hex))
            fail("passed with a file SHA256SUMS does not list with its hash", files.paths[i]);
        count++;
        free(data);
        free(path);
    }
    /* fs_list_files skips dot files; the report counts every file. */
    if (count > rep->files || rep->files != lines)
        fail("passed, but SHA256SUMS and the unpacked files differ in number", NULL);
    fs_list_free(&files);
    free(sums);
    free(sums_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fs_write_file(zip_path, data, size) < 0)
        abort();
    verify_request req = {.zip_path = zip_path, .extract_dir = extract_dir,
                          .limits = VERIFY_DEFAULT_LIMITS};
    /* Small limits, so size and ratio checks are reachable from small inputs. */
    req.limits.max_total = 1 << 20;
    req.limits.max_entry = 256 << 10;
    req.limits.ratio_floor = 4096;
    req.limits.max_entries = 512;
    verify_report rep;
    diags_t d = DIAGS_INIT;
    int rc = verify_bundle(&req, &rep, &d);
    if (rc == 0 && d.errors)
        fail("passed with errors reported", NULL);
    if (rc != 0 && !d.errors)
        fail("failed without an error", NULL);
    static const char *const in_root[] = {"bundle.zip", "jail", NULL};
    static const char *const in_jail[] = {"site", NULL};
    static const char *const nothing[] = {NULL};
    expect_only(root, in_root);
    expect_only(jail, rc == 0 ? in_jail : nothing);
    if (rc == 0) {
        check_unpacked(&rep);
        fs_remove_tree(extract_dir);
    }
    verify_report_free(&rep);
    diag_free(&d);
    return 0;
}
