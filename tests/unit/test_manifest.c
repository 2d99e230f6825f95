/* Unit tests for manifest.c: golden bad/good manifests, precedence, paths. */
// OBJS: manifest rules cli config options diag envset fileio xalloc
#include "preamble.h"

#include <dirent.h>

#include "manifest.h"

static struct diag d;
static struct config c;

static int setup(void **state)
{
	(void)state;
	diag_init(&d);
	config_init(&c);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_free(&d);
	config_free(&c);
	return 0;
}

static struct manifest *parse(const char *text)
{
	return manifest_parse("conf/m.ini", text, strlen(text), &d);
}

/* The error whose subject is SUBJ and whose text holds TEXT, or NULL. */
static const struct diag_item *find_err(const char *subj, const char *text)
{
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].subject && strcmp(d.v[i].subject, subj) == 0 &&
		    strstr(d.v[i].text, text))
			return &d.v[i];
	return NULL;
}

static void dump(void)
{
	for (size_t i = 0; i < d.n; i++) {
		char *s = diag_format(&d.v[i]);
		print_message("  got: %s\n", s);
		free(s);
	}
}

/* ---- golden files: tests/fixtures/manifest/{bad,good}-*.ini ----------- */

static char *fixtures_dir(void)
{
	const char *env = getenv("FIXTURES");
	if (env && *env)
		return xasprintf("%s/manifest", env);
	/* __FILE__ is tests/unit/test_manifest.c, relative to the top; the
	 * path is written without "unit/..", as the manifest's paths joined
	 * to it are cleaned lexically */
	const char *f = __FILE__;
	const char *slash = strrchr(f, '/');
	const char *up = slash;
	while (up > f && up[-1] != '/')
		up--;
	return xasprintf("%.*sfixtures/manifest", (int)(up - f), f);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_fixtures(const char *dir, const char *prefix, size_t *n)
{
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || len < 5 ||
		    strcmp(e->d_name + len - 4, ".ini") != 0)
			continue;
		xgrow((void **)&v, &cap, *n + 1, sizeof *v);
		v[(*n)++] = xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(dp);
	qsort(v, *n, sizeof *v, cmp_names);
	return v;
}

/*
 * Each bad-NAME.ini fails to load with exactly the errors bad-NAME.err
 * lists, one per line: "LINE text-substring" (subject FILE:LINE).
 */
static void golden_bad(void **state)
{
	(void)state;
	char *dir = fixtures_dir();
	size_t n;
	char **files = list_fixtures(dir, "bad-", &n);
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		diag_free(&d);
		struct manifest *m = manifest_load(files[i], &d);
		if (m) {
			print_error("%s: loaded without error\n", files[i]);
			fail();
		}
		char *errpath = xasprintf("%.*s.err", (int)(strlen(files[i]) - 4), files[i]);
		FILE *f = fopen(errpath, "r");
		if (!f) {
			print_error("%s: missing\n", errpath);
			fail();
		}
		char line[512];
		size_t expected = 0;
		while (fgets(line, sizeof line, f)) {
			line[strcspn(line, "\n")] = '\0';
			char *sp = strchr(line, ' ');
			assert_non_null(sp);
			*sp = '\0';
			char *subj = xasprintf("%s:%s", files[i], line);
			if (!find_err(subj, sp + 1)) {
				print_error("%s: no error \"%s: ...%s...\"\n", files[i], subj, sp + 1);
				dump();
				fail();
			}
			free(subj);
			expected++;
		}
		fclose(f);
		if (d.nerrors != expected) {
			print_error("%s: %zu errors, expected %zu\n", files[i], d.nerrors, expected);
			dump();
			fail();
		}
		free(errpath);
		free(files[i]);
	}
	free(files);
	free(dir);
}

static void golden_good(void **state)
{
	(void)state;
	char *dir = fixtures_dir();
	size_t n;
	char **files = list_fixtures(dir, "good-", &n);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		struct manifest *m = manifest_load(files[i], &d);
		if (!m) {
			print_error("%s: did not load\n", files[i]);
			dump();
			fail();
		}
		manifest_free(m);
		free(files[i]);
	}
	free(files);
	free(dir);
}

