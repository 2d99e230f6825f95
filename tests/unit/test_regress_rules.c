/*
 * Regression: a [keys] line must never echo what may be a value.
 *
 * rules.c avoids naming a word it does not know unless it looks like a
 * rule word (unknown_word), but the "unterminated \"" message prints the
 * word's name whatever it is: `TOKEN = s3cr3t="oops` (a value typed where
 * rules go) prints "TOKEN: s3cr3t: unterminated ...". Also covered end to
 * end by tests/bad/ini-unterminated-rule-quote.
 */
// OBJS: rules config diag envset xalloc
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unterminated_quote_not_echoed),
		cmocka_unit_test(unknown_words_not_echoed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
