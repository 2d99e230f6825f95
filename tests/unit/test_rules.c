/* Unit tests for rules.c: [keys] words, checks, defaults, requirements. */
// OBJS: rules config options diag envset xalloc
#include "preamble.h"

#include <time.h>

#include "rules.h"

static struct rules *r;
static struct envset env;
static struct diag d;
static struct config c;

static int setup(void **state)
{
	(void)state;
	r = rules_new();
	envset_init(&env);
	diag_init(&d);
	config_init(&c);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rules_free(r);
	envset_free(&env);
	diag_free(&d);
	config_free(&c);
	return 0;
}

static void set(const char *key, const char *val)
{
	envset_set(&env, key, val, strlen(val), ORIG_ENVFILE, "a.env:1");
}

/* The error about KEY whose text starts with TEXT, or NULL. */
static const struct diag_item *err(const char *key, const char *text)
{
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].subject && strcmp(d.v[i].subject, key) == 0 &&
		    strncmp(d.v[i].text, text, strlen(text)) == 0)
			return &d.v[i];
	return NULL;
}

/* No diagnostic holds S anywhere. */
static void never_shown(const char *s)
{
	for (size_t i = 0; i < d.n; i++) {
		char *line = diag_format(&d.v[i]);
		if (strstr(line, s)) {
			print_error("value shown: %s\n", line);
			fail();
		}
		free(line);
	}
}

static void add_ok(const char *key, const char *words)
{
	int e = rules_add(r, key, words, "m.ini:9", &d);
	if (e) {
		for (size_t i = 0; i < d.n; i++)
			print_error("%s: %s\n", d.v[i].subject, d.v[i].text);
	}
	assert_int_equal(e, 0);
}

/* rules_reserve is a hint: rules past it, and a reserve after rules were
 * added, keep every rule found. */
static void reserve_keeps_rules(void **state)
{
	(void)state;
	char key[16];
	add_ok("BEFORE", "int");
	rules_reserve(r, 10);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "K%d", i);
		add_ok(key, "port");
	}
	rules_reserve(r, 300);
	assert_int_equal(rules_count(r), 101);
	assert_true(rules_has(r, "BEFORE"));
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "K%d", i);
		assert_true(rules_has(r, key));
	}
	assert_false(rules_has(r, "K100"));
}

/* ---- value predicates ---------------------------------------------------- */

static void predicates(void **state)
{
	(void)state;
	assert_true(rules_is_int("0"));
	assert_true(rules_is_int("-12"));
	assert_true(rules_is_int("+7"));
	assert_true(rules_is_int("9223372036854775807"));
	assert_false(rules_is_int("9223372036854775808"));
	assert_false(rules_is_int(""));
	assert_false(rules_is_int("-"));
	assert_false(rules_is_int("1.5"));
	assert_false(rules_is_int(" 1"));
	assert_false(rules_is_int("0x10"));

	assert_true(rules_is_port("1"));
	assert_true(rules_is_port("65535"));
	assert_true(rules_is_port("08080"));
	assert_false(rules_is_port("0"));
	assert_false(rules_is_port("65536"));
	assert_false(rules_is_port("99999999999999999999"));
	assert_false(rules_is_port("-1"));
	assert_false(rules_is_port("80a"));

	const char *bools[] = { "true", "FALSE", "Yes", "no", "on", "OFF", "1", "0" };
	for (size_t i = 0; i < 8; i++)
		assert_true(rules_is_bool(bools[i]));
	assert_false(rules_is_bool("y"));
	assert_false(rules_is_bool("2"));
	assert_false(rules_is_bool("truth"));

	assert_true(rules_is_url("https://example.com"));
	assert_true(rules_is_url("postgres://u:p@db:5432/app?sslmode=require"));
	assert_true(rules_is_url("redis://:pw@redis:6379/0"));
	assert_true(rules_is_url("svc+v2.x-y://h"));
	assert_false(rules_is_url("example.com"));
	assert_false(rules_is_url("http://"));
	assert_false(rules_is_url("http:///path"));
	assert_false(rules_is_url("1http://h"));
	assert_false(rules_is_url("http:/h"));
	assert_false(rules_is_url("http://h/a b"));
	assert_false(rules_is_url("http://h\n"));

	const char *ph[] = { "CHANGE_ME", "change_me_to_a_secret", "CHANGEME",
			     "changeme", "ChangeMe123", "TODO", "todo", "FIXME",
			     "<your token>", "<>", "xxx", "XXXXXXXX", "xXx" };
	for (size_t i = 0; i < sizeof ph / sizeof ph[0]; i++)
		if (!rules_is_placeholder(ph[i])) {
			print_error("not a placeholder: %s\n", ph[i]);
			fail();
		}
	const char *real[] = { "xx", "xxxy", "TODO-list", "s3cr3t", "<a", "a>",
			       "my CHANGE_ME", "" };
	for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
		if (rules_is_placeholder(real[i])) {
			print_error("a placeholder: %s\n", real[i]);
			fail();
		}
}

