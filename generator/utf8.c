#include "utf8.h"

#include <pthread.h>
#include <string.h>

static bool is_cont(unsigned char b) { return (b & 0xC0) == 0x80; }

/* The range the second byte must fall in for a lead byte, per RFC 3629's
 * table: this is what rules out overlongs, surrogates and > U+10FFFF. */
static bool second_byte_ok(unsigned char lead, unsigned char b)
{
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return is_cont(b);
    }
}

static size_t sequence_length(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    return 0;
}

int32_t utf8_decode(const char *s, size_t len, size_t *width)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = sequence_length(u[0]);
    *width = 1;
    if (n == 0 || n > len)
        return -1;
    if (n == 1)
        return u[0];
    if (!second_byte_ok(u[0], u[1]))
        return -1;
    for (size_t i = 2; i < n; i++)
        if (!is_cont(u[i]))
            return -1;
    int32_t cp = u[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (u[i] & 0x3F);
    *width = n;
    return cp;
}

/* Where the first byte that does not start a valid sequence is, or len.
 * Every page's source goes through here: runs of ASCII, the common case,
 * are skipped eight bytes at a time. */
static size_t first_invalid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t eight;
        while (i + 8 <= len && (memcpy(&eight, s + i, 8), !(eight & 0x8080808080808080u)))
            i += 8;
        if (i < len && (unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t width;
        if (i < len && utf8_decode(s + i, len - i, &width) < 0)
            return i;
        i += i < len ? width : 0;
    }
    return len;
}

bool utf8_validate(const char *s, size_t len, int *bad_line, int *bad_col)
{
    size_t bad = first_invalid(s, len);
    if (bad == len)
        return true;
    /* Only now count lines and characters, up to the bad byte. */
    int line = 1, col = 1;
    for (size_t i = 0; i < bad;) {
        size_t width;
        utf8_decode(s + i, bad - i, &width);
        if (s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += width;
    }
    if (bad_line)
        *bad_line = line;
    if (bad_col)
        *bad_col = col;
    return false;
}

bool utf8_find_bidi_control(const char *s, size_t len, size_t *offset)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i + 2 < len; i++) {
        if (u[i] != 0xE2)
            continue;
        /* U+202A..U+202E are E2 80 AA..AE; U+2066..U+2069 are E2 81 A6..A9. */
        bool embed = u[i + 1] == 0x80 && u[i + 2] >= 0xAA && u[i + 2] <= 0xAE;
        bool isolate = u[i + 1] == 0x81 && u[i + 2] >= 0xA6 && u[i + 2] <= 0xA9;
        if (embed || isolate) {
            if (offset)
                *offset = i;
            return true;
        }
    }
    return false;
}

typedef enum { CH_WORD, CH_SEPARATOR, CH_JOINER, CH_IDEOGRAPH } char_class;

