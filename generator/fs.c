#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* d_type and DT_* in struct dirent */
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "xalloc.h"

int fs_read_file_stat(const char *path, char **data, size_t *len, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        int saved = S_ISDIR(st->st_mode) ? EISDIR : errno;
        close(fd);
        errno = saved;
        return -1;
    }
    /* Room for the file, its NUL and one more byte, so that reading the
     * whole file and then its end needs no realloc (a copy of every file). */
    size_t size = (size_t)st->st_size, cap = size + 2, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        size_t want = cap - n - 1;
        ssize_t got = read(fd, buf + n, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int saved = errno;
            free(buf);
            close(fd);
            errno = saved;
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        /* the size fstat gave, and less than asked for: the end, without
         * one more read to hear it (system calls are most of the cost of
         * reading thousands of small pages) */
        if ((size_t)got < want && n == size)
            break;
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

int fs_read_file(const char *path, char **data, size_t *len)
{
    struct stat st;
    return fs_read_file_stat(path, data, len, &st);
}

unsigned char *fs_map_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) < 0)
        ; /* errno says why */
    else if (S_ISREG(st.st_mode) && st.st_size > 0)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    else
        errno = EINVAL;
    int saved = errno;
    close(fd);
    errno = saved;
    if (map == MAP_FAILED)
        return NULL;
    *len = (size_t)st.st_size;
    return map;
}

void fs_unmap_file(unsigned char *map, size_t len)
{
    if (map)
        munmap(map, len);
}

/* The folder itself first: usually only its last part is missing, so one
 * mkdir is enough (this runs once per page written). */
int fs_mkdir_p(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -1;
    char *parent = path_dirname(path);
    int rc = *parent && strcmp(parent, path) ? fs_mkdir_p(parent) : -1;
    free(parent);
    if (rc < 0)
        return -1;
    return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int fs_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) { /* its folder is new: make it, once */
        char *dir = path_dirname(path);
        int rc = *dir ? fs_mkdir_p(dir) : -1;
        free(dir);
        if (rc < 0)
            return -1;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0)
        return -1;
    const char *p = data;
    while (len > 0) {
        ssize_t put = write(fd, p, len);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        p += put;
        len -= (size_t)put;
    }
    return close(fd);
}

char *fs_temp_path(const char *path)
{
    return xasprintf("%s.tmp-%ld", path, (long)getpid());
}

int fs_replace_file(const char *path, const void *data, size_t len)
{
    char *tmp = fs_temp_path(path);
    int rc = fs_write_file(tmp, data, len);
    if (rc == 0)
        rc = rename(tmp, path);
    if (rc < 0) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
    free(tmp);
    return rc;
}

/* The process id in a name "NAME.tmp-PID", or 0. */
static long temp_owner(const char *name)
{
    const char *mark = strstr(name, ".tmp-");
    if (!mark || mark == name)
        return 0;
    const char *digits = mark + 5;
    size_t n = strspn(digits, "0123456789");
    if (n == 0 || n > 9 || digits[n])
        return 0;
    return strtol(digits, NULL, 10);
}

size_t fs_remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid = temp_owner(e->d_name);
        if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* not a temporary file, or its process may still run */
        removed += unlinkat(dirfd(d), e->d_name, 0) == 0;
    }
    closedir(d);
    return removed;
}

int fs_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *child = path_join(path, e->d_name);
        if (fs_remove_tree(child) < 0)
            rc = -1;
        free(child);
    }
    closedir(dir);
    return rmdir(path) < 0 ? -1 : rc;
}

int fs_copy_file(const char *from, const char *to)
{
    char *data;
    size_t len;
    if (fs_read_file(from, &data, &len) < 0)
        return -1;
    int rc = fs_write_file(to, data, len);
    free(data);
    return rc;
}

int fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int64_t fs_mtime(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_mtime : -1;
}

void fs_list_add(fs_list_t *list, char *path)
{
    xgrow((void **)&list->paths, &list->cap, list->len + 1, sizeof *list->paths);
    list->paths[list->len++] = path;
}

/* DT_DIR, DT_REG or another DT_ type of a folder entry (links are not
 * followed), or -1. The folder read says it on most file systems, saving
 * an lstat per file; the others leave DT_UNKNOWN. */
static int entry_type(const char *root, const char *rel, const struct dirent *e)
{
    if (e->d_type != DT_UNKNOWN)
        return e->d_type;
    char *path = path_join(root, rel);
    struct stat st;
    int rc = lstat(path, &st);
    free(path);
    if (rc < 0)
        return -1;
    return S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
}

static int list_walk(const char *root, const char *rel, fs_list_t *out)
{
    char *dirpath = *rel ? path_join(root, rel) : xstrdup(root);
    DIR *dir = opendir(dirpath);
    free(dirpath);
    if (!dir)
        return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(dir)) && rc == 0) {
        if (e->d_name[0] == '.')
            continue;
        char *child_rel = path_join(rel, e->d_name);
        int type = entry_type(root, child_rel, e);
        if (type < 0)
            rc = -1;
        else if (type == DT_DIR)
            rc = list_walk(root, child_rel, out);
        else if (type == DT_REG) {
            fs_list_add(out, child_rel);
            child_rel = NULL;
        }
        free(child_rel);
    }
    closedir(dir);
    return rc;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void fs_list_sort(fs_list_t *list)
{
    if (list->len > 1)
        qsort(list->paths, list->len, sizeof *list->paths, compare_paths);
}

int fs_list_files(const char *root, fs_list_t *out)
{
    *out = (fs_list_t){0};
    if (list_walk(root, "", out) < 0) {
        int saved = errno;
        fs_list_free(out);
        errno = saved;
        return -1;
    }
    fs_list_sort(out);
    return 0;
}

void fs_list_free(fs_list_t *list)
{
    for (size_t i = 0; i < list->len; i++)
        free(list->paths[i]);
    free(list->paths);
    *list = (fs_list_t){0};
}
