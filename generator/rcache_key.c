/* rcache_key: the render cache's global key and whole-build blobs
 * (rcache.h). */
#define _DEFAULT_SOURCE
#include "rcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "path.h"
#include "bytes.h"
#include "sha256.h"
#include "xalloc.h"

#define FORMAT 1

static void hash_file(buf_t *b, const char *path)
{
    char *data;
    size_t len;
    unsigned char digest[32];
    if (fs_read_file(path, &data, &len) < 0) {
        buf_printf(b, "missing %s\n", path);
        return;
    }
    sha256(data, len, digest);
    free(data);
    buf_printf(b, "file %s ", path);
    buf_putn(b, (const char *)digest, sizeof digest);
    buf_putc(b, '\n');
}

void rcache_global_key(const char *const *dirs, size_t ndirs, const char *const *files,
                       size_t nfiles, const char *extra, unsigned char key[RCACHE_KEY_LEN])
{
    buf_t b = {0};
    buf_printf(&b, "%d\n%s\n", FORMAT, extra);
    for (size_t i = 0; i < ndirs; i++) {
        fs_list_t list = {0};
        if (!fs_is_dir(dirs[i]) || fs_list_files(dirs[i], &list) < 0) {
            buf_printf(&b, "no folder %s\n", dirs[i]);
            continue;
        }
        buf_printf(&b, "folder %s\n", dirs[i]);
        for (size_t k = 0; k < list.len; k++) {
            char *path = path_join(dirs[i], list.paths[k]);
            hash_file(&b, path);
            free(path);
        }
        fs_list_free(&list);
    }
    for (size_t i = 0; i < nfiles; i++)
        hash_file(&b, files[i]);
    sha256(b.data, b.len, key);
    buf_free(&b);
}

static char *blob_header(const char *name, const char *version,
                         const unsigned char key[RCACHE_KEY_LEN])
{
    char hex[2 * RCACHE_KEY_LEN + 1];
    for (size_t i = 0; i < RCACHE_KEY_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    return xasprintf("waymark-cached %s %d %s %s\n", name, FORMAT, version, hex);
}

char *rcache_blob_get(const char *cache_dir, const char *name, const char *version,
                      const unsigned char key[RCACHE_KEY_LEN], size_t *len)
{
    char *path = path_join(cache_dir, name), *head = blob_header(name, version, key), *data;
    size_t n, hlen = strlen(head);
    char *result = NULL;
    if (fs_read_file(path, &data, &n) == 0) {
        unsigned char digest[32];
        if (n >= hlen + 32 && !memcmp(data, head, hlen)) {
            sha256(data, n - 32, digest);
            if (!memcmp(digest, data + n - 32, 32)) {
                *len = n - 32 - hlen;
                result = xstrndup(data + hlen, *len);
            }
        }
        free(data);
    }
    free(head);
    free(path);
    return result;
}

void rcache_blob_put(const char *cache_dir, const char *name, const char *version,
                     const unsigned char key[RCACHE_KEY_LEN], const char *data, size_t len)
{
    char *path = path_join(cache_dir, name), *head = blob_header(name, version, key);
    buf_t b = {0};
    buf_puts(&b, head);
    buf_putn(&b, data, len);
    bytes_seal(&b);
    if (fs_mkdir_p(cache_dir) < 0 || fs_replace_file(path, b.data, b.len) < 0)
        unlink(path);
    buf_free(&b);
    free(head);
    free(path);
}