static void good_full_as_expected(void **state)
{
	(void)state;
	char *dir = fixtures_dir();
	char *path = xasprintf("%s/good-full.ini", dir);
	struct manifest *m = manifest_load(path, &d);
	assert_non_null(m);
	assert_int_equal(manifest_nservices(m), 3);
	assert_string_equal(manifest_service(m, 0), "backend");
	assert_string_equal(manifest_service(m, 2), "etl-wex.v2");
	assert_int_equal(rules_count(manifest_rules(m)), 9);

	assert_int_equal(manifest_apply(m, "backend", &c, &d), 0);
	assert_int_equal(c.clear_env, 1);
	assert_int_equal(c.secrets_upcase, 1);
	assert_int_equal(c.override, 0);
	assert_int_equal(c.signal_group, 1);
	assert_int_equal(c.max_value_size, 64 << 10);
	assert_int_equal(c.grace, 5);
	assert_int_equal(c.mode, RUN_EXEC);
	assert_int_equal(c.watch, WATCH_NONE); /* backend: watch = no */
	assert_int_equal(c.format, FMT_JSON);
	assert_string_equal(c.file_suffix, "_PATH");
	assert_string_equal(c.user, "1000:1000");
	assert_int_equal(c.strip, 1);
	assert_ptr_equal(c.rules, manifest_rules(m));

	/* relative paths: against the manifest's directory */
	assert_int_equal(c.env_files.n, 3);
	assert_string_equal(c.env_files.v[0].path, "/config/.env.shared");
	char *want = xasprintf("%s/.env.backend", dir);
	assert_string_equal(c.env_files.v[1].path, want);
	free(want);
	assert_int_equal(c.env_files.v[2].optional, 1);
	assert_int_equal(c.secret_dirs.n, 2);
	assert_string_equal(c.secret_dirs.v[0].path, "/run/secrets");
	want = xasprintf("%s/secrets", dir);
	assert_string_equal(c.secret_dirs.v[1].path, want);
	free(want);
	want = xasprintf("%s/keys/service.key", dir);
	assert_string_equal(c.private_keys.v[0], want);
	free(want);
	assert_string_equal(c.termination_log, "/dev/termination-log");

	/* allow: two lines, the second comma-separated */
	assert_true(strlist_has(&c.allow, "LOG_LEVEL"));
	assert_true(strlist_has(&c.allow, "WORKERS"));
	assert_true(strlist_has(&c.allow, "DEBUG"));
	/* [keys] requires POSTGRES_PASSWORD (listed) and BACKEND_SERVICE_URL
	 * (allowed by *_SERVICE_URL) once; not the optional or defaulted */
	size_t pw = 0;
	for (size_t i = 0; i < c.require.n; i++)
		pw += strcmp(c.require.v[i], "POSTGRES_PASSWORD") == 0;
	assert_int_equal(pw, 1);
	assert_true(strlist_has(&c.require, "BACKEND_SERVICE_URL"));
	assert_false(strlist_has(&c.require, "WORKERS"));
	assert_false(strlist_has(&c.require, "LOG_LEVEL"));
	assert_false(strlist_has(&c.require, "ZONE"));
	manifest_free(m);
	free(path);
	free(dir);
}

/* ---- syntax ------------------------------------------------------------- */

static void allow_100_keys_over_lines(void **state)
{
	(void)state;
	char *dir = fixtures_dir();
	char *path = xasprintf("%s/good-allow-100.ini", dir);
	struct manifest *m = manifest_load(path, &d);
	assert_non_null(m);
	assert_int_equal(manifest_apply(m, "web", &c, &d), 0);
	assert_int_equal(c.allow.n, 100);
	for (int i = 0; i < 100; i++) {
		char key[16];
		snprintf(key, sizeof key, "KEY_%03d", i);
		assert_string_equal(c.allow.v[i], key);
	}
	manifest_free(m);
	free(path);
	free(dir);
}

