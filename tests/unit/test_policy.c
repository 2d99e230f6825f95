/* Unit tests for policy.c: require, allow, deny, keep, secret names. */
// OBJS: policy rename rules config envfile interp envset diag fileio xalloc
#include "preamble.h"

#include <fnmatch.h>

#include "policy.h"
#include "rename.h"

static struct envset env;
static struct diag d;
static struct config c;

static int setup(void **state)
{
	(void)state;
	envset_init(&env);
	diag_init(&d);
	config_init(&c);
	envset_set(&env, "DB_HOST", "db", 2, ORIG_ENVFILE, "a.env:1");
	envset_set(&env, "DB_PASSWORD", "pw", 2, ORIG_ENVFILE, "a.env:2");
	envset_set(&env, "EMPTY", "", 0, ORIG_ENVFILE, "a.env:3");
	envset_set(&env, "WEX_TOKEN", "w", 1, ORIG_ENVFILE, "a.env:4");
	envset_set(&env, "PATH", "/bin", 4, ORIG_INHERITED, "environment");
	envset_set(&env, "ENVINIT_X", "1", 1, ORIG_ENVFILE, "a.env:5");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	envset_free(&env);
	diag_free(&d);
	config_free(&c);
	return 0;
}

static int stripped(const char *key)
{
	return (envset_get(&env, key)->flags & EV_STRIPPED) != 0;
}

/* policy_apply with the required keys read as a build reads them. */
static int apply(const struct config *cfg, struct envset *set, struct diag *dg)
{
	struct required r;
	policy_required_load(cfg, &r);
	int errs = policy_apply(cfg, set, &r, dg);
	policy_required_free(&r);
	return errs;
}

static void secret_names(void **state)
{
	(void)state;
	assert_true(policy_secret_name("DB_PASSWORD"));
	assert_true(policy_secret_name("db_password"));
	assert_true(policy_secret_name("JWT_SECRET_KEY"));
	assert_true(policy_secret_name("GITHUB_TOKEN"));
	assert_true(policy_secret_name("API_KEY"));
	assert_true(policy_secret_name("AWS_CREDENTIALS"));
	assert_false(policy_secret_name("KEYBOARD"));
	assert_false(policy_secret_name("DB_HOST"));
	assert_false(policy_secret_name("MONKEY"));
	/* the wider list: *PASSWD* *PASSPHRASE* *_PASS *_PWD *PRIVATE* */
	assert_true(policy_secret_name("ADMIN_PASSWD"));
	assert_true(policy_secret_name("GPG_PASSPHRASE"));
	assert_true(policy_secret_name("DB_PASS"));
	assert_true(policy_secret_name("MYSQL_PWD"));
	assert_true(policy_secret_name("SSH_PRIVATE_KEY_PATH"));
	assert_true(policy_secret_name("db_pass"));
	assert_false(policy_secret_name("PASSENGER"));
	assert_false(policy_secret_name("DB_PASS_COUNT"));
	assert_false(policy_secret_name("PWD"));
	assert_false(policy_secret_name("COMPASS"));
}

static void nothing_stripped_without_allow(void **state)
{
	(void)state;
	assert_int_equal(apply(&c, &env, &d), 0);
	assert_false(stripped("DB_HOST"));
	assert_false(stripped("WEX_TOKEN"));
	assert_false(stripped("PATH"));
	assert_true(stripped("ENVINIT_X"));
	assert_true(envset_get(&env, "DB_PASSWORD")->flags & EV_SECRET);
	assert_false(envset_get(&env, "DB_HOST")->flags & EV_SECRET);
}

static void require_reports_every_problem(void **state)
{
	(void)state;
	strlist_add_split(&c.require, "DB_HOST, MISSING EMPTY");
	assert_int_equal(apply(&c, &env, &d), 2);
	assert_int_equal(d.nerrors, 2);
	assert_string_equal(d.v[0].subject, "MISSING");
	assert_string_equal(d.v[0].text, "required but not set");
	assert_string_equal(d.v[1].subject, "EMPTY");
	assert_string_equal(d.v[1].text, "required but empty");
	assert_string_equal(d.v[1].source, "a.env:3");
	assert_true(envset_get(&env, "DB_HOST")->flags & EV_REQUIRED);
}

