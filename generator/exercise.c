#include "exercise.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

static const char *const KIND_NAMES[] = {"", "exercise", "reflection", "warning"};

static const exercise_labels ENGLISH = {"Exercise %d", "Reflection %d", "Take care"};

const char *exercise_kind_name(exercise_kind kind)
{
    return KIND_NAMES[kind];
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

exercise_kind exercise_kind_of(const char *info, const char **title, size_t *title_len)
{
    *title = "";
    *title_len = 0;
    if (!info)
        return EXERCISE_NONE;
    while (is_space(*info))
        info++;
    size_t word = strcspn(info, " \t");
    exercise_kind kind = EXERCISE_NONE;
    for (int k = EXERCISE_EXERCISE; k <= EXERCISE_WARNING; k++)
        if (strlen(KIND_NAMES[k]) == word && !strncmp(info, KIND_NAMES[k], word))
            kind = (exercise_kind)k;
    if (kind == EXERCISE_NONE)
        return kind;
    const char *t = info + word;
    while (is_space(*t))
        t++;
    size_t n = strlen(t);
    while (n > 0 && is_space(t[n - 1]))
        n--;
    *title = t;
    *title_len = n;
    return kind;
}

/* The text of 1-based line in text, without its line break. */
static const char *line_at(const char *text, size_t len, int line, size_t *line_len)
{
    const char *s = text, *end = text + len;
    for (int l = 1; l < line && s < end; l++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        s = nl ? nl + 1 : end;
    }
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    *line_len = (size_t)((nl ? nl : end) - s);
    if (*line_len && s[*line_len - 1] == '\r')
        (*line_len)--;
    return s;
}

/* Skips indentation and block-quote markers ("> > "). */
static const char *skip_containers(const char *s, const char *end)
{
    while (s < end && (is_space(*s) || *s == '>'))
        s++;
    return s;
}

/* The fence at the start of the line: its character and length (0 if none). */
static size_t fence_at(const char *s, const char *end, char *ch)
{
    s = skip_containers(s, end);
    if (s == end || (*s != '`' && *s != '~'))
        return 0;
    *ch = *s;
    size_t n = 0;
    while (s + n < end && s[n] == *ch)
        n++;
    return n >= 3 ? n : 0;
}

bool exercise_fence_closed(const char *text, size_t len, int open_line, int end_line)
{
    if (end_line <= open_line)
        return false;
    size_t open_len, close_len;
    const char *open = line_at(text, len, open_line, &open_len);
    const char *close = line_at(text, len, end_line, &close_len);
    char open_ch = 0, close_ch = 0;
    size_t want = fence_at(open, open + open_len, &open_ch);
    size_t got = fence_at(close, close + close_len, &close_ch);
    if (!want || !got || open_ch != close_ch || got < want)
        return false;
    const char *rest = skip_containers(close, close + close_len) + got;
    while (rest < close + close_len && is_space(*rest))
        rest++;
    return rest == close + close_len;
}

/* fmt with its "%d" (if any) replaced by n. */
static void put_numbered(buf_t *b, const char *fmt, int n)
{
    const char *hit = strstr(fmt, "%d");
    if (!hit) {
        buf_puts(b, fmt);
        return;
    }
    buf_putn(b, fmt, (size_t)(hit - fmt));
    buf_printf(b, "%d", n);
    buf_puts(b, hit + 2);
}

void exercise_set_label(exercise_t *ex, const exercise_labels *labels)
{
    if (!labels)
        labels = &ENGLISH;
    buf_t b = BUF_INIT;
    if (ex->kind == EXERCISE_WARNING && ex->title) {
        buf_puts(&b, ex->title); /* a callout's own title replaces the word */
    } else {
        const char *fmt = ex->kind == EXERCISE_REFLECTION ? labels->reflection
                          : ex->kind == EXERCISE_WARNING  ? labels->warning
                                                          : labels->exercise;
        put_numbered(&b, fmt, ex->number);
        if (ex->title) {
            buf_puts(&b, ": ");
            buf_puts(&b, ex->title);
        }
    }
    free(ex->label);
    ex->label = buf_detach(&b);
}

char *exercise_page_html(const exercise_t *ex, const char *id)
{
    buf_t b = BUF_INIT;
    const char *kind = exercise_kind_name(ex->kind);
    const char *label = ex->label ? ex->label : "";
    if (ex->kind == EXERCISE_WARNING) {
        /* A note, not a landmark: callouts sit inside the page's main. */
        buf_printf(&b, "<div class=\"callout callout-%s\" role=\"note\" aria-labelledby=\"", kind);
        buf_put_html(&b, id, strlen(id));
        buf_puts(&b, "\">\n<p class=\"callout-title\" id=\"");
        buf_put_html(&b, id, strlen(id));
        buf_puts(&b, "\"><strong>");
        buf_put_html(&b, label, strlen(label));
        buf_puts(&b, "</strong></p>\n");
        buf_puts(&b, ex->html ? ex->html : "");
        buf_puts(&b, "</div>\n");
        return buf_detach(&b);
    }
    buf_printf(&b, "<section class=\"exercise exercise-%s\" aria-labelledby=\"", kind);
    buf_put_html(&b, id, strlen(id));
    buf_puts(&b, "\">\n<h2 class=\"exercise-title\" id=\"");
    buf_put_html(&b, id, strlen(id));
    buf_puts(&b, "\">");
    buf_put_html(&b, label, strlen(label));
    buf_puts(&b, "</h2>\n");
    buf_puts(&b, ex->html ? ex->html : "");
    /* Room to write on paper; hidden on screen by the theme. */
    buf_puts(&b, "<div class=\"write-space\"></div>\n</section>\n");
    return buf_detach(&b);
}

/* The catalog's text for msgid in language l, else the default language's,
 * else the English msgid. */
static const char *label_text(catalog_t *const *catalogs, size_t l, const char *msgid)
{
    const char *s = catalogs && catalogs[l] ? catalog_get(catalogs[l], NULL, msgid) : NULL;
    if (!s && catalogs && catalogs[0])
        s = catalog_get(catalogs[0], NULL, msgid);
    return s ? s : msgid;
}

exercise_labels *exercise_labels_from_catalogs(catalog_t *const *catalogs, size_t n)
{
    exercise_labels *all = xcalloc(n ? n : 1, sizeof *all);
    for (size_t l = 0; l < n; l++)
        all[l] = (exercise_labels){label_text(catalogs, l, ENGLISH.exercise),
                                   label_text(catalogs, l, ENGLISH.reflection),
                                   label_text(catalogs, l, ENGLISH.warning)};
    return all;
}

void exercise_free_list(exercise_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].title);
        free(list[i].label);
        free(list[i].html);
    }
    free(list);
}
