/* output: the build folder, replaced whole or not at all.
 *
 * Pages are written into a staging folder beside the final one
 * (out/.site.tmp-<pid>); only when the whole build succeeded is it renamed
 * over out/site, so a failed build leaves the previous output untouched. */
#ifndef WAYMARK_OUTPUT_H
#define WAYMARK_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* Creates the staging folder for final_dir; returns its path (caller
 * frees) or NULL after reporting. */
char *output_begin(const char *final_dir, diags_t *d);
/* Renames staging over final_dir (the old folder is removed). */
int output_commit(const char *staging, const char *final_dir, diags_t *d);
/* Removes the staging folder after a failed build. */
void output_abort(const char *staging);

/* Copies every file below from_dir into to_dir (same relative paths),
 * without overwriting files already there (the first copy wins). */
int output_copy_tree(const char *from_dir, const char *to_dir, const char *display_dir,
                     diags_t *d);
/* Newest modification time of any file below dir (or of dir as a file). */
int64_t output_newest_mtime(const char *dir);

/* --- a build that rewrites only what changed ----------------------------------
 *
 * output_open starts a build of final_dir. Every file of the new site is
 * handed over with output_put (from any thread): it is hashed, and written
 * into the staging folder unless final_dir already holds exactly these
 * bytes, as cache_dir/site.manifest (written by the last build) says and
 * the file's size, times and inode confirm. output_finish then moves the
 * new files into final_dir and removes the ones no longer built, or, when
 * nothing could be kept, renames the staging folder over final_dir. Either
 * way final_dir ends up byte for byte what a build from scratch writes. A
 * missing, foreign or corrupt manifest is ignored: everything is written.
 * The manifest is removed before final_dir is touched and rewritten after,
 * so it never describes a half-updated folder. */
typedef struct output output_t;

typedef struct {
    char *name;     /* site-relative path (owned) */
    char *path;     /* where its bytes are now: staging or final_dir (owned) */
    char hex[65];   /* SHA-256 of its bytes */
    uint64_t size;
    bool written;   /* written by this build (false: kept from the last) */
} output_file;

/* NULL after reporting when the staging folder cannot be made. cache_dir
 * may be NULL (everything is written, no manifest is kept). */
output_t *output_open(const char *final_dir, const char *cache_dir, diags_t *d);
/* The staging folder new files are written into (borrowed). */
const char *output_staging(const output_t *o);
/* Puts name's bytes into the new site. Thread-safe. 0, or -1 with errno. */
int output_put(output_t *o, const char *name, const void *data, size_t len);
/* The same, also giving the bytes' SHA-256 (hex). */
int output_put_hashed(output_t *o, const char *name, const void *data, size_t len, char hex[65]);
/* Puts name without its bytes: final_dir/name must still hold exactly the
 * bytes with this SHA-256 and size, as the manifest and the file's times and
 * inode confirm (the render cache's hits). With data, also reads them
 * (caller frees *data). 0, or -1 with nothing put: the caller renders. */
int output_keep(output_t *o, const char *name, const char *hex, uint64_t size, char **data,
                size_t *len);
/* The same with the bytes of the file at src_path. */
int output_put_file(output_t *o, const char *name, const char *src_path);
/* Whether name was put already (call once all threads are done). */
bool output_has(output_t *o, const char *name);
/* Puts every file below from_dir that is not there yet (the first wins). */
int output_put_tree(output_t *o, const char *from_dir, const char *display_dir, diags_t *d);
/* The new site's files, sorted by name (borrowed until output_close). */
const output_file *output_files(output_t *o, size_t *n);
/* How many files this build wrote (the rest were kept as they were). */
size_t output_written(const output_t *o);
/* Puts the new site in place. 0, or -1 after reporting. */
int output_finish(output_t *o, diags_t *d);
/* Frees o; a build not finished is dropped, final_dir left as it was. */
void output_close(output_t *o);
#endif
