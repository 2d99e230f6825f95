/* Unit tests for cli.c: verbs, options, the command left untouched. */
// OBJS: cli options config diag envset xalloc
#include "preamble.h"

#include <signal.h>

#include "cli.h"

static int parse(struct config *c, struct diag *d, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	config_init(c);
	diag_init(d);
	return cli_parse(argc, argv, c, d);
}

static void run_with_options_and_command(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	char *argv[] = { "envinit", "-f", "a.env", "--env-file-optional", "b.env",
			 "-d", "/s", "-r", "A,B C", "-a", "X_*", "-i", "-k", "PATH",
			 "--override", "--max-value-size", "64K", "--", "cmd", "-v",
			 "--", "x", NULL };
	assert_int_equal(parse(&c, &d, argv), 0);
	assert_int_equal(c.cmd, CMD_RUN);
	assert_int_equal(c.env_files.n, 2);
	assert_string_equal(c.env_files.v[1].path, "b.env");
	assert_true(c.env_files.v[1].optional);
	assert_false(c.env_files.v[0].optional);
	assert_int_equal(c.require.n, 3);
	assert_string_equal(c.require.v[2], "C");
	assert_int_equal(c.clear_env, 1);
	assert_int_equal(c.override, 1);
	assert_int_equal(c.max_value_size, 65536);
	assert_int_equal(c.argc, 4);
	assert_string_equal(c.argv[0], "cmd");
	assert_string_equal(c.argv[1], "-v");
	assert_string_equal(c.argv[2], "--");
	assert_int_equal(c.verbose, 0);
	config_free(&c);
	diag_free(&d);
}

static void first_word_ends_options(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	char *argv[] = { "envinit", "-q", "sh", "-c", "echo", NULL };
	assert_int_equal(parse(&c, &d, argv), 0);
	assert_int_equal(c.verbose, -1);
	assert_int_equal(c.argc, 3);
	assert_string_equal(c.argv[1], "-c");
	config_free(&c);
	diag_free(&d);
}

static void verbs(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	char *check[] = { "envinit", "check", "--explain", NULL };
	assert_int_equal(parse(&c, &d, check), 0);
	assert_int_equal(c.cmd, CMD_CHECK);
	assert_true(c.explain);
	config_free(&c);
	diag_free(&d);

	char *print[] = { "envinit", "print", "--format", "json", "--reveal", NULL };
	assert_int_equal(parse(&c, &d, print), 0);
	assert_int_equal(c.cmd, CMD_PRINT);
	assert_int_equal(c.format, FMT_JSON);
	assert_true(c.reveal);
	config_free(&c);
	diag_free(&d);

	char *run[] = { "envinit", "run", "--", "true", NULL };
	assert_int_equal(parse(&c, &d, run), 0);
	assert_int_equal(c.cmd, CMD_RUN);
	assert_string_equal(c.argv[0], "true");
	config_free(&c);
	diag_free(&d);
}

static void usage_errors(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	char *none[] = { "envinit", NULL };
	assert_int_equal(parse(&c, &d, none), EXIT_USAGE);
	config_free(&c);
	diag_free(&d);
	char *bad[] = { "envinit", "--bogus", "--", "x", NULL };
	assert_int_equal(parse(&c, &d, bad), EXIT_USAGE);
	config_free(&c);
	diag_free(&d);
	char *cmd[] = { "envinit", "check", "--", "x", NULL };
	assert_int_equal(parse(&c, &d, cmd), EXIT_USAGE);
	config_free(&c);
	diag_free(&d);
	char *fmt[] = { "envinit", "print", "--format=xml", NULL };
	assert_int_equal(parse(&c, &d, fmt), EXIT_USAGE);
	assert_string_equal(d.v[0].subject, "--format");
	config_free(&c);
	diag_free(&d);
}

static void run_options(void **state)
{
	(void)state;
	struct config c;
	struct diag d;
	char *argv[] = { "envinit", "--init", "-g", "--rewrite", "TERM:QUIT",
			 "--watch=signal:HUP", "--grace", "3", "-u", "app:app",
			 "--termination-log", "/tmp/t", "x", NULL };
	assert_int_equal(parse(&c, &d, argv), 0);
	assert_int_equal(c.mode, RUN_INIT);
	assert_int_equal(c.signal_group, 1);
	assert_string_equal(c.rewrite.v[0], "TERM:QUIT");
	assert_int_equal(c.watch, WATCH_SIGNAL);
	assert_string_equal(c.watch_signal, "HUP");
	assert_int_equal(c.grace, 3);
	assert_string_equal(c.user, "app:app");
	config_free(&c);
	diag_free(&d);
	char *w[] = { "envinit", "--watch", "x", NULL };
	assert_int_equal(parse(&c, &d, w), 0);
	assert_int_equal(c.watch, WATCH_RESTART);
	config_free(&c);
	diag_free(&d);
}

static void signal_names(void **state)
{
	(void)state;
	assert_int_equal(cli_signal_number("TERM"), SIGTERM);
	assert_int_equal(cli_signal_number("SIGHUP"), SIGHUP);
	assert_int_equal(cli_signal_number("usr1"), SIGUSR1);
	assert_int_equal(cli_signal_number("9"), 9);
	assert_int_equal(cli_signal_number("NOPE"), -1);
	assert_int_equal(cli_signal_number("0"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_with_options_and_command),
		cmocka_unit_test(first_word_ends_options),
		cmocka_unit_test(verbs),
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(run_options),
		cmocka_unit_test(signal_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
