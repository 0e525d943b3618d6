#include "precompress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fs.h"
#include "output.h"
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

/* 1 when a .gz was put beside name, 0 when gzip did not help, -1 on failure. */
static int gzip_file(output_t *out, const char *name, const char *path, diags_t *d)
{
    char *data;
    size_t len;
    if (fs_read_file(path, &data, &len) < 0) {
        diag_error(d, name, 0, 0, "cannot read to precompress: %s", strerror(errno));
        return -1;
    }
    unsigned char *gz = NULL;
    size_t gz_len = 0;
    int rc = 0;
    if (precompress_gzip(data, len, &gz, &gz_len) < 0) {
        diag_error(d, name, 0, 0, "cannot gzip");
        rc = -1;
    } else if (gz_len < len) {
        char *to = xasprintf("%s.gz", name);
        rc = output_put(out, to, gz, gz_len) < 0 ? -1 : 1;
        if (rc < 0)
            diag_error(d, to, 0, 0, "cannot write: %s", strerror(errno));
        free(to);
    }
    free(gz);
    free(data);
    return rc;
}

int precompress_output(output_t *out, diags_t *d)
{
    /* Copy the list first: putting files changes it. */
    size_t n;
    const output_file *files = output_files(out, &n);
    char **names = xcalloc(n ? n : 1, sizeof *names), **paths = xcalloc(n ? n : 1, sizeof *paths);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (wants_gzip(files[i].name)) {
            names[count] = xstrdup(files[i].name);
            paths[count++] = xstrdup(files[i].path);
        }
    int written = 0;
    for (size_t i = 0; i < count; i++) {
        if (written >= 0) {
            int rc = gzip_file(out, names[i], paths[i], d);
            written = rc < 0 ? -1 : written + rc;
        }
        free(names[i]);
        free(paths[i]);
    }
    free(names);
    free(paths);
    return written;
}
