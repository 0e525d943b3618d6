/* The validator decides what is stored: each rule of the survey contract
 * (README "Survey answers") is pinned by a form that breaks only it.
 * Run from the repository root (the schema is a test fixture). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "answer.h"
#include "buf.h"
#include "fs.h"

#define SCHEMA "tests/fixtures/serve/surveys/wellbeing/schema.json"
#define HEAD "_survey=wellbeing&_version=3f2a9c0d1e4b5a6c&_lang=en"
#define VALID HEAD "&age=1&feel.sleep=2&feel.food=3&help_before=2"

static int load_schema(void **state)
{
    char *text;
    size_t len;
    if (fs_read_file(SCHEMA, &text, &len) < 0)
        return -1;
    answer_schema *s = malloc(sizeof *s);
    char *err = NULL;
    int rc = answer_schema_load(text, len, s, &err);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err);
        free(err);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int free_schema(void **state)
{
    answer_schema_free(*state);
    free(*state);
    return 0;
}

/* Validates body; returns the stored JSON (caller frees) or NULL, and the
 * first problem's kind in *kind. */
static char *validate(const answer_schema *s, const char *body, int *kind, size_t *question)
{
    form_t f;
    const char *perr;
    assert_int_equal(form_parse(body, strlen(body), &f, &perr), 0);
    answer_problems p = {0};
    char *json = NULL;
    int rc = answer_validate(s, &f, &json, &p);
    *kind = p.len ? (int)p.items[0].kind : -1;
    if (question)
        *question = p.len ? p.items[0].question : 0;
    assert_true((rc == 0) == (p.len == 0));
    answer_problems_free(&p);
    form_free(&f);
    return json;
}

static void assert_stored(const answer_schema *s, const char *body, const char *want)
{
    int kind;
    char *json = validate(s, body, &kind, NULL);
    if (!json)
        fail_msg("refused (problem %d): %s", kind, body);
    assert_string_equal(json, want);
    free(json);
}

static void assert_problem(const answer_schema *s, const char *body, answer_problem_kind want,
                           size_t want_question)
{
    int kind;
    size_t question;
    char *json = validate(s, body, &kind, &question);
    if (json)
        fail_msg("accepted: %s -> %s", body, json);
    if (kind != (int)want || question != want_question)
        fail_msg("%s: problem %d at question %zu, wanted %d at %zu", body, kind, question,
                 (int)want, want_question);
}

static void test_schema_reads_the_contract(void **state)
{
    const answer_schema *s = *state;
    assert_string_equal(s->survey, "wellbeing");
    assert_int_equal(s->nlanguages, 2);
    assert_string_equal(s->thanks[1], "fi/surveys/wellbeing-thanks/index.html");
    assert_int_equal(s->nquestions, 11);
    assert_int_equal(s->questions[10].nconds, 1); /* a bare condition */
    assert_int_equal(s->questions[3].type, Q_SCALE);
    assert_int_equal(s->questions[3].ncodes, 5); /* codes 1..5 from min/max */
    assert_string_equal(s->questions[3].codes[4], "5");
    assert_int_equal(s->questions[6].nconds, 1);
}

static void test_schema_refuses_broken(void **state)
{
    (void)state;
    const char *broken[] = {
        "{}",
        "{\"survey\": \"../x\", \"version\": \"3f2a9c0d1e4b5a6c\", \"languages\": [\"en\"], \"thanks\": {\"en\": \"t.html\"}, \"questions\": []}",
        "{\"survey\": \"s\", \"version\": \"3F2A\", \"languages\": [\"en\"], \"thanks\": {\"en\": \"t.html\"}, \"questions\": []}",
        "{\"survey\": \"s\", \"version\": \"3f2a9c0d1e4b5a6c\", \"languages\": [\"en\"], \"thanks\": {}, \"questions\": []}",
        "{\"survey\": \"s\", \"version\": \"3f2a9c0d1e4b5a6c\", \"languages\": [\"en\"], \"thanks\": {\"en\": \"t.html\"}, \"questions\": [{\"id\": \"q\", \"type\": \"single\"}]}",
        "{\"survey\": \"s\", \"version\": \"3f2a9c0d1e4b5a6c\", \"languages\": [\"en\"], \"thanks\": {\"en\": \"t.html\"}, \"questions\": [{\"id\": \"q\", \"type\": \"text\", \"show_if\": {\"all\": [{\"question\": \"nope\", \"answered\": true}]}}]}",
        "{\"survey\": \"s\", \"version\": \"3f2a9c0d1e4b5a6c\", \"languages\": [\"en\"], \"thanks\": {\"en\": \"t.html\"}, \"questions\": [{\"id\": \"q\", \"type\": \"text\", \"pattern\": \"\\\\bword\"}]}",
    };
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        answer_schema s;
        char *err = NULL;
        if (answer_schema_load(broken[i], strlen(broken[i]), &s, &err) == 0)
            fail_msg("accepted: %s", broken[i]);
        assert_non_null(err);
        free(err);
    }
}

