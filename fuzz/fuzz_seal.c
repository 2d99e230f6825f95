/*
 * fuzz_seal.c - opening sealed values (seal_open_all) and the key formats.
 *
 * The first byte of the input picks what the rest is:
 *   0  the value of KEY, as is (any enc:vN: prefix, any base64)
 *   1  the value of KEY after "enc:v1:" (the base64 decoder itself)
 *   2  a plaintext ("NAME\0VALUE" or anything), sealed here to the test
 *      key with a canary appended, then opened as KEY: the checks after
 *      decryption (key name binding, NUL bytes) see arbitrary plaintexts
 *   3  the private key file's content; a good sealed value is opened
 *   4  a value sealed with seal_value and opened again (round trip)
 *   5  the base64 part of a public key string, then seal_value
 * Checked beyond ASan/UBSan: no message holds the canary (a sealed
 * plaintext) or a line break; an opened value is exactly what was sealed,
 * secret and of origin ORIG_SEALED; a value that fails keeps its sealed
 * form and adds exactly one error.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "common.h"
#include "seal.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

static unsigned char pk[crypto_box_PUBLICKEYBYTES];
static char keyfile[64], fuzzkey[64], publine[128];
static char *good_sealed; /* CANARY sealed for KEY */
static struct strlist keys, fuzzkeys;

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	FUZZ_CHECK(f != NULL, "cannot create a temporary file");
	FUZZ_CHECK(fwrite(p, 1, n, f) == n && fclose(f) == 0,
		   "cannot write a temporary file");
}

static void init(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	FUZZ_CHECK(sodium_init() >= 0, "sodium_init");
	unsigned char seed[crypto_box_SEEDBYTES], sk[crypto_box_SECRETKEYBYTES];
	memset(seed, 0x42, sizeof seed); /* a fixed test key */
	crypto_box_seed_keypair(pk, sk, seed);

	char dir[] = "/tmp/fuzz-seal-XXXXXX";
	FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(keyfile, sizeof keyfile, "%s/key", dir);
	snprintf(fuzzkey, sizeof fuzzkey, "%s/fuzzed-key", dir);
	char line[128], b64[64];
	sodium_bin2base64(b64, sizeof b64, sk, sizeof sk, B64);
	int n = snprintf(line, sizeof line, "%s%s\n", SEAL_PRIVATE_PREFIX, b64);
	write_file(keyfile, line, (size_t)n);
	sodium_bin2base64(b64, sizeof b64, pk, sizeof pk, B64);
	snprintf(publine, sizeof publine, "%s%s", SEAL_PUBLIC_PREFIX, b64);

	strlist_add(&keys, keyfile);
	strlist_add(&fuzzkeys, fuzzkey);

	struct diag d;
	diag_init(&d);
	FUZZ_CHECK(seal_value(publine, "KEY", CANARY, strlen(CANARY),
			      &good_sealed, &d) == 0, "sealing the canary");
	diag_free(&d);
}

/* "enc:v1:" + base64(crypto_box_seal(M)) */
static char *seal_raw(const unsigned char *m, size_t mlen)
{
	size_t clen = mlen + crypto_box_SEALBYTES;
	unsigned char *c = malloc(clen);
	FUZZ_CHECK(c && crypto_box_seal(c, m, mlen, pk) == 0, "crypto_box_seal");
	size_t blen = sodium_base64_ENCODED_LEN(clen, B64);
	char *out = malloc(strlen(SEAL_PREFIX) + blen);
	FUZZ_CHECK(out != NULL, "malloc");
	strcpy(out, SEAL_PREFIX);
	sodium_bin2base64(out + strlen(SEAL_PREFIX), blen, c, clen, B64);
	free(c);
	return out;
}

/* Open VAL (LEN bytes, no NUL) as KEY with KF; check the outcome. When
 * WANT is not NULL the value must open to exactly WANT (WLEN bytes). */
