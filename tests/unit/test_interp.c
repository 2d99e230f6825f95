/* Unit tests for interp.c: compose interpolation (docs/envfile.md R7). */
// OBJS: envfile interp envset diag fileio xalloc
#include "preamble.h"

#include "interp.h"

/*
 * ENV holds E (set, empty), N=n, and A=env-a; OUT holds A=out-a, O=o and
 * N=out-n, so a name found in both shows which one the lookup took.
 */
static struct envset env, out;

static int setup(void **state)
{
	(void)state;
	envset_init(&env);
	envset_init(&out);
	envset_set(&env, "E", "", 0, ORIG_INHERITED, NULL);
	envset_set(&env, "N", "n", 1, ORIG_INHERITED, NULL);
	envset_set(&env, "A", "env-a", 5, ORIG_INHERITED, NULL);
	envset_set(&env, "D", "$B", 2, ORIG_INHERITED, NULL);
	envset_set(&out, "A", "out-a", 5, ORIG_ENVFILE, NULL);
	envset_set(&out, "O", "o", 1, ORIG_ENVFILE, NULL);
	envset_set(&out, "N", "out-n", 5, ORIG_ENVFILE, NULL);
	envset_set(&out, "OE", "", 0, ORIG_ENVFILE, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	envset_free(&env);
	envset_free(&out);
	return 0;
}

/* Expand T; returns a static copy of the result, or NULL on error. */
static const char *ex(const char *t, struct interp_error *err)
{
	static char res[4096];
	struct interp_buf b = {0};
	struct interp_error e;
	enum interp_status st = interp_expand(t, strlen(t), &env, &out, &b,
					      err ? err : &e);
	if (st != INTERP_OK) {
		interp_buf_wipe(&b);
		return NULL;
	}
	assert_true(b.len < sizeof res);
	memcpy(res, b.p ? b.p : "", b.len);
	res[b.len] = '\0';
	interp_buf_wipe(&b);
	return res;
}

#define EXPECT(t, want) assert_string_equal(ex((t), NULL), (want))

static void expect_invalid(const char *t, const char *why)
{
	struct interp_error e;
	if (ex(t, &e)) {
		print_error("\"%s\" expanded, want an error\n", t);
		fail();
	}
	assert_int_equal(e.status, INTERP_INVALID);
	if (why && !strstr(e.why, why)) {
		print_error("\"%s\": %s, want %s\n", t, e.why, why);
		fail();
	}
}

static void expect_required(const char *t, const char *name, const char *msg)
{
	struct interp_error e;
	assert_null(ex(t, &e));
	assert_int_equal(e.status, INTERP_REQUIRED);
	assert_int_equal(e.namelen, strlen(name));
	assert_memory_equal(e.name, name, e.namelen);
	assert_int_equal(e.msglen, strlen(msg));
	assert_memory_equal(e.msg, msg, e.msglen);
}

static void plain_text(void **state)
{
	(void)state;
	EXPECT("", "");
	EXPECT("hello world", "hello world");
	EXPECT("{}}{", "{}}{");
}

/* R7.1 `$NAME`: the longest [A-Za-z_][A-Za-z0-9_]* */
static void simple_names(void **state)
{
	(void)state;
	EXPECT("$N", "n");
	EXPECT("${N}", "n");
	EXPECT("x$N-y", "xn-y");
	EXPECT("$N_X", "");  /* the name is N_X, unset */
	EXPECT("$N-X", "n-X");
	EXPECT("${N}_X", "n_X");
	EXPECT("$U", "");    /* unset: empty */
	EXPECT("$E|${E}", "|");
	EXPECT("$N$N", "nn");
}

static void dollar_dollar(void **state)
{
	(void)state;
	EXPECT("$$", "$");
	EXPECT("$$N", "$N");
	EXPECT("$$$N", "$n");
	EXPECT("$$$$", "$$");
	EXPECT("$${N}", "${N}");
}

/* R7.1: a `$` not followed by a name, `{` or `$` is literal. */
static void literal_dollars(void **state)
{
	(void)state;
	EXPECT("$1 $- $} $", "$1 $- $} $");
	EXPECT("$", "$");
	EXPECT("a$ b", "a$ b");
	EXPECT("$\xc3\x84", "$\xc3\x84");
	EXPECT("$.x", "$.x");
}

/* R7.2, row by row: unset / set empty / set non-empty. */
static void operator_table(void **state)
{
	(void)state;
	EXPECT("${U:-w}|${E:-w}|${N:-w}", "w|w|n");
	EXPECT("${U-w}|${E-w}|${N-w}", "w||n");
	EXPECT("${U:+w}|${E:+w}|${N:+w}", "||w");
	EXPECT("${U+w}|${E+w}|${N+w}", "|w|w");
	expect_required("${U:?m}", "U", "m");
	expect_required("${E:?m}", "E", "m");
	EXPECT("${N:?m}", "n");
	expect_required("${U?m}", "U", "m");
	EXPECT("${E?m}", "");
	EXPECT("${N?m}", "n");
	/* empty WORD */
	EXPECT("${U:-}|${N:+}", "|");
	expect_required("${U?}", "U", "");
	expect_required("${U:?}", "U", "");
}

/* R7.3: nested templates in WORD. */
static void nesting(void **state)
{
	(void)state;
	EXPECT("${U:-${V:-deep}}", "deep");
	EXPECT("${U:-${N}}", "n");
	EXPECT("${N:+<${N}>}", "<n>");
	EXPECT("${U:-$N$N}", "nn");
	EXPECT("${U:-a${V:-b${W:-c}d}e}", "abcde");
	EXPECT("${U:-${V:+x}y}", "y");
	EXPECT("${U:-$$}", "$");
}

/* R7.3: WORD is expanded only when used. */
static void lazy(void **state)
{
	(void)state;
	EXPECT("${N:-${B:?boom}}", "n");
	EXPECT("${U:+${B:?boom}}", "");
	EXPECT("${N-${B?boom}}", "n");
	/* the message itself is not expanded, so it cannot fire */
	expect_required("${U:?${B:?inner}}", "U", "${B:?inner}");
	/* used: fires */
	expect_required("${U:-${B:?boom}}", "B", "boom");
	expect_required("x${N:+${B?b}}", "B", "b");
}

/* R7.3: braces are counted to find WORD's end. */
static void braces(void **state)
{
	(void)state;
	EXPECT("${U:-{\"k\":1}}", "{\"k\":1}");
	EXPECT("${N:-{\"k\":1}}", "n");
	EXPECT("${U:-x}y}", "xy}");
	EXPECT("${U:-/x:-y}", "/x:-y");
	EXPECT("${U:-a{b{c}}d}", "a{b{c}}d");
	EXPECT("${U:-$}}", "$}");
	EXPECT("${U:-{}}", "{}");
	EXPECT("${U:-a b: c}", "a b: c");
}

/* R7.3: the operator right after the name wins. */
static void earliest_operator(void **state)
{
	(void)state;
	EXPECT("${U-x:-y}", "x:-y");
	EXPECT("${E-x:-y}", "");
	EXPECT("${U:-x-y}", "x-y");
	EXPECT("${U+x:-y}", "");
	EXPECT("${N+x:-y}", "x:-y");
	expect_required("${U?m:-x}", "U", "m:-x");
	EXPECT("${N?m:-x}", "n");
}

/* R7.1: malformed templates are errors. */
static void invalid_templates(void **state)
{
	(void)state;
	expect_invalid("${}", "variable name");
	expect_invalid("${ A}", "variable name");
	expect_invalid("${A B}", "unexpected character");
	expect_invalid("${A", "missing '}'");
	expect_invalid("${", "missing '}'");
	expect_invalid("x${A.B}", "unexpected character");
	expect_invalid("${A:=x}", "unsupported operator");
	expect_invalid("${A:}", "unsupported operator");
	expect_invalid("${A:", "missing '}'");
	expect_invalid("${#A}", "variable name");
	expect_invalid("${A/x/y}", "unexpected character");
	expect_invalid("${1}", "variable name");
	expect_invalid("${A:-x", "missing '}'");
	expect_invalid("${A:-{x}", "missing '}'");
	expect_invalid("${A%x}", "unexpected character");
	/* checked even where unused, so the outcome cannot depend on ENV */
	expect_invalid("${N:-${}}", NULL);
	expect_invalid("${U:+${A B}}", NULL);
	expect_invalid("${U?${}}", NULL);
	/* after an expansion that worked */
	expect_invalid("$N ${N} ${", NULL);
}

static void nesting_depth(void **state)
{
	(void)state;
	char t[2048];
	size_t o = 0;
	int d;

	for (d = 0; d < INTERP_MAX_DEPTH; d++)
		o += (size_t)sprintf(t + o, "${U:-");
	o += (size_t)sprintf(t + o, "x");
	for (d = 0; d < INTERP_MAX_DEPTH; d++)
		t[o++] = '}';
	t[o] = '\0';
	EXPECT(t, "x");

	o = 0;
	for (d = 0; d <= INTERP_MAX_DEPTH; d++)
		o += (size_t)sprintf(t + o, "${U:-");
	t[o++] = 'x';
	for (d = 0; d <= INTERP_MAX_DEPTH; d++)
		t[o++] = '}';
	t[o] = '\0';
	expect_invalid(t, "nested too deeply");
}

/* R7.4: ENV first, then OUT; set-but-empty in ENV still wins. */
static void lookup_order(void **state)
{
	(void)state;
	EXPECT("$A", "env-a");
	EXPECT("$O", "o");
	EXPECT("${N:-x}", "n");
	EXPECT("${OE-x}|${OE:-x}", "|x");

	struct envset e2;
	envset_init(&e2);
	envset_set(&e2, "O", "", 0, ORIG_INHERITED, NULL);
	struct interp_buf b = {0};
	struct interp_error err;
	assert_int_equal(interp_expand("[${O-x}]", 8, &e2, &out, &b, &err),
			 INTERP_OK);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.p, "[]", 2);
	/* NULL sets are fine */
	b.len = 0;
	assert_int_equal(interp_expand("$O", 2, NULL, &out, &b, &err),
			 INTERP_OK);
	assert_memory_equal(b.p, "o", 1);
	b.len = 0;
	assert_int_equal(interp_expand("$O|$N", 5, &env, NULL, &b, &err),
			 INTERP_OK);
	assert_memory_equal(b.p, "|n", 2);
	interp_buf_wipe(&b);
	envset_free(&e2);
}

