#define _DEFAULT_SOURCE
#include "output.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "bundle.h"
#include "fs.h"
#include "path.h"
#include "treelist.h"
#include "xalloc.h"

#define MANIFEST_NAME "site.manifest"
#define MANIFEST_HEADER "waymark-site-manifest 2\n"

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

/* --- a build that rewrites only what changed ------------------------------ */

/* What the last build wrote: one file of final_dir, as it was on disk. */
typedef struct {
    char *name;
    char hex[65];
    uint64_t size, ino;
    int64_t mtime_ns, ctime_ns;
} kept_file;

struct output {
    char *final_dir, *staging, *manifest; /* manifest: NULL without a cache */
    kept_file *kept;                      /* sorted by name */
    size_t nkept;
    pthread_mutex_t lock;
    output_file *files;
    size_t nfiles, files_cap, written;
    bool sorted, finished;
    /* final_dir's files as they were, listed on a thread of their own
     * while the build runs (update_in_place removes the ones not built),
     * reading again only the folders that changed since the last listing
     * (treelist.h): dirs_known are the manifest's, dirs_seen this one's */
    pthread_t lister;
    bool listing;
    fs_list_t old;
    int old_rc;
    treelist_dirs dirs_known, dirs_seen;
    bool stray_left; /* a file not built could not be removed */
};

static void *list_old_files(void *arg)
{
    output_t *o = arg;
    const char **names = xcalloc(o->nkept + 1, sizeof *names);
    for (size_t i = 0; i < o->nkept; i++)
        names[i] = o->kept[i].name;
    o->old_rc = treelist_files(o->final_dir, &o->dirs_known, names, o->nkept,
                               treelist_trust_before(), &o->dirs_seen, &o->old);
    free(names);
    return NULL;
}

/* Waits for the listing: before anything changes final_dir. */
static void stop_listing(output_t *o)
{
    if (!o->listing)
        return;
    pthread_join(o->lister, NULL);
    o->listing = false;
}

/* The files final_dir held when the build started (0), or -1. */
static int old_files(output_t *o, bool listed)
{
    if (!listed)
        list_old_files(o);
    return o->old_rc;
}

static int compare_kept(const void *a, const void *b)
{
    return strcmp(((const kept_file *)a)->name, ((const kept_file *)b)->name);
}

static int compare_output_files(const void *a, const void *b)
{
    return strcmp(((const output_file *)a)->name, ((const output_file *)b)->name);
}

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

/* A "dir <ino> <mtime> <ctime> <name>" line of the manifest, after the
 * last one (names sorted). */
static bool read_dir_line(output_t *o, const char *line)
{
    uint64_t ino;
    int64_t mtime, ctime;
    int n = 0;
    /* no space before %n: a space there would skip the name's own */
    if (sscanf(line, "dir %" SCNu64 " %" SCNd64 " %" SCNd64 "%n", &ino, &mtime, &ctime, &n) != 3 ||
        n == 0 || line[n] != ' ')
        return false;
    const char *name = line + n + 1;
    treelist_dirs *d = &o->dirs_known;
    if (d->len && strcmp(d->items[d->len - 1].name, name) >= 0)
        return false;
    treelist_dirs_add(d, name, ino, mtime, ctime);
    return true;
}

/* Reads the manifest: header, "<hex> <size> <ino> <mtime> <ctime> <name>"
 * lines sorted by name, the folders of the last listing ("dir" lines,
 * sorted by name), "end <sha256 of all above>". Anything else: none. */
