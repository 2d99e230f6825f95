/*
 * fuzz_sealfile.c - seal --in-place (seal_in_place) on any env file.
 *
 * The input is written to a file (on /dev/shm when there is one) and the
 * keys KEY and B are sealed in it with a test key. Checked beyond
 * ASan/UBSan:
 *   - on an error the file is left exactly as it was;
 *   - on success, a file that parsed without error still does, and
 *     parsing it and opening its sealed values gives every key the value
 *     it had before: sealing changes how a value is written, never what
 *     any key ends up holding;
 *   - no message holds a value (the canary is put after each input).
 * Slower than the other targets (file I/O and two X25519 operations per
 * sealed entry).
 */
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "common.h"
#include "envfile.h"
#include "seal.h"
#include "sealfile.h"

static char dir[64], path[96], keyfile[96], pub[128];
static struct strlist keys;

static void init(void)
{
	if (dir[0])
		return;
	FUZZ_CHECK(sodium_init() >= 0, "sodium_init");
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof dir, "%s/fuzz-sealfile-XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/in.env", dir);
	snprintf(keyfile, sizeof keyfile, "%s/key", dir);
	struct diag d;
	char *p;
	diag_init(&d);
	FUZZ_CHECK(seal_keygen(keyfile, &p, &d) == 0, "keygen");
	p[strcspn(p, "\n")] = '\0';
	snprintf(pub, sizeof pub, "%s", p);
	free(p);
	diag_free(&d);
	strlist_add(&keys, keyfile);
}

static void put(const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FUZZ_CHECK(fd >= 0, "cannot create the env file");
	FUZZ_CHECK(write(fd, buf, n) == (ssize_t)n, "cannot write it");
	close(fd);
}

static char *slurp(size_t *n)
{
	int fd = open(path, O_RDONLY);
	FUZZ_CHECK(fd >= 0, "the env file went missing");
	struct stat st;
	FUZZ_CHECK(fstat(fd, &st) == 0, "cannot stat the env file");
	/* sized by the file: a fixed 1 MiB buffer per execution made the
	 * allocator the slowest part of this target */
	size_t cap = (size_t)st.st_size + 1;
	char *b = malloc(cap);
	ssize_t r = read(fd, b, cap - 1);
	close(fd);
	FUZZ_CHECK(r == st.st_size, "cannot read the env file back");
	*n = (size_t)r;
	b[*n] = '\0';
	return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init();
	/* the canary as the value of a key of its own, after the input */
	static const char tail[] = "\nZZ_SECRET=" CANARY "\n";
	size_t n = size + sizeof tail - 1;
	char *text = malloc(n);
	memcpy(text, data, size);
	memcpy(text + size, tail, sizeof tail - 1);
	int clean = !fuzz_has(data, size, "CANARY");
	put(text, n);

	struct diag d;
	diag_init(&d);
	char *names[] = { "KEY", "B" };
	int rc = seal_in_place(pub, path, names, 2, &d);
	if (clean)
		fuzz_diag_lacks(&d, CANARY, 0);
	size_t alen;
	char *after = slurp(&alen);
	if (rc != 0) {
		FUZZ_CHECK(alen == n && !memcmp(after, text, n),
			   "the file changed although sealing failed");
	} else {
		struct envset a, b;
		struct diag d1, d2;
		envset_init(&a);
		envset_init(&b);
		diag_init(&d1);
		diag_init(&d2);
		int e1 = envfile_parse("in.env", text, n, NULL, &a, &d1);
		int e2 = envfile_parse("in.env", after, alen, NULL, &b, &d2);
		if (e1 == 0) {
			FUZZ_CHECK(e2 == 0, "the sealed file no longer parses");
			/* a sealed value already in the input (maybe junk)
			 * is left alone: it fails, or opens, in both */
			int o1 = seal_open_all(&keys, &a, &d1);
			int o2 = seal_open_all(&keys, &b, &d2);
			FUZZ_CHECK(o1 == o2, "a value sealed here does not open");
			FUZZ_CHECK(envset_count(&a) == envset_count(&b),
				   "sealing added or lost keys");
			for (size_t i = 0; i < a.n; i++) {
				const struct envvar *v = &a.v[i];
				if (!envset_live(v))
					continue;
				const struct envvar *w = envset_get(&b, v->key);
				FUZZ_CHECK(w != NULL, "sealing lost a key");
				if (w->len != v->len ||
				    memcmp(w->val, v->val, v->len) != 0) {
					fprintf(stderr, "key %s changed\n", v->key);
					abort();
				}
			}
		}
		envset_free(&a);
		envset_free(&b);
		diag_free(&d1);
		diag_free(&d2);
	}
	free(after);
	free(text);
	diag_free(&d);
	return 0;
}
