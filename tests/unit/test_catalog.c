/* Tests for catalog: PO reading through libgettextpo and Plural-Forms.
 * Run from the repository root (fixtures are under tests/unit/fixtures/po). */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "catalog.h"
#include "diag.h"
#include "xalloc.h"

#define FIXTURES "tests/unit/fixtures/po/"

/* ---- helpers ------------------------------------------------------------ */

/* Writes text to a fresh temporary file; caller unlinks and frees. */
static char *write_temp_po(const char *text)
{
    char *path = strdup("/tmp/waymark-test-catalog-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

/* Loads PO text as if it were display_path; diags go to d. */
static catalog_t *load_text(const char *text, const char *display_path, diags_t *d)
{
    char *path = write_temp_po(text);
    catalog_t *c = catalog_load(path, display_path, d);
    unlink(path);
    free(path);
    return c;
}

/* The first diagnostic formatted as printed ("path:line: error: ..."). */
static char *first_diag(diags_t *d)
{
    assert_true(d->len > 0);
    return diag_format(&d->items[0]);
}

static bool has_diag(const diags_t *d, diag_level level, int line, const char *needle)
{
    for (size_t i = 0; i < d->len; i++)
        if (d->items[i].level == level && d->items[i].line == line
            && strstr(d->items[i].msg, needle))
            return true;
    return false;
}

static void print_diags(diags_t *d)
{
    for (size_t i = 0; i < d->len; i++) {
        char *s = diag_format(&d->items[i]);
        print_message("  diag: %s\n", s);
        free(s);
    }
}

/* ---- independent plural references (CLDR rules written out in C) -------- */

static int ref_arabic(unsigned long n)
{
    unsigned long r = n % 100;
    if (n == 0) return 0;                /* zero */
    if (n == 1) return 1;                /* one */
    if (n == 2) return 2;                /* two */
    if (r >= 3 && r <= 10) return 3;     /* few */
    if (r >= 11 && r <= 99) return 4;    /* many */
    return 5;                            /* other: 100-102, 200-202, ... */
}

static int ref_russian(unsigned long n)
{
    unsigned long d = n % 10, r = n % 100;
    if (d == 1 && r != 11) return 0;                        /* one: 1, 21, 101 */
    if (d >= 2 && d <= 4 && !(r >= 12 && r <= 14)) return 1; /* few: 2-4, 22-24 */
    return 2;                                               /* many */
}

static int ref_japanese(unsigned long n) { (void)n; return 0; }
static int ref_one_other(unsigned long n) { return n == 1 ? 0 : 1; } /* en, fi, es */
static int ref_french(unsigned long n) { return n == 0 || n == 1 ? 0 : 1; }

typedef struct {
    const char *name;
    const char *header;
    int nplurals;
    int (*ref)(unsigned long);
} plural_case;

static const plural_case plural_cases[] = {
    {"Arabic", "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
               ": n%100>=11 ? 4 : 5;", 6, ref_arabic},
    {"Russian", "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                "(n%100<10 || n%100>=20) ? 1 : 2);", 3, ref_russian},
    {"Japanese", "nplurals=1; plural=0;", 1, ref_japanese},
    {"Finnish/Spanish/English", "nplurals=2; plural=(n != 1);", 2, ref_one_other},
    {"French", "nplurals=2; plural=(n > 1);", 2, ref_french},
    /* Persian: gettext's rule; CLDR's "one" is i = 0 or n = 1, the same for
     * whole counts. */
    {"Persian", "nplurals=2; plural=(n > 1);", 2, ref_french},
};

static void test_plural_rules_match_cldr_for_0_to_200(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof plural_cases / sizeof *plural_cases; k++) {
        const plural_case *pc = &plural_cases[k];
        for (unsigned long n = 0; n <= 200; n++) {
            int nplurals = -1;
            const char *err = NULL;
            int got = catalog_eval_plural_forms(pc->header, n, &nplurals, &err);
            if (got != pc->ref(n))
                fail_msg("%s: n=%lu gives form %d, expected %d", pc->name, n, got, pc->ref(n));
            assert_int_equal(nplurals, pc->nplurals);
            assert_null(err);
        }
    }
}

static void test_plural_rules_on_large_counts(void **state)
{
    (void)state;
    static const unsigned long ns[] = {1000, 1001, 1002, 1011, 1021, 1111, 123456789,
                                       4294967295ul, 4294967296ul, (unsigned long)-1};
    for (size_t k = 0; k < sizeof plural_cases / sizeof *plural_cases; k++)
        for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
            assert_int_equal(catalog_eval_plural_forms(plural_cases[k].header, ns[i], NULL, NULL),
                             plural_cases[k].ref(ns[i]));
}

/* Values are read with nplurals=100 so that they are not clamped. */
static int value_of(const char *expr, unsigned long n)
{
    char header[512];
    snprintf(header, sizeof header, "nplurals=100; plural=%s;", expr);
    const char *err = NULL;
    int v = catalog_eval_plural_forms(header, n, NULL, &err);
    if (v < 0)
        fail_msg("\"%s\" rejected: %s", expr, err);
    return v;
}

static void test_plural_expression_follows_c_precedence(void **state)
{
    (void)state;
    assert_int_equal(value_of("1+2*3", 0), 7);
    assert_int_equal(value_of("(1+2)*3", 0), 9);
    assert_int_equal(value_of("10-4-3", 0), 3);      /* left-associative */
    assert_int_equal(value_of("64/4/2", 0), 8);
    assert_int_equal(value_of("7%4*2", 0), 6);
    assert_int_equal(value_of("1 || 0 && 0", 0), 1);  /* && binds tighter */
    assert_int_equal(value_of("0 && 1 || 1", 0), 1);
    assert_int_equal(value_of("1 < 2 == 1", 0), 1);   /* relational before equality */
    assert_int_equal(value_of("3 + 4 < 8", 0), 1);    /* additive before relational */
    assert_int_equal(value_of("!0 + 1", 0), 2);       /* unary ! binds tightest */
    assert_int_equal(value_of("!!7", 0), 1);
    assert_int_equal(value_of("1 ? 2 : 0 ? 4 : 5", 0), 2); /* ?: is right-associative */
    assert_int_equal(value_of("0 ? 2 : 1 ? 4 : 5", 0), 4);
    assert_int_equal(value_of("0 ? 2 : 0 ? 4 : 5", 0), 5);
    assert_int_equal(value_of("n ? n > 5 ? 3 : 2 : 1", 7), 3); /* nested in the middle */
    assert_int_equal(value_of("n ? n > 5 ? 3 : 2 : 1", 4), 2);
    assert_int_equal(value_of("n ? n > 5 ? 3 : 2 : 1", 0), 1);
    assert_int_equal(value_of("n <= 3", 3), 1);
    assert_int_equal(value_of("n >= 3", 2), 0);
    assert_int_equal(value_of("\tn\t!=\t1 ", 2), 1); /* blanks anywhere */
    assert_int_equal(value_of("n", 42), 42);
}

static void test_plural_arithmetic_is_unsigned_like_gettext(void **state)
{
    (void)state;
    assert_int_equal(value_of("n-1 > 5", 0), 1); /* 0-1 wraps to ULONG_MAX */
    assert_int_equal(value_of("n/0", 5), 0);     /* gettext: division by zero gives form 0 */
    assert_int_equal(value_of("n%0", 5), 0);
    assert_int_equal(value_of("n == 1 ? 1 : 7 / (n - n)", 1), 1); /* not evaluated */
    /* A value >= nplurals selects form 0, as gettext does. */
    assert_int_equal(catalog_eval_plural_forms("nplurals=2; plural=n;", 2, NULL, NULL), 0);
    assert_int_equal(catalog_eval_plural_forms("nplurals=2; plural=n;", 1, NULL, NULL), 1);
}

static void test_plural_header_variants_accepted(void **state)
{
    (void)state;
    int np = 0;
    /* Fields in either order, without the final ';', with blanks. */
    assert_int_equal(catalog_eval_plural_forms("plural=(n != 1); nplurals=2;", 1, &np, NULL), 0);
    assert_int_equal(np, 2);
    assert_int_equal(catalog_eval_plural_forms("nplurals=2; plural=(n > 1)", 2, &np, NULL), 1);
    assert_int_equal(catalog_eval_plural_forms("  nplurals = 3 ;  plural = n%3 ;  ", 5, &np,
                                               NULL), 2);
    assert_int_equal(np, 3);
}

static void assert_rejected(const char *header, const char *needle)
{
    const char *err = NULL;
    int np = -7;
    int got = catalog_eval_plural_forms(header, 1, &np, &err);
    if (got != -1 || !err || !strstr(err, needle))
        fail_msg("header \"%s\": got %d, error \"%s\", expected an error with \"%s\"", header,
                 got, err ? err : "(none)", needle);
}

static void test_malformed_plural_headers_rejected(void **state)
{
    (void)state;
    assert_rejected("plural=(n != 1);", "nplurals");
    assert_rejected("nplurals=2;", "plural");
    assert_rejected("", "nplurals");
    assert_rejected("nplurals=0; plural=0;", "nplurals");
    assert_rejected("nplurals=x; plural=0;", "nplurals");
    assert_rejected("nplurals=2; plural=(n != 1;", "parenthes");
    assert_rejected("nplurals=2; plural=n != 1);", "parenthes");
    assert_rejected("nplurals=2; plural=((n);", "parenthes");
    assert_rejected("nplurals=2; plural=n !=;", "operand");
    assert_rejected("nplurals=2; plural=n ? 1;", "':'");
    assert_rejected("nplurals=2; plural=banana;", "");
    assert_rejected("nplurals=2; plural=n & 1;", "");
    assert_rejected("nplurals=2; plural=n = 1;", "");
    assert_rejected("nplurals=2; plural=-n;", "");
    assert_rejected("nplurals=2; plural=n != 1; colour=red;", "unknown field");
    assert_rejected("nplurals=2; nplurals=3; plural=0;", "twice");
    assert_rejected("nplurals=2; plural=99999999999999999999999;", "too large");
    assert_rejected(NULL, "nplurals");
}

static void test_hostile_plural_expressions_fail_cleanly(void **state)
{
    (void)state;
    /* Deep nesting and long chains are refused instead of overflowing the stack. */
    buf_t b = BUF_INIT;
    buf_puts(&b, "nplurals=2; plural=");
    for (int i = 0; i < 5000; i++)
        buf_putc(&b, '(');
    buf_putc(&b, 'n');
    for (int i = 0; i < 5000; i++)
        buf_putc(&b, ')');
    assert_rejected(buf_cstr(&b), "deep");
    buf_reset(&b);
    buf_puts(&b, "nplurals=2; plural=n");
    for (int i = 0; i < 5000; i++)
        buf_puts(&b, "+n");
    assert_rejected(buf_cstr(&b), "long");
    buf_reset(&b);
    buf_puts(&b, "nplurals=2; plural=");
    for (int i = 0; i < 5000; i++)
        buf_putc(&b, '!');
    buf_putc(&b, 'n');
    assert_rejected(buf_cstr(&b), "deep");
    /* Moderate nesting is fine. */
    buf_reset(&b);
    buf_puts(&b, "nplurals=2; plural=");
    for (int i = 0; i < 40; i++)
        buf_putc(&b, '(');
    buf_puts(&b, "n != 1");
    for (int i = 0; i < 40; i++)
        buf_putc(&b, ')');
    assert_int_equal(catalog_eval_plural_forms(buf_cstr(&b), 3, NULL, NULL), 1);
    buf_free(&b);
}

/* ---- PO reading ----------------------------------------------------------- */

static void test_po_features(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *c = catalog_load(FIXTURES "basic.po", "locales/fr.po", &d);
    print_diags(&d);
    assert_non_null(c);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 0);

    assert_string_equal(catalog_get(c, NULL, "Skip to content"), "Aller au contenu");
    /* Multi-line strings are concatenated. */
    assert_string_equal(
        catalog_get(c, NULL, "A long message that a tool wrapped over several lines."),
        "Un long message qu’un outil a coupé sur plusieurs lignes.");
    /* Escapes are decoded. */
    assert_string_equal(catalog_get(c, NULL, "Escapes"),
                        "ligne 1\nligne 2\ttab \"guillemets\" barre \\ fin");
    /* msgctxt separates entries with the same msgid, and from no context. */
    assert_string_equal(catalog_get(c, "button", "Open"), "Ouvrir");
    assert_string_equal(catalog_get(c, "status", "Open"), "Ouvert");
    assert_string_equal(catalog_get(c, NULL, "Open"), "Ouvrir (sans contexte)");
    assert_null(catalog_get(c, "", "Open"));
    assert_null(catalog_get(c, "menu", "Open"));
    /* Fuzzy and obsolete entries are ignored; untranslated ones are missing. */
    assert_null(catalog_get(c, NULL, "Fuzzy one"));
    assert_null(catalog_get(c, NULL, "Old text"));
    assert_null(catalog_get(c, NULL, "Not translated yet"));
    assert_null(catalog_get(c, NULL, "Never heard of it"));
    /* The header is not an entry. */
    assert_null(catalog_get(c, NULL, ""));

    /* French plurals: 0 and 1 singular. */
    assert_int_equal(catalog_nplurals(c), 2);
    assert_string_equal(catalog_nget(c, NULL, "%d answer", "%d answers", 0), "%d réponse");
    assert_string_equal(catalog_nget(c, NULL, "%d answer", "%d answers", 1), "%d réponse");
    assert_string_equal(catalog_nget(c, NULL, "%d answer", "%d answers", 2), "%d réponses");
    assert_string_equal(catalog_get(c, NULL, "%d answer"), "%d réponse");
    /* An empty plural form is missing; a non-plural entry has no plural forms. */
    assert_string_equal(catalog_nget(c, NULL, "%d half", "%d halves", 1), "%d moitié");
    assert_null(catalog_nget(c, NULL, "%d half", "%d halves", 2));
    assert_null(catalog_nget(c, NULL, "Escapes", "Escapes", 2));
    assert_null(catalog_nget(c, NULL, "%d unknown", "%d unknowns", 2));

    catalog_free(c);
    diag_free(&d);
}

