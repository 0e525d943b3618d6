/* Tests for survey (the YAML model, conditions, version hash, PO lookup),
 * survey_export (schema.json, codebook.csv, .pot) and form (markup, CSS).
 * Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "diag.h"
#include "form.h"
#include "survey.h"
#include "survey_export.h"
#include "xalloc.h"

static const char BASE[] =
    "id: demo\n"
    "sections:\n"
    "  - id: one\n"
    "    title: Part one\n"
    "    questions:\n"
    "      - id: smoke\n"
    "        type: single\n"
    "        required: true\n"
    "        text: Do you smoke?\n"
    "        help: Any tobacco.\n"
    "        options:\n"
    "          - {code: \"1\", text: \"Yes\"}\n"
    "          - {code: \"2\", text: \"No\"}\n"
    "          - {code: \"99\", text: \"Prefer not to say\", prefer_not: true}\n"
    "      - id: how_many\n"
    "        type: number\n"
    "        required: true\n"
    "        text: How many a day?\n"
    "        min: 1\n"
    "        max: 100\n"
    "        step: 1\n"
    "        show_if: {question: smoke, equals: \"1\"}\n"
    "  - id: two\n"
    "    title: Part two\n"
    "    questions:\n"
    "      - id: mood\n"
    "        type: scale\n"
    "        text: How do you feel?\n"
    "        min: 1\n"
    "        max: 5\n"
    "        min_label: Bad\n"
    "        max_label: Good\n"
    "      - id: feel\n"
    "        type: matrix\n"
    "        text: How often?\n"
    "        rows:\n"
    "          - {id: sad, text: \"Sad\"}\n"
    "          - {id: glad, text: \"Glad, \\\"very\\\"\"}\n"
    "        options:\n"
    "          - {code: \"0\", text: \"Never\"}\n"
    "          - {code: \"1\", text: \"Often\"}\n"
    "      - id: why\n"
    "        type: multiple\n"
    "        text: Why?\n"
    "        max_choices: 2\n"
    "        show_if:\n"
    "          any:\n"
    "            - {question: smoke, any_of: [\"1\", \"99\"]}\n"
    "            - {question: how_many, answered: true}\n"
    "        options:\n"
    "          - {code: a, text: \"Habit\"}\n"
    "          - {code: b, text: \"Stress\"}\n"
    "          - {code: o, text: \"Other\", other: true}\n"
    "      - id: note\n"
    "        type: text\n"
    "        text: Anything else?\n"
    "        maxlength: 50\n"
    "        pattern: \"[a-z ]*\"\n";

/* ---- helpers ------------------------------------------------------------ */

static survey_t *parse(const char *yaml, diags_t *d)
{
    return survey_parse(yaml, strlen(yaml), "surveys/demo.yaml", "demo", d);
}

/* Parses yaml that must fail; returns the formatted diagnostics joined. */
static char *errors_of(const char *yaml)
{
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(yaml, &d);
    assert_null(s);
    assert_true(d.errors > 0);
    char *all = xstrdup("");
    for (size_t i = 0; i < d.len; i++) {
        char *line = diag_format(&d.items[i]);
        char *joined = xasprintf("%s%s\n", all, line);
        free(all);
        free(line);
        all = joined;
    }
    diag_free(&d);
    return all;
}

/* BASE with the first occurrence of from replaced by to (caller frees). */
static char *variant(const char *from, const char *to)
{
    const char *at = strstr(BASE, from);
    assert_non_null(at);
    return xasprintf("%.*s%s%s", (int)(at - BASE), BASE, to, at + strlen(from));
}

static void expect_error(const char *from, const char *to, const char *needle)
{
    char *yaml = variant(from, to);
    char *errs = errors_of(yaml);
    if (!strstr(errs, needle))
        fail_msg("expected '%s' in:\n%s", needle, errs);
    free(errs);
    free(yaml);
}

static char *version_of(const char *yaml)
{
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(yaml, &d);
    assert_non_null(s);
    char *v = xstrdup(s->version);
    survey_free(s);
    diag_free(&d);
    return v;
}

static catalog_t *load_po(const char *text, diags_t *d)
{
    char path[] = "/tmp/waymark-test-survey-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    catalog_t *c = catalog_load(path, "locales/fi.po", d);
    unlink(path);
    return c;
}

