#include "discard.h"

#include <errno.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <unistd.h>

#include "fs.h"
#include "pool.h"
#include "xalloc.h"

/* One replaced file, removed on its own thread. */
typedef struct removal {
    char *path;
    pool_background thread;
    struct removal *next;
} removal;

struct discard {
    removal *removals; /* newest first */
};

discard_t *discard_new(void) { return xcalloc(1, sizeof(discard_t)); }

static void *remove_main(void *arg)
{
    unlink(((removal *)arg)->path); /* a file left behind is swept later */
    return NULL;
}

int discard_rename(discard_t *d, const char *from, const char *to)
{
    if (!d)
        return rename(from, to);
    char *old_name = xasprintf("%s.old", to);
    char *kept = fs_temp_path(old_name);
    free(old_name);
    unlink(kept); /* one a killed build of this pid left */
    bool linked = link(to, kept) == 0;
    if (rename(from, to) < 0) {
        int saved = errno;
        if (linked)
            unlink(kept);
        free(kept);
        errno = saved;
        return -1;
    }
    if (!linked) { /* nothing replaced, or no links here: nothing to do */
        free(kept);
        return 0;
    }
    removal *r = xcalloc(1, sizeof *r);
    r->path = kept;
    r->next = d->removals;
    d->removals = r;
    pool_background_start(&r->thread, remove_main, r);
    return 0;
}

void discard_free(discard_t *d)
{
    if (!d)
        return;
    for (removal *r = d->removals, *next; r; r = next) {
        next = r->next;
        pool_background_join(&r->thread);
        free(r->path);
        free(r);
    }
    free(d);
}
