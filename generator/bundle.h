/* bundle: the reproducible, verifiable zip of a built site.
 *
 * Entries are every file below the site folder, in byte order of their
 * paths, each with the same timestamp (from SOURCE_DATE_EPOCH, else the
 * newest source file), permissions 0644, no extra fields, and a fixed
 * compression level, so two builds of the same input are byte-identical on
 * any machine. A SHA256SUMS file (sha256sum -c format, sorted) listing every
 * other entry is stored inside the zip and written beside it. */
#ifndef WAYMARK_BUNDLE_H
#define WAYMARK_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundlecache.h"
#include "diag.h"
#include "discard.h"

/* Lowercase hex SHA-256 of data into hex[65]. */
void bundle_sha256_hex(const void *data, size_t len, char hex[65]);

/* One file of the bundle. */
typedef struct {
    const char *name;   /* entry name: the site-relative path */
    const char *path;   /* where its bytes are read */
    const char *sha256; /* lowercase hex SHA-256 of its bytes when the caller
                           knows it (then an unchanged file is not even read),
                           else NULL */
} bundle_file;

typedef struct {
    size_t jobs;           /* threads that hash and deflate (0: 1) */
    const char *cache_dir; /* keeps deflated entries for the next build
                              (bundlecache.h); NULL: no cache */
    bcache_t *cache;       /* the cache in cache_dir, opened ahead with
                              bundle_cache_open (taken over), or NULL:
                              opened when the bundle is written */
    /* Asked once the zip and SHA256SUMS are written, before they replace
     * the old ones or the cache is updated (NULL: go on): false drops
     * them and the bundle fails, with the caller saying why. Lets work
     * that decides whether the build may publish (the link check) run
     * while the zip is written. */
    bool (*may_publish)(void *ctx);
    /* Called once the zip is safely on disk (its fsync done), just before
     * it and SHA256SUMS replace the old ones (NULL: none): the caller's own
     * publishing (the site folder), so that when that fails the old zip
     * stays. False drops the zip. The files are not read after it is
     * called (it may move them); the bundle can still fail after it
     * returns true (a rename), and what it did is not undone. */
    bool (*before_replacing)(void *ctx);
    void *publish_ctx;     /* for both */
    discard_t *discard;    /* removes the zip replaced (NULL: the rename does) */
} bundle_options;

/* The bundle cache in cache_dir, for bundle_options.cache (NULL: none),
 * so that a caller can read it while it does other work. */
bcache_t *bundle_cache_open(const char *cache_dir);

/* Writes zip_path and sums_path (may be NULL) from files (any order; the
 * zip is in name order), as bundle_write does. The output is the same
 * bytes whatever jobs is and whether the cache was used. Returns 0, or -1
 * after reporting an error. */
int bundle_write_files(const bundle_file *files, size_t nfiles, const char *zip_path,
                       const char *sums_path, int64_t mtime, const bundle_options *opts,
                       diags_t *d);

/* Writes zip_path (through a temporary file renamed into place) from every
 * file under site_dir, and sums_path (may be NULL) with the same SHA256SUMS
 * as inside. mtime is the Unix time stamped on every entry. Returns 0, or
 * -1 after reporting an error. */
int bundle_write(const char *site_dir, const char *zip_path, const char *sums_path,
                 int64_t mtime, diags_t *d);

#endif
