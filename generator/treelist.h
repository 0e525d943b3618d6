/* treelist: the files under a folder, read again only where it changed.
 *
 * Adding, removing or renaming an entry of a folder sets the folder's
 * mtime and ctime. So a folder whose inode, mtime and ctime are the ones
 * an earlier listing recorded holds the entries it held then: it is not
 * read again (a rebuild's output has one folder per page, and reading
 * each cost several system calls where this costs one stat). Its files
 * are the ones the caller knows it held, and its sub-folders are visited
 * in turn. Timestamps are coarse, so a folder changed less than a few
 * seconds before a listing is recorded with no status (inode 0): a later
 * change could carry the same timestamp, so the next listing reads it. */
#ifndef WAYMARK_TREELIST_H
#define WAYMARK_TREELIST_H

#include <stddef.h>
#include <stdint.h>

#include "fs.h"

typedef struct {
    char *name; /* relative to the root, "" for the root itself (owned) */
    uint64_t ino;
    int64_t mtime_ns, ctime_ns;
} treelist_dir;

typedef struct {
    treelist_dir *items; /* sorted by name */
    size_t len, cap;
} treelist_dirs;

/* Lists the regular files under root into *out, as fs_list_files does
 * (sorted, names starting with '.' and symbolic links left out). known:
 * the folders an earlier listing recorded; files: the files below them
 * when that listing's changes were done (both sorted, borrowed). *seen
 * receives this listing's record, for the next one: every folder, with
 * its status when it was last changed before trust_before (nanoseconds
 * since the epoch, from treelist_trust_before). 0, or -1 with errno when
 * a folder cannot be read (then *out and *seen are empty). */
int treelist_files(const char *root, const treelist_dirs *known, const char *const *files,
                   size_t nfiles, int64_t trust_before, treelist_dirs *seen, fs_list_t *out);
/* The time before which a change is trusted to show: now, less a margin
 * for coarse timestamps. */
int64_t treelist_trust_before(void);

/* Adds a folder's record (name copied); keep the list sorted yourself. */
void treelist_dirs_add(treelist_dirs *d, const char *name, uint64_t ino, int64_t mtime_ns,
                       int64_t ctime_ns);
void treelist_dirs_free(treelist_dirs *d);

#endif
