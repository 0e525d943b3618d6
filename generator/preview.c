/* preview: rebuild-on-change for `waymark serve --watch`; see preview.h. */
#define _DEFAULT_SOURCE
#include "preview.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "path.h"
#include "xalloc.h"

extern char **environ;

struct preview {
    char *site_dir;
    bool built, ok;
    unsigned long long fingerprint;
    char **errors; /* owned lines */
    size_t nerrors;
};

static const char *const SOURCES[] = {"site.lua", "content", "themes", "locales", "surveys"};

/* FNV-1a over bytes, folded into *h. */
static void mix(unsigned long long *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        *h ^= p[i];
        *h *= 1099511628211ULL;
    }
}

static void mix_tree(unsigned long long *h, const char *path, int depth)
{
    struct stat st;
    if (depth > 32 || lstat(path, &st) < 0)
        return;
    int64_t stamp[3] = {(int64_t)st.st_mtim.tv_sec, (int64_t)st.st_mtim.tv_nsec, (int64_t)st.st_size};
    mix(h, path, strlen(path) + 1);
    mix(h, stamp, sizeof stamp);
    if (!S_ISDIR(st.st_mode))
        return;
    DIR *dir = opendir(path);
    if (!dir)
        return;
    struct dirent *e;
    /* readdir order is stable for an unchanged folder; a change to the
     * folder changes its mtime too. */
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        char *child = path_join(path, e->d_name);
        mix_tree(h, child, depth + 1);
        free(child);
    }
    closedir(dir);
}

unsigned long long preview_fingerprint(const char *site_dir)
{
    unsigned long long h = 14695981039346656037ULL;
    for (size_t i = 0; i < sizeof SOURCES / sizeof *SOURCES; i++) {
        char *path = path_join(site_dir, SOURCES[i]);
        mix_tree(&h, path, 0);
        free(path);
    }
    return h;
}

preview_t *preview_new(const char *site_dir)
{
    preview_t *p = xcalloc(1, sizeof *p);
    p->site_dir = xstrdup(site_dir);
    return p;
}

static void clear_errors(preview_t *p)
{
    for (size_t i = 0; i < p->nerrors; i++)
        free(p->errors[i]);
    free(p->errors);
    p->errors = NULL;
    p->nerrors = 0;
}

void preview_free(preview_t *p)
{
    if (!p)
        return;
    clear_errors(p);
    free(p->site_dir);
    free(p);
}

static void keep_lines(preview_t *p, const char *text)
{
    size_t cap = 0;
    for (const char *s = text; *s;) {
        const char *end = strchr(s, '\n');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (n) {
            xgrow((void **)&p->errors, &cap, p->nerrors + 1, sizeof *p->errors);
            p->errors[p->nerrors++] = xstrndup(s, n);
        }
        s += n + (end != NULL);
    }
}

/* Runs the build in a child and collects what it prints. */
static bool run_build(preview_t *p)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    int fds[2];
    if (n <= 0 || pipe(fds) < 0) {
        keep_lines(p, "waymark: cannot start the build");
        return false;
    }
    exe[n] = '\0';
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    char *argv[] = {exe, "build", p->site_dir, "--no-bundle", "--quiet", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    buf_t out = BUF_INIT;
    char chunk[4096];
    ssize_t got;
    while (rc == 0 && (got = read(fds[0], chunk, sizeof chunk)) > 0)
        buf_putn(&out, chunk, (size_t)got);
    close(fds[0]);
    int status = 1;
    if (rc == 0)
        waitpid(pid, &status, 0);
    bool ok = rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok)
        keep_lines(p, out.len ? buf_cstr(&out) : "waymark: the build failed");
    buf_free(&out);
    return ok;
}

bool preview_refresh(preview_t *p)
{
    unsigned long long now = preview_fingerprint(p->site_dir);
    if (p->built && now == p->fingerprint)
        return p->ok;
    clear_errors(p);
    p->ok = run_build(p);
    p->built = true;
    /* Taken before the build: an edit during the build triggers another. */
    p->fingerprint = now;
    if (p->ok)
        fprintf(stderr, "waymark: rebuilt %s\n", p->site_dir);
    else
        fprintf(stderr, "waymark: the build of %s failed (%zu lines)\n", p->site_dir, p->nerrors);
    return p->ok;
}

const char *const *preview_errors(const preview_t *p, size_t *n)
{
    *n = p->nerrors;
    return (const char *const *)p->errors;
}