static void test_entries_in_file_order_with_lines(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *c = catalog_load(FIXTURES "basic.po", "locales/fr.po", &d);
    assert_non_null(c);
    static const struct { const char *ctxt, *id; int line; } want[] = {
        {NULL, "Skip to content", 9},
        {NULL, "A long message that a tool wrapped over several lines.", 12},
        {NULL, "Escapes", 19},
        {"button", "Open", 22},
        {"status", "Open", 26},
        {NULL, "Open", 30},
        {NULL, "Not translated yet", 37},
        {NULL, "%d answer", 40},
        {NULL, "%d half", 45},
    };
    assert_int_equal(catalog_count(c), sizeof want / sizeof *want);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const catalog_entry *e = catalog_entry_at(c, i);
        assert_non_null(e);
        if (want[i].ctxt)
            assert_string_equal(e->msgctxt, want[i].ctxt);
        else
            assert_null(e->msgctxt);
        assert_string_equal(e->msgid, want[i].id);
        assert_int_equal(e->line, want[i].line);
    }
    const catalog_entry *untranslated = catalog_entry_at(c, 6);
    assert_string_equal(untranslated->msgstr, "");
    assert_null(untranslated->msgid_plural);
    assert_string_equal(catalog_entry_at(c, 7)->msgid_plural, "%d answers");
    assert_null(catalog_entry_at(c, 9));
    catalog_free(c);
    diag_free(&d);
}