/* The longest line that fits is read whole; one byte more is an error. */
static void line_limit_boundary(void **state)
{
	(void)state;
	char text[512], line[256];
	/* "allow = " (8) + 189 bytes = 197 */
	memset(line, 'A', 189);
	line[189] = '\0';
	line[188] = 'Z';
	snprintf(text, sizeof text, "[service s]\nallow = %s\n", line);
	struct manifest *m = parse(text);
	assert_non_null(m);
	assert_int_equal(manifest_apply(m, "s", &c, &d), 0);
	assert_int_equal(c.allow.n, 1);
	assert_int_equal(strlen(c.allow.v[0]), 189);
	manifest_free(m);

	snprintf(text, sizeof text, "[service s]\nallow = %sB\n", line);
	assert_null(parse(text));
	assert_int_equal(d.nerrors, 1);
	assert_non_null(find_err("conf/m.ini:2", "line longer than 197 bytes"));
}

/* Every problem at once, each on its own line number. */
static void every_problem_reported(void **state)
{
	(void)state;
	char longline[400];
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	char *text = xasprintf("[defaults]\nbogus = 1\n%s\n[keys]\nA = int wat\n"
			       "[service web]\nreveal = yes\nallow = A\n",
			       longline);
	assert_null(parse(text));
	assert_int_equal(d.nerrors, 4);
	assert_non_null(find_err("conf/m.ini:2", "unknown directive 'bogus'"));
	assert_non_null(find_err("conf/m.ini:3", "line longer than"));
	assert_non_null(find_err("conf/m.ini:5", "A: unknown rule word (word 2)"));
	assert_non_null(find_err("conf/m.ini:7", "reveal: not allowed in a manifest"));
	free(text);
}

static void crlf_bom_comments_indent(void **state)
{
	(void)state;
	const char text[] = "\xEF\xBB\xBF[defaults]\r\n"
			    "; comment\r\n"
			    "# comment\r\n"
			    "   allow = A B ; inline comment\r\n"
			    "\tallow = C\r\n"
			    "\r\n"
			    "[ service   web ]   # after the header\r\n"
			    "allow: D\r\n";
	struct manifest *m = parse(text);
	if (!m)
		dump();
	assert_non_null(m);
	assert_int_equal(manifest_nservices(m), 1);
	assert_string_equal(manifest_service(m, 0), "web");
	assert_int_equal(manifest_apply(m, "web", &c, &d), 0);
	assert_int_equal(c.allow.n, 4);
	assert_string_equal(c.allow.v[0], "A");
	assert_string_equal(c.allow.v[1], "B");
	assert_string_equal(c.allow.v[2], "C");
	assert_string_equal(c.allow.v[3], "D");
	manifest_free(m);
}

static void nul_byte_is_an_error(void **state)
{
	(void)state;
	const char text[] = "[defaults]\nallow = A\0B\n";
	assert_null(manifest_parse("m.ini", text, sizeof text - 1, &d));
	assert_non_null(find_err("m.ini:2", "NUL byte"));
}

/* inih keeps 50 bytes of a section name; the reader keeps them all. */
static void long_service_name(void **state)
{
	(void)state;
	const char *name = "a-service-name-that-is-longer-than-fifty-bytes-for-sure";
	char *text = xasprintf("[service %s]\nallow = X\n[service %.40s]\nallow = Y\n",
			       name, name);
	struct manifest *m = parse(text);
	assert_non_null(m);
	assert_int_equal(manifest_nservices(m), 2);
	assert_int_equal(manifest_apply(m, name, &c, &d), 0);
	assert_int_equal(c.allow.n, 1);
	assert_string_equal(c.allow.v[0], "X");
	manifest_free(m);
	free(text);
}