static void a_key_required_twice_is_reported_once(void **state)
{
	(void)state;
	strlist_add_split(&c.require, "MISSING MISSING EMPTY");
	strlist_add(&c.require, "MISSING");
	assert_int_equal(apply(&c, &env, &d), 2);
	assert_string_equal(d.v[0].subject, "MISSING");
	assert_string_equal(d.v[1].subject, "EMPTY");
}

static void allow_keep_deny(void **state)
{
	(void)state;
	strlist_add_split(&c.allow, "DB_*");
	strlist_add(&c.keep, "PATH");
	strlist_add(&c.deny, "*_PASSWORD");
	strlist_add(&c.require, "WEX_TOKEN");
	assert_int_equal(apply(&c, &env, &d), 0);
	assert_false(stripped("DB_HOST"));
	assert_true(stripped("DB_PASSWORD"));
	assert_false(stripped("WEX_TOKEN"));
	assert_false(stripped("PATH"));
	assert_true(stripped("EMPTY"));
	assert_string_equal(envset_get(&env, "DB_PASSWORD")->why, "stripped: matches --deny");
	assert_string_equal(envset_get(&env, "WEX_TOKEN")->why, "kept: required");
}

static void required_and_denied_is_an_error(void **state)
{
	(void)state;
	strlist_add(&c.deny, "WEX_*");
	strlist_add(&c.require, "WEX_TOKEN");
	assert_int_equal(apply(&c, &env, &d), 1);
	assert_string_equal(d.v[0].subject, "WEX_TOKEN");
	assert_string_equal(d.v[0].text, "required but denied by --deny WEX_*");
}

static void service_strips_by_default(void **state)
{
	(void)state;
	c.strip = 1;
	assert_int_equal(apply(&c, &env, &d), 0);
	assert_true(stripped("DB_HOST"));
	assert_true(stripped("PATH"));
}

static void require_from_example(void **state)
{
	(void)state;
	char path[] = "/tmp/envinit-policy-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char ex[] = "# example\nDB_HOST=\nNEEDED=CHANGE_ME\n";
	assert_int_equal(write(fd, ex, sizeof ex - 1), (ssize_t)(sizeof ex - 1));
	close(fd);
	strlist_add(&c.require_from, path);
	assert_int_equal(apply(&c, &env, &d), 1);
	assert_string_equal(d.v[0].subject, "NEEDED");
	unlink(path);
}

/* Taint: secrecy follows envvar.from, and a kept key built from a denied
 * key is an error naming both. */
static void taint_follows_the_value(void **state)
{
	(void)state;
	struct envvar *v = envset_set(&env, "DSN", "x", 1, ORIG_ENVFILE, "a.env:6");
	v->from = xstrdup("DB_HOST,DB_PASSWORD");
	v = envset_set(&env, "PLAIN", "y", 1, ORIG_ENVFILE, "a.env:7");
	v->from = xstrdup("DB_HOST");
	strlist_add(&c.deny, "DB_PASS*");
	assert_int_equal(apply(&c, &env, &d), 0);
	assert_int_equal(policy_taint(&c, &env, &d), 1);
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[d.n - 1].subject, "DSN");
	assert_string_equal(d.v[d.n - 1].text, "built from denied key DB_PASSWORD");
	assert_string_equal(d.v[d.n - 1].source, "a.env:6");
	assert_true(envset_get(&env, "DSN")->flags & EV_SECRET);
	assert_false(envset_get(&env, "PLAIN")->flags & EV_SECRET);
	/* a secret known only by its flag (secrets dir, [keys] secret) */
	envset_get(&env, "DB_HOST")->flags |= EV_SECRET;
	assert_int_equal(policy_taint(&c, &env, &d), 1);
	assert_true(envset_get(&env, "PLAIN")->flags & EV_SECRET);
	/* a stripped derived key does not reach the service: no error */
	diag_free(&d);
	envset_get(&env, "DSN")->flags |= EV_STRIPPED;
	assert_int_equal(policy_taint(&c, &env, &d), 0);
}