static void test_broken_po_reports_lines_and_fails(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *c = catalog_load(FIXTURES "broken.po", "locales/xx.po", &d);
    print_diags(&d);
    assert_null(c);
    assert_true(d.errors >= 2);
    /* msgstr without msgid, line 8; the unterminated string, line 11. */
    assert_true(has_diag(&d, DIAG_ERROR, 8, "syntax error"));
    assert_true(has_diag(&d, DIAG_ERROR, 11, "end-of-line within string"));
    for (size_t i = 0; i < d.len; i++)
        assert_string_equal(d.items[i].path, "locales/xx.po");
    diag_free(&d);
}

static void assert_nget_forms(const char *fixture, const char *ctxt, const char *msgid,
                              const char *plural, const char *const *forms,
                              int (*ref)(unsigned long))
{
    diags_t d = DIAGS_INIT;
    catalog_t *c = catalog_load(fixture, fixture, &d);
    print_diags(&d);
    assert_non_null(c);
    assert_int_equal(d.len, 0);
    for (unsigned long n = 0; n <= 200; n++) {
        assert_int_equal(catalog_plural_index(c, n), ref(n));
        const char *got = catalog_nget(c, ctxt, msgid, plural, n);
        assert_non_null(got);
        if (strcmp(got, forms[ref(n)]) != 0)
            fail_msg("%s n=%lu: \"%s\", expected \"%s\"", fixture, n, got, forms[ref(n)]);
    }
    catalog_free(c);
    diag_free(&d);
}

