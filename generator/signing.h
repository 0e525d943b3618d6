/* signing: minisign keys as files, and the signature of a built bundle.
 *
 * `waymark keygen -o KEY` writes KEY (the secret key, mode 0600, not
 * encrypted, as `minisign -G -W` writes it) and KEY.pub; `waymark build
 * --sign KEY` writes <zip>.minisig whose trusted comment names the site,
 * its version and the zip's SHA-256:
 *
 *   trusted comment: site:waymark	version:2026-05-01	sha256:<hex>	file:waymark.zip
 *
 * (fields separated by tabs, as minisign's own). Ed25519 signatures are
 * deterministic, so the same zip and key always give the same file. */
#ifndef WAYMARK_SIGNING_H
#define WAYMARK_SIGNING_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "minisign.h"

/* Writes a new key pair to secret_path and secret_path.pub; refuses to
 * replace existing files unless force. On success *pk is the public key. */
int signing_keygen(const char *secret_path, bool force, minisign_public_key *pk, diags_t *d);

/* Reads a key file; an encrypted secret key takes its password from the
 * environment variable WAYMARK_KEY_PASSWORD. Return 0, or -1 after
 * reporting at path. */
int signing_read_secret_key(const char *path, minisign_secret_key *sk, diags_t *d);
int signing_read_public_key(const char *path, minisign_public_key *pk, diags_t *d);

/* The version named in the trusted comment: site.lua's version, else the
 * UTC date of the bundle's time stamp ("2026-05-01"). Caller frees. */
char *signing_version(const char *configured, int64_t stamp);

/* Signs the file at zip_path into zip_path.minisig (written through a
 * temporary file). Returns 0, or -1 after reporting. */
int signing_sign_bundle(const char *zip_path, const minisign_secret_key *sk,
                        const char *site_name, const char *version, diags_t *d);

#endif
