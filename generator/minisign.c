/* minisign: the key and signature formats of minisign, with libsodium.
 *
 * The layouts are in minisign.h. Signing always uses the prehashed "ED"
 * form, as minisign itself does since 0.8: the signature then covers a
 * 64-byte BLAKE2b digest, whatever the size of the zip. */
#include "minisign.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "xalloc.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define PREHASH_BYTES crypto_generichash_BYTES_MAX /* 64: BLAKE2b-512 */
#define CHECKSUM_BYTES crypto_generichash_BYTES    /* 32: BLAKE2b-256 */
#define SALT_BYTES 32
/* An encrypted key names its own scrypt cost; past this it is refused,
 * so a hostile key file cannot make us allocate without bound. */
#define MAX_KDF_MEMORY ((uint64_t)2 << 30)

enum {
    PUBLIC_KEY_BYTES = 2 + MINISIGN_KEY_ID_BYTES + 32,
    SIG_BYTES = 2 + MINISIGN_KEY_ID_BYTES + 64,
    KEYNUM_SK_BYTES = MINISIGN_KEY_ID_BYTES + 64 + CHECKSUM_BYTES,
    SECRET_KEY_BYTES = 2 + 2 + 2 + SALT_BYTES + 8 + 8 + KEYNUM_SK_BYTES,
};

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_state;

static void sodium_start(void) { sodium_state = sodium_init() < 0 ? -1 : 0; }

static int ensure_sodium(void)
{
    pthread_once(&sodium_once, sodium_start);
    return sodium_state;
}

