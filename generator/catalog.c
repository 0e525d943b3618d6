#include "catalog.h"

#include <errno.h>
#include <gettext-po.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "fs.h"
#include "plural.h"
#include "xalloc.h"

/* gettext's rule for a catalog without Plural-Forms (English-like). */
#define DEFAULT_PLURAL_FORMS "nplurals=2; plural=(n != 1);"
/* Plural-Forms is checked for these n at load time. */
#define PLURAL_CHECK_MAX 1000

typedef struct {
    catalog_entry pub;
    char **forms; /* msgstr[0..nforms-1] of a plural entry, owned; else NULL */
    int nforms;
} entry_t;

struct catalog {
    entry_t *entries; /* file order, owned */
    size_t len, cap;
    size_t *slots;    /* open addressing: entry index + 1, 0 = empty */
    size_t nslots;    /* a power of two, or 0 */
    plural_t *plural; /* never NULL */
    char **fuzzy;     /* keys (msgctxt '\004' msgid) of fuzzy entries, owned */
    size_t nfuzzy, fuzzy_cap;
};

/* ---- entry line numbers ------------------------------------------------
 *
 * libgettextpo does not expose the PO line of an entry, so the file is
 * scanned once: every line that starts (after blanks) with the keyword
 * msgctxt or msgid begins an entry, in the order libgettextpo lists them.
 * Obsolete entries ("#~ msgid") and previous strings ("#| msgid") start
 * with '#' and are not counted; continuation lines start with '"'. */

typedef struct {
    int start;    /* line of the entry's first keyword (msgctxt or msgid) */
    int msgid_at; /* line of its msgid keyword */
} entry_pos;

typedef struct {
    entry_pos *items;
    size_t len, cap;
} pos_list;

static bool starts_keyword(const char *s, const char *kw)
{
    size_t n = strlen(kw);
    return strncmp(s, kw, n) == 0 && (s[n] == ' ' || s[n] == '\t' || s[n] == '"');
}

static void scan_entry_lines(const char *text, pos_list *out)
{
    int line = 1, ctxt_line = 0;
    for (const char *s = text; *s; line++) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (starts_keyword(s, "msgctxt")) {
            ctxt_line = line;
        } else if (starts_keyword(s, "msgid")) {
            xgrow((void **)&out->items, &out->cap, out->len + 1, sizeof *out->items);
            out->items[out->len++] = (entry_pos){ctxt_line ? ctxt_line : line, line};
            ctxt_line = 0;
        }
        s = strchr(s, '\n');
        if (!s)
            break;
        s++;
    }
}

/* Forgets the entry whose msgid is at line (libgettextpo dropped it). */
static void drop_entry_at(pos_list *pos, int line)
{
    for (size_t i = 0; i < pos->len; i++)
        if (pos->items[i].msgid_at == line) {
            memmove(&pos->items[i], &pos->items[i + 1],
                    (pos->len - i - 1) * sizeof *pos->items);
            pos->len--;
            return;
        }
}

/* ---- reading with libgettextpo -----------------------------------------
 *
 * libgettextpo keeps its error handler and parser state in globals and its
 * handler gets no user pointer, so loads are serialised by one mutex and
 * the handler finds its load through `current`. Parse errors arrive with
 * PO_SEVERITY_ERROR and parsing goes on, so one load reports them all.
 * The library raises PO_SEVERITY_FATAL_ERROR only for an I/O error during
 * the read, or to summarise parse errors when the handler bumps glibc's
 * error_message_count (ours does not: errors are counted in diags_t).
 * A fatal handler must not return, so ours longjmps back to read_po();
 * the library's partial state for that file is then leaked (rare, and the
 * build fails anyway). The file is read by us first, for the line scan,
 * so unreadable paths never reach libgettextpo. */

typedef struct {
    int line, col;
    char *text;         /* owned */
    po_message_t first; /* the first definition, borrowed from the po file */
    int first_line;     /* its line, once collect_entries has placed it */
} duplicate;