/* ---- parsing ------------------------------------------------------------- */

static void bad_words(void **state)
{
	(void)state;
	struct {
		const char *key, *words, *text;
	} cases[] = {
		{ "A", "prot", "A: unknown rule word (word 1)" },
		{ "A", "int Secret", "A: unknown rule word (word 2)" },
		{ "A", "min=abc", "A: min: bad number" },
		{ "A", "max=1e3", "A: max: bad number" },
		{ "A", "min=-1", "A: min: bad number" },
		{ "A", "min=99999999999999999999", "A: min: bad number" },
		{ "A", "min=9 max=3", "A: min is greater than max" },
		{ "A", "match=a(b", "A: match: bad regex" },
		{ "A", "match=", "A: match needs a value" },
		{ "A", "default", "A: default needs a value" },
		{ "A", "one-of=a,,b", "A: one-of: empty item" },
		{ "A", "one-of=a,", "A: one-of: empty item" },
		{ "A", "secret=yes", "A: secret takes no value" },
		{ "A", "default=\"open", "A: default: unterminated" },
		/* sealed is a rule word too (it was missing from the list of
		 * words safe to name) */
		{ "A", "sealed=\"open", "A: sealed: unterminated" },
		{ "9A", "int", "not a valid key name" },
		{ "A-B", "int", "not a valid key name" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		diag_free(&d);
		if (rules_add(r, cases[i].key, cases[i].words, "m.ini:4", &d) != 1 ||
		    d.nerrors != 1 || strcmp(d.v[0].subject, "m.ini:4") != 0 ||
		    strstr(d.v[0].text, cases[i].text) == NULL) {
			print_error("%s = %s: expected \"%s\", got %zu errors: %s\n",
				    cases[i].key, cases[i].words, cases[i].text,
				    d.nerrors, d.n ? d.v[0].text : "");
			fail();
		}
	}
	/* a bad line adds nothing */
	assert_int_equal(rules_count(r), 0);
}

/* A value written in [keys] by mistake is never echoed. */
static void unknown_word_not_echoed(void **state)
{
	(void)state;
	assert_int_equal(rules_add(r, "PASSWORD", "hunter2 s3cr3t-Value", "m.ini:1", &d), 2);
	never_shown("hunter2");
	never_shown("s3cr3t");
	diag_free(&d);
	assert_int_equal(rules_add(r, "PASSWORD", "default=\"hunter2 x", "m.ini:1", &d), 1);
	never_shown("hunter2");
}

static void quoted_values(void **state)
{
	(void)state;
	add_ok("GREETING", "match=\"^hello, [a-z]+$\" default=\"hello, world\" optional");
	add_ok("Q", "match=\"^a\"b$\"");
	rules_defaults(r, &env);
	struct envvar *v = envset_get(&env, "GREETING");
	assert_non_null(v);
	assert_string_equal(v->val, "hello, world");
	rules_check(r, &env, &d);
	assert_int_equal(d.nerrors, 0);
	set("Q", "a\"b");
	assert_int_equal(rules_check(r, &env, &d), 0);
	set("Q", "a b");
	assert_int_equal(rules_check(r, &env, &d), 1);
	assert_non_null(err("Q", "match: does not match ^a\"b$"));
}

/* ---- checks -------------------------------------------------------------- */

static void each_rule_fails_with_key_and_rule(void **state)
{
	(void)state;
	add_ok("MIN", "min=16");
	add_ok("MAX", "max=3");
	add_ok("INT", "int");
	add_ok("PORT", "port");
	add_ok("BOOL", "bool");
	add_ok("URL", "url");
	add_ok("ONE", "one-of=debug,info");
	add_ok("RE", "match=^[0-9]+$");
	add_ok("PH", "no-placeholder");
	add_ok("TWO", "min=32 no-placeholder secret");
	const char canary[] = "CANARY7x";
	char *vals[10];
	const char *keys[] = { "MIN", "MAX", "INT", "PORT", "BOOL", "URL", "ONE",
			       "RE", "PH", "TWO" };
	for (size_t i = 0; i < 10; i++) {
		vals[i] = xasprintf("%s%s", i == 8 || i == 9 ? "CHANGE_ME_" : "",
				    canary);
		set(keys[i], vals[i]);
		free(vals[i]);
	}
	assert_int_equal(rules_check(r, &env, &d), 11);
	assert_non_null(err("MIN", "min: shorter than 16 bytes"));
	assert_non_null(err("MAX", "max: longer than 3 bytes"));
	assert_non_null(err("INT", "int: not an integer"));
	assert_non_null(err("PORT", "port: not a port number"));
	assert_non_null(err("BOOL", "bool: not a boolean"));
	assert_non_null(err("URL", "url: not a URL"));
	assert_non_null(err("ONE", "one-of: not one of debug,info"));
	assert_non_null(err("RE", "match: does not match ^[0-9]+$"));
	assert_non_null(err("PH", "no-placeholder: looks like a placeholder"));
	assert_non_null(err("TWO", "min: shorter than 32 bytes"));
	assert_non_null(err("TWO", "no-placeholder"));
	assert_string_equal(err("MIN", "min")->source, "a.env:1");
	never_shown(canary);
	assert_true(envset_get(&env, "TWO")->flags & EV_SECRET);
	assert_false(envset_get(&env, "MIN")->flags & EV_SECRET);
}

/* The checks run in the order of the rule-word table: length, then the
 * flag words (int, port, bool, url, no-placeholder), then one-of, match. */
static void checks_in_table_order(void **state)
{
	(void)state;
	add_ok("K", "match=^[0-9]+$ one-of=1,2 no-placeholder int min=99");
	set("K", "<x>");
	assert_int_equal(rules_check(r, &env, &d), 5);
	assert_string_equal(d.v[0].text, "min: shorter than 99 bytes");
	assert_string_equal(d.v[1].text, "int: not an integer");
	assert_string_equal(d.v[2].text, "no-placeholder: looks like a placeholder");
	assert_string_equal(d.v[3].text, "one-of: not one of 1,2");
	assert_string_equal(d.v[4].text, "match: does not match ^[0-9]+$");
}

static void good_values_pass(void **state)
{
	(void)state;
	add_ok("MIN", "min=3 max=3");
	add_ok("INT", "int");
	add_ok("PORT", "port");
	add_ok("BOOL", "bool");
	add_ok("URL", "url");
	add_ok("ONE", "one-of=debug,info");
	add_ok("RE", "match=^[0-9]+$");
	add_ok("PH", "no-placeholder");
	set("MIN", "abc");
	set("INT", "-42");
	set("PORT", "5432");
	set("BOOL", "Yes");
	set("URL", "https://api.example.com/v1");
	set("ONE", "info");
	set("RE", "2024");
	set("PH", "a-real-password");
	assert_int_equal(rules_check(r, &env, &d), 0);
}

/* Stripped keys are not the service's business; empty ones are judged by
 * the requirement only. `secret` marks a key even when stripped. */
static void stripped_and_empty_not_checked(void **state)
{
	(void)state;
	add_ok("GONE", "int secret");
	add_ok("EMPTY", "int min=5");
	set("GONE", "nope");
	set("EMPTY", "");
	envset_get(&env, "GONE")->flags |= EV_STRIPPED;
	assert_int_equal(rules_check(r, &env, &d), 0);
	assert_true(envset_get(&env, "GONE")->flags & EV_SECRET);
}

static void defaults_fill_unset_and_empty(void **state)
{
	(void)state;
	add_ok("PORT", "port default=5432");
	add_ok("LEVEL", "one-of=debug,info default=info secret");
	add_ok("HOST", "default=db");
	set("LEVEL", "");
	set("HOST", "cache");
	rules_defaults(r, &env);
	struct envvar *v = envset_get(&env, "PORT");
	assert_non_null(v);
	assert_string_equal(v->val, "5432");
	assert_int_equal(v->origin, ORIG_DEFAULT);
	assert_string_equal(v->source, "m.ini:9");
	v = envset_get(&env, "LEVEL");
	assert_string_equal(v->val, "info");
	assert_string_equal(v->overrode, "a.env:1");
	assert_true(v->flags & EV_SECRET);
	assert_string_equal(envset_get(&env, "HOST")->val, "cache");
	assert_int_equal(rules_check(r, &env, &d), 0);
}

/* A bad default is caught like any value, and not shown. */
static void bad_default_reported(void **state)
{
	(void)state;
	add_ok("PORT", "port default=99999");
	rules_defaults(r, &env);
	assert_int_equal(rules_check(r, &env, &d), 1);
	assert_string_equal(err("PORT", "port:")->source, "m.ini:9");
	never_shown("99999");
}

static void repeated_key_adds(void **state)
{
	(void)state;
	add_ok("A", "int min=1");
	add_ok("A", "min=4 secret");
	assert_int_equal(rules_count(r), 1);
	set("A", "12");
	assert_int_equal(rules_check(r, &env, &d), 1);
	assert_non_null(err("A", "min: shorter than 4 bytes"));
	assert_true(envset_get(&env, "A")->flags & EV_SECRET);
}

/* ---- requirements -------------------------------------------------------- */

static void require_without_strip_takes_all(void **state)
{
	(void)state;
	add_ok("A", "");
	add_ok("B", "optional");
	add_ok("C", "default=x");
	add_ok("D", "secret");
	add_ok("DENIED", "int");
	strlist_add(&c.require, "D");
	strlist_add(&c.deny, "DEN*");
	rules_require(r, &c);
	assert_int_equal(c.require.n, 2);
	assert_string_equal(c.require.v[0], "D");
	assert_string_equal(c.require.v[1], "A");
}

static void require_with_strip_takes_allowed(void **state)
{
	(void)state;
	add_ok("DB_PASSWORD", "secret");
	add_ok("WEB_URL", "url");
	add_ok("JWT_KEY", "secret");
	c.strip = 1;
	strlist_add_split(&c.allow, "DB_*");
	strlist_add(&c.require, "JWT_KEY");
	rules_require(r, &c);
	assert_int_equal(c.require.n, 2);
	assert_string_equal(c.require.v[1], "DB_PASSWORD");
	assert_false(strlist_has(&c.require, "WEB_URL"));
}

static void null_rules_are_no_ops(void **state)
{
	(void)state;
	rules_require(NULL, &c);
	rules_defaults(NULL, &env);
	assert_int_equal(rules_check(NULL, &env, &d), 0);
	assert_int_equal(rules_count(NULL), 0);
	rules_free(NULL);
}

/* 100k keys with rules and 100k variables: linear, well under a second
 * even with sanitizers (a quadratic pass would take minutes). */
static void many_keys_stay_linear(void **state)
{
	(void)state;
	enum { N = 100000 };
	char key[32];
	clock_t t0 = clock();
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof key, "KEY_%06d", i);
		assert_int_equal(rules_add(r, key, "int min=1 max=10 default=7", "m.ini:1", &d), 0);
		if (i % 2)
			set(key, "123");
		strlist_add(&c.require, key);
	}
	rules_require(r, &c);
	rules_defaults(r, &env);
	assert_int_equal(rules_check(r, &env, &d), 0);
	assert_int_equal(envset_count(&env), N);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("  100k keys: %.2fs\n", secs);
	assert_true(secs < 10.0);
}