/* R7.5: a looked-up value is never scanned again. */
static void no_rescan(void **state)
{
	(void)state;
	EXPECT("$D", "$B");
	EXPECT("${U:-$D}", "$B");
}

/* Any byte, NUL included, passes through; results append. */
static void bytes_and_append(void **state)
{
	(void)state;
	struct interp_buf b = {0};
	struct interp_error err;
	interp_buf_add(&b, "pre:", 4);
	assert_int_equal(interp_expand("a\0$N\n\xff", 6, &env, &out, &b, &err),
			 INTERP_OK);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.p, "pre:a\0n\n\xff", 9);
	interp_buf_wipe(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);

	/* growing keeps the content */
	for (int i = 0; i < 1000; i++)
		interp_buf_add(&b, "0123456789", 10);
	assert_int_equal(b.len, 10000);
	assert_memory_equal(b.p + 9990, "0123456789", 10);
	interp_buf_wipe(&b);
}

static void messages(void **state)
{
	(void)state;
	struct interp_error e;
	char *m;

	assert_null(ex("${U:?set U in .env}", &e));
	m = interp_strerror(&e, "KEY");
	assert_string_equal(m, "required variable U is missing a value (in KEY): set U in .env");
	free(m);
	m = interp_strerror(&e, NULL);
	assert_string_equal(m, "required variable U is missing a value: set U in .env");
	free(m);

	assert_string_equal(ex("${E?}", &e), "");
	assert_null(ex("${U?}", &e));
	m = interp_strerror(&e, "K");
	assert_string_equal(m, "required variable U is missing a value (in K)");
	free(m);

	/* the message as written: no expansion, controls masked */
	assert_null(ex("${U:?need $N\tnow\n}", &e));
	m = interp_strerror(&e, "K");
	assert_string_equal(m, "required variable U is missing a value (in K): need $N?now?");
	free(m);

	/* cut to INTERP_MSG_MAX bytes, not inside a UTF-8 character */
	char t[300];
	memcpy(t, "${U?", 4);
	memset(t + 4, 'a', 99);
	memcpy(t + 103, "\xc3\xa9\xc3\xa9}", 5);
	t[108] = '\0';
	assert_null(ex(t, &e));
	m = interp_strerror(&e, "K");
	assert_non_null(strstr(m, ": aaaa"));
	assert_int_equal(strlen(strstr(m, ": ") + 2), 99 + 3);
	assert_string_equal(m + strlen(m) - 4, "a...");
	free(m);

	assert_null(ex("${A B}", &e));
	m = interp_strerror(&e, "KEY");
	assert_string_equal(m, "invalid interpolation syntax in the value of KEY: unexpected character after the variable name");
	free(m);
}

