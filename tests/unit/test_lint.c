/* Unit tests for lint.c (and the lint mode of envfile.c, the `sealed`
 * rule word, the JSON report and its string escaping). */
// OBJS: lint report rules envfile interp seal sealfile config options diag envset fileio xalloc
#include "preamble.h"

#include "envfile.h"
#include "lint.h"
#include "report.h"
#include "rules.h"

static char dir[] = "/tmp/test_lint.XXXXXX";

static void put(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

/* Every item of D formatted, one a line (info included). */
static char *lines(const struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);
		fprintf(f, "%s\n", s);
		free(s);
	}
	fclose(f);
	return buf;
}

static void distance(void **state)
{
	(void)state;
	assert_int_equal(lint_distance("DATABASE_URL", "DATABASE_URL", 2), 0);
	assert_int_equal(lint_distance("DATABSE_URL", "DATABASE_URL", 2), 1);
	assert_int_equal(lint_distance("QEUE", "QUEUE", 2), 1);
	assert_int_equal(lint_distance("QUEUE", "QEUUE", 2), 2);
	assert_int_equal(lint_distance("ABC", "XYZ", 2), 3); /* capped */
	assert_int_equal(lint_distance("A", "ABCDEF", 2), 3);
	assert_int_equal(lint_distance("", "AB", 2), 2);
}

static void ignore(void *ctx, const char *key, const char *where,
		   const struct envvar *v, unsigned flags)
{
	(void)ctx, (void)key, (void)where, (void)v, (void)flags;
}

static void each_statement(void **state)
{
	(void)state;
	/* lint mode: every bad statement, parsing goes on at the next line */
	static const char text[] = "a b=1\nOK=1\n\"x=2\nC='open\nD=4\n";
	struct envset out;
	struct diag d;
	envset_init(&out);
	diag_init(&d);
	envfile_parse_each("f.env", text, sizeof text - 1, &out, &d, ignore, NULL);
	char *s = lines(&d);
	assert_string_equal(s, "envinit: f.env:1: key cannot contain a space\n"
			       "envinit: f.env:3: unexpected character '\"' in variable name\n"
			       "envinit: f.env:4: unterminated single-quoted value\n");
	assert_non_null(envset_get(&out, "OK"));
	assert_non_null(envset_get(&out, "D"));
	free(s);
	diag_free(&d);
	envset_free(&out);
	/* the normal parser still stops at the first */
	envset_init(&out);
	diag_init(&d);
	assert_int_equal(envfile_parse("f.env", text, sizeof text - 1, NULL, &out, &d), 1);
	assert_null(envset_get(&out, "OK"));
	diag_free(&d);
	envset_free(&out);
}

static void service(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	put("a.env", "TOKEN=hunter2-canary\nPORT=0\nPORTT=1\nPORT=80\nREF=${X:?}\n");
	struct rules *r = rules_new();
	struct diag d;
	struct config c;
	diag_init(&d);
	config_init(&c);
	assert_int_equal(rules_add(r, "TOKEN", "sealed", "m.ini:2", &d), 0);
	assert_int_equal(rules_add(r, "PORT", "port", "m.ini:3", &d), 0);
	assert_int_equal(rules_add(r, "REF", "min=3", "m.ini:4", &d), 0);
	c.rules = r;
	c.strip = 1;
	c.clear_env = 1;
	char *path = xasprintf("%s/a.env", dir);
	srclist_add(&c.env_files, path, 0);
	strlist_add(&c.require, "PORT");
	strlist_add(&c.require, "GONE");
	struct envset keys;
	envset_init(&keys);
	strlist_add(&c.allow, "TOK*");
	assert_int_equal(lint_service(&c, &c, 1, &d, &keys), 3);
	/* the names the files set, stripped as the policy would */
	assert_int_equal(envset_count(&keys), 4);
	assert_false(envset_get(&keys, "TOKEN")->flags & EV_STRIPPED);
	assert_false(envset_get(&keys, "PORT")->flags & EV_STRIPPED);
	assert_true(envset_get(&keys, "PORTT")->flags & EV_STRIPPED);
	assert_int_equal(envset_get(&keys, "TOKEN")->len, 0); /* never a value */
	envset_free(&keys);
	char *s = lines(&d);
	const char *p = path;
	char *want = xasprintf(
		"envinit: TOKEN: sealed: plaintext value in an env file (seal it: envinit seal --in-place) (%s:1)\n"
		"envinit: PORT: port: not a port number (1-65535) (%s:2)\n"
		"envinit: warning: PORTT: unused: no service requires, allows, keeps or declares it; did you mean PORT? (%s:3)\n"
		"envinit: warning: PORT: set again in this file, earlier at %s:2 (%s:4)\n"
		"envinit: REF: not checked: the value looks a variable up (%s:5)\n"
		"envinit: GONE: required but no declared source can provide it (no env file sets it, no secrets dir, not kept from the environment)\n",
		p, p, p, p, p, p);
	assert_string_equal(s, want);
	assert_null(strstr(s, "hunter2"));
	free(want);
	free(s);
	unlink(path);
	rmdir(dir);
	free(path);
	diag_free(&d);
	config_free(&c);
	rules_free(r);
}

