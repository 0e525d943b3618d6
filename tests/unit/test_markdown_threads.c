/* Tests for markdown: what an editor sees of their Markdown, whichever
 * thread converts it. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "markdown.h"

#define THREADS 4
#define ROUNDS 40
#define PARAGRAPHS 200

/* PARAGRAPHS paragraphs, each with one strikethrough and one autolink. */
static char *document(void)
{
    static const char para[] = "Some ~~struck~~ text and www.example.org, then *more* text.\n\n";
    char *doc = malloc(PARAGRAPHS * (sizeof para - 1) + 1);
    for (int i = 0; i < PARAGRAPHS; i++)
        memcpy(doc + i * (sizeof para - 1), para, sizeof para - 1);
    doc[PARAGRAPHS * (sizeof para - 1)] = '\0';
    return doc;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (; (s = strstr(s, what)); s++)
        n++;
    return n;
}

/* How many of ROUNDS conversions lost a strikethrough or an autolink. */
static void *convert_many(void *arg)
{
    size_t *bad = arg;
    char *doc = document();
    for (int i = 0; i < ROUNDS; i++) {
        diags_t d = DIAGS_INIT;
        md_input in = {.text = doc, .len = strlen(doc), .path = "t.md", .first_line = 1};
        md_output out;
        md_render(&in, &out, &d);
        if (count(out.html, "<del>struck</del>") != PARAGRAPHS ||
            count(out.html, "href=\"http://www.example.org\"") != PARAGRAPHS)
            (*bad)++;
        md_output_free(&out);
        diag_free(&d);
    }
    free(doc);
    return NULL;
}

/* cmark-gfm shares a table of inline characters between parsers; without
 * cmarkfix.c, one thread finishing a page made another miss ~~ and www. */
static void extensions_work_on_every_thread(void **state)
{
    (void)state;
    pthread_t ids[THREADS];
    size_t bad[THREADS] = {0};
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&ids[t], NULL, convert_many, &bad[t]), 0);
    for (int t = 0; t < THREADS; t++)
        pthread_join(ids[t], NULL);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(bad[t], 0);
}

int main(void)
{
    md_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(extensions_work_on_every_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