static void open_check(const char *val, size_t len, const struct strlist *kf,
		       const char *want, size_t wlen, int check_canary)
{
	struct envset env;
	struct diag d;
	envset_init(&env);
	diag_init(&d);
	envset_set(&env, "KEY", val, len, ORIG_ENVFILE, "fuzz.env:1");
	envset_set(&env, "OTHER", "plain", 5, ORIG_ENVFILE, "fuzz.env:2");

	int errs = seal_open_all(kf, &env, &d);
	FUZZ_CHECK(errs >= 0 && (size_t)errs == d.nerrors, "error count");
	fuzz_envset_sane(&env);
	const struct envvar *v = envset_get(&env, "KEY");
	const struct envvar *o = envset_get(&env, "OTHER");
	FUZZ_CHECK(v && o, "a key went missing");
	FUZZ_CHECK(o->len == 5 && !memcmp(o->val, "plain", 5) &&
		   o->origin == ORIG_ENVFILE, "an unsealed value was touched");
	if (!seal_is_sealed(val, len)) {
		FUZZ_CHECK(errs == 0 && v->len == len && !memcmp(v->val, val, len),
			   "a value that is not sealed was touched");
	} else if (v->origin == ORIG_SEALED) {
		FUZZ_CHECK(v->flags & EV_SECRET, "an opened value is not secret");
		FUZZ_CHECK(!want || (v->len == wlen && !memcmp(v->val, want, wlen)),
			   "opened to something else than was sealed");
	} else {
		FUZZ_CHECK(!want, "a good sealed value did not open");
		FUZZ_CHECK(v->len == len && !memcmp(v->val, val, len),
			   "a value that failed to open was changed");
		FUZZ_CHECK(errs >= 1, "a value failed to open without an error");
	}
	if (check_canary)
		fuzz_diag_lacks(&d, CANARY, 0);
	diag_free(&d);
	envset_free(&env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	init();
	int mode = data[0] % 6;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	int clean = !fuzz_has(in, n, "CANARY");
	size_t text = strnlen(in, n); /* up to a NUL: values hold none */

	switch (mode) {
	case 0: {
		char *v = strndup(in, text);
		open_check(v, text, &keys, NULL, 0, clean);
		free(v);
		break;
	}
	case 1: {
		char *v = malloc(strlen(SEAL_PREFIX) + text + 1);
		strcpy(v, SEAL_PREFIX);
		memcpy(v + strlen(SEAL_PREFIX), in, text);
		v[strlen(SEAL_PREFIX) + text] = '\0';
		open_check(v, strlen(v), &keys, NULL, 0, clean);
		free(v);
		break;
	}
	case 2: {
		size_t mlen = n + strlen(CANARY);
		unsigned char *m = malloc(mlen);
		memcpy(m, in, n);
		memcpy(m + n, CANARY, strlen(CANARY));
		char *v = seal_raw(m, mlen);
		/* "KEY\0VALUE" with no NUL in VALUE must open to VALUE */
		int good = n >= 4 && !memcmp(in, "KEY", 4) &&
			   !memchr(in + 4, '\0', n - 4);
		open_check(v, strlen(v), &keys, good ? (char *)m + 4 : NULL,
			   mlen - 4, clean);
		free(v);
		free(m);
		break;
	}
	case 3:
		write_file(fuzzkey, in, n);
		open_check(good_sealed, strlen(good_sealed), &fuzzkeys, NULL, 0,
			   1);
		break;
	case 4: {
		struct diag d;
		char *sealed = NULL;
		diag_init(&d);
		int st = seal_value(publine, "KEY", in, n, &sealed, &d);
		int ok = !memchr(in, '\0', n) && !seal_is_sealed(in, n);
		FUZZ_CHECK((st == 0) == ok, "seal_value refused a good value");
		if (clean)
			fuzz_diag_lacks(&d, CANARY, 0);
		diag_free(&d);
		if (sealed) {
			FUZZ_CHECK(seal_is_sealed(sealed, strlen(sealed)),
				   "seal_value made no sealed value");
			open_check(sealed, strlen(sealed), &keys, in, n, clean);
			free(sealed);
		}
		break;
	}
	case 5: {
		struct diag d;
		char *pub = malloc(strlen(SEAL_PUBLIC_PREFIX) + text + 1), *sealed;
		strcpy(pub, SEAL_PUBLIC_PREFIX);
		memcpy(pub + strlen(SEAL_PUBLIC_PREFIX), in, text);
		pub[strlen(SEAL_PUBLIC_PREFIX) + text] = '\0';
		diag_init(&d);
		int st = seal_value(pub, "KEY", CANARY, strlen(CANARY), &sealed, &d);
		FUZZ_CHECK((st == 0) == (sealed != NULL), "status and result disagree");
		fuzz_diag_lacks(&d, CANARY, 0);
		diag_free(&d);
		free(sealed);
		free(pub);
		break;
	}
	}
	return 0;
}
