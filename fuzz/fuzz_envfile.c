/*
 * fuzz_envfile.c - the env-file parser with interpolation (envfile_parse,
 * interp_expand) on arbitrary bytes.
 *
 * The inherited environment is small and fixed; SECRET holds the canary.
 * Each input is parsed twice into the same output, as two env files given
 * in a row would be (the second sees and overrides the first's keys).
 * Checked beyond ASan/UBSan: no message holds the canary or a line break,
 * every stored key and value is well formed, and a file parsed without
 * error defines no new key when parsed again.
 */
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "envfile.h"

static struct envset env;

static void init_env(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	envset_init(&env);
	static const char *const kv[][2] = {
		{ "SECRET", CANARY },
		{ "PASSWORD", "pw-" CANARY "-pw" },
		{ "EMPTY", "" },
		{ "HOME", "/root" },
		{ "PATH", "/usr/bin:/bin" },
		{ "A", "1" },
		{ "B", "${SECRET}" }, /* never rescanned (R7.5) */
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		envset_set(&env, kv[i][0], kv[i][1], strlen(kv[i][1]),
			   ORIG_INHERITED, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envset out;
	struct diag d;
	/* an input that spells the canary may legitimately echo it (a key
	 * name, a ${V:?message}); only values must never reach a message */
	int check = !fuzz_has(data, size, "CANARY");

	init_env();
	envset_init(&out);
	diag_init(&d);

	int e1 = envfile_parse("fuzz.env", (const char *)data, size, &env,
			       &out, &d);
	FUZZ_CHECK(e1 >= 0 && (size_t)e1 == d.nerrors, "error count (1)");
	fuzz_envset_sane(&out);
	size_t n1 = envset_count(&out);

	int e2 = envfile_parse("second.env", (const char *)data, size, &env,
			       &out, &d);
	FUZZ_CHECK(e2 >= 0 && (size_t)(e1 + e2) == d.nerrors, "error count (2)");
	fuzz_envset_sane(&out);
	/* a clean file set every key it names (a bare key only from ENV,
	 * which is fixed), so the same text again adds none */
	if (e1 == 0)
		FUZZ_CHECK(envset_count(&out) == n1,
			   "second parse of a clean file added keys");
	if (check)
		fuzz_diag_lacks(&d, CANARY, 0);

	diag_free(&d);
	envset_free(&out);
	return 0;
}
