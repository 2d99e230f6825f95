/* Unit tests for envfile.c: golden fixtures, then loading from files. */
// OBJS: envfile interp envset diag fileio xalloc
#include "preamble.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "envfile.h"

/*
 * tests/fixtures/envfile/NAME.env is parsed, with NAME.environ (if any) as
 * the inherited environment. NAME.out lists the expected result in order,
 * NAME.err the expected errors, one "LINE SUBSTRING" per line. Both files
 * write values as KEY=VALUE with C-style escapes (\n \r \t \\ \xHH).
 */
#define MARKER "s3cr3t" /* fixtures put it in values; no message may */
#define MIN_CASES 60

static char fixdir[4096];

/* FIXTURES (as tests/run.sh sets it), else found from this file's path. */
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

/* Read PATH whole; NULL if it does not exist. */
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

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the escapes of the fixture format in place; returns the length. */
static size_t unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p != '\\' || !p[1]) {
			*o++ = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'x':
			*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
			break;
		default: *o++ = *p; break;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

/* Load a KEY=VALUE fixture file into S (in order). Returns -1 if absent. */
static int load_kv(const char *path, struct envset *s)
{
	size_t len;
	char *buf = slurp(path, &len);
	if (!buf)
		return -1;
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		unescape(line);
		size_t vlen = unescape(eq + 1);
		envset_set(s, line, eq + 1, vlen, ORIG_INHERITED, NULL);
	}
	free(buf);
	return 0;
}

static void show(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

/* Compare OUT with the expected set; report and count mismatches. */
static int check_out(const char *name, const char *path,
		     const struct envset *out, const struct envset *want)
{
	int bad = 0;
	size_t j = 0;
	char a[256], b[256];

	if (envset_count(out) != envset_count(want)) {
		fprintf(stderr, "%s: %zu keys, want %zu\n", name,
			envset_count(out), envset_count(want));
		bad++;
	}
	for (size_t i = 0; i < want->n && j <= out->n; i++, j++) {
		const struct envvar *w = &want->v[i];
		while (j < out->n && !envset_live(&out->v[j]))
			j++;
		if (j == out->n) {
			fprintf(stderr, "%s: missing %s\n", name, w->key);
			bad++;
			break;
		}
		const struct envvar *g = &out->v[j];
		if (strcmp(g->key, w->key) != 0 || g->len != w->len ||
		    memcmp(g->val, w->val, w->len) != 0) {
			show(g->val, g->len, a, sizeof a);
			show(w->val, w->len, b, sizeof b);
			fprintf(stderr, "%s: got %s=%s, want %s=%s\n", name,
				g->key, a, w->key, b);
			bad++;
		}
		if (g->origin != ORIG_ENVFILE || !g->source ||
		    strncmp(g->source, path, strlen(path)) != 0 ||
		    g->source[strlen(path)] != ':') {
			fprintf(stderr, "%s: %s: bad origin or source\n", name,
				g->key);
			bad++;
		}
	}
	return bad;
}

/* Compare the errors with NAME.err ("LINE SUBSTRING" lines). */
static int check_err(const char *name, const char *path, char *spec,
		     const struct diag *d)
{
	int bad = 0;
	size_t i = 0;

	for (char *line = spec, *next; line && *line; line = next, i++) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		if (i >= d->n) {
			fprintf(stderr, "%s: missing error at line %s\n", name,
				line);
			bad++;
			continue;
		}
		char *subj;
		if (asprintf(&subj, "%s:%s", path, line) < 0)
			fail();
		const struct diag_item *it = &d->v[i];
		if (!it->subject || strcmp(it->subject, subj) != 0 ||
		    !strstr(it->text, sp + 1)) {
			fprintf(stderr, "%s: got \"%s: %s\", want \"%s: ...%s...\"\n",
				name, it->subject ? it->subject : "(null)",
				it->text, subj, sp + 1);
			bad++;
		}
		free(subj);
	}
	if (i != d->n) {
		fprintf(stderr, "%s: %zu errors, want %zu\n", name, d->n, i);
		for (size_t k = 0; k < d->n; k++)
			fprintf(stderr, "  %s: %s\n", d->v[k].subject,
				d->v[k].text);
		bad++;
	}
	return bad;
}

