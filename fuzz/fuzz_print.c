/*
 * fuzz_print.c - `print --format env` must write an env file that reads
 * back to the same values (report_print, then envfile_parse again).
 *
 * The input is parsed as an env file (with no inherited environment); the
 * result is printed with --reveal in the env format, the output is parsed
 * again, and every key must come back with the same value, in the same
 * order. The json and shell formats are printed too (no crash, and no
 * secret printed without --reveal: the canary is a secret key's value).
 */
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "envfile.h"
#include "report.h"

static char *print_to_mem(const struct envset *s, enum format f, int reveal,
			  size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	FUZZ_CHECK(out != NULL, "open_memstream");
	report_print(out, s, f, reveal);
	FUZZ_CHECK(fclose(out) == 0, "fclose");
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envset a, b;
	struct diag d;
	envset_init(&a);
	envset_init(&b);
	diag_init(&d);

	envfile_parse("in.env", (const char *)data, size, NULL, &a, &d);
	/* a secret whose value must never be printed without --reveal */
	struct envvar *sv = envset_set(&a, "ZZ_SECRET", CANARY, strlen(CANARY),
				       ORIG_SECRETDIR, "s/ZZ_SECRET");
	sv->flags |= EV_SECRET;
	int clean = !fuzz_has(data, size, "CANARY");

	/* interpolation may build values up to 1 MiB each (64 MiB a file)
	 * from a few bytes: printing and parsing that again is slow and
	 * tests nothing more, so such inputs stop here */
	size_t total = 0;
	for (size_t i = 0; i < a.n; i++)
		total += a.v[i].len;
	if (total > ((size_t)256 << 10))
		goto out;

	size_t len;
	char *text = print_to_mem(&a, FMT_ENV, 1, &len);
	diag_free(&d);
	diag_init(&d);
	int errs = envfile_parse("printed.env", text, len, NULL, &b, &d);
	if (errs) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "reparse: %s: %s\n", d.v[i].subject,
				d.v[i].text);
		FUZZ_CHECK(0, "print --format env wrote a file that does not parse");
	}
	FUZZ_CHECK(envset_count(&a) == envset_count(&b), "keys lost or added");
	size_t j = 0;
	for (size_t i = 0; i < a.n; i++) {
		const struct envvar *v = &a.v[i];
		if (!envset_live(v))
			continue;
		while (j < b.n && !envset_live(&b.v[j]))
			j++;
		FUZZ_CHECK(j < b.n && strcmp(b.v[j].key, v->key) == 0,
			   "keys come back in another order");
		const struct envvar *w = &b.v[j++];
		if (w->len != v->len || memcmp(w->val, v->val, v->len) != 0) {
			fprintf(stderr, "key %s: value changed by print\n", v->key);
			abort();
		}
	}
	free(text);

	static const enum format fmts[] = { FMT_ENV, FMT_JSON, FMT_SHELL };
	for (size_t k = 0; k < 3; k++) {
		text = print_to_mem(&a, fmts[k], 0, &len);
		if (clean)
			FUZZ_CHECK(!fuzz_has(text, len, CANARY),
				   "a secret printed without --reveal");
		free(text);
	}

out:
	diag_free(&d);
	envset_free(&a);
	envset_free(&b);
	return 0;
}