static bool is_space(int32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/* Punctuation and symbols of the scripts waymark's sites are written in;
 * not the whole of Unicode's P* categories, but what texts actually use. */
static bool is_punctuation(int32_t c)
{
    if (c < 0x80)
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
               (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E) || c < 0x20 || c == 0x7F;
    return (c >= 0xA1 && c <= 0xBF && c != 0xAA && c != 0xB2 && c != 0xB3 && c != 0xB5 &&
            c != 0xB9 && c != 0xBA && c != 0xBC && c != 0xBD && c != 0xBE) ||
           c == 0xD7 || c == 0xF7 ||
           c == 0x037E || c == 0x0387 ||                      /* Greek */
           (c >= 0x055A && c <= 0x055F) || c == 0x0589 ||     /* Armenian */
           c == 0x05BE || c == 0x05C0 || c == 0x05C3 || c == 0x05F3 || c == 0x05F4 ||
           c == 0x060C || c == 0x060D || c == 0x061B || c == 0x061E || c == 0x061F ||
           (c >= 0x066A && c <= 0x066D) || c == 0x06D4 ||     /* Arabic */
           c == 0x0964 || c == 0x0965 || c == 0x0970 ||       /* Devanagari */
           c == 0x0E4F || c == 0x0E5A || c == 0x0E5B ||       /* Thai */
           c == 0x104A || c == 0x104B ||                      /* Myanmar */
           (c >= 0x1361 && c <= 0x1368) ||                    /* Ethiopic */
           (c >= 0x2012 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E) ||
           (c >= 0x2190 && c <= 0x23FF) || (c >= 0x2500 && c <= 0x27BF) ||
           (c >= 0x2E00 && c <= 0x2E7F) ||                    /* Supplemental punctuation */
           (c >= 0x3001 && c <= 0x3004) || (c >= 0x3008 && c <= 0x3020) || c == 0x3030 ||
           c == 0x30FB ||
           (c >= 0xFE10 && c <= 0xFE19) || (c >= 0xFE30 && c <= 0xFE6B) ||
           (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
           (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) || c == 0xFFFD;
}

/* Han ideographs and kana: scripts written without spaces between words. */
static bool is_ideograph(int32_t c)
{
    return (c >= 0x2E80 && c <= 0x2FDF) || c == 0x3005 || c == 0x3007 ||
           (c >= 0x3021 && c <= 0x3029) || (c >= 0x3038 && c <= 0x303B) ||
           (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF66 && c <= 0xFF9F) ||
           (c >= 0x20000 && c <= 0x3134F);
}

static char_class classify(int32_t c)
{
    if (c < 0)
        return CH_SEPARATOR;
    /* ' ’ - ‐ ‑, soft hyphen, ZWNJ/ZWJ (inside Persian words): part of a word */
    if (c == '\'' || c == 0x2019 || c == '-' || c == 0x2010 || c == 0x2011 || c == 0xAD ||
        c == 0x200C || c == 0x200D)
        return CH_JOINER;
    if (is_space(c) || is_punctuation(c))
        return CH_SEPARATOR;
    if (is_ideograph(c))
        return CH_IDEOGRAPH;
    return CH_WORD;
}

/* classify() for ASCII, looked up: most text is ASCII, and this runs over
 * every page's text. */
#define W CH_WORD
#define S CH_SEPARATOR
static const char_class ASCII_CLASS[128] = {
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, /* controls */
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, CH_JOINER, S, S, S, S, S, CH_JOINER, S, S, /* ' and - join */
    W, W, W, W, W, W, W, W, W, W, S, S, S, S, S, S, /* digits */
    S, W, W, W, W, W, W, W, W, W, W, W, W, W, W, W, /* A-Z */
    W, W, W, W, W, W, W, W, W, W, W, S, S, S, S, S,
    S, W, W, W, W, W, W, W, W, W, W, W, W, W, W, W, /* a-z */
    W, W, W, W, W, W, W, W, W, W, W, S, S, S, S, S};
#undef W
#undef S

/* classify() for the Basic Multilingual Plane, worked out once: Arabic,
 * Cyrillic or Greek text is two bytes a character, and the comparisons
 * of classify() cost as much as parsing the page. */
static unsigned char bmp_class[0x10000];
static pthread_once_t bmp_once = PTHREAD_ONCE_INIT;

static void fill_bmp_class(void)
{
    for (int32_t c = 0; c < 0x10000; c++)
        bmp_class[c] = (unsigned char)classify(c);
}

size_t utf8_count_words(const char *s, size_t len)
{
    pthread_once(&bmp_once, fill_bmp_class);
    size_t words = 0, i = 0;
    bool in_word = false;
    while (i < len) {
        unsigned char b = (unsigned char)s[i];
        char_class cls;
        if (b < 0x80) {
            cls = ASCII_CLASS[b];
            i++;
        } else {
            size_t width;
            int32_t c = utf8_decode(s + i, len - i, &width);
            cls = c >= 0 && c < 0x10000 ? (char_class)bmp_class[c] : classify(c);
            i += width;
        }
        /* a word starts where a word character follows a non-word one */
        words += (cls == CH_WORD && !in_word) || cls == CH_IDEOGRAPH;
        in_word = cls == CH_WORD || (cls == CH_JOINER && in_word);
    }
    return words;
}