static const char PO_FI[] =
    "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
    "msgctxt \"demo/smoke\"\nmsgid \"Do you smoke?\"\nmsgstr \"Tupakoitko?\"\n\n"
    "msgctxt \"demo/smoke/1\"\nmsgid \"Yes\"\nmsgstr \"Kyllä\"\n\n"
    "msgctxt \"demo/section/one\"\nmsgid \"Part one\"\nmsgstr \"Osa yksi\"\n\n"
    "msgctxt \"demo/feel/row/sad\"\nmsgid \"Sad\"\nmsgstr \"Surullinen\"\n\n"
    "msgctxt \"demo/mood/min_label\"\nmsgid \"Bad\"\nmsgstr \"Huono\"\n\n"
    "msgctxt \"month\"\nmsgid \"May\"\nmsgstr \"toukokuu\"\n";

/* ---- the model ------------------------------------------------------------ */

static void reads_sections_questions_and_options(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(BASE, &d);
    assert_non_null(s);
    assert_int_equal(d.len, 0);
    assert_int_equal(s->nsections, 2);
    assert_string_equal(s->sections[1].id, "two");
    assert_int_equal(s->sections[1].first, 2);
    assert_int_equal(s->nquestions, 6);
    const survey_question *smoke = survey_find_question(s, "smoke");
    assert_int_equal(smoke->type, SQ_SINGLE);
    assert_true(smoke->required);
    assert_int_equal(smoke->noptions, 3);
    assert_string_equal(smoke->options[2].code, "99");
    assert_true(smoke->options[2].prefer_not);
    assert_string_equal(smoke->help.source, "Any tobacco.");
    assert_int_equal(smoke->line, 6);
    const survey_question *why = survey_find_question(s, "why");
    assert_true(why->show_if.any);
    assert_int_equal(why->show_if.len, 2);
    assert_int_equal(why->show_if.conds[0].kind, SC_ANY_OF);
    assert_int_equal(why->show_if.conds[1].kind, SC_ANSWERED);
    assert_int_equal(why->show_if.conds[1].target, 1);
    assert_int_equal(why->max_choices, 2);
    assert_true(why->options[2].other);
    const survey_question *note = survey_find_question(s, "note");
    assert_int_equal(note->maxlength, 50);
    assert_string_equal(note->pattern, "[a-z ]*");
    assert_int_equal(strlen(s->version), 16);
    assert_int_equal(strspn(s->version, "0123456789abcdef"), 16);
    survey_free(s);
    diag_free(&d);
}

static void texts_have_msgctxts_and_lines(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(BASE, &d);
    assert_non_null(s);
    const survey_text *t = survey_find_text(s, "demo/smoke/99");
    assert_non_null(t);
    assert_string_equal(t->source, "Prefer not to say");
    assert_int_equal(t->line, 14);
    assert_non_null(survey_find_text(s, "demo/section/two"));
    assert_non_null(survey_find_text(s, "demo/smoke/help"));
    assert_non_null(survey_find_text(s, "demo/feel/row/glad"));
    assert_non_null(survey_find_text(s, "demo/mood/max_label"));
    assert_null(survey_find_text(s, "demo/how_many/help")); /* no help given */
    assert_string_equal(s->texts[0]->ctx, "demo/section/one");
    survey_free(s);
    diag_free(&d);
}

static void reports_bad_definitions_with_positions(void **state)
{
    (void)state;
    expect_error("type: scale", "type: slider", "surveys/demo.yaml:27:15: error: unknown question type 'slider'");
    expect_error("id: how_many", "id: smoke", "duplicate question id 'smoke' (first at line 6)");
    expect_error("{code: \"2\", text: \"No\"}", "{code: \"1\", text: \"No\"}",
                 "13:13: error: duplicate option code '1' in question 'smoke'");
    expect_error("          - {code: \"0\", text: \"Never\"}\n          - {code: \"1\", text: \"Often\"}\n",
                 "", "'options' must be a list");
    expect_error("        options:\n          - {code: a", "        choices:\n          - {code: a",
                 "needs 'options'");
    expect_error("min: 1\n        max: 100", "min: 10\n        max: 5", "'min' (10) is more than 'max' (5)");
    expect_error("max_choices: 2", "max_choices: 7", "more choices than the 3 options");
    expect_error("maxlength: 50", "maxlength: 0", "'maxlength' must be a whole number from 1");
    expect_error("pattern: \"[a-z ]*\"", "pattern: \"[a-z\"", "'pattern' is not a valid regular expression");
    expect_error("        step: 1\n", "        step: 1\n        min_label: x\n", "'min_label' is not used by a number question");
    expect_error("        help: Any tobacco.\n", "        hlep: Any tobacco.\n", "unknown key 'hlep' in a question");
    expect_error("{code: \"2\", text: \"No\"}", "{code: \"help\", text: \"No\"}", "option code 'help' is a reserved word");
    expect_error("id: why", "id: Why!", "'id' must start with a letter");
}

