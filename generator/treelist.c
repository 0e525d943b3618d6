#define _DEFAULT_SOURCE
#include "treelist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

/* Changes this close before a listing are not trusted to show in the
 * timestamps of the next one (ext4 ticks in milliseconds, some file
 * systems in whole seconds). */
#define RACY_NS (2 * 1000000000LL)

int64_t treelist_trust_before(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - RACY_NS;
}

/* Items grouped by the known folder they sit directly in: group k holds
 * members[start[k] .. start[k + 1]). */
typedef struct {
    size_t *start; /* one more than the known folders */
    size_t *members;
} grouping;

typedef struct {
    int root; /* the root folder, open */
    const treelist_dirs *known;
    const char *const *files;
    grouping files_of, dirs_of;
    int64_t trust_before;
    treelist_dirs *seen;
    fs_list_t *out;
} walk_state;

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

/* The known folder named by the n bytes at name, or -1. */
static ptrdiff_t find_known(const treelist_dirs *known, const char *name, size_t n)
{
    size_t lo = 0, hi = known->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *k = known->items[mid].name;
        int c = strncmp(k, name, n);
        if (c == 0)
            c = k[n] != '\0'; /* longer: after name */
        if (c == 0)
            return (ptrdiff_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static grouping group_by_parent(const treelist_dirs *known, const char *const *names, size_t n)
{
    grouping g = {xcalloc(known->len + 1, sizeof *g.start), xcalloc(n ? n : 1, sizeof *g.members)};
    ptrdiff_t *parent = xcalloc(n ? n : 1, sizeof *parent);
    for (size_t i = 0; i < n; i++) {
        const char *slash = strrchr(names[i], '/');
        const char *base = slash ? slash + 1 : names[i];
        /* the root is in no folder; names starting with '.' are left out,
         * as a folder that is read leaves them out */
        parent[i] = *names[i] && *base != '.'
                        ? find_known(known, names[i], slash ? (size_t)(slash - names[i]) : 0)
                        : -1;
        if (parent[i] >= 0)
            g.start[parent[i] + 1]++;
    }
    for (size_t k = 0; k < known->len; k++)
        g.start[k + 1] += g.start[k];
    size_t *next = xcalloc(known->len + 1, sizeof *next);
    memcpy(next, g.start, (known->len + 1) * sizeof *next);
    for (size_t i = 0; i < n; i++)
        if (parent[i] >= 0)
            g.members[next[parent[i]]++] = i;
    free(next);
    free(parent);
    return g;
}

static void grouping_free(grouping *g)
{
    free(g->start);
    free(g->members);
}

void treelist_dirs_add(treelist_dirs *d, const char *name, uint64_t ino, int64_t mtime_ns,
                       int64_t ctime_ns)
{
    xgrow((void **)&d->items, &d->cap, d->len + 1, sizeof *d->items);
    d->items[d->len++] = (treelist_dir){xstrdup(name), ino, mtime_ns, ctime_ns};
}

static int visit(walk_state *s, const char *rel);

/* Reads a folder that changed (or was never recorded). */
static int read_folder(walk_state *s, const char *rel)
{
    int fd = openat(s->root, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        int type = e->d_type;
        struct stat st;
        if (type == DT_UNKNOWN) { /* file systems that do not say */
            if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                type = -1;
            else
                type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        char *child = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
        if (type < 0)
            rc = -1;
        else if (type == DT_DIR)
            rc = visit(s, child);
        else if (type == DT_REG) {
            fs_list_add(s->out, child);
            child = NULL;
        }
        free(child);
    }
    closedir(dir);
    return rc;
}

/* Lists the folder rel: from what is known of it when it is unchanged. */
static int visit(walk_state *s, const char *rel)
{
    struct stat st;
    if (fstatat(s->root, *rel ? rel : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return 0;
    uint64_t ino = (uint64_t)st.st_ino;
    int64_t mtime = ns(st.st_mtim), ctime = ns(st.st_ctim);
    /* A folder changed just now is recorded as well, so that its parent's
     * record names all its sub-folders, but with a status no folder has:
     * the next listing reads it again. */
    bool settled = mtime < s->trust_before && ctime < s->trust_before;
    treelist_dirs_add(s->seen, rel, settled ? ino : 0, settled ? mtime : INT64_MIN,
                      settled ? ctime : INT64_MIN);
    ptrdiff_t k = find_known(s->known, rel, strlen(rel));
    const treelist_dir *was = k >= 0 ? &s->known->items[k] : NULL;
    if (!was || was->ino != ino || was->mtime_ns != mtime || was->ctime_ns != ctime)
        return read_folder(s, rel);
    for (size_t m = s->files_of.start[k]; m < s->files_of.start[k + 1]; m++)
        fs_list_add(s->out, xstrdup(s->files[s->files_of.members[m]]));
    for (size_t m = s->dirs_of.start[k]; m < s->dirs_of.start[k + 1]; m++)
        if (visit(s, s->known->items[s->dirs_of.members[m]].name) < 0)
            return -1;
    return 0;
}

static int compare_dirs(const void *a, const void *b)
{
    return strcmp(((const treelist_dir *)a)->name, ((const treelist_dir *)b)->name);
}

int treelist_files(const char *root, const treelist_dirs *known, const char *const *files,
                   size_t nfiles, int64_t trust_before, treelist_dirs *seen, fs_list_t *out)
{
    static const treelist_dirs none;
    *out = (fs_list_t){0};
    *seen = (treelist_dirs){0};
    known = known ? known : &none;
    walk_state s = {.known = known, .files = files, .trust_before = trust_before, .seen = seen,
                    .out = out};
    s.root = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s.root < 0)
        return -1;
    const char **dir_names = xcalloc(known->len + 1, sizeof *dir_names);
    for (size_t k = 0; k < known->len; k++)
        dir_names[k] = known->items[k].name;
    s.files_of = group_by_parent(known, files, nfiles);
    s.dirs_of = group_by_parent(known, dir_names, known->len);
    int rc = visit(&s, "");
    int saved = errno;
    close(s.root);
    grouping_free(&s.files_of);
    grouping_free(&s.dirs_of);
    free(dir_names);
    if (rc < 0) {
        fs_list_free(out);
        treelist_dirs_free(seen);
        errno = saved;
        return -1;
    }
    fs_list_sort(out);
    if (seen->len > 1)
        qsort(seen->items, seen->len, sizeof *seen->items, compare_dirs);
    return 0;
}

void treelist_dirs_free(treelist_dirs *d)
{
    for (size_t i = 0; i < d->len; i++)
        free(d->items[i].name);
    free(d->items);
    *d = (treelist_dirs){0};
}