static void test_arabic_catalog_six_forms(void **state)
{
    (void)state;
    static const char *const forms[] = {"لا أسئلة", "سؤال واحد", "سؤالان", "%d أسئلة",
                                        "%d سؤالًا", "%d سؤال"};
    assert_nget_forms(FIXTURES "ar.po", "ui", "%d question", "%d questions", forms, ref_arabic);
    diags_t d = DIAGS_INIT;
    catalog_t *c = catalog_load(FIXTURES "ar.po", "locales/ar.po", &d);
    assert_int_equal(catalog_nplurals(c), 6);
    assert_string_equal(catalog_get(c, "ui", "Next step"), "الخطوة التالية");
    assert_null(catalog_get(c, NULL, "Next step"));
    catalog_free(c);
    diag_free(&d);
}

static void test_russian_catalog_three_forms(void **state)
{
    (void)state;
    static const char *const forms[] = {"%d шаг", "%d шага", "%d шагов"};
    assert_nget_forms(FIXTURES "ru.po", NULL, "%d step", "%d steps", forms, ref_russian);
}

static void test_japanese_catalog_one_form(void **state)
{
    (void)state;
    static const char *const forms[] = {"%d ステップ"};
    assert_nget_forms(FIXTURES "ja.po", NULL, "%d step", "%d steps", forms, ref_japanese);
}