/* An option or a condition that is not a mapping is an error, never a
 * crash in the checks that follow (found by tests/fuzz/fuzz_survey). */
static void list_items_that_are_not_mappings_are_errors(void **state)
{
    (void)state;
    expect_error("          - {code: \"1\", text: \"Yes\"}\n", "          - \"1\"\n",
                 "12:13: error: an option must be a mapping");
    expect_error("{question: smoke, any_of: [\"1\", \"99\"]}", "smoke",
                 "error: a condition must be a mapping");
}

/* ---- conditions ------------------------------------------------------------ */

static void conditions_must_refer_to_earlier_questions(void **state)
{
    (void)state;
    expect_error("{question: smoke, equals: \"1\"}", "{question: mood, equals: \"1\"}",
                 "show_if refers to 'mood', which comes later (line 26)");
    expect_error("{question: smoke, equals: \"1\"}", "{question: smokes, equals: \"1\"}",
                 "show_if refers to unknown question 'smokes'");
    expect_error("{question: smoke, equals: \"1\"}", "{question: how_many, answered: true}",
                 "show_if of 'how_many' refers to itself");
    expect_error("{question: smoke, equals: \"1\"}", "{question: smoke, equals: \"3\"}",
                 "'3' is not a code of question 'smoke'");
    expect_error("{question: how_many, answered: true}", "{question: how_many, equals: \"2\"}",
                 "'how_many' is a number question: a condition on it can only be 'answered: true'");
    expect_error("{question: smoke, equals: \"1\"}", "{question: smoke, equals: \"1\", answered: true}",
                 "exactly one of 'equals', 'any_of' or 'answered'");
}

static void a_cycle_is_reported_with_its_loop(void **state)
{
    (void)state;
    /* smoke depends on why, why depends on smoke (any_of) */
    char *yaml = variant("        help: Any tobacco.\n",
                         "        help: Any tobacco.\n        show_if: {question: why, answered: true}\n");
    char *errs = errors_of(yaml);
    if (!strstr(errs, "show_if conditions form a cycle: smoke -> why -> smoke"))
        fail_msg("no cycle in:\n%s", errs);
    assert_non_null(strstr(errs, "which comes later"));
    free(errs);
    free(yaml);
}

static void a_matrix_cannot_be_a_condition(void **state)
{
    (void)state;
    expect_error("{question: how_many, answered: true}", "{question: feel, answered: true}",
                 "show_if cannot refer to the matrix question 'feel'");
}

/* ---- the version ----------------------------------------------------------- */

static void version_ignores_texts_and_follows_structure(void **state)
{
    (void)state;
    char *v0 = version_of(BASE);
    char *again = version_of(BASE);
    assert_string_equal(v0, again);
    char *texts = variant("text: Do you smoke?", "text: Do you smoke at all?");
    char *v_texts = version_of(texts);
    assert_string_equal(v0, v_texts); /* a text edit keeps the version */
    char *help = variant("        help: Any tobacco.\n", "");
    char *v_help = version_of(help);
    assert_string_equal(v0, v_help);
    char *code = variant("{code: \"2\", text: \"No\"}", "{code: \"3\", text: \"No\"}");
    char *v_code = version_of(code);
    assert_string_not_equal(v0, v_code); /* a changed code changes it */
    char *added = xasprintf("%s      - id: extra\n        type: text\n        text: More?\n", BASE);
    char *v_added = version_of(added);
    assert_string_not_equal(v0, v_added); /* a new question changes it */
    char *req = variant("required: true\n        text: How many", "required: false\n        text: How many");
    char *v_req = version_of(req);
    assert_string_not_equal(v0, v_req);
    char *cond = variant("{question: smoke, equals: \"1\"}", "{question: smoke, equals: \"99\"}");
    char *v_cond = version_of(cond);
    assert_string_not_equal(v0, v_cond);
    char *type = variant("type: single", "type: select");
    char *v_type = version_of(type);
    assert_string_not_equal(v0, v_type);
    free(v0), free(again), free(texts), free(v_texts), free(help), free(v_help), free(code),
        free(v_code), free(added), free(v_added), free(req), free(v_req), free(cond),
        free(v_cond), free(type), free(v_type);
}

