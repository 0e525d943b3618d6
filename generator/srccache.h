/* srccache: what loading a page kept from its file, kept between builds
 * (out/.cache/sources.cache).
 *
 * Loading a page reads its whole file: the front matter to model the page,
 * the body to hash it (the Markdown cache's key). On a rebuild most files
 * are unchanged, and reading thousands of them was a fifth of the
 * rebuild's time. An entry holds a file's front matter, parsed (the tree
 * in fm_encode's bytes: parsing YAML was the largest part of loading what
 * was kept), how long the front matter is, how long its body is, where it
 * starts and the body's SHA-256, under the file's size, modification and
 * change times (to the nanosecond), inode and device: a file whose status
 * is the same is modelled from the entry without being opened. The change
 * time moves on every write, even one that puts the modification time
 * back.
 *
 * The file names the waymark version and ends with a SHA-256 of the rest;
 * a missing, foreign or damaged file is ignored (every page is read). Only
 * a successful build writes it, with the entries this build noted. Finds
 * and notes may come from any thread. */
#ifndef WAYMARK_SRCCACHE_H
#define WAYMARK_SRCCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct {
    char *path;          /* as the build names it: content/en/a.md */
    uint64_t size, ino, dev;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
    char *tree;          /* its front matter, parsed (fm_encode), '\0' after it */
    size_t tree_len;
    size_t front_len;    /* the bytes before its body */
    size_t body_len;
    int body_line;
    unsigned char body_digest[32];
} srccache_entry;

typedef struct srccache srccache_t;

/* Reads cache_dir/sources.cache for this waymark version; never NULL. */
srccache_t *srccache_open(const char *cache_dir, const char *version);
/* The entry for path, or NULL (borrowed until srccache_loaded). NULL c
 * gives NULL. Look the path up first: a page without an entry needs no
 * stat before it is read. */
const srccache_entry *srccache_lookup(const srccache_t *c, const char *path);
/* Whether e was made when its file had status st. */
bool srccache_matches(const srccache_entry *e, const struct stat *st);
/* Both: the entry for path made when the file had status st, or NULL. */
const srccache_entry *srccache_find(const srccache_t *c, const char *path, const struct stat *st);
/* Notes e for the next file (its strings are copied, unless they are
 * those of an entry found); st is the file's status when it was read.
 * NULL c does nothing. */
void srccache_note(srccache_t *c, const srccache_entry *e);
/* The pages are loaded: frees the file's entries (found ones included). */
void srccache_loaded(srccache_t *c);
/* Writes the noted entries to cache_dir/sources.cache: 0 or -1. In two
 * steps, so the writing can overlap the rest of the build while the file
 * still follows its outcome: srccache_save_write writes them beside it
 * (once the pages are loaded), srccache_save_commit puts that in place
 * (keep) or removes it. */
int srccache_save_write(srccache_t *c);
int srccache_save_commit(srccache_t *c, bool keep);
int srccache_save(srccache_t *c);
void srccache_free(srccache_t *c);

/* Fills e's status fields from st. */
void srccache_set_status(srccache_entry *e, const struct stat *st);

#endif
