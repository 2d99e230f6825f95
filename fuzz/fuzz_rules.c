/*
 * fuzz_rules.c - the [keys] rule words (rules_add) and the checks they
 * make on values (rules_defaults, rules_check, rules_is_*).
 *
 * The input's first line is the rule words of KEY (as in `KEY = WORDS`);
 * the rest is a value, which gets the canary put in front of it. Checked
 * beyond ASan/UBSan: no message holds the canary or a line break (a rule
 * failure names the key and the rule, never the value); the error counts
 * add up; a default fills an unset key and is marked with its origin;
 * the same words added twice give the same number of errors.
 */
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* no regex is skipped: rules_regcomp bounds every match= pattern,
	 * and a slow compile is a libFuzzer timeout (NAME.options) */
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t wlen = nl ? (size_t)(nl - in) : size;
	const char *rest = nl ? nl + 1 : in + size;
	size_t rlen = size - wlen - (nl != NULL);
	/* C strings: cut each part at a NUL, as inih hands over lines */
	char *words = strndup(in, wlen);
	char *value = malloc(strlen(CANARY) + rlen + 1);
	strcpy(value, CANARY);
	strncat(value, rest, rlen);
	size_t vlen = strlen(value);
	int clean = !fuzz_has(data, size, "CANARY");

	struct diag d;
	struct rules *r = rules_new();
	diag_init(&d);

	int e1 = rules_add(r, "KEY", words, "conf/fuzz.ini:7", &d);
	FUZZ_CHECK(e1 >= 0 && (size_t)e1 == d.nerrors, "add error count");
	FUZZ_CHECK(rules_count(r) == (e1 ? 0u : 1u), "a bad line was kept");
	/* the same line again: adds or replaces, same verdict except for
	 * min/max, which are checked against what the key already has */
	int e2 = rules_add(r, "KEY", words, "conf/fuzz.ini:8", &d);
	FUZZ_CHECK(e2 >= 0 && (size_t)(e1 + e2) == d.nerrors, "add count 2");
	FUZZ_CHECK((e1 == 0) == (e2 == 0), "the same words judged twice differently");
	/* the first word as a key name: invalid names are one error */
	char *name = strndup(words, strcspn(words, " \t="));
	if (*name) {
		size_t before = d.nerrors;
		int e3 = rules_add(r, name, "optional", "conf/fuzz.ini:9", &d);
		FUZZ_CHECK(e3 == (envset_valid_name(name) ? 0 : 1) &&
			   d.nerrors == before + (size_t)e3, "key name check");
	}
	free(name);

	/* unset: a default fills it */
	struct envset env;
	envset_init(&env);
	rules_defaults(r, &env);
	fuzz_envset_sane(&env);
	const struct envvar *v = envset_get(&env, "KEY");
	FUZZ_CHECK(!v || v->origin == ORIG_DEFAULT, "a default of another origin");
	size_t before = d.nerrors;
	int ec = rules_check(r, &env, &d);
	FUZZ_CHECK(ec >= 0 && d.nerrors == before + (size_t)ec, "check count");
	envset_free(&env);

	/* set to the canary + the fuzzed value */
	envset_init(&env);
	envset_set(&env, "KEY", value, vlen, ORIG_ENVFILE, "fuzz.env:1");
	rules_defaults(r, &env);
	v = envset_get(&env, "KEY");
	FUZZ_CHECK(v && v->origin == ORIG_ENVFILE && v->len == vlen,
		   "a default replaced a non-empty value");
	before = d.nerrors;
	ec = rules_check(r, &env, &d);
	FUZZ_CHECK(ec >= 0 && d.nerrors == before + (size_t)ec, "check count 2");
	envset_free(&env);

	/* the predicates on the raw value too */
	(void)rules_is_int(value + strlen(CANARY));
	(void)rules_is_port(value + strlen(CANARY));
	(void)rules_is_bool(value + strlen(CANARY));
	(void)rules_is_url(value + strlen(CANARY));
	(void)rules_is_placeholder(value + strlen(CANARY));

	struct config c;
	config_init(&c);
	rules_require(r, &c);
	config_free(&c);

	if (clean)
		fuzz_diag_lacks(&d, CANARY, 0);
	diag_free(&d);
	rules_free(r);
	free(words);
	free(value);
	return 0;
}
