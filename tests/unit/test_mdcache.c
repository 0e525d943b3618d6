/* Tests for mdcache: what a rebuild reads back is what the conversion
 * made; a damaged, truncated or foreign cache is a miss, never a crash. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs.h"
#include "mdcache.h"
#include "path.h"
#include "xalloc.h"

static char *make_dir(void)
{
    char tmpl[] = "/tmp/waymark-mdcache-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void key_of(const char *s, unsigned char key[MDCACHE_KEY_LEN])
{
    memset(key, 0, MDCACHE_KEY_LEN);
    memcpy(key, s, strlen(s) < MDCACHE_KEY_LEN ? strlen(s) : MDCACHE_KEY_LEN);
}

/* A conversion result with every kind of field, and one warning. */
static void sample(md_output *out, diags_t *d)
{
    *out = (md_output){0};
    out->html = xstrdup("<h2 id=\"a\">A</h2>\n<p>Text with a <a href=\"../b/\">link</a>.</p>\n");
    out->toc_html = xstrdup("<ul><li><a href=\"#a\">A</a></li></ul>");
    out->summary = xstrdup("Text with a link.");
    out->words = 5;
    out->nlinks = 1;
    out->links = xcalloc(1, sizeof *out->links);
    out->links[0] = (md_link){xstrdup("b.md"), xstrdup("../b/"), 4, 13};
    out->nexercises = 1;
    out->exercises = xcalloc(1, sizeof *out->exercises);
    out->exercises[0] = (exercise_t){EXERCISE_REFLECTION, 1, 7, xstrdup("Why"),
                                     xstrdup("Reflection 1: Why"), xstrdup("<p>Think.</p>")};
    diag_warning(d, "content/en/a.md", 9, 2, "link scheme 'ftp:' removed");
}

static void put_one(const char *dir, const char *version, const char *name)
{
    mdcache_t *c = mdcache_open(dir, version);
    assert_non_null(c);
    md_output out;
    diags_t d = DIAGS_INIT;
    sample(&out, &d);
    unsigned char key[MDCACHE_KEY_LEN];
    key_of(name, key);
    mdcache_html at;
    assert_true(mdcache_put(c, key, &out, &d, 0, &at));
    /* a cold build lets the HTML go and reads it back when a page needs it */
    assert_true(at.put);
    for (int twice = 0; twice < 2; twice++) {
        char *again = mdcache_fetch(c, key, &at);
        assert_non_null(again);
        assert_string_equal(again, out.html);
        free(again);
    }
    assert_int_equal(mdcache_save(c), 0);
    mdcache_free(c);
    md_output_free(&out);
    diag_free(&d);
}

/* 1 on a hit, with *out filled (its html fetched as a page would); 0 on
 * a miss; -1 when the head was found but the HTML was damaged. */
static int get_one(const char *dir, const char *version, const char *name, md_output *out,
                   diags_t *d)
{
    mdcache_t *c = mdcache_open(dir, version);
    assert_non_null(c);
    unsigned char key[MDCACHE_KEY_LEN];
    key_of(name, key);
    mdcache_html at;
    int hit = mdcache_get(c, key, out, &at, d);
    if (hit) {
        assert_null(out->html); /* left in the pack until fetched */
        out->html = mdcache_fetch(c, key, &at);
        if (!out->html) {
            md_output_free(out);
            hit = -1;
        }
    }
    mdcache_save(c);
    mdcache_free(c);
    return hit;
}