static void read_manifest(output_t *o)
{
    char *text;
    size_t len;
    if (fs_read_file(o->manifest, &text, &len) < 0)
        return;
    char *end = len >= 69 ? text + len - 69 : NULL;
    char hex[65];
    if (!end || strlen(text) != len || strncmp(text, MANIFEST_HEADER, strlen(MANIFEST_HEADER)) ||
        strncmp(end, "end ", 4) || text[len - 1] != '\n') {
        free(text);
        return;
    }
    bundle_sha256_hex(text, (size_t)(end - text), hex);
    if (strncmp(end + 4, hex, 64)) {
        free(text);
        return;
    }
    *end = '\0';
    size_t cap = 0;
    bool ok = true;
    for (char *line = text + strlen(MANIFEST_HEADER), *nl; ok && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        *nl = '\0';
        if (!strncmp(line, "dir ", 4)) {
            ok = read_dir_line(o, line);
            continue;
        }
        ok = o->dirs_known.len == 0; /* files come first */
        kept_file k = {0};
        int n = 0;
        ok = ok && sscanf(line, "%64[0-9a-f] %" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNd64 " %n", k.hex,
                    &k.size, &k.ino, &k.mtime_ns, &k.ctime_ns, &n) == 5 && n > 0 && line[n] &&
             strlen(k.hex) == 64;
        if (!ok)
            break;
        k.name = xstrdup(line + n);
        xgrow((void **)&o->kept, &cap, o->nkept + 1, sizeof *o->kept);
        o->kept[o->nkept++] = k;
        ok = o->nkept == 1 || strcmp(o->kept[o->nkept - 2].name, k.name) < 0;
    }
    if (!ok) { /* not ours after all: keep nothing */
        for (size_t i = 0; i < o->nkept; i++)
            free(o->kept[i].name);
        free(o->kept);
        o->kept = NULL;
        o->nkept = 0;
        treelist_dirs_free(&o->dirs_known);
    }
    free(text);
}

output_t *output_open(const char *final_dir, const char *cache_dir, diags_t *d)
{
    char *staging = output_begin(final_dir, d);
    if (!staging)
        return NULL;
    output_t *o = xcalloc(1, sizeof *o);
    o->final_dir = xstrdup(final_dir);
    o->staging = staging;
    pthread_mutex_init(&o->lock, NULL);
    bool updating = fs_is_dir(final_dir);
    if (cache_dir) {
        o->manifest = path_join(cache_dir, MANIFEST_NAME);
        if (updating)
            read_manifest(o);
    }
    /* only this build changes final_dir, and only in output_finish */
    if (updating)
        o->listing = pthread_create(&o->lister, NULL, list_old_files, o) == 0;
    return o;
}

/* The last build's manifest entry for name, or NULL. */
static const kept_file *find_kept(const output_t *o, const char *name)
{
    kept_file probe = {.name = (char *)name};
    return o->nkept ? bsearch(&probe, o->kept, o->nkept, sizeof *o->kept, compare_kept) : NULL;
}

/* Whether final_dir/name still holds exactly what the last build wrote. */
static bool kept_unchanged(const output_t *o, const char *name, const char *hex, size_t len)
{
    const kept_file *k = find_kept(o, name);
    if (!k || k->size != len || strcmp(k->hex, hex))
        return false;
    char *path = path_join(o->final_dir, name);
    struct stat st;
    bool same = lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len &&
                (uint64_t)st.st_ino == k->ino && ns(st.st_mtim) == k->mtime_ns &&
                ns(st.st_ctim) == k->ctime_ns;
    free(path);
    return same;
}

int output_put(output_t *o, const char *name, const void *data, size_t len)
{
    char hex[65];
    return output_put_hashed(o, name, data, len, hex);
}

static void add_file(output_t *o, output_file f)
{
    pthread_mutex_lock(&o->lock);
    xgrow((void **)&o->files, &o->files_cap, o->nfiles + 1, sizeof *o->files);
    o->files[o->nfiles++] = f;
    o->written += f.written;
    o->sorted = false;
    pthread_mutex_unlock(&o->lock);
}

int output_keep(output_t *o, const char *name, const char *hex, uint64_t size, char **data,
                size_t *len)
{
    if (!kept_unchanged(o, name, hex, (size_t)size))
        return -1;
    output_file f = {.name = xstrdup(name), .size = size, .path = path_join(o->final_dir, name)};
    memcpy(f.hex, hex, sizeof f.hex);
    if (data)
        *data = NULL;
    if (data && (fs_read_file(f.path, data, len) < 0 || *len != size)) {
        free(*data);
        *data = NULL;
        free(f.name);
        free(f.path);
        return -1;
    }
    add_file(o, f);
    return 0;
}