static uint64_t le64_load(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* --- text helpers ------------------------------------------------------------ */

static char *to_base64(const unsigned char *bin, size_t len)
{
    size_t size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(size);
    sodium_bin2base64(b64, size, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return b64;
}

/* Decodes a whole base64 line into exactly len bytes. */
static int from_base64(const char *line, size_t line_len, unsigned char *bin, size_t len)
{
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(bin, len, line, line_len, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return got == len && end == line + line_len ? 0 : -1;
}

typedef struct {
    const char *start[4];
    size_t len[4];
    size_t n;
} lines_t;

/* Splits text into at most 4 lines, without their line ends (\n or \r\n)
 * or trailing spaces; a missing final line break is fine. */
static void split_lines(const char *text, size_t len, lines_t *out)
{
    *out = (lines_t){0};
    size_t i = 0;
    while (i < len && out->n < 4) {
        const char *s = text + i;
        const char *nl = memchr(s, '\n', len - i);
        size_t n = nl ? (size_t)(nl - s) : len - i;
        i += n + (nl ? 1 : 0);
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        out->start[out->n] = s;
        out->len[out->n++] = n;
    }
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* --- keys --------------------------------------------------------------------- */

int minisign_keygen(minisign_secret_key *sk, minisign_public_key *pk)
{
    if (ensure_sodium() < 0)
        return -1;
    randombytes_buf(sk->key_id, sizeof sk->key_id);
    crypto_sign_keypair(pk->pk, sk->sk);
    memcpy(pk->key_id, sk->key_id, sizeof pk->key_id);
    return 0;
}

void minisign_public_of(const minisign_secret_key *sk, minisign_public_key *pk)
{
    memcpy(pk->key_id, sk->key_id, sizeof pk->key_id);
    crypto_sign_ed25519_sk_to_pk(pk->pk, sk->sk);
}

void minisign_key_id_hex(const unsigned char key_id[MINISIGN_KEY_ID_BYTES], char hex[17])
{
    snprintf(hex, 17, "%" PRIX64, le64_load(key_id));
}

char *minisign_public_key_base64(const minisign_public_key *pk)
{
    unsigned char bin[PUBLIC_KEY_BYTES];
    memcpy(bin, "Ed", 2);
    memcpy(bin + 2, pk->key_id, MINISIGN_KEY_ID_BYTES);
    memcpy(bin + 2 + MINISIGN_KEY_ID_BYTES, pk->pk, 32);
    return to_base64(bin, sizeof bin);
}

char *minisign_public_key_file(const minisign_public_key *pk)
{
    char id[17];
    minisign_key_id_hex(pk->key_id, id);
    char *b64 = minisign_public_key_base64(pk);
    char *text = xasprintf(UNTRUSTED_PREFIX "minisign public key %s\n%s\n", id, b64);
    free(b64);
    return text;
}

static void secret_checksum(const unsigned char key_id[MINISIGN_KEY_ID_BYTES],
                            const unsigned char sk[64], unsigned char chk[CHECKSUM_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, CHECKSUM_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)"Ed", 2);
    crypto_generichash_update(&st, key_id, MINISIGN_KEY_ID_BYTES);
    crypto_generichash_update(&st, sk, 64);
    crypto_generichash_final(&st, chk, CHECKSUM_BYTES);
}

/* Offsets into the decoded secret key. */
enum {
    SK_KDF = 2,
    SK_CHK_ALG = 4,
    SK_SALT = 6,
    SK_OPSLIMIT = SK_SALT + SALT_BYTES,
    SK_MEMLIMIT = SK_OPSLIMIT + 8,
    SK_KEYNUM = SK_MEMLIMIT + 8,
};

char *minisign_secret_key_file(const minisign_secret_key *sk)
{
    ensure_sodium();
    unsigned char bin[SECRET_KEY_BYTES] = {0};
    memcpy(bin, "Ed", 2);
    /* kdf "\0\0", salt and limits zero: not encrypted, as minisign -W writes */
    memcpy(bin + SK_CHK_ALG, "B2", 2);
    memcpy(bin + SK_KEYNUM, sk->key_id, MINISIGN_KEY_ID_BYTES);
    memcpy(bin + SK_KEYNUM + MINISIGN_KEY_ID_BYTES, sk->sk, 64);
    secret_checksum(sk->key_id, sk->sk, bin + SK_KEYNUM + MINISIGN_KEY_ID_BYTES + 64);
    char *b64 = to_base64(bin, sizeof bin);
    sodium_memzero(bin, sizeof bin);
    char *text = xasprintf(UNTRUSTED_PREFIX "minisign secret key, not encrypted: keep it secret\n%s\n", b64);
    sodium_memzero(b64, strlen(b64));
    free(b64);
    return text;
}

int minisign_read_public_key(const char *text, size_t len, minisign_public_key *pk,
                             const char **why)
{
    lines_t lines;
    split_lines(text, len, &lines);
    size_t i = lines.n == 1 ? 0 : 1; /* a bare base64 line, or a key file */
    unsigned char bin[PUBLIC_KEY_BYTES];
    if (lines.n < 1 || (lines.n > 1 && !starts_with(lines.start[0], lines.len[0], UNTRUSTED_PREFIX)))
        *why = "not a minisign public key (the first line must be 'untrusted comment: ...')";
    else if (from_base64(lines.start[i], lines.len[i], bin, sizeof bin) < 0)
        *why = "not a minisign public key (bad base64 or wrong length)";
    else if (memcmp(bin, "Ed", 2) != 0)
        *why = "unsupported public key algorithm (only Ed25519, \"Ed\")";
    else {
        memcpy(pk->key_id, bin + 2, MINISIGN_KEY_ID_BYTES);
        memcpy(pk->pk, bin + 2 + MINISIGN_KEY_ID_BYTES, 32);
        return 0;
    }
    return -1;
}

/* Undoes scrypt encryption in place: keynum_sk XOR the derived stream. */
static int decrypt_secret(unsigned char *bin, const char *password, const char **why)
{
    uint64_t ops = le64_load(bin + SK_OPSLIMIT), mem = le64_load(bin + SK_MEMLIMIT);
    if (!password) {
        *why = "the secret key is encrypted: set WAYMARK_KEY_PASSWORD, or remove the password "
               "with `minisign -C -W -s KEY`";
        return -1;
    }
    if (mem > MAX_KDF_MEMORY) {
        *why = "the secret key asks for more than 2 GiB of memory to decrypt";
        return -1;
    }
    unsigned char stream[KEYNUM_SK_BYTES];
    if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof stream, password, strlen(password),
                                           bin + SK_SALT, (unsigned long long)ops,
                                           (size_t)mem) != 0) {
        *why = "cannot derive the key from the password (out of memory?)";
        return -1;
    }
    for (size_t i = 0; i < sizeof stream; i++)
        bin[SK_KEYNUM + i] ^= stream[i];
    sodium_memzero(stream, sizeof stream);
    return 0;
}

static int decode_secret(const lines_t *lines, const char *password, unsigned char *bin,
                         const char **why)
{
    if (lines->n < 2 || !starts_with(lines->start[0], lines->len[0], UNTRUSTED_PREFIX) ||
        from_base64(lines->start[1], lines->len[1], bin, SECRET_KEY_BYTES) < 0)
        *why = "not a minisign secret key";
    else if (memcmp(bin, "Ed", 2) != 0)
        *why = "unsupported secret key algorithm (only Ed25519, \"Ed\")";
    else if (memcmp(bin + SK_CHK_ALG, "B2", 2) != 0)
        *why = "unsupported secret key checksum (only BLAKE2b, \"B2\")";
    else if (memcmp(bin + SK_KDF, "Sc", 2) == 0)
        return decrypt_secret(bin, password, why);
    else if (memcmp(bin + SK_KDF, "\0\0", 2) != 0)
        *why = "unsupported key derivation function in the secret key";
    else
        return 0;
    return -1;
}

/* libsodium's secret key is seed || public key: both halves must agree. */
static bool halves_match(const unsigned char sk[64])
{
    unsigned char pk[32], full[64];
    crypto_sign_seed_keypair(pk, full, sk);
    bool same = sodium_memcmp(pk, sk + 32, sizeof pk) == 0;
    sodium_memzero(full, sizeof full);
    return same;
}

int minisign_read_secret_key(const char *text, size_t len, const char *password,
                             minisign_secret_key *sk, const char **why)
{
    if (ensure_sodium() < 0) {
        *why = "libsodium cannot start";
        return -1;
    }
    lines_t lines;
    split_lines(text, len, &lines);
    unsigned char bin[SECRET_KEY_BYTES];
    int rc = decode_secret(&lines, password, bin, why);
    if (rc == 0) {
        unsigned char chk[CHECKSUM_BYTES];
        const unsigned char *id = bin + SK_KEYNUM, *key = id + MINISIGN_KEY_ID_BYTES;
        secret_checksum(id, key, chk);
        /* minisign -W (0.11) leaves an unencrypted key's checksum zero */
        bool unchecked = memcmp(bin + SK_KDF, "\0\0", 2) == 0 && sodium_is_zero(key + 64, sizeof chk);
        if (!unchecked && sodium_memcmp(chk, key + 64, sizeof chk) != 0) {
            *why = memcmp(bin + SK_KDF, "Sc", 2) == 0 ? "wrong password for the secret key"
                                                      : "the secret key is damaged (checksum)";
            rc = -1;
        } else if (!halves_match(key)) {
            *why = "the secret key is damaged (its public half does not match)";
            rc = -1;
        } else {
            memcpy(sk->key_id, id, MINISIGN_KEY_ID_BYTES);
            memcpy(sk->sk, key, 64);
        }
    }
    sodium_memzero(bin, sizeof bin);
    return rc;
}

/* --- signatures ----------------------------------------------------------------- */

static void prehash(const void *msg, size_t len, unsigned char digest[PREHASH_BYTES])
{
    crypto_generichash(digest, PREHASH_BYTES, msg, len, NULL, 0);
}

/* The trusted comment is signed together with the file's signature. */
static unsigned char *sig_and_comment(const unsigned char sig[64], const char *comment,
                                      size_t *len)
{
    size_t n = strlen(comment);
    unsigned char *both = xmalloc(64 + n + 1);
    memcpy(both, sig, 64);
    memcpy(both + 64, comment, n);
    *len = 64 + n;
    return both;
}

char *minisign_sign(const minisign_secret_key *sk, const void *msg, size_t len,
                    const char *trusted_comment, const char **why)
{
    if (strpbrk(trusted_comment, "\r\n")) {
        *why = "a trusted comment must be one line";
        return NULL;
    }
    ensure_sodium();
    unsigned char digest[PREHASH_BYTES], bin[SIG_BYTES], global[64];
    prehash(msg, len, digest);
    memcpy(bin, "ED", 2);
    memcpy(bin + 2, sk->key_id, MINISIGN_KEY_ID_BYTES);
    crypto_sign_detached(bin + 2 + MINISIGN_KEY_ID_BYTES, NULL, digest, sizeof digest, sk->sk);
    size_t both_len;
    unsigned char *both = sig_and_comment(bin + 2 + MINISIGN_KEY_ID_BYTES, trusted_comment,
                                          &both_len);
    crypto_sign_detached(global, NULL, both, both_len, sk->sk);
    free(both);
    char *sig_b64 = to_base64(bin, sizeof bin), *global_b64 = to_base64(global, sizeof global);
    char *text = xasprintf(UNTRUSTED_PREFIX "signature from waymark secret key\n%s\n"
                           TRUSTED_PREFIX "%s\n%s\n", sig_b64, trusted_comment, global_b64);
    free(sig_b64);
    free(global_b64);
    return text;
}

int minisign_read_signature(const char *text, size_t len, minisign_signature *s,
                            const char **why)
{
    *s = (minisign_signature){0};
    lines_t lines;
    split_lines(text, len, &lines);
    unsigned char bin[SIG_BYTES];
    if (lines.n < 4 || !starts_with(lines.start[0], lines.len[0], UNTRUSTED_PREFIX) ||
        !starts_with(lines.start[2], lines.len[2], TRUSTED_PREFIX))
        *why = "not a minisign signature (expected four lines: untrusted comment, signature, "
               "trusted comment, comment signature)";
    else if (from_base64(lines.start[1], lines.len[1], bin, sizeof bin) < 0 ||
             from_base64(lines.start[3], lines.len[3], s->global_sig, sizeof s->global_sig) < 0)
        *why = "not a minisign signature (bad base64 or wrong length)";
    else if (memcmp(bin, "ED", 2) != 0 && memcmp(bin, "Ed", 2) != 0)
        *why = "unsupported signature algorithm (only \"ED\" and \"Ed\")";
    else {
        s->prehashed = bin[1] == 'D';
        memcpy(s->key_id, bin + 2, MINISIGN_KEY_ID_BYTES);
        memcpy(s->sig, bin + 2 + MINISIGN_KEY_ID_BYTES, 64);
        size_t prefix = strlen(TRUSTED_PREFIX);
        s->trusted_comment = xstrndup(lines.start[2] + prefix, lines.len[2] - prefix);
        return 0;
    }
    return -1;
}

void minisign_signature_free(minisign_signature *s)
{
    free(s->trusted_comment);
    *s = (minisign_signature){0};
}

int minisign_verify(const minisign_public_key *pk, const minisign_signature *s, const void *msg,
                    size_t len, const char **why)
{
    if (ensure_sodium() < 0) {
        *why = "libsodium cannot start";
        return -1;
    }
    if (memcmp(s->key_id, pk->key_id, MINISIGN_KEY_ID_BYTES) != 0) {
        *why = "signed with another key (the key ids differ)";
        return -1;
    }
    unsigned char digest[PREHASH_BYTES];
    if (s->prehashed)
        prehash(msg, len, digest);
    const unsigned char *signed_bytes = s->prehashed ? digest : msg;
    size_t signed_len = s->prehashed ? sizeof digest : len;
    if (crypto_sign_verify_detached(s->sig, signed_bytes, signed_len, pk->pk) != 0) {
        *why = "the signature does not match the file";
        return -1;
    }
    size_t both_len;
    unsigned char *both = sig_and_comment(s->sig, s->trusted_comment, &both_len);
    int rc = crypto_sign_verify_detached(s->global_sig, both, both_len, pk->pk);
    free(both);
    if (rc != 0) {
        *why = "the trusted comment's signature does not match";
        return -1;
    }
    return 0;
}