static void round_trip(void **state)
{
    (void)state;
    char *dir = make_dir();
    put_one(dir, "1.0", "page-a");
    md_output got, want;
    diags_t d = DIAGS_INIT, wd = DIAGS_INIT;
    assert_int_equal(get_one(dir, "1.0", "page-a", &got, &d), 1);
    sample(&want, &wd);
    assert_string_equal(got.html, want.html);
    assert_string_equal(got.toc_html, want.toc_html);
    assert_string_equal(got.summary, want.summary);
    assert_int_equal(got.words, 5);
    assert_int_equal(got.nlinks, 1);
    assert_string_equal(got.links[0].url, "b.md");
    assert_string_equal(got.links[0].href, "../b/");
    assert_int_equal(got.links[0].line, 4);
    assert_int_equal(got.links[0].col, 13);
    assert_int_equal(got.nexercises, 1);
    assert_int_equal(got.exercises[0].kind, EXERCISE_REFLECTION);
    assert_string_equal(got.exercises[0].label, "Reflection 1: Why");
    assert_string_equal(got.exercises[0].html, "<p>Think.</p>");
    /* the warning the conversion reported is reported again */
    assert_int_equal(d.warnings, 1);
    assert_int_equal(d.errors, 0);
    assert_string_equal(d.items[0].path, "content/en/a.md");
    assert_int_equal(d.items[0].line, 9);
    assert_string_equal(d.items[0].msg, "link scheme 'ftp:' removed");
    md_output_free(&got);
    md_output_free(&want);
    diag_free(&d);
    diag_free(&wd);
    /* the hit was kept by the last save: found again */
    d = (diags_t)DIAGS_INIT;
    assert_int_equal(get_one(dir, "1.0", "page-a", &got, &d), 1);
    md_output_free(&got);
    diag_free(&d);
    assert_false(get_one(dir, "1.0", "page-b", &got, &d));
    fs_remove_tree(dir);
    free(dir);
}

/* A file's bytes, for comparing the cache before and after. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
    char *path = path_join(dir, name), *data = NULL;
    if (fs_read_file(path, &data, len) < 0)
        data = NULL;
    free(path);
    return data;
}

/* A failed build discards: the pack and index are byte for byte what the
 * last successful build left, whether it appended or started anew. */
static void discard_leaves_the_cache_as_it_was(void **state)
{
    (void)state;
    char *dir = make_dir();
    put_one(dir, "1.0", "page-a");
    size_t pack_len, idx_len, len;
    char *pack = slurp(dir, "markdown.pack", &pack_len), *idx = slurp(dir, "markdown.idx", &idx_len);
    assert_non_null(pack);
    assert_non_null(idx);
    for (int fresh = 0; fresh < 2; fresh++) {
        /* fresh: another version, so the pack would be written anew */
        mdcache_t *c = mdcache_open(dir, fresh ? "2.0" : "1.0");
        assert_non_null(c);
        md_output out;
        diags_t d = DIAGS_INIT;
        sample(&out, &d);
        unsigned char key[MDCACHE_KEY_LEN];
        key_of("page-b", key);
        mdcache_html at;
        mdcache_put(c, key, &out, &d, 0, &at);
        mdcache_discard(c);
        mdcache_free(c);
        md_output_free(&out);
        diag_free(&d);
        char *now = slurp(dir, "markdown.pack", &len);
        assert_true(now && len == pack_len && !memcmp(now, pack, len));
        free(now);
        now = slurp(dir, "markdown.idx", &len);
        assert_true(now && len == idx_len && !memcmp(now, idx, len));
        free(now);
    }
    md_output got;
    diags_t d = DIAGS_INIT;
    assert_int_equal(get_one(dir, "1.0", "page-a", &got, &d), 1);
    md_output_free(&got);
    diag_free(&d);
    free(pack);
    free(idx);
    fs_remove_tree(dir);
    free(dir);
}

static void pruned_when_unused(void **state)
{
    (void)state;
    char *dir = make_dir();
    put_one(dir, "1.0", "page-a");
    md_output got;
    diags_t d = DIAGS_INIT;
    assert_false(get_one(dir, "1.0", "page-b", &got, &d)); /* a build without page-a */
    assert_false(get_one(dir, "1.0", "page-a", &got, &d));
    fs_remove_tree(dir);
    free(dir);
}

