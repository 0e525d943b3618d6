#define _GNU_SOURCE /* memmem */
#include "style.h"

#include <sass.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "fs.h"
#include "htmltok.h"
#include "path.h"
#include "xalloc.h"

/* Shows a libsass file name as the site-relative theme path it came from. */
static char *display_name(const char *file, const char *const *theme_dirs,
                          const char *const *display_dirs)
{
    for (size_t i = 0; file && theme_dirs[i]; i++) {
        size_t n = strlen(theme_dirs[i]);
        if (!strncmp(file, theme_dirs[i], n) && file[n] == '/')
            return path_join(display_dirs[i], file + n + 1);
    }
    return xstrdup(file && strcmp(file, "stdin") ? file : "site.lua (theme_vars)");
}

/* The stylesheet obeys the output rules like every page: nothing in it may
 * load anything from elsewhere. A theme's SCSS or a theme_vars value
 * (accent = "url(//x)") could write such CSS; htmlscan never sees the
 * stylesheet, so it is checked here. Returns css, or NULL (freed). */
static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void put_utf8(buf_t *out, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        buf_putc(out, (char)cp);
    } else if (cp < 0x800) {
        buf_putc(out, (char)(0xC0 | cp >> 6));
        buf_putc(out, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_putc(out, (char)(0xE0 | cp >> 12));
        buf_putc(out, (char)(0x80 | (cp >> 6 & 0x3F)));
        buf_putc(out, (char)(0x80 | (cp & 0x3F)));
    } else {
        buf_putc(out, (char)(0xF0 | cp >> 18));
        buf_putc(out, (char)(0x80 | (cp >> 12 & 0x3F)));
        buf_putc(out, (char)(0x80 | (cp >> 6 & 0x3F)));
        buf_putc(out, (char)(0x80 | (cp & 0x3F)));
    }
}

/* CSS with its backslash escapes decoded (CSS Syntax 4.3.7), so that
 * u\72l( is judged as url( while content: "\203A" stays allowed. */
static void decode_css_escapes(const char *s, buf_t *out)
{
    while (*s) {
        if (*s != '\\') {
            buf_putc(out, *s++);
            continue;
        }
        s++;
        if (hex_value(*s) >= 0) {
            unsigned long cp = 0;
            for (int i = 0; i < 6 && hex_value(*s) >= 0; i++)
                cp = cp * 16 + (unsigned long)hex_value(*s++);
            if (*s == ' ' || *s == '\t' || *s == '\n')
                s++;
            put_utf8(out, cp);
        } else if (*s == '\n') {
            s++;
        } else if (*s) {
            buf_putc(out, *s++);
        }
    }
}

static bool starts_ci(const char *s, const char *word)
{
    return strncasecmp(s, word, strlen(word)) == 0;
}

/* The argument of url( or src( at p (after the parenthesis) stays on the
 * site. Selectors and strings may name other sites (a[href^="http://"]
 * in the print style); only what loads something is judged. */
static bool relative_argument(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    char quote = *p == '"' || *p == '\'' ? *p++ : 0;
    const char *end = p;
    while (*end && *end != (quote ? quote : ')'))
        end++;
    char scheme[HTMLTOK_SCHEME_MAX];
    return htmltok_url_classify(p, (size_t)(end - p), scheme) == URL_RELATIVE &&
           !memmem(p, (size_t)(end - p), "//", 2);
}

/* What in a decoded stylesheet could load or run something, or NULL. */
static const char *stylesheet_problem(const char *css)
{
    for (const char *p = css; *p; p++) {
        if (starts_ci(p, "@import"))
            return "@import (the stylesheet must be one file)";
        if (starts_ci(p, "expression(") || starts_ci(p, "behavior") || starts_ci(p, "-moz-binding"))
            return "a script-capable CSS feature (expression, behavior, -moz-binding)";
        if (starts_ci(p, "image-set("))
            return "image-set() (use url() with a file of the site)";
        if ((starts_ci(p, "url(") && !relative_argument(p + 4)) ||
            (starts_ci(p, "src(") && !relative_argument(p + 4)))
            return "a url() that is not a relative URL of the site";
    }
    return NULL;
}

