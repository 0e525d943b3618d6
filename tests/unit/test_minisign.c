/* Tests for minisign: keys and signatures that minisign(1) itself accepts
 * and writes. The vectors below were made with Debian's minisign 0.11:
 *   minisign -G -W -p k.pub -s k.key; echo hi > f; minisign -S -s k.key -m f -t hello
 * (a throwaway test key). The e2e suite runs minisign on waymark's files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "minisign.h"

static const char MS_PUB[] =
    "untrusted comment: minisign public key 84E438C3A9FB233\n"
    "RWQzsp86jENOCP+vWc+m//K93SHEro0LTSAIKCM4bM+ZS2qsHM7HiDGj\n";
static const char MS_KEY[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAM7KfOoxDTgiTk8EJ7ZYt2DV"
    "tAUoCdj0OvQuQhKm2jM+1cUoABA3aL/+vWc+m//K93SHEro0LTSAIKCM4bM+ZS2qsHM7HiDGjAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAA=\n";
static const char MS_SIG[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUQzsp86jENOCOqrhilvJTC3QcAkci+Ri0Tfvhlx85azdkdy/Pnqr9RIpJMeFg0kOv8SHkGBp+XM3YhFvn8lfqPfTXiw5c8ftgY=\n"
    "trusted comment: hello\n"
    "lqjqXwSkH+mmhjWf1YAljkqb+PHA06bszONQF1cI3YQyMtPQW7M4VPfYTuqSzCp43r8RroaZw8ZQIkeBB7erCw==\n";
static const char MSG[] = "hi\n";

static void reads_minisign_public_key(void **state)
{
    (void)state;
    minisign_public_key pk;
    const char *why = NULL;
    assert_int_equal(minisign_read_public_key(MS_PUB, strlen(MS_PUB), &pk, &why), 0);
    char id[17];
    minisign_key_id_hex(pk.key_id, id);
    assert_string_equal(id, "84E438C3A9FB233");
    char *b64 = minisign_public_key_base64(&pk);
    assert_string_equal(b64, "RWQzsp86jENOCP+vWc+m//K93SHEro0LTSAIKCM4bM+ZS2qsHM7HiDGj");
    /* the bare base64 line is a key too */
    minisign_public_key again;
    assert_int_equal(minisign_read_public_key(b64, strlen(b64), &again, &why), 0);
    assert_memory_equal(&pk, &again, sizeof pk);
    free(b64);
    char *file = minisign_public_key_file(&pk);
    assert_string_equal(file, MS_PUB);
    free(file);
}

static void verifies_a_minisign_signature(void **state)
{
    (void)state;
    minisign_public_key pk;
    minisign_signature sig;
    const char *why = NULL;
    assert_int_equal(minisign_read_public_key(MS_PUB, strlen(MS_PUB), &pk, &why), 0);
    assert_int_equal(minisign_read_signature(MS_SIG, strlen(MS_SIG), &sig, &why), 0);
    assert_true(sig.prehashed);
    assert_string_equal(sig.trusted_comment, "hello");
    assert_int_equal(minisign_verify(&pk, &sig, MSG, strlen(MSG), &why), 0);
    assert_int_equal(minisign_verify(&pk, &sig, "ho\n", 3, &why), -1);
    assert_string_equal(why, "the signature does not match the file");
    /* a changed trusted comment is caught */
    free(sig.trusted_comment);
    sig.trusted_comment = strdup("hello, world");
    assert_int_equal(minisign_verify(&pk, &sig, MSG, strlen(MSG), &why), -1);
    assert_string_equal(why, "the trusted comment's signature does not match");
    minisign_signature_free(&sig);
}

static void signs_with_a_minisign_secret_key(void **state)
{
    (void)state;
    minisign_secret_key sk;
    minisign_public_key pk, from_sk;
    const char *why = NULL;
    assert_int_equal(minisign_read_secret_key(MS_KEY, strlen(MS_KEY), NULL, &sk, &why), 0);
    assert_int_equal(minisign_read_public_key(MS_PUB, strlen(MS_PUB), &pk, &why), 0);
    minisign_public_of(&sk, &from_sk);
    assert_memory_equal(&pk, &from_sk, sizeof pk);
    char *text = minisign_sign(&sk, MSG, strlen(MSG), "hello", &why);
    assert_non_null(text);
    /* Ed25519 is deterministic: the same key, file and comment give
     * minisign's own signature, byte for byte, apart from the comment line. */
    assert_string_equal(strchr(text, '\n'), strchr(MS_SIG, '\n'));
    free(text);
}