static const char header_start[] = "msgid \"\"\n"
                                   "msgstr \"\"\n"
                                   "\"Content-Type: text/plain; charset=UTF-8\\n\"\n";

static void test_missing_plural_forms_with_plural_entries_is_an_error(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    char *text = xasprintf("%s\nmsgid \"%%d step\"\nmsgid_plural \"%%d steps\"\n"
                           "msgstr[0] \"a\"\nmsgstr[1] \"b\"\n", header_start);
    catalog_t *c = load_text(text, "locales/de.po", &d);
    print_diags(&d);
    assert_null(c);
    assert_true(has_diag(&d, DIAG_ERROR, 1, "missing Plural-Forms header"));
    free(text);
    diag_free(&d);

    /* Without plural entries, no header is needed: gettext's n != 1 applies. */
    c = load_text("msgid \"a\"\nmsgstr \"b\"\n", "locales/de.po", &d);
    assert_non_null(c);
    assert_int_equal(d.len, 0);
    assert_int_equal(catalog_nplurals(c), 2);
    assert_int_equal(catalog_plural_index(c, 1), 0);
    assert_int_equal(catalog_plural_index(c, 0), 1);
    catalog_free(c);
    diag_free(&d);
}

static void test_invalid_plural_forms_reported_at_its_line(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *c = load_text("msgid \"\"\n"
                             "msgstr \"\"\n"
                             "\"Plural-Forms: nplurals=6; plural=n==0 ? 0 : (n==1;\\n\"\n"
                             "\"Content-Type: text/plain; charset=UTF-8\\n\"\n",
                             "locales/ar.po", &d);
    assert_null(c);
    assert_int_equal(d.errors, 1);
    char *s = first_diag(&d);
    assert_string_equal(s, "locales/ar.po:3: error: invalid Plural-Forms header: unbalanced "
                           "parentheses in plural expression: expected 'nplurals=N; "
                           "plural=EXPR;'");
    free(s);
    diag_free(&d);
}