typedef struct {
    diags_t *d;
    const char *display_path;
    duplicate *dups; /* reported after the entries have line numbers */
    size_t ndups, dups_cap;
    jmp_buf fatal;
} load_ctx;

static pthread_mutex_t po_lock = PTHREAD_MUTEX_INITIALIZER;
static load_ctx *current; /* guarded by po_lock */

/* One line of text from a library message (which may span several). */
static char *flatten_message(const char *text)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "");
    for (const char *s = text ? text : ""; *s; s++) {
        if (*s != '\n')
            buf_putc(&b, *s);
        else if (s[1])
            buf_putc(&b, ' ');
    }
    return buf_detach(&b);
}

static int to_line(const char *filename, size_t lineno)
{
    return filename && lineno != (size_t)-1 && lineno <= INT32_MAX ? (int)lineno : 0;
}

static int to_col(const char *filename, size_t lineno, size_t column)
{
    if (!to_line(filename, lineno) || column == (size_t)-1 || column > INT32_MAX)
        return 0;
    return (int)column;
}

static void on_xerror(int severity, po_message_t message, const char *filename, size_t lineno,
                      size_t column, int multiline_p, const char *message_text)
{
    (void)message, (void)multiline_p;
    load_ctx *ctx = current;
    int line = to_line(filename, lineno), col = to_col(filename, lineno, column);
    /* The lexer has already counted the newline that ends an unterminated
     * string (msgfmt shows the next line too); point at the string's line. */
    if (line > 1 && message_text && strcmp(message_text, "end-of-line within string") == 0)
        line--;
    char *msg = flatten_message(message_text);
    if (severity == PO_SEVERITY_WARNING)
        diag_warning(ctx->d, ctx->display_path, line, col, "%s", msg);
    else
        diag_error(ctx->d, ctx->display_path, line, col, "%s", msg);
    free(msg);
    if (severity == PO_SEVERITY_FATAL_ERROR)
        longjmp(ctx->fatal, 1);
}

/* Two-message problems are duplicate definitions: the second position is
 * given without a usable line, so the report waits until our line scan
 * has placed message2 (the first definition). */
static void on_xerror2(int severity, po_message_t message1, const char *filename1,
                       size_t lineno1, size_t column1, int multiline_p1,
                       const char *message_text1, po_message_t message2,
                       const char *filename2, size_t lineno2, size_t column2,
                       int multiline_p2, const char *message_text2)
{
    (void)message1, (void)multiline_p1, (void)multiline_p2;
    (void)filename2, (void)lineno2, (void)column2, (void)message_text2;
    load_ctx *ctx = current;
    if (severity == PO_SEVERITY_WARNING) {
        on_xerror(severity, message1, filename1, lineno1, column1, 0, message_text1);
        return;
    }
    xgrow((void **)&ctx->dups, &ctx->dups_cap, ctx->ndups + 1, sizeof *ctx->dups);
    ctx->dups[ctx->ndups++] = (duplicate){to_line(filename1, lineno1),
                                          to_col(filename1, lineno1, column1),
                                          flatten_message(message_text1), message2, 0};
    if (severity == PO_SEVERITY_FATAL_ERROR)
        longjmp(ctx->fatal, 1);
}

static const struct po_xerror_handler handler = {on_xerror, on_xerror2};

/* po_file_read under the fatal-error guard; NULL after a fatal error. Call
 * with po_lock held and current set. Nothing here is modified between
 * setjmp and a longjmp, so no local needs to be volatile. */
static po_file_t read_po(const char *path)
{
    if (setjmp(current->fatal) != 0)
        return NULL;
    return po_file_read(path, &handler);
}

/* LeakSanitizer reads this hook in -fsanitize builds only (nothing calls
 * it otherwise). libgettextpo 0.21 leaks a copy of the file name on every
 * read (lex_start) and a token on every syntax error (the PO grammar's
 * error recovery, and a string list grown with libgettextpo_xrealloc on
 * some syntax errors: found by tests/fuzz/fuzz_catalog); none is
 * reachable through its API. The library has
 * no frame pointers, so with ASan's default fast unwinder a leak's stack
 * ends at libgettextpo_xmalloc and only that frame can be matched: this
 * hides every leak of library-allocated memory. catalog.c was checked to
 * free all of its own with ASAN_OPTIONS=fast_unwind_on_malloc=0 and only
 * the two patterns in the comment above suppressed. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libgettextpo_xmalloc\nleak:libgettextpo_xrealloc\n";
}

/* libgettextpo 0.21 does not free msgctxt strings in po_file_free;
 * clearing them first through the public API frees them, and stays
 * correct with versions that fix the leak. */
