/* cmarkfix: makes cmark-gfm's extensions safe to parse with on several
 * threads.
 *
 * cmark-gfm (0.29) keeps the characters that start inline syntax in one
 * process-wide table. Every parser adds its extensions' characters ('~'
 * for strikethrough, ':' and 'w' for autolinks) when it starts parsing
 * inlines, and removes them when it is done: with parsers on two threads,
 * one thread's removal made the other miss strikethrough and autolinks now
 * and then, so output depended on scheduling. waymark attaches the same
 * extensions to every parser (markdown.c), so the characters are added
 * once, by md_init before any thread starts, and never removed. This
 * definition takes the place of the library's: the library calls it
 * through its procedure linkage table, so the executable's copy wins. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>

#include <cmark-gfm-extension_api.h>

void cmark_manage_extensions_special_characters(cmark_parser *parser, int add)
{
    static bool added; /* set by md_init, before threads; only read after */
    if (!add || added)
        return;
    void (*library)(cmark_parser *, int) = (void (*)(cmark_parser *, int))dlsym(
        RTLD_NEXT, "cmark_manage_extensions_special_characters");
    if (library)
        library(parser, 1);
    added = true;
}