int output_put_hashed(output_t *o, const char *name, const void *data, size_t len, char hex[65])
{
    output_file f = {.name = xstrdup(name), .size = len};
    bundle_sha256_hex(data, len, f.hex);
    memcpy(hex, f.hex, sizeof f.hex);
    if (kept_unchanged(o, name, f.hex, len)) {
        f.path = path_join(o->final_dir, name);
    } else {
        f.path = path_join(o->staging, name);
        f.written = true;
        if (fs_write_file(f.path, data, len) < 0) {
            int saved = errno;
            free(f.name);
            free(f.path);
            errno = saved;
            return -1;
        }
    }
    add_file(o, f);
    return 0;
}

int output_put_file(output_t *o, const char *name, const char *src_path)
{
    char *data;
    size_t len;
    if (fs_read_file(src_path, &data, &len) < 0)
        return -1;
    int rc = output_put(o, name, data, len);
    free(data);
    return rc;
}

static void sort_files(output_t *o)
{
    if (!o->sorted && o->nfiles > 1)
        qsort(o->files, o->nfiles, sizeof *o->files, compare_output_files);
    o->sorted = true;
}

/* Whether name is among the first n files, which are sorted. */
static bool among_sorted(const output_t *o, size_t n, const char *name)
{
    output_file probe = {.name = (char *)name};
    return n && bsearch(&probe, o->files, n, sizeof *o->files, compare_output_files) != NULL;
}

bool output_has(output_t *o, const char *name)
{
    sort_files(o);
    return among_sorted(o, o->nfiles, name);
}