static void test_plural_index_out_of_range_warns_once(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *c = load_text("msgid \"\"\n"
                             "msgstr \"\"\n"
                             "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
                             "\"Plural-Forms: nplurals=2; plural=n%10;\\n\"\n"
                             "\n"
                             "msgid \"%d step\"\nmsgid_plural \"%d steps\"\n"
                             "msgstr[0] \"zero\"\nmsgstr[1] \"one\"\n",
                             "locales/xx.po", &d);
    print_diags(&d);
    assert_non_null(c);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 1);
    assert_true(has_diag(&d, DIAG_WARNING, 4, "gives form 2 for n=2 but nplurals=2"));
    assert_string_equal(catalog_nget(c, NULL, "%d step", "%d steps", 1), "one");
    assert_string_equal(catalog_nget(c, NULL, "%d step", "%d steps", 2), "zero");
    catalog_free(c);
    diag_free(&d);

    c = load_text("msgid \"\"\nmsgstr \"\"\n\"Plural-Forms: nplurals=2; plural=1/(n-3);\\n\"\n",
                  "locales/xx.po", &d);
    assert_non_null(c);
    assert_true(has_diag(&d, DIAG_WARNING, 3, "divides by zero for n=3"));
    assert_int_equal(catalog_plural_index(c, 3), 0);
    catalog_free(c);
    diag_free(&d);
}

static void test_plural_form_count_mismatch_warns(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *c = load_text("msgid \"\"\n"
                             "msgstr \"\"\n"
                             "\"Plural-Forms: nplurals=3; plural=n%3;\\n\"\n"
                             "\n"
                             "msgid \"%d step\"\nmsgid_plural \"%d steps\"\n"
                             "msgstr[0] \"a\"\nmsgstr[1] \"b\"\n",
                             "locales/xx.po", &d);
    print_diags(&d);
    assert_non_null(c);
    assert_true(has_diag(&d, DIAG_WARNING, 5, "2 plural forms but Plural-Forms says nplurals=3"));
    assert_null(catalog_nget(c, NULL, "%d step", "%d steps", 2));
    catalog_free(c);
    diag_free(&d);
}

static void test_duplicate_entry_is_an_error(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *c = load_text("msgid \"a\"\nmsgstr \"1\"\n\n"
                             "msgctxt \"x\"\nmsgid \"a\"\nmsgstr \"2\"\n\n"
                             "msgid \"a\"\nmsgstr \"3\"\n",
                             "locales/xx.po", &d);
    print_diags(&d);
    assert_null(c);
    assert_true(has_diag(&d, DIAG_ERROR, 8, "first defined at line 1"));
    diag_free(&d);
}

static void test_non_utf8_catalogs_rejected(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *c = load_text("msgid \"\"\n"
                             "msgstr \"\"\n"
                             "\"Language: de\\n\"\n"
                             "\"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n\n"
                             "msgid \"a\"\nmsgstr \"b\"\n",
                             "locales/de.po", &d);
    print_diags(&d);
    assert_null(c);
    assert_true(has_diag(&d, DIAG_ERROR, 4, "charset is ISO-8859-1"));
    diag_free(&d);

    c = load_text("msgid \"a\"\nmsgstr \"\xff\"\n\nmsgid \"b\"\nmsgstr \"c\"\n", "locales/de.po",
                  &d);
    print_diags(&d);
    assert_null(c);
    assert_true(has_diag(&d, DIAG_ERROR, 1, "not valid UTF-8"));
    diag_free(&d);
}

static void test_unreadable_paths_reported(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    assert_null(catalog_load(FIXTURES "missing.po", "locales/zz.po", &d));
    assert_int_equal(d.errors, 1);
    char *s = first_diag(&d);
    assert_string_equal(s, "locales/zz.po: error: cannot read catalog: No such file or directory");
    free(s);
    diag_free(&d);

    assert_null(catalog_load(FIXTURES, "locales/", &d));
    assert_int_equal(d.errors, 1);
    diag_free(&d);
}

static void test_empty_catalog(void **state)
{
    (void)state;
    catalog_t *c = catalog_empty();
    assert_null(catalog_get(c, NULL, "anything"));
    assert_null(catalog_nget(c, "ui", "%d x", "%d xs", 3));
    assert_int_equal(catalog_count(c), 0);
    assert_null(catalog_entry_at(c, 0));
    assert_int_equal(catalog_nplurals(c), 2);
    assert_int_equal(catalog_plural_index(c, 1), 0);
    assert_int_equal(catalog_plural_index(c, 5), 1);
    catalog_free(c);
    catalog_free(NULL);

    /* An empty file is an empty catalog too. */
    diags_t d = DIAGS_INIT;
    c = load_text("", "locales/xx.po", &d);
    assert_non_null(c);
    assert_int_equal(catalog_count(c), 0);
    catalog_free(c);
    diag_free(&d);
}

