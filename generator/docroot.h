/* docroot: the files `waymark serve` serves, from a built folder or
 * straight from a bundle zip.
 *
 * A zip's central directory is read once when opened into an index sorted
 * by name; each request then inflates one entry (stored or deflated) and
 * its CRC is checked. Entries with unsafe names (absolute, "..", "\") are
 * never served; an entry bigger than DOCROOT_MAX_FILE is refused (zip
 * bombs). A folder is read on each request, so a rebuild shows at once.
 * Paths given to docroot are already checked site-root paths without a
 * leading '/': "en/about/index.html". Safe to use from several threads. */
#ifndef WAYMARK_DOCROOT_H
#define WAYMARK_DOCROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOCROOT_MAX_FILE (256u << 20)

typedef struct docroot docroot_t;

typedef struct {
    char *data;     /* owned (malloc), len bytes plus a NUL */
    size_t len;
    int64_t mtime;  /* Unix seconds */
    uint32_t crc;   /* CRC-32 of data */
} docroot_file;

/* Opens a folder, or a zip when path names a file. NULL with *err (caller
 * frees) on failure. */
docroot_t *docroot_open(const char *path, char **err);
void docroot_close(docroot_t *r);
bool docroot_is_zip(const docroot_t *r);

/* Reads the regular file at rel. Returns 1 when found, 0 when there is no
 * such file, -1 on a read error (a corrupt entry). */
int docroot_read(docroot_t *r, const char *rel, docroot_file *out);
/* True when rel/index.html exists (rel is a folder of the site). */
bool docroot_has_index(docroot_t *r, const char *rel);

/* The Content-Type for a file name ("text/html; charset=utf-8"). */
const char *docroot_mime_type(const char *name);
/* A strong ETag from the CRC-32 and size: "\"1a2b3c4d-5f\"" into out[32].
 * The same file gives the same tag from a folder and from a zip. */
void docroot_etag(const docroot_file *f, char out[32]);

#endif
