/*
 * fuzz_manifest.c - the INI manifest reader (manifest_parse: our line
 * reader feeding Debian's inih, sections, directives through cli.c, and
 * [keys] lines through rules_add), then manifest_apply for every service.
 *
 * After applying a service, every key its config requires is given the
 * canary as its value and the manifest's rules are checked on it, so a
 * message that quotes a value is caught. Checked beyond ASan/UBSan: no
 * message holds the canary or a line break; manifest_parse returns NULL
 * exactly when it reported an error; an unknown service is one error.
 */
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "manifest.h"

static void check_service(const struct manifest *m, const char *svc,
			  int known, int clean)
{
	struct config c;
	struct diag d;
	struct envset env;
	config_init(&c);
	diag_init(&d);
	envset_init(&env);

	int errs = manifest_apply(m, svc, &c, &d);
	FUZZ_CHECK(errs >= 0 && (size_t)errs == d.nerrors, "apply error count");
	FUZZ_CHECK(known ? errs == 0 : errs == 1, "apply result");
	if (known) {
		for (size_t i = 0; i < c.require.n; i++)
			envset_set(&env, c.require.v[i], CANARY, strlen(CANARY),
				   ORIG_ENVFILE, "fuzz.env:1");
		rules_defaults(manifest_rules(m), &env);
		fuzz_envset_sane(&env);
		int rerrs = rules_check(manifest_rules(m), &env, &d);
		FUZZ_CHECK(rerrs >= 0 && (size_t)rerrs == d.nerrors,
			   "rules error count");
	}
	if (clean)
		fuzz_diag_lacks(&d, CANARY, 0);

	envset_free(&env);
	diag_free(&d);
	config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* no regex is skipped: rules_regcomp bounds every match= pattern,
	 * and a slow compile is a libFuzzer timeout (NAME.options) */
	struct diag d;
	int clean = !fuzz_has(data, size, "CANARY");
	diag_init(&d);

	struct manifest *m = manifest_parse("conf/fuzz.ini", (const char *)data,
					    size, &d);
	FUZZ_CHECK((m == NULL) == (d.nerrors > 0), "NULL iff errors");
	fuzz_diag_lacks(&d, "\n", 1); /* sanity of the list only */
	for (size_t i = 0; i < d.n; i++)
		FUZZ_CHECK(!strchr(d.v[i].text, '\n'), "a message holds a newline");
	diag_free(&d);
	if (!m)
		return 0;

	size_t n = manifest_nservices(m);
	for (size_t i = 0; i < n; i++) {
		const char *s = manifest_service(m, i);
		FUZZ_CHECK(s && *s, "a service without a name");
		check_service(m, s, 1, clean);
	}
	check_service(m, NULL, 1, clean);
	/* valid names hold no space, so this one is never a section */
	check_service(m, "no such service", 0, clean);
	manifest_free(m);
	return 0;
}
