/* fs: the filesystem operations the build needs, with errno-style results.
 *
 * Functions return 0 on success and -1 with errno set on failure; callers
 * turn failures into diagnostics with strerror(errno). */
#ifndef WAYMARK_FS_H
#define WAYMARK_FS_H

#include <stddef.h>
#include <sys/stat.h>
#include <stdint.h>
#include <time.h>

/* Reads a whole file; *data is NUL-terminated and owned by the caller. */
int fs_read_file(const char *path, char **data, size_t *len);
/* The same, also giving the file's status as it was read. */
int fs_read_file_stat(const char *path, char **data, size_t *len, struct stat *st);
/* Maps a whole regular, non-empty file read-only: its bytes are taken
 * from the page cache as they are touched, with no copy into fresh memory.
 * NULL (errno set) otherwise, and on filesystems that cannot map; then
 * fs_read_file serves. fs_unmap_file(map, *len) releases it. Only for
 * files replaced by rename or appended to, never cut below the bytes the
 * caller reads while they are mapped (that would be a SIGBUS). */
unsigned char *fs_map_file(const char *path, size_t *len);
void fs_unmap_file(unsigned char *map, size_t len);
/* Writes data to path, creating parent directories. */
int fs_write_file(const char *path, const void *data, size_t len);
/* Writes path whole or not at all: into path.tmp-PID, then renamed over
 * it (a reader sees the old file or the new one). 0, or -1 with errno
 * (and nothing left behind). */
int fs_replace_file(const char *path, const void *data, size_t len);
int fs_mkdir_p(const char *path);
/* Removes a file or a whole directory tree; a missing path is not an error. */
int fs_remove_tree(const char *path);
int fs_copy_file(const char *from, const char *to);
int fs_is_dir(const char *path);
int fs_is_file(const char *path);
/* Modification time in seconds, or -1. */
int64_t fs_mtime(const char *path);

/* Where a file to become path is written before it is renamed into
 * place: "PATH.tmp-PID" (caller frees). */
char *fs_temp_path(const char *path);
/* Removes from dir the files "NAME.tmp-PID" (fs_temp_path's, which
 * fs_replace_file and the caches write before renaming) left by a process
 * that no longer runs: a build killed half way. Those of running
 * processes stay. The number removed. */
size_t fs_remove_stale_temps(const char *dir);

/* Every regular file below root, as sorted root-relative paths. Names
 * starting with '.' are skipped. Symbolic links are not followed. */
typedef struct {
    char **paths; /* owned, each owned */
    size_t len, cap;
} fs_list_t;

int fs_list_files(const char *root, fs_list_t *out);
/* Appends path (taken over), and sorts the paths, for other listers. */
void fs_list_add(fs_list_t *list, char *path);
void fs_list_sort(fs_list_t *list);
void fs_list_free(fs_list_t *list);

#endif
