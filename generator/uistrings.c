#include "uistrings.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs.h"
#include "path.h"
#include "xalloc.h"

/* The same names, in the same order, as render.c's date() asks for. */
static const char *const MONTHS[] = {"January", "February", "March", "April", "May", "June",
                                     "July", "August", "September", "October", "November",
                                     "December"};

typedef struct {
    const char *s, *end; /* the code being scanned */
    const char *text;    /* the whole file, for line numbers */
    const char *path;
    pot_t *pot;
    diags_t *d;
} scanner;

static int line_at(const scanner *sc, const char *at)
{
    int line = 1;
    for (const char *p = sc->text; p < at; p++)
        line += *p == '\n';
    return line;
}

static void skip_space(scanner *sc)
{
    while (sc->s < sc->end && isspace((unsigned char)*sc->s))
        sc->s++;
}

/* Level of a long bracket "[[" or "[==[" at s, or -1. */
static int long_bracket(const char *s, const char *end)
{
    if (s >= end || *s != '[')
        return -1;
    int level = 0;
    for (s++; s < end && *s == '='; s++)
        level++;
    return s < end && *s == '[' ? level : -1;
}

static void skip_long(scanner *sc, int level, buf_t *out)
{
    sc->s += level + 2;
    if (sc->s < sc->end && *sc->s == '\n')
        sc->s++; /* Lua skips a first newline */
    for (; sc->s < sc->end; sc->s++) {
        if (*sc->s == ']') {
            const char *p = sc->s + 1;
            int n = 0;
            while (p < sc->end && *p == '=')
                p++, n++;
            if (n == level && p < sc->end && *p == ']') {
                sc->s = p + 1;
                return;
            }
        }
        if (out)
            buf_putc(out, *sc->s);
    }
}

/* Reads a quoted string at sc->s (after the quote) into out (may be NULL). */
static void read_quoted(scanner *sc, char quote, buf_t *out)
{
    for (sc->s++; sc->s < sc->end && *sc->s != quote && *sc->s != '\n'; sc->s++) {
        char c = *sc->s;
        if (c == '\\' && sc->s + 1 < sc->end) {
            c = *++sc->s;
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'a': c = '\a'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'v': c = '\v'; break;
            case 'x':
                if (sc->s + 2 < sc->end && isxdigit((unsigned char)sc->s[1])
                    && isxdigit((unsigned char)sc->s[2])) {
                    char hex[3] = {sc->s[1], sc->s[2], 0};
                    c = (char)strtol(hex, NULL, 16);
                    sc->s += 2;
                }
                break;
            default:
                if (isdigit((unsigned char)c)) {
                    int v = 0, k = 0;
                    while (k < 3 && sc->s < sc->end && isdigit((unsigned char)*sc->s))
                        v = v * 10 + (*sc->s++ - '0'), k++;
                    sc->s--;
                    c = (char)v;
                }
            }
        }
        if (out)
            buf_putc(out, c);
    }
    if (sc->s < sc->end)
        sc->s++;
}

/* A string literal at sc->s into *out (caller frees); false when there is
 * none or it is followed by "..". */
static bool read_literal(scanner *sc, char **out)
{
    skip_space(sc);
    buf_t b = BUF_INIT;
    buf_puts(&b, "");
    int level;
    if (sc->s < sc->end && (*sc->s == '"' || *sc->s == '\''))
        read_quoted(sc, *sc->s, &b);
    else if ((level = long_bracket(sc->s, sc->end)) >= 0)
        skip_long(sc, level, &b);
    else {
        buf_free(&b);
        return false;
    }
    skip_space(sc);
    if (sc->s + 1 < sc->end && sc->s[0] == '.' && sc->s[1] == '.') {
        buf_free(&b);
        return false;
    }
    *out = buf_detach(&b);
    return true;
}

static bool accept(scanner *sc, char c)
{
    skip_space(sc);
    if (sc->s < sc->end && *sc->s == c) {
        sc->s++;
        return true;
    }
    return false;
}

