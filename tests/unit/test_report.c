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

static void url_passwords_redacted(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "postgres://app:hunter2@db:5432/x", "postgres://app:<redacted>@db:5432/x" },
		{ "redis://:pw@h1,redis://u:pw2@h2", "redis://:<redacted>@h1,redis://u:<redacted>@h2" },
		{ "https://u:p@ss@host/", "https://u:<redacted>@host/" },
		{ "http://host:8080/a@b", "http://host:8080/a@b" },
		{ "https://user@host", "https://user@host" },
		{ "https://u:@host", "https://u:@host" },
		{ "://u:p@h", "://u:p@h" },
		{ "x amqp://g:s@q y", "x amqp://g:<redacted>@q y" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n;
		char *r = report_redact_urls(cases[i].in, strlen(cases[i].in), &n);
		assert_int_equal(n, strlen(r));
		assert_string_equal(r, cases[i].out);
		free(r);
	}
	/* print: whatever the key's name, unless --reveal */
	envset_set(&env, "DATABASE_URL", "mysql://a:b@c", 13, ORIG_ENVFILE, "a.env:5");
	fmt = FMT_ENV;
	reveal = 0;
	char *s = capture(print_it, &env);
	assert_non_null(strstr(s, "\nDATABASE_URL=\"mysql://a:<redacted>@c\"\n"));
	free(s);
	reveal = 1;
	s = capture(print_it, &env);
	assert_non_null(strstr(s, "\nDATABASE_URL=mysql://a:b@c\n"));
	free(s);
}

static void names_each_format_can_hold(void **state)
{
	(void)state;
	assert_true(report_print_name_ok("A_1", FMT_SHELL));
	assert_false(report_print_name_ok("a.b", FMT_SHELL));
	assert_false(report_print_name_ok("X;rm -rf", FMT_SHELL));
	assert_true(report_print_name_ok("a.b", FMT_ENV));
	assert_false(report_print_name_ok("a=b", FMT_ENV));
	assert_false(report_print_name_ok("a\nb", FMT_ENV));
	assert_false(report_print_name_ok("#a", FMT_ENV));
	assert_true(report_print_name_ok("a\nb", FMT_JSON));
	envset_set(&env, "my.key", "v", 1, ORIG_ENVFILE, "a.env:6");
	struct diag dd;
	diag_init(&dd);
	report_print_warnings(&env, FMT_SHELL, &dd);
	assert_int_equal(dd.n, 1);
	char *line = diag_format(&dd.v[0]);
	assert_string_equal(line, "envinit: warning: my.key: not a shell identifier: left out of --format shell");
	free(line);
	diag_free(&dd);
	fmt = FMT_SHELL;
	reveal = 0;
	char *s = capture(print_it, &env);
	assert_null(strstr(s, "my.key"));
	free(s);
}

/* One escaping function for every message: nothing can end a line. */
static void diag_escapes_everything(void **state)
{
	(void)state;
	struct diag dd;
	diag_init(&dd);
	diag_error(&dd, "K\nenvinit: X", "f\r.env:1", "bad %s", "\x1b[31m\xff\xc2\x9b");
	char *line = diag_format(&dd.v[0]);
	assert_string_equal(line, "envinit: K\\nenvinit: X: bad \\x1b[31m\\xff\\xc2\\x9b (f\\r.env:1)");
	free(line);
	/* valid UTF-8 is kept; escaping twice changes nothing */
	char *e = diag_escape_str("caf\xc3\xa9 \\n");
	assert_string_equal(e, "caf\xc3\xa9 \\n");
	char *e2 = diag_escape_str(dd.v[0].text);
	assert_string_equal(e2, dd.v[0].text);
	assert_true(diag_printable("caf\xc3\xa9", 5));
	assert_false(diag_printable("a\tb", 3));
	assert_false(diag_printable("\xed\xa0\x80", 3)); /* a surrogate */
	free(e);
	free(e2);
	diag_free(&dd);
}

/* report_msg formats on the stack (the supervisor's loop has no heap):
 * one escaped line; a message longer than the stack buffer still whole. */
static char *msg_of(const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *saved = stderr;
	stderr = open_memstream(&buf, &len);
	report_msg("watch: %s", text);
	fclose(stderr);
	stderr = saved;
	return buf;
}

static void report_msg_lines(void **state)
{
	(void)state;
	char *out = msg_of("changed: A\nB");
	assert_string_equal(out, "envinit: watch: changed: A\\nB\n");
	free(out);

	char long_text[3001], want[3100];
	for (int i = 0; i < 3000; i++)
		long_text[i] = (char)('A' + i % 26);
	long_text[3000] = '\0';
	snprintf(want, sizeof want, "envinit: watch: %s\n", long_text);
	out = msg_of(long_text);
	assert_string_equal(out, want);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(env_format, setup, teardown),
		cmocka_unit_test_setup_teardown(url_passwords_redacted, setup, teardown),
		cmocka_unit_test_setup_teardown(names_each_format_can_hold, setup, teardown),
		cmocka_unit_test(diag_escapes_everything),
		cmocka_unit_test_setup_teardown(shell_format, setup, teardown),
		cmocka_unit_test_setup_teardown(json_format, setup, teardown),
		cmocka_unit_test_setup_teardown(explain_never_values, setup, teardown),
		cmocka_unit_test(diag_lines),
		cmocka_unit_test(termination_log_whole_lines_4096),
		cmocka_unit_test(report_msg_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