static void sealed_word(void **state)
{
	(void)state;
	struct rules *r = rules_new();
	struct diag d;
	struct envset env;
	diag_init(&d);
	envset_init(&env);
	assert_int_equal(rules_add(r, "T", "sealed", "m.ini:1", &d), 0);
	envset_set(&env, "T", "plain", 5, ORIG_ENVFILE, "a.env:7")->flags |= EV_STRIPPED;
	assert_int_equal(rules_check(r, &env, &d), 1);
	assert_string_equal(d.v[0].text, "sealed: plaintext value in an env file (seal it: envinit seal --in-place)");
	assert_string_equal(d.v[0].source, "a.env:7");
	assert_true(envset_get(&env, "T")->flags & EV_SECRET);
	/* opened from a sealed value, or from a secrets dir: fine */
	envset_set(&env, "T", "plain", 5, ORIG_SEALED, "a.env:7");
	assert_int_equal(rules_check(r, &env, &d), 0);
	envset_set(&env, "T", "plain", 5, ORIG_SECRETDIR, "/run/secrets/T");
	assert_int_equal(rules_check(r, &env, &d), 0);
	envset_free(&env);
	diag_free(&d);
	rules_free(r);
}

static char *json_of(const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_json_string(f, s, n);
	fclose(f);
	return buf;
}

static void json_escaping(void **state)
{
	(void)state;
	char *s = json_of("a\"b\\c\nd\te\x01\x1f\x7f/\xc3\xa9", 15);
	assert_string_equal(s, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\\u007f/\xc3\xa9\"");
	free(s);
	s = json_of("", 0);
	assert_string_equal(s, "\"\"");
	free(s);
}

static void json_document(void **state)
{
	(void)state;
	struct diag d;
	struct envset env;
	struct report_json j;
	char *buf = NULL;
	size_t len = 0;
	diag_init(&d);
	envset_init(&env);
	diag_error(&d, "a.env:3", NULL, "key cannot contain a space");
	diag_warn(&d, "K\"Q", "a.env:4", "unused: no service requires it");
	diag_info(&d, "X", NULL, "not shown");
	diag_error(&d, "P", "a.env:1", "port: not a port number");
	diag_error(&d, "b.env", NULL, "cannot read env file: no such file");
	envset_set(&env, "P", "1", 1, ORIG_ENVFILE, "a.env:1");
	envset_set(&env, "S", "1", 1, ORIG_ENVFILE, "a.env:2")->flags |= EV_STRIPPED;
	FILE *f = open_memstream(&buf, &len);
	report_json_begin(&j);
	report_json_service(&j, "web", &d, &env, 0);
	report_json_service(&j, NULL, &(struct diag){ 0 }, NULL, 0);
	report_json_end(&j, f);
	fclose(f);
	assert_string_equal(buf,
		"{\"ok\": false, \"services\": [\n"
		"  {\"name\": \"web\", \"ok\": false, \"problems\": ["
		"{\"level\": \"error\", \"key\": null, \"source\": \"a.env:3\", \"rule\": null, \"message\": \"key cannot contain a space\"}, "
		"{\"level\": \"warning\", \"key\": \"K\\\"Q\", \"source\": \"a.env:4\", \"rule\": null, \"message\": \"unused: no service requires it\"}, "
		"{\"level\": \"error\", \"key\": \"P\", \"source\": \"a.env:1\", \"rule\": \"port\", \"message\": \"port: not a port number\"}, "
		"{\"level\": \"error\", \"key\": null, \"source\": \"b.env\", \"rule\": null, \"message\": \"cannot read env file: no such file\"}"
		"], \"kept\": [\"P\"], \"stripped\": [\"S\"]},\n"
		"  {\"name\": null, \"ok\": true, \"problems\": [], \"kept\": [], \"stripped\": []}\n"
		"]}\n");
	free(buf);
	/* a warning fails a service only when strict */
	struct diag w;
	diag_init(&w);
	diag_warn(&w, "K", NULL, "unused");
	buf = NULL;
	f = open_memstream(&buf, &len);
	report_json_begin(&j);
	report_json_service(&j, "a", &w, NULL, 1);
	report_json_end(&j, f);
	fclose(f);
	assert_non_null(strstr(buf, "{\"ok\": false, "));
	free(buf);
	diag_free(&w);
	diag_free(&d);
	envset_free(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(distance),
		cmocka_unit_test(each_statement),
		cmocka_unit_test(service),
		cmocka_unit_test(sealed_word),
		cmocka_unit_test(json_escaping),
		cmocka_unit_test(json_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
