/* Unit tests for report.c and diag.c: formats, redaction, explain,
 * termination log. */
// OBJS: report diag envset xalloc
#include "preamble.h"

#include "report.h"

static char *capture(void (*fn)(FILE *, const struct envset *), const struct envset *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, s);
	fclose(f);
	return buf;
}

static struct envset env;
static enum format fmt;
static int reveal;
static void print_it(FILE *f, const struct envset *s)
{
	report_print(f, s, fmt, reveal);
}

static int setup(void **state)
{
	(void)state;
	envset_init(&env);
	envset_set(&env, "HOST", "db", 2, ORIG_ENVFILE, "a.env:1");
	envset_set(&env, "PW", "s3cret", 6, ORIG_SECRETDIR, "/s/PW")->flags |= EV_SECRET;
	envset_set(&env, "MSG", "a \"b\"\n$c\\", 9, ORIG_ENVFILE, "a.env:3");
	envset_set(&env, "GONE", "x", 1, ORIG_ENVFILE, "a.env:4")->flags |= EV_STRIPPED;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	envset_free(&env);
	return 0;
}

static void env_format(void **state)
{
	(void)state;
	fmt = FMT_ENV;
	reveal = 0;
	char *s = capture(print_it, &env);
	/* a final backslash in octal: '\\"' would not close the value */
	assert_string_equal(s, "HOST=db\nPW=<redacted>\nMSG=\"a \\\"b\\\"\\n\\$c\\0134\"\n");
	free(s);
	reveal = 1;
	s = capture(print_it, &env);
	assert_non_null(strstr(s, "PW=s3cret\n"));
	free(s);
}

static void shell_format(void **state)
{
	(void)state;
	fmt = FMT_SHELL;
	reveal = 0;
	envset_set(&env, "Q", "it's", 4, ORIG_ENVFILE, NULL);
	char *s = capture(print_it, &env);
	assert_non_null(strstr(s, "export HOST='db'\n"));
	assert_non_null(strstr(s, "export PW='<redacted>'\n"));
	assert_non_null(strstr(s, "export Q='it'\\''s'\n"));
	free(s);
}

static void json_format(void **state)
{
	(void)state;
	fmt = FMT_JSON;
	reveal = 0;
	char *s = capture(print_it, &env);
	assert_string_equal(s, "{\n  \"HOST\": \"db\",\n  \"PW\": \"<redacted>\",\n"
			       "  \"MSG\": \"a \\\"b\\\"\\n$c\\\\\"\n}\n");
	free(s);
}

static void explain_never_values(void **state)
{
	(void)state;
	envset_set(&env, "HOST", "other", 5, ORIG_ENVFILE, "b.env:1");
	envset_get(&env, "HOST")->why = "kept: required";
	char *s = capture(report_explain, &env);
	assert_non_null(strstr(s, "HOST: env file b.env:1, overrode a.env:1; kept: required\n"));
	assert_non_null(strstr(s, "PW: secret file /s/PW, secret;"));
	assert_null(strstr(s, "s3cret"));
	assert_null(strstr(s, "other"));
	free(s);
}

static void diag_lines(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	diag_error(&d, "KEY", "a.env:3", "required but %s", "empty");
	diag_warn(&d, "/s/x y", NULL, "skipped");
	diag_error(&d, NULL, NULL, "no command");
	assert_int_equal(d.nerrors, 2);
	char *l = diag_format(&d.v[0]);
	assert_string_equal(l, "envinit: KEY: required but empty (a.env:3)");
	free(l);
	l = diag_format(&d.v[1]);
	assert_string_equal(l, "envinit: warning: /s/x y: skipped");
	free(l);
	l = diag_format(&d.v[2]);
	assert_string_equal(l, "envinit: no command");
	free(l);
	diag_free(&d);
}

static void termination_log_whole_lines_4096(void **state)
{
	(void)state;
	char path[] = "/tmp/envinit-termlog-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	struct diag d;
	diag_init(&d);
	for (int i = 0; i < 200; i++)
		diag_error(&d, "SOME_LONG_KEY_NAME", "some/file.env:1", "required but not set %d", i);
	diag_warn(&d, "W", NULL, "warnings are not logged");
	FILE *saved = stderr;
	stderr = fopen("/dev/null", "w");
	report_diag(&d, 0, path);
	fclose(stderr);
	stderr = saved;
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	assert_true(n <= 4096);
	assert_true(n > 4000);
	assert_int_equal(buf[n - 1], '\n');
	buf[n] = '\0';
	assert_null(strstr(buf, "warnings"));
	assert_non_null(strstr(buf, "envinit: SOME_LONG_KEY_NAME: required but not set 0 (some/file.env:1)\n"));
	unlink(path);
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(env_format, setup, teardown),
		cmocka_unit_test_setup_teardown(shell_format, setup, teardown),
		cmocka_unit_test_setup_teardown(json_format, setup, teardown),
		cmocka_unit_test_setup_teardown(explain_never_values, setup, teardown),
		cmocka_unit_test(diag_lines),
		cmocka_unit_test(termination_log_whole_lines_4096),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
