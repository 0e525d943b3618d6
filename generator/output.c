#include "output.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "path.h"
#include "xalloc.h"

char *output_begin(const char *final_dir, diags_t *d)
{
    char *parent = path_dirname(final_dir);
    char *staging = xasprintf("%s%s.%s.tmp-%ld", parent, *parent ? "/" : "",
                              path_basename(final_dir), (long)getpid());
    free(parent);
    fs_remove_tree(staging);
    if (fs_mkdir_p(staging) < 0) {
        diag_error(d, staging, 0, 0, "cannot create the output folder: %s", strerror(errno));
        free(staging);
        return NULL;
    }
    return staging;
}

int output_commit(const char *staging, const char *final_dir, diags_t *d)
{
    char *old = xasprintf("%s.old-%ld", staging, (long)getpid());
    bool had_old = fs_is_dir(final_dir) && rename(final_dir, old) == 0;
    if (rename(staging, final_dir) < 0) {
        diag_error(d, final_dir, 0, 0, "cannot move the new site into place: %s",
                   strerror(errno));
        if (had_old)
            rename(old, final_dir);
        free(old);
        return -1;
    }
    if (had_old)
        fs_remove_tree(old);
    free(old);
    return 0;
}

void output_abort(const char *staging) { fs_remove_tree(staging); }

int output_copy_tree(const char *from_dir, const char *to_dir, const char *display_dir,
                     diags_t *d)
{
    fs_list_t files;
    if (!fs_is_dir(from_dir))
        return 0;
    if (fs_list_files(from_dir, &files) < 0) {
        diag_error(d, display_dir, 0, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < files.len; i++) {
        char *from = path_join(from_dir, files.paths[i]);
        char *to = path_join(to_dir, files.paths[i]);
        if (!fs_is_file(to) && fs_copy_file(from, to) < 0) {
            diag_error(d, display_dir, 0, 0, "cannot copy %s: %s", files.paths[i],
                       strerror(errno));
            rc = -1;
        }
        free(from);
        free(to);
    }
    fs_list_free(&files);
    return rc;
}

int64_t output_newest_mtime(const char *dir)
{
    if (fs_is_file(dir))
        return fs_mtime(dir);
    fs_list_t files;
    if (!fs_is_dir(dir) || fs_list_files(dir, &files) < 0)
        return 0;
    int64_t newest = 0;
    for (size_t i = 0; i < files.len; i++) {
        char *path = path_join(dir, files.paths[i]);
        int64_t m = fs_mtime(path);
        if (m > newest)
            newest = m;
        free(path);
    }
    fs_list_free(&files);
    return newest;
}
