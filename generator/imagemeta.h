/* imagemeta: removes metadata from JPEG and PNG files, byte for byte.
 *
 * A photo's metadata (EXIF with GPS position, camera serial number, date,
 * the author's name, XMP, comments, an embedded thumbnail of the uncropped
 * picture) can unmask the person who took it. This is a segment / chunk
 * filter: the image data is copied unchanged, never decoded or
 * re-encoded, so no pixel changes and no decoder bug can be triggered.
 *
 *   JPEG  keeps SOI, APP0 (JFIF), APP14 "Adobe" (colour transform: without
 *         it CMYK images invert), DQT, DHT, SOFn, DRI, SOS and the entropy-
 *         coded data, EOI; drops APP1..APP15 (EXIF, XMP, ICC profile,
 *         Photoshop IPTC, ...), COM and anything after EOI.
 *   PNG   keeps the critical chunks (IHDR, PLTE, IDAT, IEND, and any other
 *         critical one) and tRNS, gAMA, cHRM, sRGB, pHYs; drops tEXt, zTXt,
 *         iTXt, eXIf, tIME, iCCP and every other ancillary chunk, and
 *         anything after IEND.
 * A file that is not well formed is refused (it might hide metadata where
 * the filter does not look). */
#ifndef WAYMARK_IMAGEMETA_H
#define WAYMARK_IMAGEMETA_H

#include <stdbool.h>
#include <stddef.h>

/* Whether name ends in .jpg, .jpeg or .png (any case). */
bool imagemeta_handles(const char *name);
/* Whether name is another image type whose metadata is not removed (.gif,
 * .webp, .tif, .tiff, .heic, .avif), so the build can warn. */
bool imagemeta_unhandled_image(const char *name);

/* The file without its metadata (caller frees; *out_len set), or NULL with
 * *why set (static text). The type is taken from the bytes, not the name. */
unsigned char *imagemeta_strip(const unsigned char *data, size_t len, size_t *out_len,
                               const char **why);

#endif