/* Expand T with a trace; FROM and UNSET are what it recorded. */
static void traced(const char *t, const char *from, const char *unset)
{
	struct interp_buf b = {0};
	struct interp_error e;
	struct interp_trace tr = {0};
	assert_int_equal(interp_expand_traced(t, strlen(t), &env, &out, &b, &e, &tr),
			 INTERP_OK);
	assert_int_equal(tr.from.len, strlen(from));
	assert_memory_equal(tr.from.p ? tr.from.p : "", from, strlen(from));
	assert_int_equal(tr.unset.len, strlen(unset));
	assert_memory_equal(tr.unset.p ? tr.unset.p : "", unset, strlen(unset));
	interp_buf_wipe(&b);
	interp_trace_free(&tr);
}

/* Taint follows whichever set supplied the value; only bare unset names
 * are reported as unset. */
static void trace_records_sources(void **state)
{
	(void)state;
	traced("$A ${O}", "A,O", "");
	traced("$A$A${A:-x}", "A", "");
	traced("${MISSING}$M2 ${M3:-d} ${M4-d} ${M5:+a} ${O:+alt}", "", "MISSING,M2");
	traced("${OE:-$N}", "N", "");      /* the default's variable is used */
	traced("${O:-$N}", "O", "");       /* the default is not */
	traced("$$A '$E'", "E", "");
	/* transitive: a value of OUT carries what it was built from */
	envset_get(&out, "O")->from = xstrdup("SECRET_1,X");
	traced("x$O", "O,SECRET_1,X", "");
	/* ENV wins a lookup, so ENV's variable (no from) is the source */
	envset_get(&out, "N")->from = xstrdup("HIDDEN");
	traced("$N", "N", "");
	free(envset_get(&out, "O")->from);
	free(envset_get(&out, "N")->from);
	envset_get(&out, "O")->from = envset_get(&out, "N")->from = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_text),
		cmocka_unit_test(trace_records_sources),
		cmocka_unit_test(simple_names),
		cmocka_unit_test(dollar_dollar),
		cmocka_unit_test(literal_dollars),
		cmocka_unit_test(operator_table),
		cmocka_unit_test(nesting),
		cmocka_unit_test(lazy),
		cmocka_unit_test(braces),
		cmocka_unit_test(earliest_operator),
		cmocka_unit_test(invalid_templates),
		cmocka_unit_test(nesting_depth),
		cmocka_unit_test(lookup_order),
		cmocka_unit_test(no_rescan),
		cmocka_unit_test(bytes_and_append),
		cmocka_unit_test(messages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
