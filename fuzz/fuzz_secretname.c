/*
 * fuzz_secretname.c - secret-file name mapping, through secretdir_load
 * (secretdir.c exports no pure mapping function).
 *
 * The input's first byte holds flags (bit 0: --secrets-upcase; bit 1: a
 * second file "a-b" already claims the key A_B / a_b; bit 2: the value
 * holds a NUL byte; bit 3: --max-value-size below the value's size); the
 * rest is the file name, made a valid single path component (each '/'
 * and NUL becomes '_', at most 255 bytes; ".", ".." and "..data" are
 * skipped). The
 * file is created in a temporary directory (on /dev/shm when there is
 * one) holding the canary, the directory is loaded, and the result is
 * compared with a model of the README's "Secret directories":
 *   - a name starting with '.' is skipped silently;
 *   - '-' and '.' become '_', letters are upper-cased with upcase;
 *   - a mapped name that is not [A-Za-z_][A-Za-z0-9_]* is skipped with
 *     a warning; two files mapping to one key are an error;
 *   - a NUL byte or a file over the cap is an error;
 *   - otherwise the key holds the canary, secret, from the secrets dir.
 * No message may hold the canary (line breaks are allowed here: a file
 * name may hold one, and messages name files).
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "secretdir.h"

static char dir[64];

static void init(void)
{
	if (dir[0])
		return;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof dir, "%s/fuzz-secretname-XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
}

static void put(const char *name, const char *val, size_t n)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FUZZ_CHECK(fd >= 0, "cannot create the secret file");
	FUZZ_CHECK(write(fd, val, n) == (ssize_t)n, "cannot write it");
	close(fd);
	close(dfd);
}

static void drop(const char *name)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	unlinkat(dfd, name, 0);
	close(dfd);
}

/* The model's key for NAME, or NULL (caller frees). */
static char *model_key(const char *name, int upcase)
{
	char *k = strdup(name);
	for (char *c = k; *c; c++) {
		if (*c == '-' || *c == '.')
			*c = '_';
		else if (upcase && *c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	}
	int ok = (k[0] == '_' || (k[0] >= 'A' && k[0] <= 'Z') ||
		  (k[0] >= 'a' && k[0] <= 'z'));
	for (const char *c = k; ok && *c; c++)
		ok = *c == '_' || (*c >= 'A' && *c <= 'Z') ||
		     (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');
	if (!ok) {
		free(k);
		return NULL;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	init();
	int upcase = data[0] & 1, rival = data[0] & 2, nul = data[0] & 4,
	    small = data[0] & 8;
	size_t n = size - 1 > 255 ? 255 : size - 1;
	char name[256];
	for (size_t i = 0; i < n; i++) {
		char c = (char)data[1 + i];
		name[i] = c == '/' || c == '\0' ? '_' : c;
	}
	name[n] = '\0';
	/* "..data" is not a name but the kubelet layout's marker: a regular
	 * file by that name is a broken layout, an error (secretdir.c) */
	if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "a-b") ||
	    !strcmp(name, "..data"))
		return 0;

	static const char val[] = CANARY "\n";
	static const char nulval[] = CANARY "\0x";
	put(name, nul ? nulval : val, nul ? sizeof nulval - 1 : sizeof val - 1);
	if (rival)
		put("a-b", "ab", 2); /* under either cap */

	struct secretdir_opts o = { .upcase = upcase,
				    .max_value_size = small ? 4 : 0 };
	struct envset out;
	struct diag d;
	envset_init(&out);
	diag_init(&d);
	int errs = secretdir_load(dir, 0, &o, &out, &d);
	FUZZ_CHECK(errs >= 0 && (size_t)errs == d.nerrors, "error count");
	fuzz_envset_sane(&out);
	if (!strstr(name, "CANARY")) /* messages name the file */
		fuzz_diag_lacks(&d, CANARY, 1);

	char *key = name[0] == '.' ? NULL : model_key(name, upcase);
	char *rkey = rival ? model_key("a-b", upcase) : NULL;
	int clash = key && rkey && !strcmp(key, rkey);
	const struct envvar *v = key ? envset_get(&out, key) : NULL;
	if (clash) {
		/* whichever sorts first is kept; one error names the clash */
		FUZZ_CHECK(errs >= 1, "a name collision was not reported");
	} else {
		/* the rival, when there, loads on its own */
		FUZZ_CHECK(!rkey || envset_get(&out, rkey), "the rival went missing");
		size_t want_keys = (rkey != NULL);
		if (name[0] == '.') {
			FUZZ_CHECK(errs == 0 && d.n == 0, "a dot-file was not skipped silently");
		} else if (!key) {
			FUZZ_CHECK(errs == 0, "an invalid name gave an error");
			FUZZ_CHECK(d.n == 1 && d.v[0].level == DIAG_WARNING,
				   "an invalid name was skipped without a warning");
		} else if (nul || small) {
			FUZZ_CHECK(errs == 1 && !v, "a bad value was accepted");
		} else {
			FUZZ_CHECK(errs == 0 && v != NULL, "a valid name was not loaded");
			FUZZ_CHECK(v->len == strlen(CANARY) &&
				   !memcmp(v->val, CANARY, v->len), "wrong value");
			FUZZ_CHECK((v->flags & EV_SECRET) &&
				   v->origin == ORIG_SECRETDIR,
				   "not a secret from the secrets dir");
			want_keys++;
		}
		FUZZ_CHECK(envset_count(&out) == want_keys,
			   "unexpected number of keys");
	}

	free(key);
	free(rkey);
	diag_free(&d);
	envset_free(&out);
	drop(name);
	if (rival)
		drop("a-b");
	return 0;
}