static void test_valid_answers_are_stored_exactly(void **state)
{
    const answer_schema *s = *state;
    assert_stored(s, VALID,
                  "{\"age\":\"1\",\"feel.sleep\":\"2\",\"feel.food\":\"3\",\"help_before\":\"2\"}");
    assert_stored(s,
                  HEAD "&age=2&topics=a&topics=other&topics.other=my+own&country=fi&mood=5"
                       "&feel.sleep=1&feel.food=1&help_before=1&help_where=at+home&count=12"
                       "&postcode=00100&comment=line1%0D%0Aline2",
                  "{\"age\":\"2\",\"topics\":[\"a\",\"other\"],\"topics.other\":\"my own\","
                  "\"country\":\"fi\",\"mood\":\"5\",\"feel.sleep\":\"1\",\"feel.food\":\"1\","
                  "\"help_before\":\"1\",\"help_where\":\"at home\",\"count\":\"12\","
                  "\"postcode\":\"00100\",\"comment\":\"line1\\r\\nline2\"}");
    /* Empty text and number boxes mean unanswered, as browsers send them. */
    assert_stored(s, VALID "&count=&postcode=&help_where=&comment=",
                  "{\"age\":\"1\",\"feel.sleep\":\"2\",\"feel.food\":\"3\",\"help_before\":\"2\"}");
}

static void test_hidden_fields(void **state)
{
    const answer_schema *s = *state;
    assert_problem(s, "_version=3f2a9c0d1e4b5a6c&_lang=en&age=1", PROBLEM_UNKNOWN_SURVEY, 0);
    assert_problem(s, "_survey=other&_version=3f2a9c0d1e4b5a6c&_lang=en", PROBLEM_UNKNOWN_SURVEY, 0);
    assert_problem(s, "_survey=wellbeing&_version=0000000000000000&_lang=en&age=1",
                   PROBLEM_WRONG_VERSION, 0);
    assert_problem(s, "_survey=wellbeing&_version=3f2a9c0d1e4b5a6c&_lang=de&age=1",
                   PROBLEM_UNKNOWN_LANGUAGE, 0);
    assert_problem(s, VALID "&_lang=fi", PROBLEM_UNKNOWN_LANGUAGE, 0);
}

static void test_field_names(void **state)
{
    const answer_schema *s = *state;
    assert_problem(s, VALID "&bogus=1", PROBLEM_UNKNOWN_FIELD, 0);
    assert_problem(s, VALID "&feel.bogus=1", PROBLEM_UNKNOWN_FIELD, 0);
    assert_problem(s, VALID "&age.other=x", PROBLEM_UNKNOWN_FIELD, 0);
    assert_problem(s, VALID "&age=2", PROBLEM_DUPLICATE_FIELD, 0);
    assert_problem(s, VALID "&feel.food=1", PROBLEM_DUPLICATE_FIELD, 0);
    assert_problem(s, VALID "&topics=a&topics=a", PROBLEM_DUPLICATE_FIELD, 2);
}

static void test_codes_numbers_texts(void **state)
{
    const answer_schema *s = *state;
    assert_problem(s, HEAD "&age=4&feel.sleep=2&feel.food=3&help_before=2", PROBLEM_INVALID_CODE, 1);
    assert_problem(s, VALID "&topics=z", PROBLEM_INVALID_CODE, 2);
    assert_problem(s, VALID "&mood=6", PROBLEM_INVALID_CODE, 4);
    assert_problem(s, HEAD "&age=1&feel.sleep=4&feel.food=3&help_before=2", PROBLEM_INVALID_CODE, 5);
    assert_problem(s, VALID "&count=101", PROBLEM_BAD_NUMBER, 8);
    assert_problem(s, VALID "&count=-1", PROBLEM_BAD_NUMBER, 8);
    assert_problem(s, VALID "&count=1.5", PROBLEM_BAD_NUMBER, 8);
    assert_problem(s, VALID "&count=ten", PROBLEM_BAD_NUMBER, 8);
    assert_problem(s, VALID "&count=0x10", PROBLEM_BAD_NUMBER, 8);
    assert_stored(s, VALID "&count=1e1",
                  "{\"age\":\"1\",\"feel.sleep\":\"2\",\"feel.food\":\"3\",\"help_before\":\"2\","
                  "\"count\":\"1e1\"}");
    assert_problem(s, VALID "&postcode=0010", PROBLEM_PATTERN, 9);
    assert_problem(s, VALID "&postcode=001000", PROBLEM_TOO_LONG, 9);
    assert_problem(s, VALID "&postcode=a0010", PROBLEM_PATTERN, 9);
}

