/*
 * Unit tests for envfile_scan_keys (the key-only scan --require-from uses):
 * for every env-file fixture it yields exactly the keys envfile_parse sets
 * with no inherited environment, and exactly its errors.
 */
// OBJS: envfile interp envset diag fileio xalloc
#include "preamble.h"

#include <dirent.h>

#include "envfile.h"

static char fixdir[4096];

static void find_fixtures(void)
{
	const char *f = getenv("FIXTURES");
	if (f) {
		snprintf(fixdir, sizeof fixdir, "%s/envfile", f);
		return;
	}
	const char *slash = strrchr(__FILE__, '/');
	int len = slash ? (int)(slash - __FILE__) : 1;
	snprintf(fixdir, sizeof fixdir, "%.*s/../fixtures/envfile", len,
		 slash ? __FILE__ : ".");
}

/* The keys yielded, one per line. */
struct keys {
	char buf[65536];
	size_t len;
};

static void add_key(void *ctx, const char *key)
{
	struct keys *k = ctx;
	k->len += (size_t)snprintf(k->buf + k->len, sizeof k->buf - k->len,
				   "%s\n", key);
	assert_true(k->len < sizeof k->buf);
}

/* "SUBJECT: TEXT" of every item, one per line. */
static void diag_text(const struct diag *d, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < d->n; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s: %s\n",
				      d->v[i].subject ? d->v[i].subject : "-",
				      d->v[i].text);
	assert_true(n < cap);
}

static struct keys scanned, parsed;
static char scan_err[16384], parse_err[16384];

/* Compare the scan with the full parse on BUF; returns 0 if they agree. */
static int compare(const char *name, const char *buf, size_t len)
{
	struct diag ds, dp;
	struct envset out;

	diag_init(&ds);
	diag_init(&dp);
	envset_init(&out);
	scanned.len = parsed.len = 0;
	scanned.buf[0] = parsed.buf[0] = '\0';
	int ns = envfile_scan_keys(name, buf, len, &ds, add_key, &scanned);
	int np = envfile_parse(name, buf, len, NULL, &out, &dp);
	for (size_t i = 0; i < out.n; i++)
		if (envset_live(&out.v[i]))
			add_key(&parsed, out.v[i].key);
	diag_text(&ds, scan_err, sizeof scan_err);
	diag_text(&dp, parse_err, sizeof parse_err);
	int bad = ns != np || strcmp(scanned.buf, parsed.buf) != 0 ||
		  strcmp(scan_err, parse_err) != 0;
	if (bad)
		fprintf(stderr, "%s: scan gave\n%s%s(%d), parse gave\n%s%s(%d)\n",
			name, scanned.buf, scan_err, ns, parsed.buf, parse_err, np);
	diag_free(&ds);
	diag_free(&dp);
	envset_free(&out);
	return bad;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, r;
	char *buf = malloc(cap + 1);
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int is_env(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 4 && strcmp(e->d_name + n - 4, ".env") == 0;
}

static void every_fixture(void **state)
{
	(void)state;
	struct dirent **list;
	int n = scandir(fixdir, &list, is_env, alphasort);
	int bad = 0;

	if (n < 0)
		fail_msg("cannot read %s", fixdir);
	for (int i = 0; i < n; i++) {
		char path[4400];
		size_t len;
		snprintf(path, sizeof path, "%s/%s", fixdir, list[i]->d_name);
		char *buf = slurp(path, &len);
		assert_non_null(buf);
		bad += compare(list[i]->d_name, buf, len);
		free(buf);
		free(list[i]);
	}
	free(list);
	assert_true(n >= 60);
	assert_int_equal(bad, 0);
}

#define SCAN(text) compare("x.env", text, sizeof text - 1)

/* The key-only path: repeats once, in first order; bare keys set nothing. */
static void keys_only(void **state)
{
	(void)state;
	assert_int_equal(SCAN("export A=1\nB='x\ny'\nBARE\nA=2 # c $X\n"
			      "C: \"multi\nline\"\n D.x-[1] = 1\n"), 0);
	assert_string_equal(scanned.buf, "A\nB\nC\nD.x-[1]\n");
	assert_string_equal(scan_err, "");
}

/* A syntax error: the same error at the same line, and the keys before. */
static void syntax_error_same(void **state)
{
	(void)state;
	assert_int_equal(SCAN("A=1\nB C=2\nD=3\n"), 0);
	assert_string_equal(scanned.buf, "A\n");
	assert_string_equal(scan_err, "x.env:2: key cannot contain a space\n");
	assert_int_equal(SCAN("A=1\nB=\"open\n"), 0);
	assert_string_equal(scanned.buf, "A\n");
	assert_string_equal(scan_err, "x.env:2: unterminated double-quoted value\n");
}

/* Values only the full parser can judge: its errors, its keys. */
static void value_errors_same(void **state)
{
	(void)state;
	assert_int_equal(SCAN("A=1\nB=${A:?}\nC=${NOPE:?gone}\nD=\"\\$x\"\nE=${\n"), 0);
	assert_string_equal(scanned.buf, "A\nB\nD\n");
	assert_string_equal(scan_err, parse_err);
	assert_int_equal(SCAN("A=1\nB=\"\\000\"\nC=2\n"), 0);
	assert_string_equal(scanned.buf, "A\nB\nC\n");
	static const char nul[] = "A=x\0y\nB=1\n";
	assert_int_equal(compare("x.env", nul, sizeof nul - 1), 0);
	assert_string_equal(scanned.buf, "B\n");
}

/* A missing file is an error naming it. */
static void missing_file(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	scanned.len = 0;
	assert_int_equal(envfile_load_keys("/nonexistent/x.env", &d, add_key,
					   &scanned), 1);
	assert_int_equal(scanned.len, 0);
	diag_text(&d, scan_err, sizeof scan_err);
	assert_string_equal(scan_err,
			    "/nonexistent/x.env: cannot read env file: no such file\n");
	diag_free(&d);
}

int main(void)
{
	find_fixtures();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fixture),
		cmocka_unit_test(keys_only),
		cmocka_unit_test(syntax_error_same),
		cmocka_unit_test(value_errors_same),
		cmocka_unit_test(missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
