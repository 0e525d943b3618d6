/* utf8: the few Unicode facts waymark needs, on UTF-8 byte strings.
 *
 * Content comes from editors in up to 21 languages; the build refuses text
 * that is not strict UTF-8 (so every later stage can trust it), warns about
 * bidirectional control characters (they can make a title display as
 * something other than what it says), and counts words for reading time. */
#ifndef WAYMARK_UTF8_H
#define WAYMARK_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the character at s (len > 0 bytes available). Returns its code
 * point and sets *width to its byte length; returns -1 with *width = 1 when
 * the bytes at s do not start a strict UTF-8 sequence (overlong forms,
 * surrogates, code points above U+10FFFF, truncated sequences). */
int32_t utf8_decode(const char *s, size_t len, size_t *width);

/* True when s is strict UTF-8. Otherwise false, with the 1-based line and
 * column (in characters; lines end at '\n') of the first byte that does not
 * start a valid sequence. bad_line/bad_col may be NULL. */
bool utf8_validate(const char *s, size_t len, int *bad_line, int *bad_col);

/* True when s contains a bidi embedding, override or isolate control
 * (U+202A..U+202E, U+2066..U+2069); *offset is the byte offset of the first.
 * offset may be NULL. */
bool utf8_find_bidi_control(const char *s, size_t len, size_t *offset);

/* Words in s, for reading time: runs of letters/digits separated by Unicode
 * white space or punctuation; each CJK ideograph or kana counts as a word.
 * Apostrophes, hyphens and zero-width (non-)joiners do not split a word. */
size_t utf8_count_words(const char *s, size_t len);

#endif