/* Run fixture NAME (without .env). Returns the number of failed checks. */
static int run_case(const char *name)
{
	char path[4200], aux[4200];
	struct envset env, out, want;
	struct diag d;
	int bad = 0;

	envset_init(&env);
	envset_init(&out);
	envset_init(&want);
	diag_init(&d);
	snprintf(path, sizeof path, "%s/%s.env", fixdir, name);
	snprintf(aux, sizeof aux, "%s/%s.environ", fixdir, name);
	load_kv(aux, &env);

	int n = envfile_load(path, 0, &env, &out, &d);
	if (n < 0 || (size_t)n != d.nerrors) {
		fprintf(stderr, "%s: returned %d with %zu errors\n", name, n,
			d.nerrors);
		bad++;
	}

	snprintf(aux, sizeof aux, "%s/%s.out", fixdir, name);
	int have_out = load_kv(aux, &want) == 0;
	if (have_out)
		bad += check_out(name, path, &out, &want);

	size_t len;
	snprintf(aux, sizeof aux, "%s/%s.err", fixdir, name);
	char *spec = slurp(aux, &len);
	if (spec) {
		bad += check_err(name, path, spec, &d);
		free(spec);
	} else if (d.nerrors) { /* warnings (an unset variable) are fine */
		fprintf(stderr, "%s: unexpected error %s: %s\n", name,
			d.v[0].subject, d.v[0].text);
		bad++;
	}
	if (!spec && !have_out) {
		fprintf(stderr, "%s: neither .out nor .err\n", name);
		bad++;
	}

	/* No message may quote a value. */
	for (size_t i = 0; i < d.n; i++) {
		if (strstr(d.v[i].text, MARKER) ||
		    (d.v[i].subject && strstr(d.v[i].subject, MARKER))) {
			fprintf(stderr, "%s: message leaks a value: %s\n", name,
				d.v[i].text);
			bad++;
		}
	}

	diag_free(&d);
	envset_free(&env);
	envset_free(&out);
	envset_free(&want);
	return bad;
}

static int is_env(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 4 && strcmp(e->d_name + n - 4, ".env") == 0;
}