static void free_po_file(po_file_t file)
{
    po_message_iterator_t it = po_message_iterator(file, NULL);
    for (po_message_t m; (m = po_next_message(it));)
        if (po_message_msgctxt(m))
            po_message_set_msgctxt(m, NULL);
    po_message_iterator_free(it);
    po_file_free(file);
}

/* ---- building the catalog ---------------------------------------------- */

static bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, need;
        uint32_t cp, min;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            need = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        p++;
        for (unsigned i = 0; i < need; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (*p & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
    }
    return true;
}

static bool entry_utf8_valid(po_message_t m)
{
    const char *ctxt = po_message_msgctxt(m), *plural = po_message_msgid_plural(m);
    if ((ctxt && !utf8_valid(ctxt)) || !utf8_valid(po_message_msgid(m))
        || (plural && !utf8_valid(plural)) || !utf8_valid(po_message_msgstr(m)))
        return false;
    for (int i = 0; plural && po_message_msgstr_plural(m, i); i++)
        if (!utf8_valid(po_message_msgstr_plural(m, i)))
            return false;
    return true;
}

static void add_entry(catalog_t *c, po_message_t m, int line)
{
    xgrow((void **)&c->entries, &c->cap, c->len + 1, sizeof *c->entries);
    entry_t *e = &c->entries[c->len++];
    *e = (entry_t){{xstrdup(po_message_msgctxt(m)), xstrdup(po_message_msgid(m)),
                    xstrdup(po_message_msgid_plural(m)), xstrdup(po_message_msgstr(m)), line},
                   NULL, 0};
    if (!e->pub.msgid_plural)
        return;
    while (po_message_msgstr_plural(m, e->nforms))
        e->nforms++;
    e->forms = xcalloc((size_t)e->nforms + 1, sizeof *e->forms);
    for (int i = 0; i < e->nforms; i++)
        e->forms[i] = xstrdup(po_message_msgstr_plural(m, i));
}

/* FNV-1a over msgctxt '\004' msgid, gettext's key, without building it. */
static uint64_t hash_key(const char *msgctxt, const char *msgid)
{
    uint64_t h = 14695981039346656037u;
    if (msgctxt) {
        for (const unsigned char *p = (const unsigned char *)msgctxt; *p; p++)
            h = (h ^ *p) * 1099511628211u;
        h = (h ^ 4u) * 1099511628211u;
    }
    for (const unsigned char *p = (const unsigned char *)msgid; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

static bool same_key(const catalog_entry *e, const char *msgctxt, const char *msgid)
{
    if ((e->msgctxt == NULL) != (msgctxt == NULL))
        return false;
    return (!msgctxt || strcmp(e->msgctxt, msgctxt) == 0) && strcmp(e->msgid, msgid) == 0;
}

static void build_index(catalog_t *c)
{
    c->nslots = 8;
    while (c->nslots < c->len * 2)
        c->nslots *= 2;
    c->slots = xcalloc(c->nslots, sizeof *c->slots);
    for (size_t i = 0; i < c->len; i++) {
        const catalog_entry *e = &c->entries[i].pub;
        size_t s = (size_t)hash_key(e->msgctxt, e->msgid) & (c->nslots - 1);
        while (c->slots[s])
            s = (s + 1) & (c->nslots - 1);
        c->slots[s] = i + 1;
    }
}

static const entry_t *find_entry(const catalog_t *c, const char *msgctxt, const char *msgid)
{
    if (!c || !c->nslots || !msgid)
        return NULL;
    size_t s = (size_t)hash_key(msgctxt, msgid) & (c->nslots - 1);
    for (; c->slots[s]; s = (s + 1) & (c->nslots - 1)) {
        const entry_t *e = &c->entries[c->slots[s] - 1];
        if (same_key(&e->pub, msgctxt, msgid))
            return e;
    }
    return NULL;
}

/* ---- the header -------------------------------------------------------- */

/* The line of "Plural-Forms:" inside the header entry starting at
 * header_line, or header_line when it cannot be found. */
static int header_field_line(const char *text, int header_line, const char *field)
{
    int line = 1;
    const char *s = text;
    for (; *s && line < header_line; s++)
        if (*s == '\n')
            line++;
    for (; *s; line++) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\n' || *s == '\0' || *s == '#'
            || (line > header_line && (starts_keyword(s, "msgid") || starts_keyword(s, "msgctxt"))))
            break; /* the header entry ended */
        const char *eol = strchr(s, '\n');
        size_t n = eol ? (size_t)(eol - s) : strlen(s);
        for (size_t i = 0; i + strlen(field) <= n; i++)
            if (strncasecmp(s + i, field, strlen(field)) == 0)
                return line;
        if (!eol)
            break;
        s = eol + 1;
    }
    return header_line;
}

