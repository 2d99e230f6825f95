/*
 * Regression: `print --format env` must write an env file that reads back
 * to the same values (README: "env is a valid env file").
 *
 * Found by fuzz/fuzz_print.c (input "A=\$B"): a value ending in a
 * backslash is printed as "...\\", and in the compose grammar a '"' with a
 * backslash right before it never closes a double-quoted value
 * (docs/envfile.md R6.3.1), so the printed file is "unterminated". A Windows
 * path (C:\dir\) or an inherited value ending in '\' is enough.
 */
// OBJS: report envfile interp envset diag fileio xalloc
#include "preamble.h"

#include "envfile.h"
#include "report.h"

/* Print KEY=VAL in the env format, parse the output, compare. */
static void round_trip(const char *val)
{
	struct envset a, b;
	struct diag d;
	envset_init(&a);
	envset_init(&b);
	diag_init(&d);
	envset_set(&a, "K", val, strlen(val), ORIG_INHERITED, NULL);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	report_print(out, &a, FMT_ENV, 1);
	assert_int_equal(fclose(out), 0);

	int errs = envfile_parse("printed.env", text, len, NULL, &b, &d);
	if (errs)
		print_error("printed as [%s]: %s\n", text, d.v[0].text);
	assert_int_equal(errs, 0);
	const struct envvar *v = envset_get(&b, "K");
	assert_non_null(v);
	assert_int_equal(v->len, strlen(val));
	assert_memory_equal(v->val, val, v->len);

	free(text);
	diag_free(&d);
	envset_free(&a);
	envset_free(&b);
}

static void trailing_backslash(void **state)
{
	(void)state;
	round_trip("\\");
	round_trip("C:\\Windows\\");
	round_trip("two spaces then \\\\");
}

/* What already works, kept working by the fix. */
static void other_escapes(void **state)
{
	(void)state;
	round_trip("a\\b");
	round_trip("quote \" inside");
	round_trip("\\\"");
	round_trip("dollar $HOME ${X:-y} $$");
	round_trip("multi\nline\r\n\ttab");
	round_trip(" leading and trailing ");
	round_trip("hash # not a comment");
	round_trip("");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trailing_backslash),
		cmocka_unit_test(other_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