static char *check_css(char *css, const char *entry_shown, diags_t *d)
{
    buf_t decoded = BUF_INIT;
    decode_css_escapes(css, &decoded);
    const char *problem = stylesheet_problem(buf_cstr(&decoded));
    buf_free(&decoded);
    if (!problem)
        return css;
    diag_error(d, entry_shown, 0, 0,
               "the compiled stylesheet breaks the output rules: %s (from the theme's SCSS or "
               "site.lua's theme_vars)", problem);
    free(css);
    return NULL;
}

/* Every @import is judged before libsass reads anything: an absolute
 * path, a "..", a URL or a home folder could read any file on the machine
 * into the stylesheet or an error message (@import "/etc/passwd" printed
 * its first line). A refused import is replaced by empty text and named
 * in *cookie (caller frees) for style_compile to report: an import with
 * an error set would leak inside libsass 3.6. Returning NULL lets libsass
 * resolve the import inside the theme's scss/ folders as usual. */
static Sass_Import_List refuse_outside_imports(const char *path, Sass_Importer_Entry cb,
                                               struct Sass_Compiler *compiler)
{
    (void)compiler;
    size_t n = strlen(path);
    bool outside = path[0] == '/' || path[0] == '~' || strchr(path, ':') || strchr(path, '\\') ||
                   !strcmp(path, "..") || !strncmp(path, "../", 3) || strstr(path, "/../") ||
                   (n >= 3 && !strcmp(path + n - 3, "/.."));
    if (!outside)
        return NULL;
    char **refused = sass_importer_get_cookie(cb);
    if (!*refused)
        *refused = xstrdup(path);
    Sass_Import_List list = sass_make_import_list(1);
    list[0] = sass_make_import_entry(path, sass_copy_c_string(""), NULL);
    return list;
}

char *style_compile(const char *const *theme_dirs, const char *const *display_dirs,
                    const char *scss_vars, diags_t *d)
{
    buf_t include = BUF_INIT, source = BUF_INIT;
    bool found = false;
    char *entry_shown = NULL;
    for (size_t i = 0; theme_dirs[i]; i++) {
        char *dir = path_join(theme_dirs[i], "scss");
        char *entry = path_join(dir, "main.scss");
        if (!found && fs_is_file(entry))
            entry_shown = path_join(display_dirs[i], "scss/main.scss");
        found = found || fs_is_file(entry);
        if (fs_is_dir(dir)) {
            if (include.len)
                buf_putc(&include, ':');
            buf_puts(&include, dir);
        }
        free(entry);
        free(dir);
    }
    if (!found) {
        diag_error(d, display_dirs[0], 0, 0, "the theme has no scss/main.scss");
        buf_free(&include);
        return NULL;
    }
    buf_puts(&source, scss_vars);
    buf_puts(&source, "@import \"main\";\n");

    struct Sass_Data_Context *data = sass_make_data_context(sass_copy_c_string(buf_cstr(&source)));
    struct Sass_Options *options = sass_data_context_get_options(data);
    sass_option_set_output_style(options, SASS_STYLE_COMPRESSED);
    sass_option_set_precision(options, 5);
    sass_option_set_include_path(options, buf_cstr(&include));
    sass_option_set_omit_source_map_url(options, true);
    char *refused = NULL;
    Sass_Importer_List importers = sass_make_importer_list(1);
    importers[0] = sass_make_importer(refuse_outside_imports, 0, &refused);
    sass_option_set_c_importers(options, importers);
    sass_compile_data_context(data);
    struct Sass_Context *ctx = sass_data_context_get_context(data);
    char *css = NULL;
    if (sass_context_get_error_status(ctx)) {
        char *file = display_name(sass_context_get_error_file(ctx), theme_dirs, display_dirs);
        const char *text = sass_context_get_error_text(ctx);
        diag_error(d, file, (int)sass_context_get_error_line(ctx),
                   (int)sass_context_get_error_column(ctx), "%s", text ? text : "SCSS error");
        free(file);
    } else if (refused) {
        diag_error(d, entry_shown, 0, 0,
                   "@import \"%s\": an import must name a file of the theme's scss/ folders "
                   "(no absolute path, '..' or URL)", refused);
    } else {
        css = check_css(xstrdup(sass_context_get_output_string(ctx)), entry_shown, d);
    }
    free(refused);
    free(entry_shown);
    sass_delete_data_context(data);
    buf_free(&include);
    buf_free(&source);
    return css;
}