/* Edge cases Poedit, Weblate and msgmerge write: a context over several
 * lines, previous-msgid comments, an obsolete entry with a context, a fuzzy
 * plural entry, a header still marked fuzzy (as msginit leaves it), CRLF
 * line ends. */
static void test_po_edge_cases(void **state)
{
    (void)state;
    static const char text[] =
        "# translator comment\r\n"
        "#, fuzzy\r\n"
        "msgid \"\"\r\n"
        "msgstr \"\"\r\n"
        "\"Content-Type: text/plain; charset=UTF-8\\n\"\r\n"
        "\"Plural-Forms: nplurals=2; plural=(n > 1);\\n\"\r\n"
        "\r\n"
        "msgctxt \"\"\r\n"          /* line 8 */
        "\"survey/\"\r\n"
        "\"q1\"\r\n"
        "msgid \"How are you?\"\r\n"
        "msgstr \"Comment allez-vous ?\"\r\n"
        "\r\n"
        "#, fuzzy\r\n"
        "#| msgid \"%d old step\"\r\n"
        "msgid \"%d step\"\r\n"      /* line 16 */
        "msgid_plural \"%d steps\"\r\n"
        "msgstr[0] \"%d étape\"\r\n"
        "msgstr[1] \"%d étapes\"\r\n"
        "\r\n"
        "#~ msgctxt \"old\"\r\n"
        "#~ msgid \"Gone\"\r\n"
        "#~ msgstr \"Parti\"\r\n"
        "\r\n"
        "#| msgid \"Old text\"\r\n"
        "msgid \"Last\"\r\n"         /* line 26 */
        "msgstr \"Dernier\"\r\n";
    diags_t d = DIAGS_INIT;
    catalog_t *c = load_text(text, "locales/fr.po", &d);
    print_diags(&d);
    assert_non_null(c);
    assert_int_equal(d.errors, 0);
    /* the fuzzy header still gives the plural rule */
    assert_int_equal(catalog_plural_index(c, 1), 0);
    assert_int_equal(catalog_plural_index(c, 2), 1);
    assert_string_equal(catalog_get(c, "survey/q1", "How are you?"), "Comment allez-vous ?");
    /* a fuzzy plural entry is not used, but is known as fuzzy (outdated) */
    assert_null(catalog_nget(c, NULL, "%d step", "%d steps", 2));
    assert_true(catalog_is_fuzzy(c, NULL, "%d step"));
    assert_false(catalog_is_fuzzy(c, NULL, "Last"));
    assert_false(catalog_is_fuzzy(c, "survey/q1", "How are you?"));
    /* obsolete entries are not entries, with or without a context */
    assert_null(catalog_get(c, "old", "Gone"));
    assert_false(catalog_is_fuzzy(c, "old", "Gone"));
    assert_int_equal(catalog_count(c), 2);
    /* previous-msgid comments do not shift the line numbers */
    assert_int_equal(catalog_entry_at(c, 0)->line, 8);
    assert_string_equal(catalog_entry_at(c, 1)->msgid, "Last");
    assert_int_equal(catalog_entry_at(c, 1)->line, 26);
    assert_string_equal(catalog_get(c, NULL, "Last"), "Dernier");
    catalog_free(c);
    diag_free(&d);
}

/* A malformed entry after good ones: reported at its own line, not at the
 * file's end, and the catalog is refused. */
static void test_malformed_entry_reported_at_its_line(void **state)
{
    (void)state;
    static const char text[] = "msgid \"\"\n"
                               "msgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n"
                               "\n"
                               "msgid \"Good\"\n"
                               "msgstr \"Bon\"\n"
                               "\n"
                               "msgid \"Bad\"\n"
                               "msgstr \"Mauvais\\q\"\n" /* line 8: unknown escape */
                               "\n"
                               "msgid \"Also good\"\n"
                               "msgstr \"Bien aussi\"\n";
    diags_t d = DIAGS_INIT;
    catalog_t *c = load_text(text, "locales/fr.po", &d);
    print_diags(&d);
    assert_null(c);
    assert_true(d.errors >= 1);
    assert_int_equal(d.items[0].line, 8);
    assert_string_equal(d.items[0].path, "locales/fr.po");
    diag_free(&d);
}