/* A required key with another spelling in the set: the error says how. */
static void missing_key_hints(void **state)
{
	(void)state;
	envset_set(&env, "db_user", "u", 1, ORIG_SECRETDIR, "/s/db-user");
	envset_set(&env, "api_url", "x", 1, ORIG_ENVFILE, "a.env:9");
	strlist_add_split(&c.require, "DB_USER API_URL NOPE");
	assert_int_equal(apply(&c, &env, &d), 3);
	assert_string_equal(d.v[0].text, "required but not set (secret file "
			    "/s/db-user would give it with --secrets-upcase)");
	assert_string_equal(d.v[1].text, "required but not set (api_url from "
			    "a.env:9 would give it with --rename api_url=API_URL)");
	assert_string_equal(d.v[2].text, "required but not set");
}

/* --rename moves value, source and secrecy; onto a set key is an error. */
static void renames(void **state)
{
	(void)state;
	strlist_add(&c.rename, "DB_HOST=PGHOST");
	strlist_add(&c.rename, "DB_PASSWORD=WEX_TOKEN");
	assert_int_equal(rename_apply(&c, &env, &d), 1);
	assert_null(envset_get(&env, "DB_HOST"));
	struct envvar *v = envset_get(&env, "PGHOST");
	assert_non_null(v);
	assert_string_equal(v->val, "db");
	assert_string_equal(v->source, "a.env:1");
	assert_string_equal(d.v[0].subject, "WEX_TOKEN");
	assert_string_equal(d.v[0].text, "--rename DB_PASSWORD=WEX_TOKEN: "
			    "DB_PASSWORD (a.env:2) cannot be renamed onto WEX_TOKEN: it is also set");
	assert_string_equal(d.v[0].source, "a.env:4");
	assert_non_null(envset_get(&env, "DB_PASSWORD"));
}

/* glob_match (config.c) takes shortcuts for a name and NAME*: it must
 * judge every glob and key exactly as fnmatch(GLOB, KEY, 0). */
static void glob_match_is_fnmatch(void **state)
{
	(void)state;
	static const char *globs[] = {
		"DB_*", "DB_", "*", "A?C", "[AB]*", "X\\*", "", "DB_*_X",
		"*_KEY", "DB_**", "D*B", "\\DB", "DB_[", "?",
	};
	static const char *keys[] = {
		"DB_", "DB_HOST", "DBX", "A", "ABC", "X*", "", "DB_A_X",
		"API_KEY", "D", "DB", "DB_[", "B",
	};
	for (size_t g = 0; g < sizeof globs / sizeof *globs; g++)
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
			int want = fnmatch(globs[g], keys[k], 0) == 0;
			if (glob_match(globs[g], keys[k]) != want)
				fail_msg("glob '%s', key '%s': %d, fnmatch says %d",
					 globs[g], keys[k], !want, want);
		}
	assert_true(glob_match("DB_*", "DB_HOST"));
	assert_false(glob_match("DB_*", "DBHOST"));
	assert_true(glob_match("WEX_TOKEN", "WEX_TOKEN"));
	assert_false(glob_match("WEX_TOKEN", "WEX_TOKEN2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(glob_match_is_fnmatch),
		cmocka_unit_test(secret_names),
		cmocka_unit_test_setup_teardown(taint_follows_the_value, setup, teardown),
		cmocka_unit_test_setup_teardown(nothing_stripped_without_allow, setup, teardown),
		cmocka_unit_test_setup_teardown(require_reports_every_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(a_key_required_twice_is_reported_once, setup, teardown),
		cmocka_unit_test_setup_teardown(allow_keep_deny, setup, teardown),
		cmocka_unit_test_setup_teardown(required_and_denied_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(service_strips_by_default, setup, teardown),
		cmocka_unit_test_setup_teardown(require_from_example, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_key_hints, setup, teardown),
		cmocka_unit_test_setup_teardown(renames, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
