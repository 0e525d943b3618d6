#include "path.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

char *path_join(const char *a, const char *b)
{
    if (!a || !*a)
        return xstrdup(b);
    if (!b || !*b)
        return xstrdup(a);
    size_t la = strlen(a);
    if (a[la - 1] == '/')
        return xasprintf("%s%s", a, b);
    return xasprintf("%s/%s", a, b);
}

char *path_dirname(const char *p)
{
    const char *slash = strrchr(p, '/');
    return slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup("");
}

const char *path_basename(const char *p)
{
    const char *slash = strrchr(p, '/');
    return slash ? slash + 1 : p;
}

const char *path_extension(const char *p)
{
    const char *base = path_basename(p);
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot : base + strlen(base);
}

bool path_has_extension(const char *p, const char *ext)
{
    return strcmp(path_extension(p), ext) == 0;
}

bool path_normalize_in_place(char *p)
{
    size_t n = strlen(p);
    bool rooted = p[0] == '/', trailing = n && p[n - 1] == '/';
    char *start = p + rooted, *w = start; /* the kept segments: start..w */
    size_t count = 0;
    const char *s = p;
    while (*s) {
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (count == 0)
                return false;
            count--;
            while (w > start && w[-1] != '/')
                w--;
            if (w > start)
                w--; /* and the slash before the dropped segment */
        } else if (len > 0 && !(len == 1 && s[0] == '.')) {
            if (count++)
                *w++ = '/';
            memmove(w, s, len); /* w never passes s: segments only drop */
            w += len;
        }
        s += len;
        if (*s == '/')
            s++;
    }
    if (trailing && count)
        *w++ = '/';
    *w = '\0';
    return true;
}

char *path_normalize(const char *p)
{
    char *copy = xstrdup(p);
    if (path_normalize_in_place(copy))
        return copy;
    free(copy);
    return NULL;
}

char *path_relative_url(const char *from_out_path, const char *to_out_path)
{
    /* Skip the directories both paths share, then climb out of the rest of
     * from's directories. */
    size_t common = 0;
    for (size_t i = 0; from_out_path[i] && from_out_path[i] == to_out_path[i]; i++)
        if (from_out_path[i] == '/')
            common = i + 1;
    buf_t out = BUF_INIT;
    for (const char *s = from_out_path + common; *s; s++)
        if (*s == '/')
            buf_puts(&out, "../");
    buf_puts(&out, to_out_path + common);
    if (out.len == 0)
        buf_puts(&out, "./");
    return buf_detach(&out);
}

bool path_url_is_absolute(const char *url)
{
    if (url[0] == '/' && url[1] == '/')
        return true;
    if (!isalpha((unsigned char)url[0]))
        return false;
    for (const char *s = url + 1; *s; s++) {
        if (*s == ':')
            return true;
        if (!isalnum((unsigned char)*s) && *s != '+' && *s != '-' && *s != '.')
            return false;
    }
    return false;
}

char *path_url_encode(const char *p)
{
    static const char unsafe[] = " \"#%<>?[\\]^`{|}";
    buf_t out = BUF_INIT;
    for (const unsigned char *s = (const unsigned char *)p; *s; s++) {
        if (*s < 0x20 || *s == 0x7f || strchr(unsafe, *s))
            buf_printf(&out, "%%%02X", *s);
        else
            buf_putc(&out, (char)*s);
    }
    if (!out.len)
        buf_puts(&out, "");
    return buf_detach(&out);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int path_percent_byte(const char *s, size_t n)
{
    if (n < 3 || s[0] != '%')
        return -1;
    int hi = hex_digit(s[1]), lo = hex_digit(s[2]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

void path_percent_decode_into(buf_t *out, const char *s, size_t n)
{
    buf_puts(out, "");
    for (size_t i = 0; i < n; i++) {
        int byte = path_percent_byte(s + i, n - i);
        if (byte >= 0) {
            buf_putc(out, (char)byte);
            i += 2;
        } else {
            buf_putc(out, s[i]);
        }
    }
}

char *path_percent_decode(const char *s, size_t n)
{
    buf_t out = BUF_INIT;
    path_percent_decode_into(&out, s, n);
    return buf_detach(&out);
}
