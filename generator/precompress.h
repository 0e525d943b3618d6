/* precompress: deterministic .gz siblings for nginx's gzip_static.
 *
 * With `waymark build --precompress`, every .html .css .xml .json .csv and
 * .txt file of the site gets a file.gz beside it, put into the new site
 * like every other file, so the .gz files are in out/site and in the zip (listed in
 * SHA256SUMS and checked by `waymark verify` like any file). The gzip
 * header holds no file name and no time (mtime 0, OS byte 255 "unknown"),
 * and the level is fixed (libdeflate's 9), so the same input always gives
 * the same bytes. A file that gzip would not make smaller gets no .gz. */
#ifndef WAYMARK_PRECOMPRESS_H
#define WAYMARK_PRECOMPRESS_H

#include <stddef.h>

#include "diag.h"
#include "output.h"

/* Gzips data; *out is owned by the caller. Returns 0, or -1 on failure. */
int precompress_gzip(const void *data, size_t len, unsigned char **out, size_t *out_len);

/* Puts a .gz sibling beside every file of the new site that wants one,
 * on jobs threads. Returns how many were written, or -1 after reporting. */
int precompress_output(output_t *out, size_t jobs, diags_t *d);

#endif
