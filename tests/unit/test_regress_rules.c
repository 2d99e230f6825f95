/*
 * Regression: a [keys] line must never echo what may be a value.
 *
 * rules.c avoids naming a word it does not know unless it looks like a
 * rule word (unknown_word), but the "unterminated \"" message prints the
 * word's name whatever it is: `TOKEN = s3cr3t="oops` (a value typed where
 * rules go) prints "TOKEN: s3cr3t: unterminated ...". Also covered end to
 * end by tests/bad/ini-unterminated-rule-quote.
 */
// OBJS: rules config options diag envset xalloc
#include "preamble.h"

#include "rules.h"

#define CANARY "CANARY-rules-9d2f"

static void assert_not_echoed(const char *words)
{
	struct rules *r = rules_new();
	struct diag d;
	diag_init(&d);
	assert_int_not_equal(rules_add(r, "TOKEN", words, "m.ini:2", &d), 0);
	for (size_t i = 0; i < d.n; i++) {
		char *line = diag_format(&d.v[i]);
		if (strstr(line, CANARY))
			print_error("echoed: %s\n", line);
		assert_null(strstr(line, CANARY));
		free(line);
	}
	diag_free(&d);
	rules_free(r);
}

static void unterminated_quote_not_echoed(void **state)
{
	(void)state;
	assert_not_echoed(CANARY "=\"oops");
	assert_not_echoed("secret " CANARY "=\"x y");
}

/* What already works. */
static void unknown_words_not_echoed(void **state)
{
	(void)state;
	assert_not_echoed(CANARY);
	assert_not_echoed("secret " CANARY "=1");
	assert_not_echoed("min=" CANARY);
}

/*
 * Regression: stacked quantifiers (a++, a?+, a*?) are undefined in POSIX
 * ERE and make glibc's regcomp exponential: match=^a?+?+?+?+?+?+?+?+$
 * (16 operators, under the limit of 16) takes 3 s in a glibc build
 * (build/vg/envinit, or the Makefile's fallback without musl), and
 * fuzz/fuzz_rules found 3+++++++?++++++++ taking over 12 s under ASan.
 * musl compiles them at once, but the pattern is meaningless: refuse it
 * like a bound on a bound. Also tests/bad/ini-regex-stacked-quantifiers.
 */
static void stacked_quantifiers_refused(void **state)
{
	(void)state;
	static const char *const words[] = {
		"match=a++", "match=a?+", "match=x*?", "match=(ab)+*",
		"match=a{2}+",
		/* {,n}: glibc reads {0,n}, so it stacks too (fuzz_manifest:
		 * ((a*)*){,52}{255} held glibc's regcomp for minutes) */
		"match=((a*)*){,52}{255}", "match=a{,3}*", "match=a{2}{,3}",
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		struct rules *r = rules_new();
		struct diag d;
		diag_init(&d);
		int errs = rules_add(r, "TOKEN", words[i], "m.ini:2", &d);
		if (errs == 0)
			print_error("accepted: %s\n", words[i]);
		assert_int_equal(errs, 1);
		diag_free(&d);
		rules_free(r);
	}
}

/*
 * Regression (fuzz_manifest, the smoke run after issue 12's campaign): a
 * bound on a group holding a loop over what can match empty,
 * match=^((a*)*){,52}, passed the cost model (16 x 52) but glibc's
 * regcomp is exponential in that bound: ^((a*)*){0,15} 0.2 s, {0,20}
 * 12 s, {0,52} past a minute (build/vg/envinit; musl compiles it at
 * once). Such a bound is refused, naming why; a bound on a loop over
 * what cannot match empty, or on an empty-matching atom that is no loop,
 * is not. Also tests/bad/ini-regex-bound-on-empty-loop.
 */
static void bound_on_empty_loop_refused(void **state)
{
	(void)state;
	static const char *const refused[] = {
		"match=^((a*)*){,52}", "match=^((a*)*){0,52}", "match=^((a?)*){0,20}",
		"match=^((a|b*)*){2,20}", "match=^((a*b*)+){0,20}",
		"match=^((a*)*|b){3}", "match=((|a)*){2,}", "match=(x(()*)){0,9}",
	};
	static const char *const accepted[] = {
		"match=^(a*){0,52}", "match=^([a-z]*\\.){0,3}", "match=((ab)?){2,3}",
		"match=^((a*){0,12}){0,12}", "match=^((a*)*){1}", "match=^((a*)*)*",
		"match=^((a+)+){0,15}",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		/* the guard first: on code without it, regcomp would hang */
		const char *why = rules_regex_refusal(refused[i] + strlen("match="));
		if (!why)
			fail_msg("not refused: %s", refused[i]);
		assert_string_equal(why, "a bound on a loop that can match empty");
		struct rules *r = rules_new();
		struct diag d;
		diag_init(&d);
		if (rules_add(r, "TOKEN", refused[i], "m.ini:2", &d) != 1)
			print_error("accepted: %s\n", refused[i]);
		assert_int_equal(d.n, 1);
		assert_string_equal(d.v[0].subject, "m.ini:2");
		assert_string_equal(d.v[0].text, "TOKEN: match: regex too complex: "
				    "a bound on a loop that can match empty");
		diag_free(&d);
		rules_free(r);
	}
	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		struct rules *r = rules_new();
		struct diag d;
		diag_init(&d);
		if (rules_add(r, "TOKEN", accepted[i], "m.ini:2", &d) != 0)
			print_error("refused: %s: %s\n", accepted[i], d.n ? d.v[0].text : "?");
		assert_int_equal(d.n, 0);
		diag_free(&d);
		rules_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unterminated_quote_not_echoed),
		cmocka_unit_test(unknown_words_not_echoed),
		cmocka_unit_test(stacked_quantifiers_refused),
		cmocka_unit_test(bound_on_empty_loop_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
