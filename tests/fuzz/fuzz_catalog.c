/* libFuzzer target: the PO reader (catalog_load, through libgettextpo)
 * on any bytes written to a temporary file, then every lookup on what it
 * read. See tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "diag.h"

static char path[] = "/tmp/waymark-fuzz-po-XXXXXX";
static int fd = -1;

static void remove_temp(void) { unlink(path); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fd = mkstemp(path);
    if (fd < 0)
        abort();
    atexit(remove_temp);
    return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    write_input(data, size);
    diags_t d = DIAGS_INIT;
    catalog_t *c = catalog_load(path, "locales/fuzz.po", &d);
    if (c) {
        int nplurals = catalog_nplurals(c);
        for (size_t i = 0; i < catalog_count(c); i++) {
            const catalog_entry *e = catalog_entry_at(c, i);
            (void)catalog_get(c, e->msgctxt, e->msgid);
            if (e->msgid_plural)
                for (unsigned long n = 0; n < 30; n++)
                    (void)catalog_nget(c, e->msgctxt, e->msgid, e->msgid_plural, n);
        }
        for (unsigned long n = 0; n < 200; n++) {
            int k = catalog_plural_index(c, n);
            if (k < 0 || (nplurals > 0 && k >= nplurals))
                abort(); /* a plural index always names an existing form */
        }
        catalog_free(c);
    }
    diag_free(&d);
    return 0;
}