int output_put_tree(output_t *o, const char *from_dir, const char *display_dir, diags_t *d)
{
    fs_list_t files;
    if (!fs_is_dir(from_dir))
        return 0;
    if (fs_list_files(from_dir, &files) < 0) {
        diag_error(d, display_dir, 0, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    /* Sorted once: the files put before this tree stay sorted in front
     * while the tree's own (all different) are appended, so a tree of n
     * files costs n lookups, not n sorts. */
    sort_files(o);
    size_t before = o->nfiles;
    int rc = 0;
    for (size_t i = 0; i < files.len; i++) {
        char *from = path_join(from_dir, files.paths[i]);
        if (!among_sorted(o, before, files.paths[i]) &&
            output_put_file(o, files.paths[i], from) < 0) {
            diag_error(d, display_dir, 0, 0, "cannot copy %s: %s", files.paths[i],
                       strerror(errno));
            rc = -1;
        }
        free(from);
    }
    fs_list_free(&files);
    return rc;
}

const output_file *output_files(output_t *o, size_t *n)
{
    sort_files(o);
    *n = o->nfiles;
    return o->files;
}

size_t output_written(const output_t *o) { return o->written; }

const char *output_staging(const output_t *o) { return o->staging; }

/* Removes the folders above a removed file that are now empty (the ones a
 * build from scratch would not have), up to final_dir. */
static void remove_empty_parents(const char *final_dir, const char *name)
{
    char *dir = path_dirname(name);
    while (*dir) {
        char *path = path_join(final_dir, dir);
        int rc = rmdir(path);
        free(path);
        if (rc < 0)
            break;
        char *up = path_dirname(dir);
        free(dir);
        dir = up;
    }
    free(dir);
}

/* Moves the written files into final_dir and removes what is no longer
 * built there. */
static int update_in_place(output_t *o, bool listed, diags_t *d)
{
    for (size_t i = 0; i < o->nfiles; i++) {
        output_file *f = &o->files[i];
        if (!f->written)
            continue;
        char *to = path_join(o->final_dir, f->name);
        int rc = rename(f->path, to);
        if (rc < 0 && errno == ENOENT) {
            char *dir = path_dirname(to);
            rc = fs_mkdir_p(dir) < 0 ? -1 : rename(f->path, to);
            free(dir);
        }
        if (rc < 0) {
            diag_error(d, o->final_dir, 0, 0, "cannot move %s into place: %s", f->name,
                       strerror(errno));
            free(to);
            return -1;
        }
        free(f->path);
        f->path = to;
    }
    if (old_files(o, listed) == 0) {
        for (size_t i = 0; i < o->old.len; i++) {
            if (output_has(o, o->old.paths[i]))
                continue;
            char *path = path_join(o->final_dir, o->old.paths[i]);
            if (unlink(path) < 0 && errno != ENOENT)
                o->stray_left = true; /* its folder must be read again */
            free(path);
            remove_empty_parents(o->final_dir, o->old.paths[i]);
        }
    }
    fs_remove_tree(o->staging);
    return 0;
}

/* "HEX SIZE INO MTIME CTIME NAME\n": one line per file, as read_manifest
 * reads it (by hand rather than with printf: there is one per page) */
static void put_file_line(buf_t *b, const char *hex, uint64_t size, uint64_t ino,
                          int64_t mtime_ns, int64_t ctime_ns, const char *name)
{
    buf_puts(b, hex);
    buf_putc(b, ' ');
    buf_put_u64(b, size);
    buf_putc(b, ' ');
    buf_put_u64(b, ino);
    buf_putc(b, ' ');
    buf_put_i64(b, mtime_ns);
    buf_putc(b, ' ');
    buf_put_i64(b, ctime_ns);
    buf_putc(b, ' ');
    buf_puts(b, name);
    buf_putc(b, '\n');
}

/* Records what final_dir now holds, for the next build, and with_folders,
 * the folders the listing saw (the ones this build changed no longer
 * match, so the next listing reads them again). */
static void write_manifest(output_t *o, bool with_folders)
{
    buf_t text = BUF_INIT;
    buf_puts(&text, MANIFEST_HEADER);
    for (size_t i = 0; i < o->nfiles; i++) {
        const output_file *f = &o->files[i];
        /* a kept file was found as the manifest describes it (kept_unchanged)
         * and not touched since: no need to look again */
        const kept_file *k = f->written ? NULL : find_kept(o, f->name);
        struct stat st;
        if (strchr(f->name, '\n') || (!k && lstat(f->path, &st) < 0)) {
            buf_free(&text);
            return; /* cannot describe it: no manifest, the next build writes all */
        }
        put_file_line(&text, f->hex, f->size, k ? k->ino : (uint64_t)st.st_ino,
                      k ? k->mtime_ns : ns(st.st_mtim), k ? k->ctime_ns : ns(st.st_ctim),
                      f->name);
    }
    /* a folder left out would leave its parent's record incomplete: then
     * none is written (and the next build reads every folder) */
    for (size_t i = 0; with_folders && i < o->dirs_seen.len; i++)
        with_folders = !strchr(o->dirs_seen.items[i].name, '\n');
    for (size_t i = 0; with_folders && i < o->dirs_seen.len; i++) {
        const treelist_dir *dir = &o->dirs_seen.items[i];
        buf_printf(&text, "dir %" PRIu64 " %" PRId64 " %" PRId64 " %s\n", dir->ino,
                   dir->mtime_ns, dir->ctime_ns, dir->name);
    }
    char hex[65];
    bundle_sha256_hex(text.data, text.len, hex);
    buf_printf(&text, "end %s\n", hex);
    fs_replace_file(o->manifest, text.data, text.len); /* else no manifest: all is written */
    buf_free(&text);
}

int output_finish(output_t *o, diags_t *d)
{
    bool listed = o->listing;
    stop_listing(o);
    sort_files(o);
    if (o->manifest)
        unlink(o->manifest); /* final_dir is about to change */
    int rc;
    bool in_place = o->written != o->nfiles;
    if (!in_place) {
        rc = output_commit(o->staging, o->final_dir, d);
        for (size_t i = 0; rc == 0 && i < o->nfiles; i++) {
            free(o->files[i].path);
            o->files[i].path = path_join(o->final_dir, o->files[i].name);
        }
    } else {
        rc = update_in_place(o, listed, d);
    }
    o->finished = rc == 0;
    if (rc == 0 && o->manifest)
        write_manifest(o, in_place && o->old_rc == 0 && !o->stray_left);
    return rc;
}

void output_close(output_t *o)
{
    if (!o)
        return;
    stop_listing(o);
    fs_list_free(&o->old);
    treelist_dirs_free(&o->dirs_known);
    treelist_dirs_free(&o->dirs_seen);
    if (!o->finished)
        output_abort(o->staging);
    for (size_t i = 0; i < o->nkept; i++)
        free(o->kept[i].name);
    for (size_t i = 0; i < o->nfiles; i++) {
        free(o->files[i].name);
        free(o->files[i].path);
    }
    free(o->kept);
    free(o->files);
    pthread_mutex_destroy(&o->lock);
    free(o->final_dir);
    free(o->staging);
    free(o->manifest);
    free(o);
}
