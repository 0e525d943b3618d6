#include "signing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bundle.h"
#include "fs.h"
#include "path.h"
#include "xalloc.h"

#define KEY_FILE_MAX 4096

/* Creates path with mode and writes text; O_EXCL unless force, so a key is
 * never replaced by accident. */
static int write_new_file(const char *path, const char *text, mode_t mode, bool force)
{
    if (force)
        unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    ssize_t put = write(fd, text, len);
    int saved = errno;
    int closed = close(fd);
    errno = saved;
    if (put != (ssize_t)len) {
        if (put >= 0)
            errno = EIO;
        return -1;
    }
    return closed;
}

int signing_keygen(const char *secret_path, bool force, minisign_public_key *pk, diags_t *d)
{
    minisign_secret_key sk;
    if (minisign_keygen(&sk, pk) < 0) {
        diag_error(d, secret_path, 0, 0, "cannot start libsodium's random generator");
        return -1;
    }
    char *pub_path = xasprintf("%s.pub", secret_path);
    char *sk_text = minisign_secret_key_file(&sk), *pk_text = minisign_public_key_file(pk);
    sodium_memzero(&sk, sizeof sk);
    int rc = 0;
    if (!force && (access(secret_path, F_OK) == 0 || access(pub_path, F_OK) == 0)) {
        diag_error(d, access(secret_path, F_OK) == 0 ? secret_path : pub_path, 0, 0,
                   "already exists; not replaced (use --force to replace the key pair)");
        rc = -1;
    } else if (write_new_file(secret_path, sk_text, 0600, force) < 0) {
        diag_error(d, secret_path, 0, 0, "cannot write: %s", strerror(errno));
        rc = -1;
    } else if (write_new_file(pub_path, pk_text, 0644, force) < 0) {
        diag_error(d, pub_path, 0, 0, "cannot write: %s", strerror(errno));
        unlink(secret_path);
        rc = -1;
    }
    sodium_memzero(sk_text, strlen(sk_text));
    free(sk_text);
    free(pk_text);
    free(pub_path);
    return rc;
}

static char *read_key_file(const char *path, size_t *len, diags_t *d)
{
    char *text = NULL;
    if (fs_read_file(path, &text, len) < 0) {
        diag_error(d, path, 0, 0, "cannot read the key: %s", strerror(errno));
        return NULL;
    }
    if (*len > KEY_FILE_MAX) {
        diag_error(d, path, 0, 0, "not a minisign key (too long)");
        free(text);
        return NULL;
    }
    return text;
}

int signing_read_secret_key(const char *path, minisign_secret_key *sk, diags_t *d)
{
    size_t len;
    char *text = read_key_file(path, &len, d);
    if (!text)
        return -1;
    const char *why = NULL;
    int rc = minisign_read_secret_key(text, len, getenv("WAYMARK_KEY_PASSWORD"), sk, &why);
    if (rc < 0)
        diag_error(d, path, 0, 0, "%s", why);
    sodium_memzero(text, len);
    free(text);
    return rc;
}

int signing_read_public_key(const char *path, minisign_public_key *pk, diags_t *d)
{
    size_t len;
    char *text = read_key_file(path, &len, d);
    if (!text)
        return -1;
    const char *why = NULL;
    int rc = minisign_read_public_key(text, len, pk, &why);
    if (rc < 0)
        diag_error(d, path, 0, 0, "%s", why);
    free(text);
    return rc;
}

char *signing_version(const char *configured, int64_t stamp)
{
    if (configured && *configured)
        return xstrdup(configured);
    time_t t = (time_t)stamp;
    struct tm tm;
    gmtime_r(&t, &tm);
    char day[16];
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    return xstrdup(day);
}

int signing_sign_bundle(const char *zip_path, const minisign_secret_key *sk,
                        const char *site_name, const char *version, diags_t *d)
{
    char *data = NULL;
    size_t len;
    if (fs_read_file(zip_path, &data, &len) < 0) {
        diag_error(d, zip_path, 0, 0, "cannot read to sign: %s", strerror(errno));
        return -1;
    }
    char hex[65];
    bundle_sha256_hex(data, len, hex);
    char *comment = xasprintf("site:%s\tversion:%s\tsha256:%s\tfile:%s", site_name, version, hex,
                              path_basename(zip_path));
    const char *why = NULL;
    char *sig = minisign_sign(sk, data, len, comment, &why);
    free(data);
    free(comment);
    if (!sig) {
        diag_error(d, "site.lua", 0, 0, "cannot sign: %s", why);
        return -1;
    }
    char *sig_path = xasprintf("%s.minisig", zip_path);
    int rc = fs_replace_file(sig_path, sig, strlen(sig));
    if (rc < 0)
        diag_error(d, sig_path, 0, 0, "cannot write: %s", strerror(errno));
    free(sig_path);
    free(sig);
    return rc;
}