static void round_trip_with_a_new_key(void **state)
{
    (void)state;
    minisign_secret_key sk, sk2;
    minisign_public_key pk, pk2;
    const char *why = NULL;
    assert_int_equal(minisign_keygen(&sk, &pk), 0);
    char *sk_file = minisign_secret_key_file(&sk), *pk_file = minisign_public_key_file(&pk);
    assert_int_equal(minisign_read_secret_key(sk_file, strlen(sk_file), NULL, &sk2, &why), 0);
    assert_int_equal(minisign_read_public_key(pk_file, strlen(pk_file), &pk2, &why), 0);
    assert_memory_equal(&sk, &sk2, sizeof sk);
    assert_memory_equal(&pk, &pk2, sizeof pk);

    const char data[] = "PK\3\4 a zip, say";
    char *text = minisign_sign(&sk2, data, sizeof data, "site:x\tversion:1", &why);
    minisign_signature sig;
    assert_int_equal(minisign_read_signature(text, strlen(text), &sig, &why), 0);
    assert_string_equal(sig.trusted_comment, "site:x\tversion:1");
    assert_int_equal(minisign_verify(&pk2, &sig, data, sizeof data, &why), 0);
    /* another key (another id) is refused */
    minisign_secret_key other_sk;
    minisign_public_key other;
    minisign_keygen(&other_sk, &other);
    assert_int_equal(minisign_verify(&other, &sig, data, sizeof data, &why), -1);
    assert_string_equal(why, "signed with another key (the key ids differ)");
    /* the same id with another key: the signature check itself fails */
    memcpy(other.key_id, pk2.key_id, sizeof other.key_id);
    assert_int_equal(minisign_verify(&other, &sig, data, sizeof data, &why), -1);
    minisign_signature_free(&sig);
    free(text);
    free(sk_file);
    free(pk_file);
}

static void refuses_damaged_keys_and_comments(void **state)
{
    (void)state;
    minisign_secret_key sk;
    minisign_public_key pk;
    const char *why = NULL;
    minisign_keygen(&sk, &pk);
    char *file = minisign_secret_key_file(&sk);
    /* flip one base64 character inside the secret key bytes */
    char *line = strchr(file, '\n') + 1;
    line[100] = line[100] == 'A' ? 'B' : 'A';
    assert_int_equal(minisign_read_secret_key(file, strlen(file), NULL, &sk, &why), -1);
    free(file);
    assert_int_equal(minisign_read_public_key("hello\nworld\n", 12, &pk, &why), -1);
    assert_null(minisign_sign(&sk, "x", 1, "two\nlines", &why));
    minisign_signature sig;
    assert_int_equal(minisign_read_signature("untrusted comment: x\n", 21, &sig, &why), -1);
}

static void encrypted_key_needs_its_password(void **state)
{
    (void)state;
    /* the key above with its kdf bytes set to "Sc" (scrypt): without a
     * password it is refused with a message saying what to do */
    static const char enc[] =
        "untrusted comment: minisign encrypted secret key\n"
        "RWRTY0IyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAM7KfOoxDTgiTk8EJ7ZYt2DV"
        "tAUoCdj0OvQuQhKm2jM+1cUoABA3aL/+vWc+m//K93SHEro0LTSAIKCM4bM+ZS2qsHM7HiDGjAAAAAAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAA=\n";
    minisign_secret_key sk;
    const char *why = NULL;
    assert_int_equal(minisign_read_secret_key(enc, strlen(enc), NULL, &sk, &why), -1);
    assert_non_null(strstr(why, "encrypted"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_minisign_public_key),
        cmocka_unit_test(verifies_a_minisign_signature),
        cmocka_unit_test(signs_with_a_minisign_secret_key),
        cmocka_unit_test(round_trip_with_a_new_key),
        cmocka_unit_test(refuses_damaged_keys_and_comments),
        cmocka_unit_test(encrypted_key_needs_its_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