static void golden_fixtures(void **state)
{
	(void)state;
	struct dirent **list;
	int n = scandir(fixdir, &list, is_env, alphasort);
	int bad = 0;

	if (n < 0)
		fail_msg("cannot read %s", fixdir);
	for (int i = 0; i < n; i++) {
		list[i]->d_name[strlen(list[i]->d_name) - 4] = '\0';
		bad += run_case(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	assert_true(n >= MIN_CASES);
	assert_int_equal(bad, 0);
}

/* ---- direct tests -------------------------------------------------- */

static char tmpdir[64];

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_envfile.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	DIR *dir = opendir(tmpdir);
	struct dirent *e;
	char p[sizeof tmpdir + 260];
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	if (dir)
		closedir(dir);
	return rmdir(tmpdir);
}

static const char *write_tmp(const char *name, const char *text)
{
	static char p[4][256];
	static int k;
	char *path = p[k++ % 4];
	snprintf(path, sizeof p[0], "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *val(const struct envset *s, const char *key)
{
	const struct envvar *v = envset_get(s, key);
	return v ? v->val : NULL;
}

/* R1.2: later files override earlier ones and see their values. */
static void multiple_files(void **state)
{
	(void)state;
	struct envset env, out;
	struct diag d;
	envset_init(&env);
	envset_init(&out);
	diag_init(&d);
	envset_set(&env, "E", "e", 1, ORIG_INHERITED, NULL);

	const char *f1 = write_tmp("a.env", "A=1\nB=$A\nD=d1\n");
	const char *f2 = write_tmp("b.env",
				   "\xEF\xBB\xBF" "A=2\nC=${A}${B}$E\nB\nD\n");
	assert_int_equal(envfile_load(f1, 0, &env, &out, &d), 0);
	assert_int_equal(envfile_load(f2, 0, &env, &out, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&out), 4);
	assert_string_equal(out.v[0].key, "A");
	assert_string_equal(out.v[1].key, "B");
	assert_string_equal(out.v[2].key, "D");
	assert_string_equal(out.v[3].key, "C");
	assert_string_equal(val(&out, "A"), "2");
	assert_string_equal(val(&out, "B"), "1"); /* bare B: not in ENV */
	assert_string_equal(val(&out, "C"), "21e");
	assert_string_equal(val(&out, "D"), "d1");

	char want[300];
	const struct envvar *a = envset_get(&out, "A");
	snprintf(want, sizeof want, "%s:1", f2);
	assert_string_equal(a->source, want);
	snprintf(want, sizeof want, "%s:1", f1);
	assert_string_equal(a->overrode, want);
	diag_free(&d);
	envset_free(&env);
	envset_free(&out);
}

static void missing_file(void **state)
{
	(void)state;
	struct envset out;
	struct diag d;
	char path[300];
	envset_init(&out);
	diag_init(&d);
	snprintf(path, sizeof path, "%s/nope.env", tmpdir);

	assert_int_equal(envfile_load(path, 1, NULL, &out, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envfile_load(path, 0, NULL, &out, &d), 1);
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[0].subject, path);
	assert_string_equal(d.v[0].text, "cannot read env file: no such file");
	assert_int_equal(envset_count(&out), 0);
	diag_free(&d);
	envset_free(&out);
}

/* Not a regular file is an error even when a missing file is fine. */
static void directory_is_error(void **state)
{
	(void)state;
	struct envset out;
	struct diag d;
	envset_init(&out);
	diag_init(&d);
	assert_int_equal(envfile_load(tmpdir, 1, NULL, &out, &d), 1);
	assert_string_equal(d.v[0].subject, tmpdir);
	assert_non_null(strstr(d.v[0].text, "not a regular file"));
	diag_free(&d);
	envset_free(&out);
}

static void too_big_is_error(void **state)
{
	(void)state;
	struct envset out;
	struct diag d;
	char path[300];
	envset_init(&out);
	diag_init(&d);
	snprintf(path, sizeof path, "%s/big.env", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	/* sparse: costs no disk */
	assert_int_equal(ftruncate(fd, (off_t)ENVINIT_MAX_ENVFILE_SIZE + 1), 0);
	close(fd);

	assert_int_equal(envfile_load(path, 1, NULL, &out, &d), 1);
	assert_non_null(strstr(d.v[0].text, "too large"));
	assert_int_equal(envset_count(&out), 0);
	unlink(path);
	diag_free(&d);
	envset_free(&out);
}

/* Sources are NAME:LINE of where each entry starts. */
static void sources_and_lines(void **state)
{
	(void)state;
	static const char text[] = "A=1\n\nB=\"x\ny\" C='z'\r\n# c\nD\nexport E=5";
	struct envset env, out;
	struct diag d;
	envset_init(&env);
	envset_init(&out);
	diag_init(&d);
	envset_set(&env, "D", "dd", 2, ORIG_INHERITED, NULL);

	assert_int_equal(envfile_parse("mem", text, sizeof text - 1, &env,
				       &out, &d), 0);
	assert_string_equal(envset_get(&out, "A")->source, "mem:1");
	assert_string_equal(envset_get(&out, "B")->source, "mem:3");
	assert_string_equal(envset_get(&out, "C")->source, "mem:4");
	assert_string_equal(envset_get(&out, "D")->source, "mem:6");
	assert_string_equal(envset_get(&out, "E")->source, "mem:7");
	assert_int_equal(envset_get(&out, "D")->origin, ORIG_ENVFILE);
	diag_free(&d);
	envset_free(&env);
	envset_free(&out);
}

/* With no ENV, a bare key sets nothing and interpolation reads OUT. */
static void null_env(void **state)
{
	(void)state;
	static const char text[] = "A=1\nB=${A}2\nPATH\n";
	struct envset out;
	struct diag d;
	envset_init(&out);
	diag_init(&d);
	assert_int_equal(envfile_parse("mem", text, sizeof text - 1, NULL,
				       &out, &d), 0);
	assert_string_equal(val(&out, "B"), "12");
	assert_null(envset_get(&out, "PATH"));
	diag_free(&d);
	envset_free(&out);
}

/* R6.1.9: long values, unquoted and quoted. */
static void long_value(void **state)
{
	(void)state;
	size_t n = 70000;
	char *text = malloc(2 * n + 64);
	size_t o = 0;
	memcpy(text + o, "A=", 2), o += 2;
	memset(text + o, 'x', n), o += n;
	memcpy(text + o, "\nB=\"", 4), o += 4;
	for (size_t i = 0; i < n; i++)
		text[o++] = i % 100 == 99 ? '\n' : 'y';
	memcpy(text + o, "\"\nC=3\n", 6), o += 6;

	struct envset out;
	struct diag d;
	envset_init(&out);
	diag_init(&d);
	assert_int_equal(envfile_parse("mem", text, o, NULL, &out, &d), 0);
	assert_int_equal(envset_get(&out, "A")->len, n);
	assert_int_equal(envset_get(&out, "B")->len, n);
	assert_int_equal(envset_get(&out, "B")->val[99], '\n');
	assert_string_equal(envset_get(&out, "C")->source, "mem:703");
	free(text);
	diag_free(&d);
	envset_free(&out);
}

/* 100k keys, each referring to the one before: must stay linear. */
static void many_keys(void **state)
{
	(void)state;
	size_t cnt = 100000, cap = cnt * 40, o = 0;
	char *text = malloc(cap);
	o += (size_t)snprintf(text, cap, "K0=v\n");
	for (size_t i = 1; i < cnt; i++)
		o += (size_t)snprintf(text + o, cap - o, "K%zu=${K%zu:-x}\n", i,
				      i - 1);

	struct envset out;
	struct diag d;
	envset_init(&out);
	diag_init(&d);
	assert_int_equal(envfile_parse("mem", text, o, NULL, &out, &d), 0);
	assert_int_equal(envset_count(&out), cnt);
	assert_string_equal(val(&out, "K99999"), "v");
	assert_string_equal(envset_get(&out, "K99999")->source, "mem:100000");
	free(text);
	diag_free(&d);
	envset_free(&out);
}

/* Interpolation errors do not stop the file; each is counted. */
static void errors_counted(void **state)
{
	(void)state;
	static const char text[] = "A=${U:?}\nB=${\nC=ok\nD E=1\nF=2\n";
	struct envset out;
	struct diag d;
	envset_init(&out);
	diag_init(&d);
	diag_error(&d, "earlier", NULL, "an earlier error");
	assert_int_equal(envfile_parse("mem", text, sizeof text - 1, NULL,
				       &out, &d), 3);
	assert_int_equal(d.nerrors, 4);
	assert_string_equal(val(&out, "C"), "ok");
	assert_null(envset_get(&out, "F"));
	assert_string_equal(d.v[3].subject, "mem:4");
	diag_free(&d);
	envset_free(&out);
}

/* Billion laughs: each line repeats the one before; expansion is capped. */
static void interpolation_cannot_explode(void **state)
{
	(void)state;
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "L0=%0100d\n", 0);
	for (int i = 1; i <= 12; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
				      "L%d=${L%d}${L%d}${L%d}${L%d}${L%d}${L%d}${L%d}${L%d}\n",
				      i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	struct envset out;
	struct diag d;
	envset_init(&out);
	diag_init(&d);
	int errs = envfile_parse("laughs.env", text, n, NULL, &out, &d);
	assert_true(errs > 0);
	assert_non_null(strstr(d.v[0].text, "grows beyond 1 MiB"));
	/* 100 * 8^5 bytes is over the cap: L5 and later are dropped */
	assert_non_null(envset_get(&out, "L4"));
	assert_null(envset_get(&out, "L5"));
	envset_free(&out);
	diag_free(&d);
}

int main(void)
{
	find_fixtures();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(interpolation_cannot_explode),
		cmocka_unit_test(golden_fixtures),
		cmocka_unit_test(multiple_files),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(directory_is_error),
		cmocka_unit_test(too_big_is_error),
		cmocka_unit_test(sources_and_lines),
		cmocka_unit_test(null_env),
		cmocka_unit_test(long_value),
		cmocka_unit_test(many_keys),
		cmocka_unit_test(errors_counted),
	};
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