static void test_many_entries_all_found(void **state)
{
    (void)state;
    enum { N = 3000 };
    buf_t b = BUF_INIT;
    for (int i = 0; i < N; i++)
        buf_printf(&b, "msgctxt \"c%d\"\nmsgid \"id %d\"\nmsgstr \"str %d\"\n\n", i % 7, i, i);
    diags_t d = DIAGS_INIT;
    catalog_t *c = load_text(buf_cstr(&b), "locales/big.po", &d);
    assert_non_null(c);
    assert_int_equal(catalog_count(c), N);
    char ctxt[16], id[32], want[32];
    for (int i = 0; i < N; i++) {
        snprintf(ctxt, sizeof ctxt, "c%d", i % 7);
        snprintf(id, sizeof id, "id %d", i);
        snprintf(want, sizeof want, "str %d", i);
        assert_string_equal(catalog_get(c, ctxt, id), want);
        snprintf(ctxt, sizeof ctxt, "c%d", (i + 1) % 7);
        assert_null(catalog_get(c, ctxt, id));
        assert_null(catalog_get(c, NULL, id));
        assert_int_equal(catalog_entry_at(c, (size_t)i)->line, 4 * i + 1);
    }
    catalog_free(c);
    buf_free(&b);
    diag_free(&d);
}

/* Loads run concurrently (libgettextpo is serialised inside) and a shared
 * catalog is read from several threads. */
typedef struct {
    const catalog_t *shared;
    int failures;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *arg = p;
    for (int round = 0; round < 20; round++) {
        diags_t d = DIAGS_INIT;
        catalog_t *own = catalog_load(FIXTURES "ru.po", "locales/ru.po", &d);
        if (!own || d.len)
            arg->failures++;
        for (unsigned long n = 0; n < 200; n++) {
            const char *a = catalog_nget(arg->shared, "ui", "%d question", "%d questions", n);
            const char *b = catalog_nget(own, NULL, "%d step", "%d steps", n);
            if (!a || !b || catalog_plural_index(arg->shared, n) != ref_arabic(n))
                arg->failures++;
        }
        catalog_free(own);
        diag_free(&d);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    catalog_t *ar = catalog_load(FIXTURES "ar.po", "locales/ar.po", &d);
    assert_non_null(ar);
    enum { T = 4 };
    pthread_t th[T];
    worker_arg args[T];
    for (int i = 0; i < T; i++) {
        args[i] = (worker_arg){ar, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    catalog_free(ar);
    diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plural_rules_match_cldr_for_0_to_200),
        cmocka_unit_test(test_plural_rules_on_large_counts),
        cmocka_unit_test(test_plural_expression_follows_c_precedence),
        cmocka_unit_test(test_plural_arithmetic_is_unsigned_like_gettext),
        cmocka_unit_test(test_plural_header_variants_accepted),
        cmocka_unit_test(test_malformed_plural_headers_rejected),
        cmocka_unit_test(test_hostile_plural_expressions_fail_cleanly),
        cmocka_unit_test(test_po_features),
        cmocka_unit_test(test_entries_in_file_order_with_lines),
        cmocka_unit_test(test_broken_po_reports_lines_and_fails),
        cmocka_unit_test(test_arabic_catalog_six_forms),
        cmocka_unit_test(test_russian_catalog_three_forms),
        cmocka_unit_test(test_japanese_catalog_one_form),
        cmocka_unit_test(test_missing_plural_forms_with_plural_entries_is_an_error),
        cmocka_unit_test(test_invalid_plural_forms_reported_at_its_line),
        cmocka_unit_test(test_plural_index_out_of_range_warns_once),
        cmocka_unit_test(test_plural_form_count_mismatch_warns),
        cmocka_unit_test(test_duplicate_entry_is_an_error),
        cmocka_unit_test(test_non_utf8_catalogs_rejected),
        cmocka_unit_test(test_unreadable_paths_reported),
        cmocka_unit_test(test_empty_catalog),
        cmocka_unit_test(test_po_edge_cases),
        cmocka_unit_test(test_malformed_entry_reported_at_its_line),
        cmocka_unit_test(test_many_entries_all_found),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