static void version_is_the_same_in_every_language(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(BASE, &d);
    catalog_t *fi = load_po(PO_FI, &d);
    char *canon = survey_canonical(s);
    assert_null(strstr(canon, "Do you smoke")); /* no texts in the structure */
    assert_non_null(strstr(canon, "q\tsmoke\tsingle\trequired"));
    /* The form's hidden _version is the same whatever the language. */
    assert_int_equal(strlen(s->version), 16);
    free(canon);
    catalog_free(fi);
    survey_free(s);
    diag_free(&d);
}

/* ---- PO lookup ------------------------------------------------------------- */

static void texts_come_from_the_catalog_with_fallback(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(BASE, &d);
    catalog_t *fi = load_po(PO_FI, &d);
    assert_non_null(fi);
    const survey_question *smoke = survey_find_question(s, "smoke");
    assert_string_equal(survey_text_get(&smoke->text, fi), "Tupakoitko?");
    assert_string_equal(survey_text_get(&smoke->options[0].text, fi), "Kyllä");
    assert_string_equal(survey_text_get(&smoke->options[1].text, fi), "No"); /* fallback */
    assert_string_equal(survey_text_get(&smoke->text, NULL), "Do you smoke?");
    assert_string_equal(survey_text_get(&s->sections[0].title, fi), "Osa yksi");
    assert_null(survey_text_get(&survey_find_question(s, "how_many")->help, fi));
    survey_check_catalog(s, fi, "locales/fi.po", "Suomi", true, &d);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 1);
    char *w = diag_format(&d.items[d.len - 1]);
    assert_non_null(strstr(w, "locales/fi.po: warning: survey 'demo': "));
    assert_non_null(strstr(w, "without a Suomi translation"));
    assert_non_null(strstr(w, "smoke/2, smoke/99"));
    assert_null(strstr(w, "smoke/1,"));
    free(w);
    catalog_free(fi);
    survey_free(s);
    diag_free(&d);
}

static void an_unknown_msgctxt_is_an_error_at_its_line(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(BASE, &d);
    char *po = xasprintf("%s\nmsgctxt \"demo/smokes\"\nmsgid \"Do you smoke?\"\nmsgstr \"x\"\n\n"
                         "msgctxt \"demo/smoke/7\"\nmsgid \"Yes\"\nmsgstr \"y\"\n",
                         PO_FI);
    catalog_t *fi = load_po(po, &d);
    survey_check_catalog(s, fi, "locales/fi.po", "Suomi", false, &d);
    assert_int_equal(d.errors, 2);
    char *e = diag_format(&d.items[0]);
    if (!strstr(e, "locales/fi.po:28: error: msgctxt \"demo/smokes\" names no text"))
        fail_msg("%s", e);
    free(e);
    free(po);
    catalog_free(fi);
    survey_free(s);
    diag_free(&d);
}

/* ---- exports and the form -------------------------------------------------- */

static const char *ui_identity(void *ctx, const char *msgid, const char *plural, unsigned long n)
{
    (void)ctx;
    return plural && n != 1 ? plural : msgid;
}

