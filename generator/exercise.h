/* exercise: the blocks editors write exercises and callouts with.
 *
 * In a page's Markdown an exercise is a fenced block whose info string
 * starts with one of three words, optionally followed by a title:
 *
 *   ```exercise Your reasons
 *   Write down three things that would be **better** in your life.
 *   ```
 *
 * `exercise` and `reflection` blocks are numbered prompts (one count per
 * page) with room to write when printed; `warning` is a callout. The block's
 * text is Markdown itself. This module knows the words, the closing-fence
 * rule and the HTML; markdown.c finds the blocks and renders their text. */
#ifndef WAYMARK_EXERCISE_H
#define WAYMARK_EXERCISE_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"

typedef enum { EXERCISE_NONE, EXERCISE_EXERCISE, EXERCISE_REFLECTION, EXERCISE_WARNING } exercise_kind;

typedef struct {
    exercise_kind kind;
    int number;  /* 1-based among the page's exercises and reflections; 0 for warnings */
    int line;    /* file line of the opening fence */
    char *title; /* written after the word in the info string; NULL when none (owned) */
    char *label; /* the heading text: "Exercise 2: Your reasons" (owned) */
    char *html;  /* the block's Markdown as HTML (owned) */
} exercise_t;

/* Heading formats per language; "%d" is the number ("Exercise %d"). */
typedef struct {
    const char *exercise, *reflection, *warning;
} exercise_labels;

/* The kind named by an info string's first word; *title (borrowed, may be
 * "") is the rest, trimmed. EXERCISE_NONE for any other info string. */
exercise_kind exercise_kind_of(const char *info, const char **title, size_t *title_len);
/* "exercise", "reflection", "warning" (or "" for EXERCISE_NONE). */
const char *exercise_kind_name(exercise_kind kind);

/* Whether source line end_line (1-based, in text) closes a fence opened on
 * open_line: same fence character, at least as long, nothing after it but
 * spaces. Block-quote markers and indentation before either are skipped. */
bool exercise_fence_closed(const char *text, size_t len, int open_line, int end_line);

/* Sets ex->label from labels (NULL: English). */
void exercise_set_label(exercise_t *ex, const exercise_labels *labels);
/* The block as it appears in a page: a section with a heading (id given)
 * and, for prompts, an empty writing space shown in print (caller frees). */
char *exercise_page_html(const exercise_t *ex, const char *id);

/* One label set per language from the catalogs, English where missing
 * (caller frees the array; the strings are borrowed from the catalogs). */
exercise_labels *exercise_labels_from_catalogs(catalog_t *const *catalogs, size_t n);

void exercise_free_list(exercise_t *list, size_t n);

#endif