/* waymark writes UTF-8 and does not convert, so the catalog must be UTF-8
 * (or ASCII, or the untouched template placeholder "CHARSET"). */
static void check_charset(const char *header, const char *text, int header_line,
                          const char *display_path, diags_t *d)
{
    char *type = po_header_field(header, "Content-Type");
    const char *cs = type ? strstr(type, "charset=") : NULL;
    if (cs) {
        cs += strlen("charset=");
        size_t n = strcspn(cs, " \t;");
        static const char *const ok[] = {"UTF-8", "UTF8", "ASCII", "US-ASCII", "CHARSET", NULL};
        bool known = false;
        for (int i = 0; ok[i]; i++)
            known |= strlen(ok[i]) == n && strncasecmp(cs, ok[i], n) == 0;
        if (!known)
            diag_error(d, display_path, header_field_line(text, header_line, "Content-Type:"), 0,
                       "catalog charset is %.*s: save the file as UTF-8 and set "
                       "'Content-Type: text/plain; charset=UTF-8'", (int)n, cs);
    }
    free(type);
}

/* Warns once when the rule can pick a form >= nplurals, or divide by zero,
 * for a count a page may show: gettext then falls back to form 0. */
static void check_plural_range(const plural_t *p, int line, const char *display_path,
                               diags_t *d)
{
    bool warned_range = false, warned_div = false;
    for (unsigned long n = 0; n <= PLURAL_CHECK_MAX; n++) {
        unsigned long v;
        bool ok = plural_value(p, n, &v);
        if (!ok && !warned_div) {
            diag_warning(d, display_path, line, 0,
                         "Plural-Forms: plural= divides by zero for n=%lu; form 0 is used", n);
            warned_div = true;
        } else if (ok && v >= (unsigned long)plural_nplurals(p) && !warned_range) {
            diag_warning(d, display_path, line, 0,
                         "Plural-Forms: plural= gives form %lu for n=%lu but nplurals=%d; "
                         "form 0 is used", v, n, plural_nplurals(p));
            warned_range = true;
        }
    }
}

/* Compiles the catalog's rule: the header's Plural-Forms, or gettext's
 * default when the header has none and no entry needs plurals. */
static plural_t *load_plural_forms(const catalog_t *c, const char *header, const char *text,
                                   int header_line, const char *display_path, diags_t *d)
{
    char *value = header ? po_header_field(header, "Plural-Forms") : NULL;
    const char *err = NULL;
    int line = header_field_line(text, header_line, "Plural-Forms:");
    plural_t *p = NULL;
    if (value) {
        p = plural_compile(value, &err);
        if (!p)
            diag_error(d, display_path, line, 0,
                       "invalid Plural-Forms header: %s: expected 'nplurals=N; plural=EXPR;'",
                       err);
        else
            check_plural_range(p, line, display_path, d);
        free(value);
        return p;
    }
    for (size_t i = 0; i < c->len; i++)
        if (c->entries[i].pub.msgid_plural) {
            diag_error(d, display_path, header ? header_line : c->entries[i].pub.line, 0,
                       "missing Plural-Forms header: line %d has a plural entry; add "
                       "\"Plural-Forms: nplurals=N; plural=EXPR;\\n\" to the header",
                       c->entries[i].pub.line);
            return NULL;
        }
    return plural_compile(DEFAULT_PLURAL_FORMS, &err);
}

