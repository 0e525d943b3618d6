/* minisign: Ed25519 keys and signatures in minisign's file formats.
 *
 * Files written here are read by minisign(1), and files minisign writes are
 * read here (https://jedisct1.github.io/minisign/):
 *
 *   public key  "untrusted comment: ...\n" base64("Ed" key_id[8] pk[32]) "\n"
 *   secret key  "untrusted comment: ...\n" base64("Ed" kdf[2] "B2" salt[32]
 *               opslimit[8] memlimit[8] key_id[8] sk[64] chk[32]) "\n"
 *               chk = BLAKE2b-256("Ed" key_id sk); kdf "\0\0" = not
 *               encrypted (minisign -W), "Sc" = scrypt-encrypted
 *   signature   "untrusted comment: ...\n" base64(alg[2] key_id[8] sig[64]) "\n"
 *               "trusted comment: <text>\n" base64(global_sig[64]) "\n"
 *               alg "ED": sig signs BLAKE2b-512 of the file; "Ed" (legacy):
 *               the file itself; global_sig signs sig || text.
 *
 * waymark writes unencrypted secret keys and "ED" signatures, and reads
 * both signature kinds and both secret key kinds (an encrypted one needs
 * its password). Every function is pure: no files, no printing. */
#ifndef WAYMARK_MINISIGN_H
#define WAYMARK_MINISIGN_H

#include <stdbool.h>
#include <stddef.h>

#define MINISIGN_KEY_ID_BYTES 8

typedef struct {
    unsigned char key_id[MINISIGN_KEY_ID_BYTES];
    unsigned char pk[32];
} minisign_public_key;

typedef struct {
    unsigned char key_id[MINISIGN_KEY_ID_BYTES];
    unsigned char sk[64]; /* libsodium's secret key: seed || public key */
} minisign_secret_key;

typedef struct {
    bool prehashed; /* "ED" */
    unsigned char key_id[MINISIGN_KEY_ID_BYTES];
    unsigned char sig[64];
    char *trusted_comment; /* owned; without the "trusted comment: " prefix */
    unsigned char global_sig[64];
} minisign_signature;

/* A new random key pair. Returns 0, or -1 when libsodium cannot start. */
int minisign_keygen(minisign_secret_key *sk, minisign_public_key *pk);
/* The public half of a secret key. */
void minisign_public_of(const minisign_secret_key *sk, minisign_public_key *pk);

/* The key id as minisign prints it: uppercase hex of the id read as a
 * little-endian number, no leading zeros ("84E438C3A9FB233"). */
void minisign_key_id_hex(const unsigned char key_id[MINISIGN_KEY_ID_BYTES], char hex[17]);
/* The public key as one base64 line, the form `minisign -P` takes and a
 * site publishes (caller frees). */
char *minisign_public_key_base64(const minisign_public_key *pk);

/* Whole file texts (caller frees). */
char *minisign_public_key_file(const minisign_public_key *pk);
char *minisign_secret_key_file(const minisign_secret_key *sk);

/* Reads a public key file's text, or a bare base64 line. Returns 0, or -1
 * with *why set (static text). */
int minisign_read_public_key(const char *text, size_t len, minisign_public_key *pk,
                             const char **why);
/* Reads a secret key file's text; password is needed (and only used) for an
 * encrypted key. Returns 0, or -1 with *why set. */
int minisign_read_secret_key(const char *text, size_t len, const char *password,
                             minisign_secret_key *sk, const char **why);

/* Signs msg ("ED": its BLAKE2b-512) with a trusted comment of one line;
 * returns the .minisig file text (caller frees), or NULL with *why set
 * when the comment holds a line break. */
char *minisign_sign(const minisign_secret_key *sk, const void *msg, size_t len,
                    const char *trusted_comment, const char **why);

/* Reads a .minisig file's text into s (free with minisign_signature_free).
 * Returns 0, or -1 with *why set. */
int minisign_read_signature(const char *text, size_t len, minisign_signature *s,
                            const char **why);
void minisign_signature_free(minisign_signature *s);
/* Checks s against msg and pk: key id, signature, trusted comment
 * signature. Returns 0, or -1 with *why set. */
int minisign_verify(const minisign_public_key *pk, const minisign_signature *s, const void *msg,
                    size_t len, const char **why);

#endif