static void test_text_length_counts_characters(void **state)
{
    const answer_schema *s = *state;
    buf_t b = BUF_INIT;
    buf_puts(&b, HEAD "&age=1&feel.sleep=2&feel.food=3&help_before=1&help_where=");
    for (int i = 0; i < 50; i++)
        buf_puts(&b, "%C3%A9"); /* 50 characters, 100 bytes: fits */
    int kind;
    char *json = validate(s, buf_cstr(&b), &kind, NULL);
    assert_non_null(json);
    free(json);
    buf_puts(&b, "x");
    assert_problem(s, buf_cstr(&b), PROBLEM_TOO_LONG, 7);
    buf_free(&b);
}

static void test_choices_and_other(void **state)
{
    const answer_schema *s = *state;
    assert_problem(s, VALID "&topics=a&topics=b&topics=c", PROBLEM_CHOICE_COUNT, 2);
    assert_problem(s, VALID "&topics=a&topics.other=x", PROBLEM_OTHER_TEXT, 2);
    buf_t b = BUF_INIT;
    buf_puts(&b, VALID "&topics=other&topics.other=");
    for (int i = 0; i < 201; i++)
        buf_putc(&b, 'x');
    assert_problem(s, buf_cstr(&b), PROBLEM_TOO_LONG, 2);
    buf_free(&b);
}

static void test_required_when_shown(void **state)
{
    const answer_schema *s = *state;
    assert_problem(s, HEAD "&feel.sleep=2&feel.food=3&help_before=2", PROBLEM_MISSING, 1);
    assert_problem(s, HEAD "&age=1&feel.sleep=2&help_before=2", PROBLEM_MISSING, 5);
    /* help_where is required only when help_before is 1. */
    assert_problem(s, HEAD "&age=1&feel.sleep=2&feel.food=3&help_before=1", PROBLEM_MISSING, 7);
    assert_problem(s, VALID "&help_where=at+home", PROBLEM_HIDDEN_ANSWERED, 7);
    /* comment shows when age is 2 or 3, or any topic is chosen. */
    assert_problem(s, VALID "&comment=hello", PROBLEM_HIDDEN_ANSWERED, 10);
    assert_problem(s, VALID "&supports=x", PROBLEM_HIDDEN_ANSWERED, 11);
    assert_stored(s, VALID "&topics=b&comment=hello",
                  "{\"age\":\"1\",\"topics\":[\"b\"],\"feel.sleep\":\"2\",\"feel.food\":\"3\","
                  "\"help_before\":\"2\",\"comment\":\"hello\"}");
}

static void test_every_problem_is_reported(void **state)
{
    const answer_schema *s = *state;
    form_t f;
    const char *perr;
    const char *body = HEAD "&age=7&count=500&postcode=x";
    assert_int_equal(form_parse(body, strlen(body), &f, &perr), 0);
    answer_problems p = {0};
    char *json = NULL;
    assert_int_equal(answer_validate(s, &f, &json, &p), -1);
    assert_null(json);
    /* age invalid, feel missing, help_before missing, count, postcode */
    assert_int_equal(p.len, 5);
    answer_problems_free(&p);
    form_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_reads_the_contract, load_schema, free_schema),
        cmocka_unit_test(test_schema_refuses_broken),
        cmocka_unit_test_setup_teardown(test_valid_answers_are_stored_exactly, load_schema, free_schema),
        cmocka_unit_test_setup_teardown(test_hidden_fields, load_schema, free_schema),
        cmocka_unit_test_setup_teardown(test_field_names, load_schema, free_schema),
        cmocka_unit_test_setup_teardown(test_codes_numbers_texts, load_schema, free_schema),
        cmocka_unit_test_setup_teardown(test_text_length_counts_characters, load_schema, free_schema),
        cmocka_unit_test_setup_teardown(test_choices_and_other, load_schema, free_schema),
        cmocka_unit_test_setup_teardown(test_required_when_shown, load_schema, free_schema),
        cmocka_unit_test_setup_teardown(test_every_problem_is_reported, load_schema, free_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