static void section_repeated_continues(void **state)
{
	(void)state;
	struct manifest *m = parse("[service a]\nallow = X\n[keys]\nK = optional\n"
				   "[service a]\nallow = Y\n");
	assert_non_null(m);
	assert_int_equal(manifest_nservices(m), 1);
	assert_int_equal(manifest_apply(m, "a", &c, &d), 0);
	assert_int_equal(c.allow.n, 2);
	manifest_free(m);
}

static void empty_manifest_loads(void **state)
{
	(void)state;
	struct manifest *m = parse("");
	assert_non_null(m);
	assert_int_equal(manifest_nservices(m), 0);
	assert_int_equal(manifest_apply(m, NULL, &c, &d), 0);
	assert_int_equal(c.strip, 0);
	manifest_free(m);
}

static void missing_file(void **state)
{
	(void)state;
	assert_null(manifest_load("/nonexistent/envinit.ini", &d));
	assert_non_null(find_err("/nonexistent/envinit.ini", "cannot read manifest"));
}

static void booleans(void **state)
{
	(void)state;
	const char *yes[] = { "yes", "YES", "true", "On", "1" };
	const char *no[] = { "no", "False", "off", "0" };
	for (size_t i = 0; i < 5; i++) {
		char *t = xasprintf("[defaults]\nclear_env = %s\n", yes[i]);
		struct manifest *m = parse(t);
		assert_non_null(m);
		config_init(&c);
		manifest_apply(m, NULL, &c, &d);
		assert_int_equal(c.clear_env, 1);
		config_free(&c);
		manifest_free(m);
		free(t);
	}
	for (size_t i = 0; i < 4; i++) {
		char *t = xasprintf("[defaults]\noverride = %s\n", no[i]);
		struct manifest *m = parse(t);
		assert_non_null(m);
		config_init(&c);
		manifest_apply(m, NULL, &c, &d);
		assert_int_equal(c.override, 0);
		config_free(&c);
		manifest_free(m);
		free(t);
	}
}

/* ---- precedence --------------------------------------------------------- */

static const char layered[] =
	"[defaults]\n"
	"env_file = d.env\n"
	"allow = D_*\n"
	"grace = 3\n"
	"user = dflt\n"
	"clear_env = yes\n"
	"watch = restart\n"
	"format = shell\n"
	"[service s]\n"
	"env_file = s.env\n"
	"allow = S_*\n"
	"grace = 7\n"
	"clear_env = no\n"
	"watch = no\n"
	"[service t]\n"
	"termination_log = /tmp/t.log\n";

static void service_over_defaults(void **state)
{
	(void)state;
	struct manifest *m = parse(layered);
	assert_non_null(m);
	assert_int_equal(manifest_apply(m, "s", &c, &d), 0);
	assert_int_equal(c.grace, 7);
	assert_int_equal(c.clear_env, 0);
	assert_int_equal(c.watch, WATCH_NONE);
	assert_string_equal(c.user, "dflt");
	assert_int_equal(c.format, FMT_SHELL);
	assert_int_equal(c.env_files.n, 2);
	assert_string_equal(c.env_files.v[0].path, "conf/d.env");
	assert_string_equal(c.env_files.v[1].path, "conf/s.env");
	assert_string_equal(c.allow.v[0], "D_*");
	assert_string_equal(c.allow.v[1], "S_*");
	manifest_free(m);
}

static void command_line_over_manifest(void **state)
{
	(void)state;
	struct manifest *m = parse(layered);
	assert_non_null(m);
	/* what cli.c would have set */
	c.grace = 1;
	c.user = xstrdup("cli");
	c.format = FMT_ENV;
	c.format_set = 1;
	c.watch = WATCH_EXIT;
	srclist_add(&c.env_files, "cli.env", 0);
	strlist_add(&c.allow, "C_*");
	assert_int_equal(manifest_apply(m, "s", &c, &d), 0);
	assert_int_equal(c.grace, 1);
	assert_string_equal(c.user, "cli");
	assert_int_equal(c.format, FMT_ENV);
	assert_int_equal(c.watch, WATCH_EXIT);
	assert_int_equal(c.clear_env, 0); /* the service's */
	assert_int_equal(c.env_files.n, 3);
	assert_string_equal(c.env_files.v[0].path, "conf/d.env");
	assert_string_equal(c.env_files.v[1].path, "conf/s.env");
	assert_string_equal(c.env_files.v[2].path, "cli.env");
	assert_int_equal(c.allow.n, 3);
	assert_string_equal(c.allow.v[2], "C_*");
	manifest_free(m);
}

