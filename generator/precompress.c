#include "precompress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "fs.h"
#include "output.h"
#include "path.h"
#include "pool.h"
#include "xalloc.h"

#define GZIP_LEVEL 9

static const char *const EXTENSIONS[] = {".html", ".css", ".xml", ".json", ".csv", ".txt", NULL};

/* libdeflate's gzip header holds no name, no comment and time 0, and says
 * "unknown" for the OS: nothing of the machine or the moment. */
static int gzip_with(struct libdeflate_compressor *gz, const void *data, size_t len,
                     unsigned char **out, size_t *out_len)
{
    size_t bound = libdeflate_gzip_compress_bound(gz, len);
    unsigned char *buf = xmalloc(bound);
    *out_len = libdeflate_gzip_compress(gz, data, len, buf, bound);
    if (*out_len == 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

int precompress_gzip(const void *data, size_t len, unsigned char **out, size_t *out_len)
{
    struct libdeflate_compressor *gz = libdeflate_alloc_compressor(GZIP_LEVEL);
    if (!gz)
        return -1;
    int rc = gzip_with(gz, data, len, out, out_len);
    libdeflate_free_compressor(gz);
    return rc;
}

static bool wants_gzip(const char *name)
{
    for (const char *const *ext = EXTENSIONS; *ext; ext++)
        if (path_has_extension(name, *ext))
            return true;
    return false;
}

/* One thread's share of the files: its compressor and what it reported. */
typedef struct {
    output_t *out;
    char **names, **paths;
    struct libdeflate_compressor *gz;
    diags_t diags;
    size_t written;
} gzip_worker;

/* Puts a .gz beside file i when gzip makes it smaller. */
static void gzip_task(void *worker, size_t i)
{
    gzip_worker *w = worker;
    char *data;
    size_t len;
    if (fs_read_file(w->paths[i], &data, &len) < 0) {
        diag_error(&w->diags, w->names[i], 0, 0, "cannot read to precompress: %s",
                   strerror(errno));
        return;
    }
    unsigned char *gz = NULL;
    size_t gz_len = 0;
    if (gzip_with(w->gz, data, len, &gz, &gz_len) < 0) {
        diag_error(&w->diags, w->names[i], 0, 0, "cannot gzip");
    } else if (gz_len < len) {
        char *to = xasprintf("%s.gz", w->names[i]);
        if (output_put(w->out, to, gz, gz_len) < 0)
            diag_error(&w->diags, to, 0, 0, "cannot write: %s", strerror(errno));
        else
            w->written++;
        free(to);
    }
    free(gz);
    free(data);
}

int precompress_output(output_t *out, size_t jobs, diags_t *d)
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
    jobs = jobs ? jobs : 1;
    gzip_worker *workers = xcalloc(jobs, sizeof *workers);
    void **ptrs = xcalloc(jobs, sizeof *ptrs);
    for (size_t t = 0; t < jobs; t++) {
        workers[t] = (gzip_worker){out, names, paths, libdeflate_alloc_compressor(GZIP_LEVEL),
                                   DIAGS_INIT, 0};
        if (!workers[t].gz) {
            fprintf(stderr, "waymark: out of memory\n");
            abort();
        }
        ptrs[t] = &workers[t];
    }
    pool_run(count, jobs, ptrs, gzip_task);
    size_t before = d->errors, written = 0;
    for (size_t t = 0; t < jobs; t++) {
        diag_merge(d, &workers[t].diags);
        libdeflate_free_compressor(workers[t].gz);
        written += workers[t].written;
    }
    for (size_t i = 0; i < count; i++) {
        free(names[i]);
        free(paths[i]);
    }
    free(names);
    free(paths);
    free(workers);
    free(ptrs);
    return d->errors > before ? -1 : (int)written;
}
