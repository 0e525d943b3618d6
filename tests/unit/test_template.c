#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "fs.h"
#include "path.h"
#include "sandbox.h"
#include "template.h"

#define BUDGET 10000000L

/* A site folder and a theme folder of templates, and one sandbox. */
typedef struct {
    char root[40];
    char *site_dir;  /* the site's own override folder: wins */
    char *theme_dir; /* the theme's templates */
    lua_State *L;
    diags_t d;
} fixture_t;

static const char *const display_dirs[] = {"themes/default/templates",
                                           "/usr/share/waymark/themes/default/templates", NULL};

static int setup_with_cap(void **state, size_t cap)
{
    fixture_t *f = calloc(1, sizeof *f);
    strcpy(f->root, "/tmp/waymark-template-XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    f->site_dir = path_join(f->root, "site");
    f->theme_dir = path_join(f->root, "theme");
    f->L = sandbox_new(cap);
    if (!f->L)
        return -1;
    tpl_install(f->L);
    f->d = (diags_t)DIAGS_INIT;
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_with_cap(state, SANDBOX_DEFAULT_MEMORY); }

static int setup_small(void **state) { return setup_with_cap(state, 16u << 20); }

static int teardown(void **state)
{
    fixture_t *f = *state;
    fs_remove_tree(f->root);
    sandbox_close(f->L);
    diag_free(&f->d);
    free(f->site_dir);
    free(f->theme_dir);
    free(f);
    return 0;
}

static void put(const char *dir, const char *name, const char *text)
{
    char *path = path_join(dir, name);
    assert_int_equal(fs_write_file(path, text, strlen(text)), 0);
    free(path);
}

static int load(fixture_t *f)
{
    const char *dirs[] = {f->site_dir, f->theme_dir, NULL};
    return tpl_load_dirs(f->L, dirs, display_dirs, &f->d);
}

/* Renders name with the context that the Lua expression ctx builds;
 * returns the output (caller frees) or NULL after an error. */
static char *render_ctx(fixture_t *f, const char *name, const char *ctx)
{
    char *source = ctx ? malloc(strlen(ctx) + 8) : NULL, *err;
    if (source)
        sprintf(source, "return %s", ctx);
    if (sandbox_load(f->L, source ? source : "return {}", strlen(source ? source : "return {}"),
                     "ctx", &err) != 0 ||
        sandbox_pcall(f->L, 0, 1, BUDGET, &err) != 0)
        fail_msg("context: %s", err);
    free(source);
    buf_t out = BUF_INIT;
    int top = lua_gettop(f->L);
    int status = tpl_render(f->L, name, -1, &out, BUDGET, "en/index.html", &f->d);
    assert_int_equal(lua_gettop(f->L), top);
    lua_pop(f->L, 1);
    if (status != 0) {
        buf_free(&out);
        return NULL;
    }
    char *text = buf_detach(&out);
    return text ? text : strdup("");
}

/* One template in the theme folder, loaded and rendered. */
static void assert_renders(fixture_t *f, const char *text, const char *ctx, const char *expected)
{
    put(f->theme_dir, "t.html", text);
    assert_int_equal(load(f), 0);
    char *got = render_ctx(f, "t.html", ctx);
    if (!got)
        fail_msg("%s", f->d.len ? f->d.items[f->d.len - 1].msg : "failed");
    assert_string_equal(got, expected);
    free(got);
}

/* The last error reported, as printed (caller frees). */
static char *last_error(fixture_t *f)
{
    assert_true(f->d.len > 0);
    return diag_format(&f->d.items[f->d.len - 1]);
}

static void assert_render_fails(fixture_t *f, const char *text, const char *ctx,
                                const char *expected)
{
    put(f->theme_dir, "t.html", text);
    assert_int_equal(load(f), 0);
    size_t before = f->d.errors;
    char *got = render_ctx(f, "t.html", ctx);
    if (got)
        fail_msg("rendered '%s'", got);
    assert_int_equal(f->d.errors, before + 1);
    char *err = last_error(f);
    assert_string_equal(err, expected);
    free(err);
}

#define T "/usr/share/waymark/themes/default/templates/t.html"

static void test_text_only(void **state)
{
    fixture_t *f = *state;
    assert_renders(f, "", NULL, "");
    assert_renders(f, "<p class=\"a\">caf\xC3\xA9 \\ } { %}\r\n\ttab</p>\n", NULL,
                   "<p class=\"a\">caf\xC3\xA9 \\ } { %}\r\n\ttab</p>\n");
    assert_renders(f, "]]=] [==[ \x01\x7f", NULL, "]]=] [==[ \x01\x7f");
}

static void test_expressions(void **state)
{
    fixture_t *f = *state;
    assert_renders(f, "<h1>{{ page.title }}</h1> {{ 1 + 2 }} {{page.n*2}}",
                   "{page = {title = 'Help', n = 21}}", "<h1>Help</h1> 3 42");
    assert_renders(f, "{{ string.upper(lang.code) }}|{{ #languages }}",
                   "{lang = {code = 'ar'}, languages = {1, 2, 3}}", "AR|3");
    /* a string holding a closing tag is fine inside an expression */
    assert_renders(f, "{{ '{{' }}", NULL, "{{");
}

static void test_statements(void **state)
{
    fixture_t *f = *state;
    assert_renders(f,
                   "<ul>{% for _, c in ipairs(page.children) do %}<li>{{ c }}</li>{% end %}</ul>"
                   "{% if page.draft then %}draft{% else %}live{% end %}",
                   "{page = {children = {'a', 'b'}}}", "<ul><li>a</li><li>b</li></ul>live");
    assert_renders(f, "{% local n = 0 %}{% for i = 1, 3 do n = n + i end %}{{ n }}", NULL, "6");
    /* a statement starting with '(' is not glued to the text before it */
    assert_renders(f, "x{% (function() end)() %}y", NULL, "xy");
}

static void test_comments(void **state)
{
    fixture_t *f = *state;
    assert_renders(f, "a{# a note {{ not output }} #}b", NULL, "ab");
    assert_renders(f, "a{# line one\nline two #}b", NULL, "ab");
    /* a Lua line comment inside a tag does not swallow what follows */
    assert_renders(f, "{% local a = 1 -- the count %}after {{ a -- why %} }}!", NULL,
                   "after 1!");
    assert_renders(f, "{% local s = '--' %}{{ s }}{% local t = [[--]] %}{{ t }}", NULL, "----");
}

static void test_trimming(void **state)
{
    fixture_t *f = *state;
    assert_renders(f,
                   "<ul>\n"
                   "  {%- for _, x in ipairs(xs) do -%}\n"
                   "  <li>{{ x }}</li>\n"
                   "  {%- end -%}\n"
                   "</ul>\n",
                   "{xs = {1, 2}}", "<ul>  <li>1</li>  <li>2</li></ul>\n");
    assert_renders(f, "a  \n  {{- 'b' -}}  \n  c", NULL, "ab  c");
    assert_renders(f, "a \r\n{#- note -#}\r\nb", NULL, "ab");
    /* only one line break on each side */
    assert_renders(f, "a\n\n{%- local x = 1 -%}\n\nb", NULL, "a\n\nb");
    /* without a dash nothing is trimmed */
    assert_renders(f, "a\n{% local x = 1 %}\nb", NULL, "a\n\nb");
}

static void test_line_numbers_are_kept(void **state)
{
    fixture_t *f = *state;
    assert_render_fails(f,
                        "<html>\n"                             /* 1 */
                        "{# a comment\n over two lines #}\n"   /* 2, 3 */
                        "  {%- local x = 1 -- note -%}\n"      /* 4 */
                        "<p title=\"{{ x }}\">\n"              /* 5 */
                        "{% for i = 1, 2 do\n end %}\n"        /* 6, 7 */
                        "{{ page.missing.field }}\n"           /* 8 */
                        "</html>\n",
                        "{page = {}}",
                        T ":8: error: attempt to index a nil value (field 'missing') "
                          "(while rendering en/index.html)");
    assert_render_fails(f, "1\n2\n3\n4\n5\n6\n{% error('boom') %}\n", NULL,
                        T ":7: error: boom (while rendering en/index.html)");
}

static void test_escaping_each_type(void **state)
{
    fixture_t *f = *state;
    assert_renders(f, "[{{ nothing }}]", NULL, "[]");
    assert_renders(f, "{{ s }}", "{s = [[<a href=\"x\" title='y'>&</a>]]}",
                   "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    assert_renders(f, "{{ 42 }} {{ -7 }} {{ 3.0 }} {{ 1.5 }} {{ 1/3 }} {{ 2^53 }}", NULL,
                   "42 -7 3 1.5 0.33333333333333 9.007199254741e+15");
    assert_renders(f, "{{ true }} {{ false }} {{ 1 < 2 }}", NULL, "true false true");
    assert_render_fails(f, "\n{{ page }}", "{page = {}}",
                        T ":2: error: cannot output a table value (while rendering en/index.html)");
    assert_render_fails(f, "{{ ipairs }}", NULL,
                        T ":1: error: cannot output a function value "
                          "(while rendering en/index.html)");
}

static void test_raw(void **state)
{
    fixture_t *f = *state;
    assert_renders(f, "{{ raw('<b>&amp;</b>') }}", NULL, "<b>&amp;</b>");
    assert_renders(f, "[{{ raw(nil) }}] {{ raw(12) }} {{ raw(raw('<i>')) }}", NULL, "[] 12 <i>");
    /* concatenating a raw value gives a plain string, escaped again */
    assert_renders(f, "{{ raw('<b>') .. '!' }} {{ 'x' .. raw('<b>') }}", NULL,
                   "&lt;b&gt;! x&lt;b&gt;");
    assert_renders(f, "{{ tostring(raw('<b>')) }} {{ #raw('<b>') }} {{ type(raw('')) }}", NULL,
                   "&lt;b&gt; 3 userdata");
    /* the mark cannot be copied onto another value */
    assert_renders(f, "{{ getmetatable(raw('x')) }}", NULL, "false");
}

static void test_raw_from_c(void **state)
{
    fixture_t *f = *state;
    put(f->theme_dir, "t.html", "<main>{{ content }}</main>{{ title }}");
    assert_int_equal(load(f), 0);
    lua_newtable(f->L);
    tpl_push_raw(f->L, "<p>Hi</p>", 9);
    lua_setfield(f->L, -2, "content");
    lua_pushstring(f->L, "<Hi>");
    lua_setfield(f->L, -2, "title");
    buf_t out = BUF_INIT;
    assert_int_equal(tpl_render(f->L, "t.html", -1, &out, BUDGET, "x", &f->d), 0);
    assert_string_equal(out.data, "<main><p>Hi</p></main>&lt;Hi&gt;");
    buf_free(&out);
    lua_pop(f->L, 1);
}

static void test_partial_with_extra(void **state)
{
    fixture_t *f = *state;
    put(f->theme_dir, "partials/nav.html", "<nav>{{ page.title }}:{{ active }}</nav>");
    assert_renders(f,
                   "{{ partial('partials/nav.html') }}"
                   "{{ partial('partials/nav.html', {active = '<x>'}) }}"
                   "[{{ active }}]",
                   "{page = {title = 'T'}, active = 'ctx'}",
                   "<nav>T:ctx</nav><nav>T:&lt;x&gt;</nav>[ctx]");
    /* the result is raw: not escaped twice, and a string once concatenated */
    assert_renders(f, "{{ type(partial('partials/nav.html')) }}", "{page = {title = 'T'}}",
                   "userdata");
}

static void test_partial_depth_limit(void **state)
{
    fixture_t *f = *state;
    put(f->theme_dir, "rec.html",
        "{% if n < limit then %}{{ partial('rec.html', {n = n + 1}) }}{% else %}{{ n }}{% end %}");
    assert_renders(f, "{{ partial('rec.html', {n = 1}) }}", "{limit = 32}", "32");
    assert_render_fails(f, "{{ partial('rec.html', {n = 1}) }}", "{limit = 33}",
                        "/usr/share/waymark/themes/default/templates/rec.html:1: error: "
                        "partial nesting too deep (while rendering en/index.html)");
    /* the state is reset for the next render */
    assert_renders(f, "{{ partial('rec.html', {n = 31}) }}", "{limit = 32}", "32");
}

static void test_unknown_partial(void **state)
{
    fixture_t *f = *state;
    assert_render_fails(f, "a\n{{ partial('missing.html') }}", NULL,
                        T ":2: error: no template named 'missing.html' "
                          "(while rendering en/index.html)");
}

static void test_error_inside_partial_points_at_partial(void **state)
{
    fixture_t *f = *state;
    /* a path over 59 bytes, which Lua shortens in its messages */
    put(f->theme_dir, "partials/bad.html", "ok\n\n{{ nil_table.x }}");
    assert_render_fails(f, "{{ partial('partials/bad.html') }}", NULL,
                        "/usr/share/waymark/themes/default/templates/partials/bad.html:3: error: "
                        "attempt to index a nil value (global 'nil_table') "
                        "(while rendering en/index.html)");
    /* caught by pcall, the caller's context is intact */
    assert_renders(f, "{% local ok = pcall(partial, 'partials/bad.html') %}{{ ok }} {{ v }}",
                   "{v = 'ctx'}", "false ctx");
}

static void test_syntax_errors_are_reported_and_loading_goes_on(void **state)
{
    fixture_t *f = *state;
    put(f->theme_dir, "a.html", "line 1\nline 2\n  {{ page.title\n line 4");
    put(f->theme_dir, "b.html", "{% if x then %}\n");
    put(f->theme_dir, "c.html", "\n\n\n{{ 1 + }}");
    put(f->theme_dir, "d.html", "\n{# never closed");
    put(f->theme_dir, "e.html", "fine");
    put(f->theme_dir, "notes.txt", "{{ not a template");
    assert_int_equal(load(f), 4);
    assert_int_equal(f->d.errors, 4);
    const char *D = "/usr/share/waymark/themes/default/templates/";
    char expected[200];
    snprintf(expected, sizeof expected, "%sa.html:3: error: '{{' is not closed by '}}'", D);
    char *got = diag_format(&f->d.items[0]);
    assert_string_equal(got, expected);
    free(got);
    assert_string_equal(f->d.items[1].path + strlen(D), "b.html");
    assert_int_equal(f->d.items[1].line, 2);
    assert_non_null(strstr(f->d.items[1].msg, "'end' expected"));
    assert_string_equal(f->d.items[2].path + strlen(D), "c.html");
    assert_int_equal(f->d.items[2].line, 4);
    assert_string_equal(f->d.items[3].msg, "'{#' is not closed by '#}'");
    assert_int_equal(f->d.items[3].line, 2);
    assert_true(tpl_exists(f->L, "e.html"));
    assert_false(tpl_exists(f->L, "a.html"));
    assert_false(tpl_exists(f->L, "notes.txt"));
}

static void test_site_overrides_theme(void **state)
{
    fixture_t *f = *state;
    put(f->theme_dir, "page.html", "theme page");
    put(f->theme_dir, "partials/nav.html", "theme nav");
    put(f->theme_dir, "base.html", "theme base {{ partial('partials/nav.html') }}");
    put(f->site_dir, "partials/nav.html", "site nav");
    put(f->site_dir, "page.html", "site page {{ x.y }}");
    assert_int_equal(load(f), 0);
    char *got = render_ctx(f, "base.html", NULL);
    assert_string_equal(got, "theme base site nav");
    free(got);
    assert_null(render_ctx(f, "page.html", NULL));
    char *err = last_error(f);
    assert_string_equal(err, "themes/default/templates/page.html:1: error: attempt to index a "
                             "nil value (global 'x') (while rendering en/index.html)");
    free(err);
    /* a broken site template is reported, not replaced by the theme's */
    put(f->site_dir, "page.html", "{{ broken");
    assert_int_equal(load(f), 1);
    assert_false(tpl_exists(f->L, "page.html"));
}

static void test_unknown_template(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(load(f), 0);
    assert_false(tpl_exists(f->L, "page.html"));
    assert_null(render_ctx(f, "page.html", NULL));
    char *err = last_error(f);
    assert_string_equal(err, "en/index.html: error: no template named 'page.html'");
    free(err);
}

static void test_names_resolve_in_context_then_globals(void **state)
{
    fixture_t *f = *state;
    assert_renders(f, "{{ type }} {{ math.max(1, 2) }} {{ date('%Y', d) }}",
                   "{type = 'mine', d = '2024-01-01'}", "mine 2 2024");
    /* assignments stay in this render */
    put(f->theme_dir, "set.html", "{% x = 'set' page = 'p' string = nil %}{{ x }}");
    assert_int_equal(load(f), 0);
    char *got = render_ctx(f, "set.html", "{page = 'ctx'}");
    assert_string_equal(got, "set");
    free(got);
    assert_renders(f, "[{{ x }}] {{ string.upper('ok') }}", "{page = 'ctx'}", "[] OK");
}

static void test_assignments_leave_context_alone(void **state)
{
    fixture_t *f = *state;
    put(f->theme_dir, "t.html", "{% page = 'changed' x = 1 %}{{ page }}");
    assert_int_equal(load(f), 0);
    lua_newtable(f->L);
    lua_pushstring(f->L, "original");
    lua_setfield(f->L, -2, "page");
    buf_t out = BUF_INIT;
    assert_int_equal(tpl_render(f->L, "t.html", -1, &out, BUDGET, "x", &f->d), 0);
    assert_string_equal(out.data, "changed");
    assert_int_equal(lua_getfield(f->L, -1, "page"), LUA_TSTRING);
    assert_string_equal(lua_tostring(f->L, -1), "original");
    assert_int_equal(lua_getfield(f->L, -2, "x"), LUA_TNIL);
    assert_int_equal(lua_getglobal(f->L, "x"), LUA_TNIL);
    lua_pop(f->L, 4);
    buf_free(&out);
}

typedef struct {
    const char *dir;
    int renders;
    char *last;
} worker_t;

/* One state per thread, as the build renders. */
static void *render_worker(void *arg)
{
    worker_t *w = arg;
    lua_State *L = sandbox_new(SANDBOX_DEFAULT_MEMORY);
    tpl_install(L);
    diags_t d = DIAGS_INIT;
    const char *dirs[] = {w->dir, NULL};
    if (tpl_load_dirs(L, dirs, NULL, &d) != 0)
        return NULL;
    buf_t out = BUF_INIT;
    for (int i = 0; i < 300; i++) {
        lua_newtable(L);
        lua_pushinteger(L, i);
        lua_setfield(L, -2, "i");
        buf_reset(&out);
        w->renders += tpl_render(L, "t.html", -1, &out, BUDGET, "x", &d) == 0;
        lua_pop(L, 1);
    }
    w->last = buf_detach(&out);
    diag_free(&d);
    sandbox_close(L);
    return NULL;
}

static void test_parallel_states(void **state)
{
    fixture_t *f = *state;
    put(f->theme_dir, "p.html", "<{{ i }}>");
    put(f->theme_dir, "t.html",
        "{% for k = 1, 50 do %}{{ partial('p.html') }}{% end %}{{ date('%b', '2024-06-01') }}");
    pthread_t threads[4];
    worker_t workers[4];
    for (int i = 0; i < 4; i++) {
        workers[i] = (worker_t){f->theme_dir, 0, NULL};
        assert_int_equal(pthread_create(&threads[i], NULL, render_worker, &workers[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(workers[i].renders, 300);
        assert_non_null(workers[i].last);
        assert_int_equal(strlen(workers[i].last), 50 * strlen("<299>") + 3);
        assert_string_equal(workers[i].last + 50 * 5, "Jun");
        free(workers[i].last);
    }
}

static void test_forbidden_names_from_templates(void **state)
{
    fixture_t *f = *state;
    assert_renders(f,
                   "{{ io }}{{ os }}{{ require }}{{ load }}{{ loadfile }}{{ dofile }}{{ debug }}"
                   "{{ package }}{{ collectgarbage }}{{ print }}{{ string.dump }}.",
                   NULL, ".");
    assert_render_fails(f, "\n\n{% os.execute('touch /tmp/waymark-pwned') %}", NULL,
                        T ":3: error: attempt to index a nil value (global 'os') "
                          "(while rendering en/index.html)");
    assert_render_fails(f, "{% io.open('/etc/passwd') %}", NULL,
                        T ":1: error: attempt to index a nil value (global 'io') "
                          "(while rendering en/index.html)");
    assert_render_fails(f, "{{ require('os') }}", NULL,
                        T ":1: error: attempt to call a nil value (global 'require') "
                          "(while rendering en/index.html)");
    assert_renders(f, "still fine", NULL, "still fine");
}

static void test_budget_stops_a_template(void **state)
{
    fixture_t *f = *state;
    assert_render_fails(f, "a\n{% while true do end %}", NULL,
                        T ":2: error: instruction budget exceeded (while rendering en/index.html)");
    assert_renders(f, "{% for i = 1, 1000 do end %}ok", NULL, "ok");
}

static void test_memory_bombs_are_stopped(void **state)
{
    fixture_t *f = *state;
    assert_render_fails(f, "{% local s = 'x' while true do s = s .. s end %}", NULL,
                        T ": error: memory limit exceeded (while rendering en/index.html)");
    assert_render_fails(f, "{% local t = {} for i = 1, 1e9 do t[i] = {i} end %}", NULL,
                        T ": error: memory limit exceeded (while rendering en/index.html)");
    put(f->theme_dir, "bomb.html", "{{ string.rep('x', 1 << 29) }}");
    assert_render_fails(f, "{{ partial('bomb.html') }}", NULL,
                        T ": error: memory limit exceeded (while rendering en/index.html)");
    /* the state serves the next render */
    assert_renders(f, "{{ #string.rep('y', 1 << 20) }}", NULL, "1048576");
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        TEST(test_text_only),
        TEST(test_expressions),
        TEST(test_statements),
        TEST(test_comments),
        TEST(test_trimming),
        TEST(test_line_numbers_are_kept),
        TEST(test_escaping_each_type),
        TEST(test_raw),
        TEST(test_raw_from_c),
        TEST(test_partial_with_extra),
        TEST(test_partial_depth_limit),
        TEST(test_unknown_partial),
        TEST(test_error_inside_partial_points_at_partial),
        TEST(test_syntax_errors_are_reported_and_loading_goes_on),
        TEST(test_site_overrides_theme),
        TEST(test_unknown_template),
        TEST(test_names_resolve_in_context_then_globals),
        TEST(test_assignments_leave_context_alone),
        TEST(test_parallel_states),
        TEST(test_forbidden_names_from_templates),
        TEST(test_budget_stops_a_template),
        cmocka_unit_test_setup_teardown(test_memory_bombs_are_stopped, setup_small, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