static void form_names_and_values_are_ids_and_codes(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(BASE, &d);
    catalog_t *fi = load_po(PO_FI, &d);
    form_input in = {s, NULL, "en", "../../submit", ui_identity, NULL};
    char *en = form_html(&in);
    in.cat = fi;
    in.lang = "fi";
    char *html = form_html(&in);
    assert_non_null(strstr(html, "name=\"_version\" value=\"" ));
    assert_non_null(strstr(html, s->version));
    assert_non_null(strstr(html, "name=\"smoke\" value=\"1\" id=\"f-smoke.1\" required> <span>Kyllä</span>"));
    assert_non_null(strstr(en, "name=\"smoke\" value=\"1\" id=\"f-smoke.1\" required> <span>Yes</span>"));
    /* conditional: never required in markup, with its note */
    assert_non_null(strstr(html, "<input type=\"number\" id=\"f-how_many\" name=\"how_many\" placeholder=\" \" min=\"1\" max=\"100\" step=\"1\" inputmode=\"decimal\" aria-describedby=\"q-how_many.cond\">"));
    assert_non_null(strstr(html, "Answer only if you answered “Kyllä” to question 1. Required when shown."));
    assert_non_null(strstr(html, "name=\"feel.glad\" value=\"1\""));
    assert_non_null(strstr(html, "Glad, &quot;very&quot;"));
    assert_non_null(strstr(html, "name=\"why.other\" maxlength=\"200\""));
    assert_non_null(strstr(html, "pattern=\"[a-z ]*\""));
    assert_non_null(strstr(html, "action=\"../../submit\""));
    char *css = NULL;
    const char *why = NULL;
    css = form_css(s, &why);
    assert_non_null(css);
    assert_non_null(strstr(css, "#sv-demo:has(input[name=\"smoke\"][value=\"1\"]:checked) #q-how_many { display: block; }"));
    /* why: any of (smoke 1 or 99) or (how_many answered, itself shown only when smoke is 1) */
    assert_non_null(strstr(css, "#sv-demo:has(input[name=\"smoke\"][value=\"1\"]:checked, input[name=\"smoke\"][value=\"99\"]:checked) #q-why,\n"
                                "#sv-demo:has([name=\"how_many\"]:not(:placeholder-shown)):has(input[name=\"smoke\"][value=\"1\"]:checked) #q-why { display: block; }"));
    free(css);
    free(en);
    free(html);
    catalog_free(fi);
    survey_free(s);
    diag_free(&d);
}

static void schema_codebook_and_pot(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    survey_t *s = parse(BASE, &d);
    catalog_t *fi = load_po(PO_FI, &d);
    survey_language langs[] = {{"en", NULL, "en/t/index.html"}, {"fi", fi, "fi/t/index.html"}};
    char *json = survey_schema_json(s, langs, 2);
    assert_non_null(strstr(json, "\"languages\": [\"en\", \"fi\"]"));
    assert_non_null(strstr(json, "\"thanks\": {\"en\": \"en/t/index.html\", \"fi\": \"fi/t/index.html\"}"));
    assert_non_null(strstr(json, "\"codes\": [\"1\", \"2\", \"3\", \"4\", \"5\"]"));
    assert_non_null(strstr(json, "\"show_if\": {\"all\": [{\"question\": \"smoke\", \"equals\": \"1\"}]}"));
    assert_non_null(strstr(json, "\"other_code\": \"o\""));
    char *csv = survey_codebook_csv(s, langs, 2);
    assert_non_null(strstr(csv, "variable,question,section,type,code,en,fi\r\n"));
    assert_non_null(strstr(csv, "smoke,smoke,one,single,1,Yes,Kyllä\r\n"));
    assert_non_null(strstr(csv, "feel.glad,feel,two,matrix row,,\"Glad, \"\"very\"\"\",\"Glad, \"\"very\"\"\"\r\n"));
    assert_non_null(strstr(csv, "mood,mood,two,scale,1,Bad,Huono\r\n"));
    assert_non_null(strstr(csv, "why.other,why,two,other text,,Other,Other\r\n"));
    char *pot = survey_pot(s);
    assert_non_null(strstr(pot, "#: surveys/demo.yaml:14\nmsgctxt \"demo/smoke/99\"\nmsgid \"Prefer not to say\"\nmsgstr \"\"\n"));
    assert_non_null(strstr(pot, "msgid \"Glad, \\\"very\\\"\""));
    free(pot);
    free(csv);
    free(json);
    catalog_free(fi);
    survey_free(s);
    diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_sections_questions_and_options),
        cmocka_unit_test(texts_have_msgctxts_and_lines),
        cmocka_unit_test(reports_bad_definitions_with_positions),
        cmocka_unit_test(list_items_that_are_not_mappings_are_errors),
        cmocka_unit_test(conditions_must_refer_to_earlier_questions),
        cmocka_unit_test(a_cycle_is_reported_with_its_loop),
        cmocka_unit_test(a_matrix_cannot_be_a_condition),
        cmocka_unit_test(version_ignores_texts_and_follows_structure),
        cmocka_unit_test(version_is_the_same_in_every_language),
        cmocka_unit_test(texts_come_from_the_catalog_with_fallback),
        cmocka_unit_test(an_unknown_msgctxt_is_an_error_at_its_line),
        cmocka_unit_test(form_names_and_values_are_ids_and_codes),
        cmocka_unit_test(schema_codebook_and_pot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
