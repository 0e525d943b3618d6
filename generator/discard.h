/* discard: replaces files by rename and removes the replaced ones on
 * threads of their own.
 *
 * Freeing a large file's blocks is slow: ext4 takes about 25 ms to free
 * a 57 MB zip, inside the rename that replaces it. A build publishing a
 * new zip need not wait for that. discard_rename links the old file to a
 * temporary name first, so that the rename frees nothing, and removes it
 * in the background; discard_free waits for every removal. A build killed
 * meanwhile leaves "NAME.old.tmp-PID", which the next build sweeps
 * (fs_remove_stale_temps). */
#ifndef WAYMARK_DISCARD_H
#define WAYMARK_DISCARD_H

typedef struct discard discard_t;

discard_t *discard_new(void); /* free with discard_free */
/* rename(from, to); the file to was (if any) is removed in the background.
 * 0, or -1 with errno, as rename gives. A NULL d renames plainly. */
int discard_rename(discard_t *d, const char *from, const char *to);
/* Waits for the removals, then frees d (NULL: nothing). */
void discard_free(discard_t *d);

#endif