static void check_form_counts(const catalog_t *c, const char *display_path, diags_t *d)
{
    int nplurals = plural_nplurals(c->plural);
    for (size_t i = 0; i < c->len; i++) {
        const entry_t *e = &c->entries[i];
        if (e->pub.msgid_plural && e->nforms != nplurals)
            diag_warning(d, display_path, e->pub.line, 0,
                         "entry has %d plural forms but Plural-Forms says nplurals=%d",
                         e->nforms, nplurals);
    }
}

/* ---- fuzzy entries (for waymark status) -------------------------------- */

static char *fuzzy_key(const char *msgctxt, const char *msgid)
{
    return msgctxt ? xasprintf("%s\004%s", msgctxt, msgid) : xstrdup(msgid);
}

static void add_fuzzy(catalog_t *c, po_message_t m)
{
    if (!po_message_msgstr(m)[0])
        return;
    xgrow((void **)&c->fuzzy, &c->fuzzy_cap, c->nfuzzy + 1, sizeof *c->fuzzy);
    c->fuzzy[c->nfuzzy++] = fuzzy_key(po_message_msgctxt(m), po_message_msgid(m));
}

bool catalog_is_fuzzy(const catalog_t *c, const char *msgctxt, const char *msgid)
{
    if (!c || !c->nfuzzy)
        return false;
    char *key = fuzzy_key(msgctxt, msgid);
    bool found = false;
    for (size_t i = 0; i < c->nfuzzy && !found; i++)
        found = !strcmp(c->fuzzy[i], key);
    free(key);
    return found;
}

/* ---- loading ----------------------------------------------------------- */

/* Copies the usable entries out of the po file; returns the header's line
 * (0 when there is no header). */
static int collect_entries(catalog_t *c, po_file_t file, pos_list *pos, load_ctx *ctx)
{
    int header_line = 0;
    size_t k = 0;
    po_message_iterator_t it = po_message_iterator(file, NULL);
    for (po_message_t m; (m = po_next_message(it));) {
        if (po_message_is_obsolete(m))
            continue;
        int line = k < pos->len ? pos->items[k++].start : 0;
        for (size_t i = 0; i < ctx->ndups; i++)
            if (ctx->dups[i].first == m)
                ctx->dups[i].first_line = line;
        if (!po_message_msgctxt(m) && po_message_msgid(m)[0] == '\0') {
            header_line = line;
            continue;
        }
        if (po_message_is_fuzzy(m)) {
            add_fuzzy(c, m);
            continue;
        }
        if (!entry_utf8_valid(m)) {
            diag_error(ctx->d, ctx->display_path, line, 0, "entry is not valid UTF-8");
            continue;
        }
        add_entry(c, m, line);
    }
    po_message_iterator_free(it);
    return header_line;
}

static void report_duplicates(load_ctx *ctx)
{
    for (size_t i = 0; i < ctx->ndups; i++) {
        duplicate *dup = &ctx->dups[i];
        if (dup->first_line > 0)
            diag_error(ctx->d, ctx->display_path, dup->line, dup->col,
                       "%s (first defined at line %d)", dup->text, dup->first_line);
        else
            diag_error(ctx->d, ctx->display_path, dup->line, dup->col, "%s", dup->text);
        free(dup->text);
    }
    free(ctx->dups);
}

