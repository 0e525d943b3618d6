#include "imagemeta.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "path.h"

static const unsigned char PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static bool has_extension_ci(const char *name, const char *const *exts)
{
    const char *ext = path_extension(name);
    for (; *exts; exts++)
        if (!strcasecmp(ext, *exts))
            return true;
    return false;
}

bool imagemeta_handles(const char *name)
{
    static const char *const exts[] = {".jpg", ".jpeg", ".png", NULL};
    return has_extension_ci(name, exts);
}

bool imagemeta_unhandled_image(const char *name)
{
    static const char *const exts[] = {".gif", ".webp", ".tif", ".tiff", ".heic", ".avif", NULL};
    return has_extension_ci(name, exts);
}

/* --- JPEG ------------------------------------------------------------------------ */

/* APP14 "Adobe" holds the colour transform flag, nothing about a person. */
static bool keep_jpeg_segment(unsigned marker, const unsigned char *body, size_t n)
{
    if (marker == 0xFE)
        return false; /* COM */
    if (marker == 0xEE)
        return n >= 5 && !memcmp(body, "Adobe", 5);
    return marker < 0xE1 || marker > 0xEF;
}

/* Copies entropy-coded data from s[i] up to the next marker (not a
 * stuffed 0xFF00 or a restart marker); returns where that marker starts. */
static size_t copy_scan(const unsigned char *s, size_t len, size_t i, buf_t *out)
{
    size_t start = i;
    while (i + 1 < len) {
        if (s[i] == 0xFF && s[i + 1] != 0x00 && !(s[i + 1] >= 0xD0 && s[i + 1] <= 0xD7) &&
            s[i + 1] != 0xFF)
            break;
        i++;
    }
    if (i + 1 >= len)
        i = len;
    buf_putn(out, (const char *)s + start, i - start);
    return i;
}

static unsigned char *strip_jpeg(const unsigned char *s, size_t len, size_t *out_len,
                                 const char **why)
{
    buf_t out = BUF_INIT;
    buf_putn(&out, (const char *)s, 2); /* SOI */
    size_t i = 2;
    bool ended = false;
    while (!ended) {
        while (i < len && s[i] == 0xFF && i + 1 < len && s[i + 1] == 0xFF)
            i++; /* fill bytes */
        if (i + 1 >= len || s[i] != 0xFF) {
            *why = "not a well-formed JPEG (a segment does not start with a marker)";
            break;
        }
        unsigned marker = s[i + 1];
        if (marker == 0xD9) { /* EOI: anything after it is dropped */
            buf_putn(&out, (const char *)s + i, 2);
            ended = true;
            break;
        }
        if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
            buf_putn(&out, (const char *)s + i, 2);
            i += 2;
            continue;
        }
        if (i + 4 > len) {
            *why = "not a well-formed JPEG (cut short)";
            break;
        }
        size_t seg = ((size_t)s[i + 2] << 8) | s[i + 3];
        if (seg < 2 || i + 2 + seg > len) {
            *why = "not a well-formed JPEG (a segment runs past the end)";
            break;
        }
        if (keep_jpeg_segment(marker, s + i + 4, seg - 2))
            buf_putn(&out, (const char *)s + i, 2 + seg);
        i += 2 + seg;
        if (marker == 0xDA) /* SOS: the compressed data follows */
            i = copy_scan(s, len, i, &out);
    }
    if (!ended) {
        buf_free(&out);
        return NULL;
    }
    *out_len = out.len;
    return (unsigned char *)buf_detach(&out);
}

/* --- PNG ------------------------------------------------------------------------- */

static bool keep_png_chunk(const unsigned char type[4])
{
    static const char *const kept[] = {"tRNS", "gAMA", "cHRM", "sRGB", "pHYs", NULL};
    if (!(type[0] & 0x20))
        return true; /* critical: the image cannot be read without it */
    for (const char *const *k = kept; *k; k++)
        if (!memcmp(type, *k, 4))
            return true;
    return false;
}

static unsigned char *strip_png(const unsigned char *s, size_t len, size_t *out_len,
                                const char **why)
{
    buf_t out = BUF_INIT;
    buf_putn(&out, (const char *)s, sizeof PNG_SIGNATURE);
    size_t i = sizeof PNG_SIGNATURE;
    bool ended = false;
    while (!ended) {
        if (i + 12 > len) {
            *why = "not a well-formed PNG (cut short before IEND)";
            break;
        }
        uint32_t n = ((uint32_t)s[i] << 24) | ((uint32_t)s[i + 1] << 16) |
                     ((uint32_t)s[i + 2] << 8) | s[i + 3];
        if (n > 0x7FFFFFFFu || (size_t)n > len - i - 12) {
            *why = "not a well-formed PNG (a chunk runs past the end)";
            break;
        }
        const unsigned char *type = s + i + 4;
        if (keep_png_chunk(type))
            buf_putn(&out, (const char *)s + i, 12 + (size_t)n);
        ended = !memcmp(type, "IEND", 4);
        i += 12 + (size_t)n;
    }
    if (!ended) {
        buf_free(&out);
        return NULL;
    }
    *out_len = out.len;
    return (unsigned char *)buf_detach(&out);
}

unsigned char *imagemeta_strip(const unsigned char *data, size_t len, size_t *out_len,
                               const char **why)
{
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return strip_jpeg(data, len, out_len, why);
    if (len >= sizeof PNG_SIGNATURE && !memcmp(data, PNG_SIGNATURE, sizeof PNG_SIGNATURE))
        return strip_png(data, len, out_len, why);
    *why = "neither a JPEG nor a PNG file, whatever its name says";
    return NULL;
}
