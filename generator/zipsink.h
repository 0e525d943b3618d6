/* zipsink: the file minizip writes a bundle into, its last bytes held in
 * memory.
 *
 * When minizip closes an entry it goes back to the entry's local header
 * to fill in the CRC and sizes, then on to the end again. Through stdio
 * each of those seeks flushes the buffer: four system calls per entry,
 * most of a rebuild's bundle time. Here the header is usually still in
 * the buffer and is patched there; one that is not (an entry larger than
 * the buffer) is patched on disk. The file's bytes are the same. */
#ifndef WAYMARK_ZIPSINK_H
#define WAYMARK_ZIPSINK_H

#include <zip.h>

/* Fills io for zipOpen2_64(path, APPEND_STATUS_CREATE, NULL, io): the
 * file at path is created (or truncated) and written through a sink.
 * Reading is not supported. */
void zipsink_io(zlib_filefunc64_def *io);

#endif
