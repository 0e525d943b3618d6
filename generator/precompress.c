#include "precompress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fs.h"
#include "path.h"
#include "xalloc.h"

#define GZIP_LEVEL 9
#define GZIP_WINDOW (MAX_WBITS + 16) /* +16: a gzip wrapper, not zlib's */
#define OS_UNKNOWN 255

static const char *const EXTENSIONS[] = {".html", ".css", ".xml", ".json", ".csv", ".txt", NULL};

int precompress_gzip(const void *data, size_t len, unsigned char **out, size_t *out_len)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    /* No name, no comment, time 0: nothing of the machine or the moment. */
    gz_header header = {0};
    header.os = OS_UNKNOWN;
    deflateSetHeader(&zs, &header);
    uLong bound = deflateBound(&zs, (uLong)len);
    unsigned char *buf = xmalloc(bound);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

static bool wants_gzip(const char *name)
{
    for (const char *const *ext = EXTENSIONS; *ext; ext++)
        if (path_has_extension(name, *ext))
            return true;
    return false;
}

/* 1 when a .gz was written, 0 when gzip did not help, -1 on failure. */
static int gzip_file(const char *path, diags_t *d)
{
    char *data;
    size_t len;
    if (fs_read_file(path, &data, &len) < 0) {
        diag_error(d, path, 0, 0, "cannot read to precompress: %s", strerror(errno));
        return -1;
    }
    unsigned char *gz = NULL;
    size_t gz_len = 0;
    int rc = 0;
    if (precompress_gzip(data, len, &gz, &gz_len) < 0) {
        diag_error(d, path, 0, 0, "cannot gzip");
        rc = -1;
    } else if (gz_len < len) {
        char *to = xasprintf("%s.gz", path);
        rc = fs_write_file(to, gz, gz_len) < 0 ? -1 : 1;
        if (rc < 0)
            diag_error(d, to, 0, 0, "cannot write: %s", strerror(errno));
        free(to);
    }
    free(gz);
    free(data);
    return rc;
}

int precompress_tree(const char *dir, diags_t *d)
{
    fs_list_t files;
    if (fs_list_files(dir, &files) < 0) {
        diag_error(d, dir, 0, 0, "cannot list to precompress: %s", strerror(errno));
        return -1;
    }
    int written = 0;
    for (size_t i = 0; i < files.len && written >= 0; i++) {
        if (!wants_gzip(files.paths[i]))
            continue;
        char *path = path_join(dir, files.paths[i]);
        int rc = gzip_file(path, d);
        written = rc < 0 ? -1 : written + rc;
        free(path);
    }
    fs_list_free(&files);
    return written;
}