catalog_t *catalog_load(const char *path, const char *display_path, diags_t *d)
{
    if (!display_path)
        display_path = path;
    char *text = NULL;
    size_t len = 0;
    if (fs_read_file(path, &text, &len) != 0) {
        diag_error(d, display_path, 0, 0, "cannot read catalog: %s", strerror(errno));
        return NULL;
    }
    size_t errors_before = d->errors;
    pos_list pos = {NULL, 0, 0};
    scan_entry_lines(text, &pos);

    catalog_t *c = xcalloc(1, sizeof *c);
    load_ctx ctx = {.d = d, .display_path = display_path};
    pthread_mutex_lock(&po_lock);
    current = &ctx;
    po_file_t file = read_po(path);
    if (file) {
        for (size_t i = 0; i < ctx.ndups; i++)
            drop_entry_at(&pos, ctx.dups[i].line);
        int header_line = collect_entries(c, file, &pos, &ctx);
        /* Declared const, but a fresh copy the caller frees (gettext-po.c). */
        char *header = (char *)po_file_domain_header(file, NULL);
        if (header)
            check_charset(header, text, header_line, display_path, d);
        c->plural = load_plural_forms(c, header, text, header_line, display_path, d);
        free(header);
        free_po_file(file);
    } else if (d->errors == errors_before) {
        diag_error(d, display_path, 0, 0, "cannot read catalog: %s", strerror(errno));
    }
    current = NULL;
    pthread_mutex_unlock(&po_lock);
    report_duplicates(&ctx);
    free(pos.items);
    free(text);

    if (c->plural)
        check_form_counts(c, display_path, d);
    if (d->errors > errors_before || !c->plural) {
        catalog_free(c);
        return NULL;
    }
    build_index(c);
    return c;
}

catalog_t *catalog_empty(void)
{
    catalog_t *c = xcalloc(1, sizeof *c);
    const char *err;
    c->plural = plural_compile(DEFAULT_PLURAL_FORMS, &err);
    return c;
}

void catalog_free(catalog_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->len; i++) {
        entry_t *e = &c->entries[i];
        free((char *)e->pub.msgctxt);
        free((char *)e->pub.msgid);
        free((char *)e->pub.msgid_plural);
        free((char *)e->pub.msgstr);
        for (int f = 0; f < e->nforms; f++)
            free(e->forms[f]);
        free(e->forms);
    }
    free(c->entries);
    free(c->slots);
    for (size_t i = 0; i < c->nfuzzy; i++)
        free(c->fuzzy[i]);
    free(c->fuzzy);
    plural_free(c->plural);
    free(c);
}

const char *catalog_get(const catalog_t *c, const char *msgctxt, const char *msgid)
{
    const entry_t *e = find_entry(c, msgctxt, msgid);
    return e && e->pub.msgstr[0] ? e->pub.msgstr : NULL;
}

/* Like gettext, the lookup key ignores msgid_plural. An entry without
 * plural forms, or whose form for n is missing or empty, is missing. */
const char *catalog_nget(const catalog_t *c, const char *msgctxt, const char *msgid,
                         const char *msgid_plural, unsigned long n)
{
    (void)msgid_plural;
    const entry_t *e = find_entry(c, msgctxt, msgid);
    if (!e || !e->forms)
        return NULL;
    int i = plural_index(c->plural, n);
    return i < e->nforms && e->forms[i][0] ? e->forms[i] : NULL;
}

int catalog_plural_index(const catalog_t *c, unsigned long n)
{
    return plural_index(c->plural, n);
}

int catalog_nplurals(const catalog_t *c)
{
    return plural_nplurals(c->plural);
}

size_t catalog_count(const catalog_t *c)
{
    return c ? c->len : 0;
}

const catalog_entry *catalog_entry_at(const catalog_t *c, size_t i)
{
    return c && i < c->len ? &c->entries[i].pub : NULL;
}

int catalog_eval_plural_forms(const char *header_value, unsigned long n, int *nplurals,
                              const char **err)
{
    const char *msg = NULL;
    plural_t *p = plural_compile(header_value, &msg);
    if (!p) {
        if (err)
            *err = msg;
        return -1;
    }
    if (nplurals)
        *nplurals = plural_nplurals(p);
    int index = plural_index(p, n);
    plural_free(p);
    return index;
}
