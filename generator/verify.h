/* verify: checks a bundle zip before anyone serves it, and unpacks it
 * only when every check passed.
 *
 * The zip is read into memory once; the signature, the entry list and the
 * contents are all checked on those same bytes, so a file changing on disk
 * during the check cannot slip through. Checks, in order:
 *   1. the minisign signature (when a key is given), and the zip's SHA-256
 *      named in its trusted comment;
 *   2. every entry's name and kind, from the central directory: no absolute
 *      path, no "..", no backslash, no control character, no symlink or
 *      other special file, no duplicate, no encryption, no method other than
 *      stored or deflate; sizes within the limits (entry, total, ratio);
 *   3. every entry's bytes (never more than its declared size, CRC-32)
 *      against SHA256SUMS inside the zip: each file listed and matching,
 *      nothing listed missing.
 * With an extract folder, entries are written into a staging folder beside
 * it while they are read, and the staging folder is renamed into place
 * only when everything passed; otherwise it is removed. */
#ifndef WAYMARK_VERIFY_H
#define WAYMARK_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "minisign.h"

typedef struct {
    uint64_t max_total;   /* uncompressed bytes of all entries */
    uint64_t max_entry;   /* uncompressed bytes of one entry */
    uint64_t ratio_floor; /* entries at least this big must not expand more than */
    unsigned max_ratio;   /* max_ratio times their compressed size */
    size_t max_entries;
} verify_limits;

/* 2 GiB in all, 512 MiB per entry, 100:1 for entries over 1 MiB, 1,000,000 entries. */
extern const verify_limits VERIFY_DEFAULT_LIMITS;

typedef struct {
    const char *zip_path;
    const char *sig_path;            /* NULL: the signature is not checked */
    const minisign_public_key *key;  /* needed with sig_path */
    const char *extract_dir;         /* NULL: check only */
    verify_limits limits;
} verify_request;

typedef struct {
    size_t files;            /* entries checked, SHA256SUMS not counted */
    uint64_t bytes;          /* their uncompressed size */
    char *trusted_comment;   /* owned; NULL when no signature was checked */
    char key_id[17];         /* the signing key's id, "" when none */
} verify_report;

/* Runs every check on req->zip_path; each problem is an error at the zip
 * (or signature) path naming the entry. Returns 0 when the bundle passed
 * (and was unpacked, when asked), -1 otherwise. */
int verify_bundle(const verify_request *req, verify_report *rep, diags_t *d);
void verify_report_free(verify_report *rep);

/* Why an entry name is unsafe to unpack, or NULL when it is fine (pure). */
const char *verify_name_problem(const char *name);

#endif
