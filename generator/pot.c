#include "pot.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs.h"
#include "xalloc.h"

static pot_entry *find(const pot_t *pot, const char *msgctxt, const char *msgid)
{
    for (size_t i = 0; i < pot->len; i++) {
        pot_entry *e = &pot->entries[i];
        if ((e->msgctxt == NULL) == (msgctxt == NULL) && (!msgctxt || !strcmp(e->msgctxt, msgctxt))
            && !strcmp(e->msgid, msgid))
            return e;
    }
    return NULL;
}

const pot_entry *pot_find(const pot_t *pot, const char *msgctxt, const char *msgid)
{
    return find(pot, msgctxt, msgid);
}

void pot_add(pot_t *pot, const char *msgctxt, const char *msgid, const char *msgid_plural,
             const char *ref_path, int ref_line, const char *comment)
{
    pot_entry *e = find(pot, msgctxt, msgid);
    if (!e) {
        xgrow((void **)&pot->entries, &pot->cap, pot->len + 1, sizeof *pot->entries);
        e = &pot->entries[pot->len++];
        *e = (pot_entry){.msgctxt = xstrdup(msgctxt), .msgid = xstrdup(msgid)};
    }
    if (msgid_plural && !e->msgid_plural)
        e->msgid_plural = xstrdup(msgid_plural);
    if (comment && !e->comment)
        e->comment = xstrdup(comment);
    if (ref_path) {
        char *ref = ref_line > 0 ? xasprintf("%s:%d", ref_path, ref_line) : xstrdup(ref_path);
        for (size_t i = 0; i < e->nrefs; i++)
            if (!strcmp(e->refs[i], ref)) {
                free(ref);
                return;
            }
        xgrow((void **)&e->refs, &e->refs_cap, e->nrefs + 1, sizeof *e->refs);
        e->refs[e->nrefs++] = ref;
    }
}

/* A PO string: "..." with C escapes; a text with newlines is split after
 * each one, the way msgcat writes it. */
static void put_string(buf_t *b, const char *keyword, const char *s)
{
    buf_printf(b, "%s ", keyword);
    const char *nl = strchr(s, '\n');
    bool split = nl && nl[1];
    if (split)
        buf_puts(b, "\"\"\n");
    buf_putc(b, '"');
    for (; *s; s++) {
        switch (*s) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\n':
            buf_puts(b, "\\n");
            if (split && s[1])
                buf_puts(b, "\"\n\"");
            break;
        default: buf_putc(b, *s);
        }
    }
    buf_puts(b, "\"\n");
}

char *pot_format(const pot_t *pot, const char *project)
{
    buf_t b = BUF_INIT;
    buf_printf(&b,
               "# Translation template for %s, written by `waymark extract`.\n"
               "# Start a language with: msginit -i ui.pot -l <lang> -o ../<lang>.po\n"
               "# Update one with: msgmerge -U ../<lang>.po ui.pot\n"
               "#, fuzzy\n"
               "msgid \"\"\n"
               "msgstr \"\"\n"
               "\"Project-Id-Version: %s\\n\"\n"
               "\"Language: \\n\"\n"
               "\"MIME-Version: 1.0\\n\"\n"
               "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
               "\"Content-Transfer-Encoding: 8bit\\n\"\n"
               "\"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n\"\n",
               project, project);
    for (size_t i = 0; i < pot->len; i++) {
        const pot_entry *e = &pot->entries[i];
        buf_putc(&b, '\n');
        if (e->comment)
            buf_printf(&b, "#. %s\n", e->comment);
        for (size_t r = 0; r < e->nrefs; r++)
            buf_printf(&b, "#: %s\n", e->refs[r]);
        if (e->msgctxt)
            put_string(&b, "msgctxt", e->msgctxt);
        put_string(&b, "msgid", e->msgid);
        if (e->msgid_plural) {
            put_string(&b, "msgid_plural", e->msgid_plural);
            buf_puts(&b, "msgstr[0] \"\"\nmsgstr[1] \"\"\n");
        } else {
            buf_puts(&b, "msgstr \"\"\n");
        }
    }
    return buf_detach(&b);
}

int pot_write(const pot_t *pot, const char *path, const char *project, diags_t *d)
{
    char *text = pot_format(pot, project);
    int rc = fs_write_file(path, text, strlen(text));
    if (rc < 0)
        diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
    free(text);
    return rc;
}

void pot_free(pot_t *pot)
{
    for (size_t i = 0; i < pot->len; i++) {
        pot_entry *e = &pot->entries[i];
        free(e->msgctxt);
        free(e->msgid);
        free(e->msgid_plural);
        free(e->comment);
        for (size_t r = 0; r < e->nrefs; r++)
            free(e->refs[r]);
        free(e->refs);
    }
    free(pot->entries);
    *pot = (pot_t)POT_INIT;
}
