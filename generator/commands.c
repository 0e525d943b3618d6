#include "commands.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "fs.h"
#include "signing.h"
#include "verify.h"
#include "xalloc.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

const char CMD_KEYGEN_HELP[] =
    "usage: waymark keygen -o KEY [--force]\n"
    "\n"
    "Writes a new Ed25519 key pair in minisign's formats: KEY, the secret key\n"
    "(mode 0600, not encrypted, like `minisign -G -W`), and KEY.pub, the public\n"
    "key. Sign a build with `waymark build --sign KEY`; anyone verifies it with\n"
    "`waymark verify BUNDLE.zip -p KEY.pub` or `minisign -V -p KEY.pub -m BUNDLE.zip`.\n"
    "\n"
    "  -o, --out KEY   where to write the secret key (KEY.pub beside it)\n"
    "  -f, --force     replace an existing key pair\n";

const char CMD_VERIFY_HELP[] =
    "usage: waymark verify BUNDLE.zip [-p KEY.pub | -P BASE64] [-x SIG] [--extract DIR] [--quiet]\n"
    "\n"
    "Checks a bundle: its signature (with -p or -P: BUNDLE.zip.minisig, or -x SIG,\n"
    "must exist and match), every entry against SHA256SUMS inside (no file\n"
    "changed, added or missing), and every entry name and size (no absolute\n"
    "path, '..', backslash, symlink, duplicate, or zip bomb). Without a key\n"
    "only the contents are checked, which proves nothing about who made it.\n"
    "\n"
    "  -p, --public-key FILE   the publisher's minisign public key file\n"
    "  -P BASE64               the public key itself (the line in KEY.pub)\n"
    "  -x, --signature SIG     the signature file (default BUNDLE.zip.minisig)\n"
    "  --extract DIR           after every check passed, unpack into DIR\n"
    "                          (built beside it, then renamed into place)\n"
    "  -q, --quiet             print problems only\n"
    "\n"
    "Exit status: 0 verified, 1 verification failed, 2 usage error.\n";

static int usage(const char *help, const char *fmt, const char *arg)
{
    fprintf(stderr, "waymark: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%.*s", (int)(strchr(help, '\n') - help + 1), help);
    return EXIT_USAGE;
}

static int finish(diags_t *d, int rc)
{
    diag_print(d, stderr);
    diag_free(d);
    return rc;
}

int cmd_keygen(int argc, char **argv)
{
    const char *out = NULL;
    bool force = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) {
            if (++i == argc)
                return usage(CMD_KEYGEN_HELP, "%s needs a file name", argv[i - 1]);
            out = argv[i];
        } else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
            force = true;
        } else {
            return usage(CMD_KEYGEN_HELP, "unknown argument '%s'", argv[i]);
        }
    }
    if (!out)
        return usage(CMD_KEYGEN_HELP, "%s", "keygen needs -o KEY");
    diags_t d = DIAGS_INIT;
    minisign_public_key pk;
    if (signing_keygen(out, force, &pk, &d) < 0)
        return finish(&d, EXIT_FAILED);
    char id[17];
    minisign_key_id_hex(pk.key_id, id);
    char *b64 = minisign_public_key_base64(&pk);
    printf("waymark: wrote the secret key %s (keep it secret, never publish it) and the public key %s.pub\n"
           "key id %s; public key: %s\n",
           out, out, id, b64);
    free(b64);
    return finish(&d, 0);
}

typedef struct {
    const char *zip, *key_file, *key_text, *sig, *extract;
    bool quiet;
} verify_args;

static int parse_verify(int argc, char **argv, verify_args *a)
{
    *a = (verify_args){0};
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        const char **slot = !strcmp(o, "-p") || !strcmp(o, "--public-key") ? &a->key_file
                          : !strcmp(o, "-P") ? &a->key_text
                          : !strcmp(o, "-x") || !strcmp(o, "--signature") ? &a->sig
                          : !strcmp(o, "--extract") ? &a->extract : NULL;
        if (slot) {
            if (++i == argc)
                return usage(CMD_VERIFY_HELP, "%s needs a value", o);
            *slot = argv[i];
        } else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
            a->quiet = true;
        } else if (o[0] == '-' && o[1]) {
            return usage(CMD_VERIFY_HELP, "unknown option '%s'", o);
        } else if (a->zip) {
            return usage(CMD_VERIFY_HELP, "one bundle only ('%s' is a second)", o);
        } else {
            a->zip = o;
        }
    }
    if (!a->zip)
        return usage(CMD_VERIFY_HELP, "%s", "verify needs a bundle (a .zip file)");
    if (a->key_file && a->key_text)
        return usage(CMD_VERIFY_HELP, "%s", "give -p or -P, not both");
    if (!fs_is_file(a->zip))
        return usage(CMD_VERIFY_HELP, "cannot read '%s'", a->zip);
    return 0;
}

static int load_key(const verify_args *a, minisign_public_key *pk, diags_t *d)
{
    if (a->key_file)
        return signing_read_public_key(a->key_file, pk, d);
    const char *why = NULL;
    if (minisign_read_public_key(a->key_text, strlen(a->key_text), pk, &why) == 0)
        return 0;
    diag_error(d, "-P", 0, 0, "%s", why);
    return -1;
}

static void print_verified(const verify_args *a, const verify_report *rep, bool sig_beside)
{
    printf("waymark: verified %s: %zu files, %.1f KB match SHA256SUMS", a->zip, rep->files,
           (double)rep->bytes / 1024.0);
    if (rep->trusted_comment)
        printf("; signed by key %s\ntrusted comment: %s\n", rep->key_id, rep->trusted_comment);
    else
        printf("; signature not checked%s\n",
               sig_beside ? " (a .minisig is beside it: give -p KEY.pub to check it)" : " (no key given)");
    if (a->extract)
        printf("waymark: unpacked into %s\n", a->extract);
}

int cmd_verify(int argc, char **argv)
{
    verify_args a;
    int rc = parse_verify(argc, argv, &a);
    if (rc)
        return rc;
    diags_t d = DIAGS_INIT;
    minisign_public_key pk;
    bool keyed = a.key_file || a.key_text;
    if (keyed && load_key(&a, &pk, &d) < 0)
        return finish(&d, EXIT_USAGE);
    char *sig_default = xasprintf("%s.minisig", a.zip);
    verify_request req = {a.zip, keyed ? (a.sig ? a.sig : sig_default) : NULL, keyed ? &pk : NULL,
                          a.extract, VERIFY_DEFAULT_LIMITS};
    verify_report rep;
    rc = verify_bundle(&req, &rep, &d);
    diag_print(&d, stderr);
    if (rc == 0 && !a.quiet)
        print_verified(&a, &rep, !keyed && fs_is_file(sig_default));
    else if (rc != 0)
        fprintf(stderr, "waymark: %s FAILED verification (%zu problem%s)%s\n", a.zip, d.errors,
                d.errors == 1 ? "" : "s", a.extract ? "; nothing was unpacked" : "");
    verify_report_free(&rep);
    free(sig_default);
    diag_free(&d);
    return rc == 0 ? 0 : EXIT_FAILED;
}