/* A regex whose compilation would explode is refused, not compiled. */
static void costly_regex_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"match=((a*)*){255}{255}", "match=(a{200}){200}", "match=a{1000}",
		/* a ( or ) inside a bracket expression must not hide nesting */
		"match=([[:alpha:])](a|b|c|d){1,255}){1,255}",
		/* alternatives add up: ten branches unrolled 255 times, twice */
		"match=(a|b|c|d|e|f|g|h|i|j){1,255}(a|b|c|d|e|f|g|h|i|j){1,255}",
		"match=(a)\\1", /* back reference: exponential matching */
		/* found by fuzz_rules: nested loops, a 3 s timeout in glibc */
		"match=(a*((a*)*)*){55}",
		"match=(a*((a*)\xe9*)*){55}", /* the same, 0.5 s CPU under ASan */
		"match=((((((((((a))))))))))", /* deeper than RULES_RE_MAX_DEPTH */
	};
	static const char *const good[] = {
		"match=^[a-z]{3,8}$", "match=^[^@]+@[^@]+$", "match=^(ab)+c?$",
		"match=^[+*?]+$", "match=^[]*]?x$",
		/* many quantifiers that do not multiply stay cheap */
		"match=a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*",
		"match=^([0-9]{1,3}\\.){3}[0-9]{1,3}$", "match=^[0-9]{1,255}$",
		"match=^[[:alpha:]][[:alnum:]_]*$",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct rules *rs = rules_new();
		struct diag dd;
		diag_init(&dd);
		assert_int_equal(rules_add(rs, "K", bad[i], "m.ini:1", &dd), 1);
		assert_non_null(strstr(dd.v[0].text, "too complex"));
		diag_free(&dd);
		rules_free(rs);
	}
	/* the messages say which limit; over RULES_RE_MAX_LEN bytes */
	char long_re[RULES_RE_MAX_LEN + 2];
	memset(long_re, 'a', sizeof long_re - 1);
	long_re[sizeof long_re - 1] = '\0';
	assert_string_equal(rules_regex_refusal(long_re), "longer than 512 bytes");
	long_re[RULES_RE_MAX_LEN] = '\0';
	assert_null(rules_regex_refusal(long_re));
	assert_string_equal(rules_regex_refusal("(a|b){1,256}"), "a bound above 255");
	assert_string_equal(rules_regex_refusal("a{2}*"), "a quantifier on a quantifier");
	assert_null(rules_regex_refusal("(a|b|c|d|e|f|g|h){1,125}"));
	assert_string_equal(rules_regex_refusal("(a|b|c|d|e|f|g|h|i){1,125}"),
			    "its bounds, nesting and alternatives unroll too far");
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct rules *rs = rules_new();
		struct diag dd;
		diag_init(&dd);
		assert_int_equal(rules_add(rs, "K", good[i], "m.ini:1", &dd), 0);
		diag_free(&dd);
		rules_free(rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(costly_regex_refused),
		cmocka_unit_test(predicates),
		cmocka_unit_test_setup_teardown(reserve_keeps_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_words, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_word_not_echoed, setup, teardown),
		cmocka_unit_test_setup_teardown(quoted_values, setup, teardown),
		cmocka_unit_test_setup_teardown(each_rule_fails_with_key_and_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(checks_in_table_order, setup, teardown),
		cmocka_unit_test_setup_teardown(good_values_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(stripped_and_empty_not_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(defaults_fill_unset_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_default_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(repeated_key_adds, setup, teardown),
		cmocka_unit_test_setup_teardown(require_without_strip_takes_all, setup, teardown),
		cmocka_unit_test_setup_teardown(require_with_strip_takes_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(null_rules_are_no_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(many_keys_stay_linear, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
