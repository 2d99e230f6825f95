/* Unit tests for seal.c: keygen, seal, opening and every way it fails,
 * seal --in-place, and that no message ever holds an opened value. */
// OBJS: seal sealfile config options envfile interp envset diag fileio xalloc
#include "preamble.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>

#include "envfile.h"
#include "seal.h"
#include "sealfile.h"

#define CANARY "c4n4ry-pl41nt3xt" /* a value no message may contain */

static char dir[64];
static char *wex_pub, *tc_pub; /* the public key lines, without "\n" */

static char *at(const char *name)
{
	static char path[8][256];
	static int i;
	i = (i + 1) % 8;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	return path[i];
}

static void put(const char *name, const char *content)
{
	FILE *f = fopen(at(name), "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

/* The whole content of NAME, malloc'd. */
static char *slurp(const char *name, size_t *len)
{
	FILE *f = fopen(at(name), "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static char *keygen(const char *name)
{
	struct diag d;
	char *pub;
	diag_init(&d);
	assert_int_equal(seal_keygen(at(name), &pub, &d), 0);
	assert_int_equal(d.n, 0);
	diag_free(&d);
	pub[strcspn(pub, "\n")] = '\0';
	return pub;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/envinit-seal-XXXXXX");
	assert_non_null(mkdtemp(dir));
	wex_pub = keygen("wex.key");
	tc_pub = keygen("tc.key");
	put("wex.pub", wex_pub);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(wex_pub);
	free(tc_pub);
	return 0;
}

/* The canary appears in no subject, text or source of D. */
static void assert_no_canary(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *line = diag_format(&d->v[i]);
		assert_null(strstr(line, CANARY));
		free(line);
	}
}

/* D holds exactly one item, an error about SUBJECT whose text has TEXT. */
static void assert_one_error(const struct diag *d, const char *subject,
			     const char *text)
{
	if (d->n != 1 || !d->v[0].subject || strcmp(d->v[0].subject, subject) ||
	    !strstr(d->v[0].text, text)) {
		for (size_t i = 0; i < d->n; i++) {
			char *line = diag_format(&d->v[i]);
			fprintf(stderr, "  got: %s\n", line);
			free(line);
		}
		fail_msg("expected one error: %s: ...%s...", subject, text);
	}
	assert_int_equal(d->v[0].level, DIAG_ERROR);
	assert_no_canary(d);
}

static char *seal(const char *pub, const char *name, const char *val)
{
	struct diag d;
	char *out;
	diag_init(&d);
	assert_int_equal(seal_value(pub, name, val, strlen(val), &out, &d), 0);
	assert_int_equal(d.n, 0);
	diag_free(&d);
	assert_memory_equal(out, SEAL_PREFIX, strlen(SEAL_PREFIX));
	return out;
}

/*
 * Put KEY=VAL in a set (source "test.env:1"), open it with the key files
 * KEYS (NULL-terminated names in dir), return the number of errors. The
 * set and the diagnostics are the caller's.
 */
static int open_with(struct envset *env, struct diag *d, const char *key,
		     const char *val, const char *const *keys)
{
	struct strlist kf = { 0 };
	for (; keys && *keys; keys++)
		strlist_add(&kf, at(*keys));
	envset_set(env, key, val, strlen(val), ORIG_ENVFILE, "test.env:1");
	int errs = seal_open_all(&kf, env, d);
	strlist_free(&kf);
	return errs;
}

static const char *const wex[] = { "wex.key", NULL };

static void round_trip(void **state)
{
	(void)state;
	char *s = seal(wex_pub, "TOKEN", CANARY "\nline two");
	struct envset env;
	struct diag d;
	envset_init(&env);
	diag_init(&d);
	assert_int_equal(open_with(&env, &d, "TOKEN", s, wex), 0);
	assert_int_equal(d.n, 0);
	const struct envvar *v = envset_get(&env, "TOKEN");
	assert_string_equal(v->val, CANARY "\nline two");
	assert_int_equal(v->len, strlen(CANARY "\nline two"));
	assert_int_equal(v->origin, ORIG_SEALED);
	assert_true(v->flags & EV_SECRET);
	/* opened into the set's one sodium region */
	assert_true(v->flags & EV_REGION);
	assert_false(v->flags & EV_SODIUM);
	assert_non_null(env.region);
	assert_true(v->val > (char *)env.region);
	assert_string_equal(v->source, "test.env:1");
	/* an opened value is released by every path: set over, deleted, freed */
	const char *was = v->val;
	size_t n = v->len;
	envset_set(&env, "TOKEN", "plain", 5, ORIG_INHERITED, "environment");
	assert_false(envset_get(&env, "TOKEN")->flags & (EV_SODIUM | EV_REGION));
	for (size_t i = 0; i < n; i++) /* wiped in place: the region stays */
		assert_int_equal(was[i], 0);
	/* a set that has a region already: one sodium_malloc for the value */
	char *t2 = seal(wex_pub, "T2", "x");
	assert_int_equal(open_with(&env, &d, "T2", t2, wex), 0);
	assert_true(envset_get(&env, "T2")->flags & EV_SODIUM);
	free(t2);
	assert_int_equal(envset_del(&env, "T2"), 1);
	envset_free(&env);
	envset_init(&env);
	char *e = seal(wex_pub, "EMPTY", "");
	assert_int_equal(open_with(&env, &d, "EMPTY", e, wex), 0);
	assert_string_equal(envset_get(&env, "EMPTY")->val, "");
	envset_free(&env);
	diag_free(&d);
	free(s);
	free(e);
}

/* Several values, one region: each opened value in it, a failed one wiped. */
static void one_region(void **state)
{
	(void)state;
	char *a = seal(wex_pub, "A", CANARY "-a"), *b = seal(wex_pub, "B", "bee");
	char *x = seal(wex_pub, "OTHER", CANARY "-x"); /* set as C: fails */
	struct envset env;
	struct diag d;
	struct strlist kf = { 0 };
	envset_init(&env);
	diag_init(&d);
	strlist_add(&kf, at("wex.key"));
	envset_set(&env, "A", a, strlen(a), ORIG_ENVFILE, "t.env:1");
	envset_set(&env, "C", x, strlen(x), ORIG_ENVFILE, "t.env:2");
	envset_set(&env, "B", b, strlen(b), ORIG_ENVFILE, "t.env:3");
	assert_int_equal(seal_open_all(&kf, &env, &d), 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].text, "sealed for key OTHER, not C");
	const struct envvar *va = envset_get(&env, "A"), *vb = envset_get(&env, "B");
	assert_string_equal(va->val, CANARY "-a");
	assert_string_equal(vb->val, "bee");
	assert_true(va->flags & EV_REGION);
	assert_true(vb->flags & EV_REGION);
	assert_true(va->val > (char *)env.region && vb->val > va->val);
	/* C's slot lies between them: wiped, no plaintext left */
	assert_null(memmem(va->val + va->len, (size_t)(vb->val - va->val) - va->len,
			   CANARY, strlen(CANARY)));
	assert_true(envset_get(&env, "C")->flags & EV_UNOPENED);
	strlist_free(&kf);
	envset_free(&env);
	diag_free(&d);
	free(a);
	free(b);
	free(x);
}

static void sealing_is_randomised(void **state)
{
	(void)state;
	char *a = seal(wex_pub, "K", "v"), *b = seal(wex_pub, "K", "v");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* Open VAL under KEY with KEYS; expect exactly one error with TEXT. */
static void expect_open_error(const char *key, const char *val,
			      const char *const *keys, const char *subject,
			      const char *text)
{
	struct envset env;
	struct diag d;
	envset_init(&env);
	diag_init(&d);
	assert_int_equal(open_with(&env, &d, key, val, keys), 1);
	assert_one_error(&d, subject, text);
	/* a value that fails keeps its sealed form: nothing half-opened */
	assert_string_equal(envset_get(&env, key)->val, val);
	envset_free(&env);
	diag_free(&d);
}

static void flipped_byte(void **state)
{
	(void)state;
	char *s = seal(wex_pub, "TOKEN", CANARY);
	size_t mid = strlen(SEAL_PREFIX) + (strlen(s) - strlen(SEAL_PREFIX)) / 2;
	s[mid] = s[mid] == 'A' ? 'B' : 'A'; /* still valid base64 */
	expect_open_error("TOKEN", s, wex, "TOKEN", "no private key opens it");
	free(s);
}

static void truncated_and_bad_base64(void **state)
{
	(void)state;
	char *s = seal(wex_pub, "TOKEN", CANARY);
	char *cut = strdup(s);
	cut[strlen(cut) - 1] = '\0'; /* broken padding */
	expect_open_error("TOKEN", cut, wex, "TOKEN", "corrupt or truncated");
	cut[strlen(SEAL_PREFIX) + 40] = '\0'; /* shorter than a sealed box */
	expect_open_error("TOKEN", cut, wex, "TOKEN", "corrupt or truncated");
	expect_open_error("TOKEN", "enc:v1:", wex, "TOKEN", "corrupt or truncated");
	expect_open_error("TOKEN", "enc:v1:!!!not*base64!!!", wex, "TOKEN",
			  "corrupt or truncated");
	/* whitespace inside is not tolerated either */
	char *sp = malloc(strlen(s) + 2);
	sprintf(sp, "%.20s %s", s, s + 20);
	expect_open_error("TOKEN", sp, wex, "TOKEN", "corrupt or truncated");
	free(sp);
	free(cut);
	free(s);
}

static void unknown_version(void **state)
{
	(void)state;
	char *s = seal(wex_pub, "TOKEN", CANARY);
	s[5] = '2'; /* enc:v2: */
	expect_open_error("TOKEN", s, wex, "TOKEN",
			  "unknown sealed-value version v2");
	expect_open_error("TOKEN", "enc:v10:AAAA", wex, "TOKEN",
			  "unknown sealed-value version v10");
	free(s);
	/* not the sealed form: plain values stay plain, no key needed */
	struct envset env;
	struct diag d;
	envset_init(&env);
	diag_init(&d);
	const char *plain[] = { "enc:v1", "enc:vx:AAAA", "xenc:v1:AAAA", "enc:", "" };
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		assert_false(seal_is_sealed(plain[i], strlen(plain[i])));
		assert_int_equal(open_with(&env, &d, "P", plain[i], NULL), 0);
	}
	assert_true(seal_is_sealed("enc:v1:", 7));
	assert_true(seal_is_sealed("enc:v99:x", 9));
	assert_int_equal(d.n, 0);
	envset_free(&env);
	diag_free(&d);
}

static void moved_value(void **state)
{
	(void)state;
	char *s = seal(wex_pub, "WEX_TOKEN", CANARY);
	expect_open_error("OTHER_TOKEN", s, wex, "OTHER_TOKEN",
			  "sealed for key WEX_TOKEN, not OTHER_TOKEN");
	free(s);
}

static void another_clients_key(void **state)
{
	(void)state;
	char *s = seal(tc_pub, "TOKEN", CANARY); /* TechCorp's */
	expect_open_error("TOKEN", s, wex, "TOKEN", "no private key opens it");
	free(s);
}

static void rotation_two_keys(void **state)
{
	(void)state;
	char *old = seal(tc_pub, "OLD", "old-" CANARY);
	char *new = seal(wex_pub, "NEW", "new-" CANARY);
	const char *const both[] = { "wex.key", "tc.key", NULL };
	const char *const both_rev[] = { "tc.key", "wex.key", NULL };
	for (int r = 0; r < 2; r++) {
		struct envset env;
		struct diag d;
		envset_init(&env);
		diag_init(&d);
		const char *const *keys = r ? both_rev : both;
		assert_int_equal(open_with(&env, &d, "OLD", old, keys), 0);
		assert_int_equal(open_with(&env, &d, "NEW", new, keys), 0);
		assert_string_equal(envset_get(&env, "OLD")->val, "old-" CANARY);
		assert_string_equal(envset_get(&env, "NEW")->val, "new-" CANARY);
		envset_free(&env);
		diag_free(&d);
	}
	free(old);
	free(new);
}

static void key_file_problems(void **state)
{
	(void)state;
	char *s = seal(wex_pub, "TOKEN", CANARY);
	const char *const missing[] = { "nope.key", NULL };
	expect_open_error("TOKEN", s, missing, at("nope.key"),
			  "cannot read private key file: no such file");
	put("bad.key", "ENVINIT-PRIVATE-KEY-V1:tooshort\n");
	const char *const bad[] = { "bad.key", NULL };
	expect_open_error("TOKEN", s, bad, at("bad.key"), "malformed private key file");
	put("junk.key", "hello\n");
	const char *const junk[] = { "junk.key", NULL };
	expect_open_error("TOKEN", s, junk, at("junk.key"), "malformed private key file");
	const char *const pubfile[] = { "wex.pub", NULL };
	expect_open_error("TOKEN", s, pubfile, at("wex.pub"), "holds a public key");
	expect_open_error("TOKEN", s, NULL, "TOKEN",
			  "sealed value but no --private-key-file given");

	/* a gone key file does not stop a good one (rotation): when the
	 * others open everything it is only a warning */
	struct envset env;
	struct diag d;
	envset_init(&env);
	diag_init(&d);
	const char *const mixed[] = { "nope.key", "wex.key", NULL };
	assert_int_equal(open_with(&env, &d, "TOKEN", s, mixed), 0);
	assert_int_equal(d.n, 1); /* only the key file */
	assert_int_equal(d.v[0].level, DIAG_WARNING);
	assert_string_equal(d.v[0].text, "cannot read private key file: no such file "
			    "(the other keys open every sealed value)");
	assert_string_equal(envset_get(&env, "TOKEN")->val, CANARY);
	envset_free(&env);
	diag_free(&d);
	/* ... but a malformed one stays an error */
	envset_init(&env);
	diag_init(&d);
	const char *const malformed[] = { "bad.key", "wex.key", NULL };
	assert_int_equal(open_with(&env, &d, "TOKEN", s, malformed), 1);
	assert_int_equal(d.v[0].level, DIAG_ERROR);
	envset_free(&env);
	diag_free(&d);
	/* ... and a gone one is an error when the others do not open all */
	envset_init(&env);
	diag_init(&d);
	const char *const wrong[] = { "nope.key", "tc.key", NULL };
	assert_int_equal(open_with(&env, &d, "TOKEN", s, wrong), 2);
	assert_int_equal(d.v[0].level, DIAG_ERROR);
	envset_free(&env);
	diag_free(&d);

	/* no sealed value: the key files are not even read */
	envset_init(&env);
	diag_init(&d);
	assert_int_equal(open_with(&env, &d, "PLAIN", "x", missing), 0);
	assert_int_equal(d.n, 0);
	envset_free(&env);
	diag_free(&d);
	free(s);
}

/* Seal a raw plaintext (not NAME\0VALUE as seal_value would make). */
static char *seal_raw(const char *pub, const unsigned char *m, size_t mlen)
{
	unsigned char pk[32], c[256];
	size_t n;
	assert_int_equal(sodium_init() < 0, 0);
	const char *b64 = pub + strlen(SEAL_PUBLIC_PREFIX);
	assert_int_equal(sodium_base642bin(pk, 32, b64, strlen(b64), NULL, &n,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(crypto_box_seal(c, m, mlen, pk), 0);
	char *out = malloc(512);
	strcpy(out, SEAL_PREFIX);
	sodium_bin2base64(out + strlen(SEAL_PREFIX), 512 - strlen(SEAL_PREFIX), c,
			  mlen + crypto_box_SEALBYTES, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

static void opened_nul_and_no_name(void **state)
{
	(void)state;
	static const unsigned char nul[] = "K\0" CANARY "\0tail";
	char *s = seal_raw(wex_pub, nul, sizeof nul - 1);
	expect_open_error("K", s, wex, "K", "opened value contains a NUL byte");
	free(s);
	static const unsigned char noname[] = CANARY;
	s = seal_raw(wex_pub, noname, sizeof noname - 1);
	expect_open_error("K", s, wex, "K", "corrupt sealed value");
	free(s);
	static const unsigned char badname[] = CANARY "\0x";
	s = seal_raw(wex_pub, badname, sizeof badname - 1);
	expect_open_error("K", s, wex, "K", "sealed for another key, not K");
	free(s);
}

static void every_problem_at_once(void **state)
{
	(void)state;
	struct envset env;
	struct diag d;
	envset_init(&env);
	diag_init(&d);
	char *ok = seal(wex_pub, "OK", CANARY);
	char *moved = seal(wex_pub, "A", CANARY);
	char *theirs = seal(tc_pub, "C", CANARY);
	envset_set(&env, "OK", ok, strlen(ok), ORIG_ENVFILE, "f:1");
	envset_set(&env, "B", moved, strlen(moved), ORIG_ENVFILE, "f:2");
	envset_set(&env, "C", theirs, strlen(theirs), ORIG_INHERITED, "environment");
	envset_set(&env, "D", "enc:v3:x", 8, ORIG_ENVFILE, "f:4");
	struct strlist kf = { 0 };
	strlist_add(&kf, at("wex.key"));
	assert_int_equal(seal_open_all(&kf, &env, &d), 3);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.v[0].subject, "B");
	assert_string_equal(d.v[0].source, "f:2");
	assert_string_equal(d.v[1].subject, "C");
	assert_string_equal(d.v[1].source, "environment");
	assert_string_equal(d.v[2].subject, "D");
	assert_string_equal(envset_get(&env, "OK")->val, CANARY);
	assert_no_canary(&d);
	strlist_free(&kf);
	envset_free(&env);
	diag_free(&d);
	free(ok);
	free(moved);
	free(theirs);
}

static void keygen_file(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(stat(at("wex.key"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	size_t len;
	char *k = slurp("wex.key", &len);
	assert_int_equal(len, strlen(SEAL_PRIVATE_PREFIX) + 44 + 1);
	assert_memory_equal(k, SEAL_PRIVATE_PREFIX, strlen(SEAL_PRIVATE_PREFIX));
	assert_int_equal(k[len - 1], '\n');
	free(k);
	assert_int_equal(strlen(wex_pub), strlen(SEAL_PUBLIC_PREFIX) + 44);
	assert_string_not_equal(wex_pub, tc_pub);

	/* refused when it exists; the file is left as it was */
	struct diag d;
	char *pub;
	diag_init(&d);
	assert_int_equal(seal_keygen(at("wex.key"), &pub, &d), EXIT_CONFIG);
	assert_null(pub);
	assert_one_error(&d, at("wex.key"), "already exists");
	diag_free(&d);
	k = slurp("wex.key", &len);
	assert_int_equal(len, strlen(SEAL_PRIVATE_PREFIX) + 45);
	free(k);
	/* a symlink is not followed */
	assert_int_equal(symlink(at("target"), at("link.key")), 0);
	diag_init(&d);
	assert_int_equal(seal_keygen(at("link.key"), &pub, &d), EXIT_CONFIG);
	assert_int_equal(access(at("target"), F_OK), -1);
	diag_free(&d);
	/* a umask does not weaken or widen the mode */
	mode_t old = umask(0277);
	diag_init(&d);
	assert_int_equal(seal_keygen(at("umask.key"), &pub, &d), 0);
	umask(old);
	free(pub);
	assert_int_equal(stat(at("umask.key"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	diag_free(&d);
}

static void public_key_forms(void **state)
{
	(void)state;
	struct diag d;
	char *out;
	diag_init(&d);
	/* the string, or a file holding it */
	assert_int_equal(seal_value(at("wex.pub"), "K", "v", 1, &out, &d), 0);
	free(out);
	assert_int_equal(seal_value(NULL, "K", "v", 1, &out, &d), EXIT_USAGE);
	assert_int_equal(seal_value("envinit-pk-v1:AAAA", "K", "v", 1, &out, &d),
			 EXIT_CONFIG);
	assert_int_equal(seal_value(at("wex.key"), "K", "v", 1, &out, &d),
			 EXIT_CONFIG);
	assert_non_null(strstr(d.v[d.n - 1].text, "holds a private key"));
	assert_int_equal(seal_value(at("missing.pub"), "K", "v", 1, &out, &d),
			 EXIT_CONFIG);
	/* a private key pasted as --public-key is refused and never echoed */
	size_t len;
	char *k = slurp("wex.key", &len);
	k[len - 1] = '\0';
	size_t before = d.n;
	assert_int_equal(seal_value(k, "K", "v", 1, &out, &d), EXIT_USAGE);
	assert_int_equal(d.n, before + 1);
	char *line = diag_format(&d.v[d.n - 1]);
	assert_null(strstr(line, k + strlen(SEAL_PRIVATE_PREFIX)));
	free(line);
	free(k);
	diag_free(&d);
}

static void seal_value_refusals(void **state)
{
	(void)state;
	struct diag d;
	char *out;
	diag_init(&d);
	assert_int_equal(seal_value(wex_pub, "1BAD", CANARY, 5, &out, &d), EXIT_USAGE);
	assert_int_equal(seal_value(wex_pub, CANARY, "v", 1, &out, &d), EXIT_USAGE);
	assert_int_equal(seal_value(wex_pub, "K", CANARY "\0x", sizeof CANARY + 1,
				    &out, &d), EXIT_CONFIG);
	assert_non_null(strstr(d.v[d.n - 1].text, "NUL"));
	assert_int_equal(seal_value(wex_pub, "K", "enc:v1:AAAA", 11, &out, &d),
			 EXIT_CONFIG);
	assert_non_null(strstr(d.v[d.n - 1].text, "already sealed"));
	assert_null(out);
	assert_no_canary(&d);
	diag_free(&d);
}

/* seal_stream reading INPUT through a pipe. */
static int stream(const char *input, size_t n, size_t cap, char **out,
		  struct diag *d)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], input, n), (ssize_t)n);
	close(p[1]);
	int rc = seal_stream(wex_pub, "TOKEN", p[0], cap, out, d);
	close(p[0]);
	return rc;
}

static char *open_str(const char *key, const char *sealed)
{
	struct envset env;
	struct diag d;
	envset_init(&env);
	diag_init(&d);
	char *s = strdup(sealed);
	s[strcspn(s, "\n")] = '\0';
	assert_int_equal(open_with(&env, &d, key, s, wex), 0);
	char *v = strdup(envset_get(&env, key)->val);
	envset_free(&env);
	diag_free(&d);
	free(s);
	return v;
}

static void stream_input(void **state)
{
	(void)state;
	struct diag d;
	char *out, *v;
	diag_init(&d);
	/* one trailing newline removed (echo secret | envinit seal ...) */
	assert_int_equal(stream("secret\n", 7, 100, &out, &d), 0);
	assert_int_equal(out[strlen(out) - 1], '\n');
	v = open_str("TOKEN", out);
	assert_string_equal(v, "secret");
	free(v);
	free(out);
	/* only one */
	assert_int_equal(stream("two\n\n", 5, 100, &out, &d), 0);
	v = open_str("TOKEN", out);
	assert_string_equal(v, "two\n");
	free(v);
	free(out);
	assert_int_equal(stream("crlf\r\n", 6, 100, &out, &d), 0);
	v = open_str("TOKEN", out);
	assert_string_equal(v, "crlf");
	free(v);
	free(out);
	/* the cap counts the value, not its line end */
	assert_int_equal(stream("12345\n", 6, 5, &out, &d), 0);
	free(out);
	assert_int_equal(stream("123456", 6, 5, &out, &d), EXIT_CONFIG);
	assert_null(out);
	assert_non_null(strstr(d.v[d.n - 1].text, "--max-value-size"));
	assert_int_equal(stream("a\0b", 3, 100, &out, &d), EXIT_CONFIG);
	assert_int_equal(d.nerrors, 2);
	diag_free(&d);
}

/* seal --in-place on CONTENT; returns the status, the file in *AFTER. */
static int in_place(const char *content, const char *const *names, int n,
		    char **after, struct diag *d)
{
	put("in.env", content);
	int rc = seal_in_place(wex_pub, at("in.env"), (char *const *)names, n, d);
	size_t len;
	*after = slurp("in.env", &len);
	return rc;
}

/* Load the file in dir NAME as an env file, open its sealed values. */
static void load_opened(const char *name, struct envset *env)
{
	struct diag d;
	struct strlist kf = { 0 };
	diag_init(&d);
	strlist_add(&kf, at("wex.key"));
	assert_int_equal(envfile_load(at(name), 0, NULL, env, &d), 0);
	assert_int_equal(seal_open_all(&kf, env, &d), 0);
	strlist_free(&kf);
	diag_free(&d);
}

static void in_place_rewrites_entries(void **state)
{
	(void)state;
	static const char before[] =
		"# comment\r\n"
		"A=1\r\n"
		"  export TOKEN = " CANARY "  # wex token\r\n"
		"CERT=\"line1\nTOKEN=inside\nline3\"\n"
		"SQ='$HOME'#c\n"
		"PW: pa$$word\n"
		"LAST=x";
	const char *names[] = { "TOKEN", "CERT", "SQ", "PW", "TOKEN" };
	struct diag d;
	char *after;
	diag_init(&d);
	assert_int_equal(in_place(before, names, 5, &after, &d), 0);
	assert_int_equal(d.nerrors, 0);
	assert_null(strstr(after, CANARY));
	assert_memory_equal(after, "# comment\r\nA=1\r\n  export TOKEN=enc:v1:", 38);
	assert_non_null(strstr(after, "  # wex token\r\nCERT=enc:v1:"));
	assert_null(strstr(after, "inside"));
	assert_non_null(strstr(after, "\nSQ=enc:v1:"));
	assert_non_null(strstr(after, " #c\nPW=enc:v1:"));
	assert_non_null(strstr(after, "\nLAST=x"));
	assert_int_equal(after[strlen(after) - 1], 'x');

	struct envset env;
	envset_init(&env);
	load_opened("in.env", &env);
	assert_string_equal(envset_get(&env, "A")->val, "1");
	assert_string_equal(envset_get(&env, "TOKEN")->val, CANARY);
	assert_string_equal(envset_get(&env, "CERT")->val, "line1\nTOKEN=inside\nline3");
	assert_string_equal(envset_get(&env, "SQ")->val, "$HOME");
	assert_string_equal(envset_get(&env, "PW")->val, "pa$word");
	assert_string_equal(envset_get(&env, "LAST")->val, "x");
	envset_free(&env);

	/* idempotent: a second run leaves the file alone, not even replaced */
	char *again;
	struct stat st1, st2;
	put("in.env", after);
	assert_int_equal(stat(at("in.env"), &st1), 0);
	assert_int_equal(seal_in_place(wex_pub, at("in.env"), (char *const *)names,
				       5, &d), 0);
	assert_int_equal(stat(at("in.env"), &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	size_t len;
	again = slurp("in.env", &len);
	assert_string_equal(again, after);
	free(again);
	free(after);
	assert_no_canary(&d);
	diag_free(&d);
}

static void in_place_every_entry(void **state)
{
	(void)state;
	const char *names[] = { "T" };
	struct diag d;
	char *after;
	diag_init(&d);
	assert_int_equal(in_place("T=" CANARY "\nX=1\nT=two\n", names, 1, &after, &d), 0);
	assert_null(strstr(after, CANARY));
	assert_null(strstr(after, "two"));
	assert_non_null(strstr(after, "\nX=1\nT=enc:v1:"));
	free(after);
	diag_free(&d);
}

/* CONTENT must be refused with TEXT, the file left byte for byte. */
static void expect_in_place_error(const char *content, const char *name,
				  const char *text)
{
	const char *names[] = { name };
	struct diag d;
	char *after;
	diag_init(&d);
	int rc = in_place(content, names, 1, &after, &d);
	if (rc != EXIT_CONFIG)
		fail_msg("exit %d for %s", rc, content);
	assert_string_equal(after, content);
	int found = 0;
	for (size_t i = 0; i < d.n; i++)
		found |= d.v[i].subject && strcmp(d.v[i].subject, name) == 0 &&
			 strstr(d.v[i].text, text) != NULL;
	if (!found)
		fail_msg("no '%s: ...%s...' for %s", name, text, content);
	assert_no_canary(&d);
	free(after);
	diag_free(&d);
}

static void in_place_refusals(void **state)
{
	(void)state;
	expect_in_place_error("A=1\n", "T", "no entry sets it");
	expect_in_place_error("T=${HOME}\n", "T", "uses interpolation");
	expect_in_place_error("T=" CANARY "$HOME\n", "T", "uses interpolation");
	expect_in_place_error("T=\"" CANARY "\n$HOME\"\n", "T", "uses interpolation");
	expect_in_place_error("T=${X:?" CANARY "}\n", "T", "uses interpolation");
	expect_in_place_error("T=\"\\0044{HOME}\"\n", "T", "uses interpolation");
	expect_in_place_error("A=\"x\" T=" CANARY "\n", "T", "shares its line");
	expect_in_place_error("T=\"" CANARY "\" A=1\n", "T", "shares its line");
	expect_in_place_error("T=\"" CANARY "\n", "T", "unterminated");
	expect_in_place_error("T=enc:v2:AAAA\n", "T", "unknown version");
	/* the whole run fails when one name fails: nothing is written */
	const char *names[] = { "A", "T" };
	struct diag d;
	char *after;
	diag_init(&d);
	assert_int_equal(in_place("A=" CANARY "\n", names, 2, &after, &d), EXIT_CONFIG);
	assert_string_equal(after, "A=" CANARY "\n");
	free(after);
	diag_free(&d);
	/* literal dollars are not lookups */
	const char *t[] = { "T" };
	diag_init(&d);
	assert_int_equal(in_place("T=\"a\\$b $$c $1\"\n", t, 1, &after, &d), 0);
	free(after);
	struct envset env;
	envset_init(&env);
	load_opened("in.env", &env);
	assert_string_equal(envset_get(&env, "T")->val, "a$b $c $1");
	envset_free(&env);
	diag_free(&d);
}

static void in_place_keeps_mode(void **state)
{
	(void)state;
	put("mode.env", "T=" CANARY "\n");
	assert_int_equal(chmod(at("mode.env"), 0640), 0);
	struct stat st1, st2;
	assert_int_equal(stat(at("mode.env"), &st1), 0);
	const char *names[] = { "T" };
	struct diag d;
	diag_init(&d);
	assert_int_equal(seal_in_place(wex_pub, at("mode.env"), (char *const *)names,
				       1, &d), 0);
	assert_int_equal(stat(at("mode.env"), &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0640);
	assert_int_not_equal(st1.st_ino, st2.st_ino); /* replaced by rename */
	/* through a symlink: the target is updated, the link kept */
	assert_int_equal(symlink("mode.env", at("link.env")), 0);
	put("mode.env", "T=" CANARY "\n");
	assert_int_equal(seal_in_place(wex_pub, at("link.env"), (char *const *)names,
				       1, &d), 0);
	struct stat lst;
	assert_int_equal(lstat(at("link.env"), &lst), 0);
	assert_true(S_ISLNK(lst.st_mode));
	size_t len;
	char *after = slurp("mode.env", &len);
	assert_null(strstr(after, CANARY));
	free(after);
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keygen_file),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(one_region),
		cmocka_unit_test(sealing_is_randomised),
		cmocka_unit_test(flipped_byte),
		cmocka_unit_test(truncated_and_bad_base64),
		cmocka_unit_test(unknown_version),
		cmocka_unit_test(moved_value),
		cmocka_unit_test(another_clients_key),
		cmocka_unit_test(rotation_two_keys),
		cmocka_unit_test(key_file_problems),
		cmocka_unit_test(opened_nul_and_no_name),
		cmocka_unit_test(every_problem_at_once),
		cmocka_unit_test(public_key_forms),
		cmocka_unit_test(seal_value_refusals),
		cmocka_unit_test(stream_input),
		cmocka_unit_test(in_place_rewrites_entries),
		cmocka_unit_test(in_place_every_entry),
		cmocka_unit_test(in_place_refusals),
		cmocka_unit_test(in_place_keeps_mode),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
