#include "style.h"

#include <sass.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs.h"
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

char *style_compile(const char *const *theme_dirs, const char *const *display_dirs,
                    const char *scss_vars, diags_t *d)
{
    buf_t include = BUF_INIT, source = BUF_INIT;
    bool found = false;
    for (size_t i = 0; theme_dirs[i]; i++) {
        char *dir = path_join(theme_dirs[i], "scss");
        char *entry = path_join(dir, "main.scss");
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
    sass_compile_data_context(data);
    struct Sass_Context *ctx = sass_data_context_get_context(data);
    char *css = NULL;
    if (sass_context_get_error_status(ctx)) {
        char *file = display_name(sass_context_get_error_file(ctx), theme_dirs, display_dirs);
        const char *text = sass_context_get_error_text(ctx);
        diag_error(d, file, (int)sass_context_get_error_line(ctx),
                   (int)sass_context_get_error_column(ctx), "%s", text ? text : "SCSS error");
        free(file);
    } else {
        css = xstrdup(sass_context_get_output_string(ctx));
    }
    sass_delete_data_context(data);
    buf_free(&include);
    buf_free(&source);
    return css;
}