/* At the "(" after t or tc, named at `at`. */
static void read_call(scanner *sc, bool with_context, const char *at)
{
    char *ctx = NULL, *id = NULL;
    int line = line_at(sc, at);
    sc->s++;
    bool ok = !with_context || (read_literal(sc, &ctx) && accept(sc, ','));
    ok = ok && read_literal(sc, &id);
    if (!ok) {
        diag_warning(sc->d, sc->path, line, 0,
                     "%s() with a text that is not a string literal cannot be extracted "
                     "for translators; write the text in quotes", with_context ? "tc" : "t");
    } else {
        bool plural = accept(sc, ',');
        pot_add(sc->pot, ctx, id, plural ? id : NULL, sc->path, line, NULL);
    }
    free(ctx);
    free(id);
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Scans Lua code between s and end. */
static void scan_code(scanner *sc)
{
    while (sc->s < sc->end) {
        char c = *sc->s;
        int level;
        if (c == '"' || c == '\'') {
            read_quoted(sc, c, NULL);
        } else if (c == '-' && sc->s + 1 < sc->end && sc->s[1] == '-') {
            sc->s += 2;
            if ((level = long_bracket(sc->s, sc->end)) >= 0)
                skip_long(sc, level, NULL);
            else
                while (sc->s < sc->end && *sc->s != '\n')
                    sc->s++;
        } else if ((level = long_bracket(sc->s, sc->end)) >= 0) {
            skip_long(sc, level, NULL);
        } else if (isalpha((unsigned char)c) || c == '_') {
            const char *start = sc->s, *before = start;
            while (sc->s < sc->end && ident_char(*sc->s))
                sc->s++;
            size_t n = (size_t)(sc->s - start);
            while (before > sc->text && (before[-1] == ' ' || before[-1] == '\t'))
                before--;
            bool member = before > sc->text && (before[-1] == '.' || before[-1] == ':');
            bool is_t = n == 1 && start[0] == 't', is_tc = n == 2 && !strncmp(start, "tc", 2);
            if ((is_t || is_tc) && !member) {
                skip_space(sc);
                if (sc->s < sc->end && *sc->s == '(')
                    read_call(sc, is_tc, start);
            }
        } else {
            sc->s++;
        }
    }
}

void uistrings_scan(const char *text, const char *path, pot_t *pot, diags_t *d)
{
    scanner sc = {NULL, NULL, text, path, pot, d};
    const char *p = text;
    while ((p = strchr(p, '{'))) {
        char kind = p[1];
        if (kind != '{' && kind != '%' && kind != '#') {
            p++;
            continue;
        }
        const char close[3] = {kind == '{' ? '}' : kind, '}', 0};
        const char *end = strstr(p + 2, close);
        if (!end)
            break; /* the template engine reports an unclosed tag */
        if (kind != '#') {
            sc.s = p + 2;
            sc.end = end;
            scan_code(&sc);
        }
        p = end + 2;
    }
}

typedef struct {
    char *rel;    /* the template's name below templates/ (owned) */
    size_t theme; /* the theme folder that supplies it */
} template_file;

static int compare_files(const void *a, const void *b)
{
    return strcmp(((const template_file *)a)->rel, ((const template_file *)b)->rel);
}

static bool listed(const template_file *files, size_t n, const char *rel)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(files[i].rel, rel))
            return true;
    return false;
}

void uistrings_collect(const char *const *theme_dirs, const char *const *theme_names, size_t n,
                       pot_t *pot, diags_t *d)
{
    template_file *files = NULL;
    size_t count = 0, cap = 0;
    for (size_t t = 0; t < n; t++) {
        char *dir = path_join(theme_dirs[t], "templates");
        fs_list_t list;
        if (fs_is_dir(dir) && fs_list_files(dir, &list) == 0) {
            for (size_t i = 0; i < list.len; i++) {
                if (!path_has_extension(list.paths[i], ".html") || listed(files, count, list.paths[i]))
                    continue;
                xgrow((void **)&files, &cap, count + 1, sizeof *files);
                files[count++] = (template_file){xstrdup(list.paths[i]), t};
            }
            fs_list_free(&list);
        }
        free(dir);
    }
    if (count)
        qsort(files, count, sizeof *files, compare_files);
    for (size_t k = 0; k < count; k++) {
        char *path = xasprintf("%s/templates/%s", theme_dirs[files[k].theme], files[k].rel);
        char *shown = xasprintf("%s/templates/%s", theme_names[files[k].theme], files[k].rel);
        char *text = NULL;
        size_t len;
        if (fs_read_file(path, &text, &len) == 0)
            uistrings_scan(text, shown, pot, d);
        else
            diag_error(d, shown, 0, 0, "cannot read: %s", strerror(errno));
        free(text);
        free(path);
        free(shown);
        free(files[k].rel);
    }
    free(files);
    for (size_t m = 0; m < 12; m++)
        pot_add(pot, "month", MONTHS[m], NULL, NULL, 0,
                "A month's name, as date() writes it for %B (and %b) in dates.");
}