static void other_version_is_a_miss(void **state)
{
    (void)state;
    char *dir = make_dir();
    put_one(dir, "1.0", "page-a");
    md_output got;
    diags_t d = DIAGS_INIT;
    assert_false(get_one(dir, "2.0", "page-a", &got, &d));
    fs_remove_tree(dir);
    free(dir);
}

/* Flips one byte at every position of a file in turn (or cuts it there):
 * each lookup is a miss or the right answer, never a crash or wrong text. */
static void damage_each_byte(const char *dir, const char *file, bool truncate)
{
    char *path = path_join(dir, file);
    char *orig;
    size_t len;
    assert_int_equal(fs_read_file(path, &orig, &len), 0);
    for (size_t at = 0; at < len; at += (len > 400 ? 7 : 1)) {
        char *copy = xmalloc(len);
        memcpy(copy, orig, len);
        copy[at] ^= 0x5a;
        assert_int_equal(fs_write_file(path, copy, truncate ? at : len), 0);
        free(copy);
        /* the other file back as it was saved */
        md_output got;
        diags_t d = DIAGS_INIT;
        if (get_one(dir, "1.0", "page-a", &got, &d) == 1) {
            md_output want;
            diags_t wd = DIAGS_INIT;
            sample(&want, &wd);
            assert_string_equal(got.html, want.html);
            assert_string_equal(got.toc_html, want.toc_html);
            assert_int_equal(got.nlinks, 1);
            md_output_free(&got);
            md_output_free(&want);
            diag_free(&wd);
        }
        diag_free(&d);
        put_one(dir, "1.0", "page-a");
        assert_int_equal(fs_read_file(path, &copy, &len), 0);
        free(copy);
    }
    free(orig);
    free(path);
}

static char *find_bytes(char *data, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(data + i, s, n))
            return data + i;
    return NULL;
}

/* The HTML is read when a page asks for it, after the lookup: damage
 * found then is reported (NULL), and the entry leaves the index, so the
 * next build does not find it either. */
static void damaged_html_is_found_at_fetch(void **state)
{
    (void)state;
    char *dir = make_dir();
    put_one(dir, "1.0", "page-a");
    char *path = path_join(dir, "markdown.pack"), *pack;
    size_t len;
    assert_int_equal(fs_read_file(path, &pack, &len), 0);
    char *at = find_bytes(pack, len, "<p>Text with a");
    assert_non_null(at);
    *at = 'N';
    assert_int_equal(fs_write_file(path, pack, len), 0);
    free(pack);
    md_output got;
    diags_t d = DIAGS_INIT;
    assert_int_equal(get_one(dir, "1.0", "page-a", &got, &d), -1);
    diag_free(&d);
    assert_int_equal(get_one(dir, "1.0", "page-a", &got, &d), 0);
    /* cut inside the HTML: the same */
    put_one(dir, "1.0", "page-a");
    assert_int_equal(fs_read_file(path, &pack, &len), 0);
    assert_int_equal(fs_write_file(path, pack, len - 3), 0);
    free(pack);
    assert_int_equal(get_one(dir, "1.0", "page-a", &got, &d), 0);
    free(path);
    fs_remove_tree(dir);
    free(dir);
}

static void damaged_files_are_misses(void **state)
{
    (void)state;
    char *dir = make_dir();
    put_one(dir, "1.0", "page-a");
    damage_each_byte(dir, "markdown.pack", false);
    damage_each_byte(dir, "markdown.idx", false);
    damage_each_byte(dir, "markdown.idx", true);
    damage_each_byte(dir, "markdown.pack", true);
    fs_remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(discard_leaves_the_cache_as_it_was),
        cmocka_unit_test(pruned_when_unused),
        cmocka_unit_test(other_version_is_a_miss),
        cmocka_unit_test(damaged_html_is_found_at_fetch),
        cmocka_unit_test(damaged_files_are_misses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