static void no_service_defaults_only(void **state)
{
	(void)state;
	struct manifest *m = parse(layered);
	assert_non_null(m);
	assert_int_equal(manifest_apply(m, NULL, &c, &d), 0);
	assert_int_equal(c.strip, 0);
	assert_int_equal(c.grace, 3);
	assert_int_equal(c.clear_env, 1);
	assert_int_equal(c.watch, WATCH_RESTART);
	assert_int_equal(c.env_files.n, 1);
	manifest_free(m);
}

static void unknown_service(void **state)
{
	(void)state;
	struct manifest *m = parse(layered);
	assert_non_null(m);
	assert_int_equal(manifest_apply(m, "nope", &c, &d), 1);
	const struct diag_item *it = find_err("conf/m.ini", "no [service nope]");
	assert_non_null(it);
	assert_non_null(strstr(it->text, "services: s, t"));
	manifest_free(m);
}

static void absolute_manifest_dir(void **state)
{
	(void)state;
	const char t[] = "[defaults]\nenv_file = a.env\nrequire_from = ex/.env.example\n";
	struct manifest *m = manifest_parse("/m.ini", t, sizeof t - 1, &d);
	assert_non_null(m);
	manifest_apply(m, NULL, &c, &d);
	assert_string_equal(c.env_files.v[0].path, "/a.env");
	manifest_free(m);
	config_free(&c);
	m = manifest_parse("m.ini", t, sizeof t - 1, &d);
	assert_non_null(m);
	manifest_apply(m, NULL, &c, &d);
	assert_string_equal(c.env_files.v[0].path, "a.env");
	assert_string_equal(c.require_from.v[0], "ex/.env.example");
	manifest_free(m);
}

/* [keys] entries become required for the services that can see them. */
static void keys_required_per_service(void **state)
{
	(void)state;
	struct manifest *m = parse("[keys]\nDB_PASSWORD = secret\nDB_PORT = port default=5432\n"
				   "LOG = optional\nWEB_URL = url\n"
				   "[service db]\nallow = DB_*\n"
				   "[service web]\nallow = WEB_* DB_*\ndeny = DB_PASSWORD\n");
	assert_non_null(m);
	manifest_apply(m, "db", &c, &d);
	assert_int_equal(c.require.n, 1);
	assert_string_equal(c.require.v[0], "DB_PASSWORD");
	config_free(&c);

	config_init(&c);
	manifest_apply(m, "web", &c, &d);
	assert_int_equal(c.require.n, 1);
	assert_string_equal(c.require.v[0], "WEB_URL");
	config_free(&c);

	config_init(&c);
	manifest_apply(m, NULL, &c, &d); /* no service: every such key */
	assert_int_equal(c.require.n, 2);
	manifest_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(golden_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(golden_good, setup, teardown),
		cmocka_unit_test_setup_teardown(good_full_as_expected, setup, teardown),
		cmocka_unit_test_setup_teardown(allow_100_keys_over_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(line_limit_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(every_problem_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(crlf_bom_comments_indent, setup, teardown),
		cmocka_unit_test_setup_teardown(nul_byte_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(long_service_name, setup, teardown),
		cmocka_unit_test_setup_teardown(section_repeated_continues, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_manifest_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(booleans, setup, teardown),
		cmocka_unit_test_setup_teardown(service_over_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(command_line_over_manifest, setup, teardown),
		cmocka_unit_test_setup_teardown(no_service_defaults_only, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_service, setup, teardown),
		cmocka_unit_test_setup_teardown(absolute_manifest_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(keys_required_per_service, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
