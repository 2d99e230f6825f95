/*
 * Regression: `seal --in-place` must stay linear in the size of the file.
 *
 * entry_span() in seal.c grows an entry's span one line at a time and
 * parses the whole span again after each line, so a quoted value of L
 * lines costs O(L^2): measured with the release binary, 5,000 lines take
 * 0.3 s, 20,000 lines 5 s, and an env file near the 64 MiB cap would take
 * hours ("never hang"). Here 20,000 lines must be sealed within 5 s (a
 * linear scan takes milliseconds, even under ASan).
 *
 * Regression: sealing a key must not change the value of another key.
 * Interpolation runs when the file is parsed, sealed values are opened
 * after that, so once DB_PASSWORD is sealed, an entry
 * DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app gets the sealed text
 * (enc:v1:...) instead of the password, and seal --in-place reports
 * success. Found by an exploratory fuzz harness for seal --in-place (the
 * file parsed and its sealed values opened must give every key the value
 * it had before). Either refusing (naming the entry that uses the key) or
 * keeping the values satisfies this test.
 *
 * Regression: an entry that starts on the line where another entry's
 * quoted value ends (NOTE="a\nb"TOKEN=x: compose reads TOKEN after the
 * closing quote) was taken to begin at the start of that line, and the
 * whole line was replaced: the closing quote went with it and the file no
 * longer parsed. Found by fuzz_sealfile (10M-execution campaign, minimized
 * to A="\nB:1"B=). Now refused, naming the line, the file unchanged; and a
 * rewrite that would change any other entry is never written (the second
 * case gets past the first check: alone, its line gives B the same value).
 */
// OBJS: seal sealfile config options envfile interp envset diag fileio xalloc
#include "preamble.h"

#include <fcntl.h>
#include <signal.h>

#include "envfile.h"
#include "seal.h"
#include "sealfile.h"

#define LINES 20000
#define LIMIT 5 /* seconds */

static void too_slow(int sig)
{
	static const char msg[] = "seal --in-place: over 5 s for one quoted "
				  "value of 20000 lines (quadratic)\n";
	(void)sig;
	ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)w;
	_exit(1);
}

/* A scratch directory with a key pair: PATH is DIR/FILE, KEY the private
 * key file, PUB the public key line. */
struct scratch {
	char dir[40], path[64], key[64];
	char *pub;
};

static void scratch_init(struct scratch *w, const char *file, struct diag *d)
{
	snprintf(w->dir, sizeof w->dir, "/tmp/envinit-regress-seal-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->path, sizeof w->path, "%s/%s", w->dir, file);
	snprintf(w->key, sizeof w->key, "%s/k", w->dir);
	diag_init(d);
	assert_int_equal(seal_keygen(w->key, &w->pub, d), 0);
	w->pub[strcspn(w->pub, "\n")] = '\0';
}

static void scratch_done(struct scratch *w, struct diag *d)
{
	free(w->pub);
	diag_free(d);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
	assert_int_equal(system(cmd), 0);
}

static void long_quoted_value_is_linear(void **state)
{
	(void)state;
	struct scratch w;
	struct diag d;
	scratch_init(&w, "big.env", &d);

	FILE *f = fopen(w.path, "w");
	assert_non_null(f);
	fputs("A=1\nKEY=\"start\n", f);
	for (int i = 0; i < LINES; i++)
		fprintf(f, "line %d of a long certificate\n", i);
	fputs("end\"\nB=2\n", f);
	assert_int_equal(fclose(f), 0);

	char *names[] = { "KEY" };
	signal(SIGALRM, too_slow);
	alarm(LIMIT);
	int rc = seal_in_place(w.pub, w.path, names, 1, &d);
	alarm(0);
	assert_int_equal(rc, 0);
	assert_int_equal(d.nerrors, 0);

	scratch_done(&w, &d);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

/* The env file TEXT parsed with no inherited environment, sealed values
 * opened with KEYFILE. */
static void assemble_text(const char *text, size_t len, const char *keyfile,
			  struct envset *out)
{
	struct diag d;
	struct strlist keys = { 0 };
	diag_init(&d);
	strlist_add(&keys, keyfile);
	assert_int_equal(envfile_parse("f.env", text, len, NULL, out, &d), 0);
	assert_int_equal(seal_open_all(&keys, out, &d), 0);
	strlist_free(&keys);
	diag_free(&d);
}

static void sealing_keeps_other_values(void **state)
{
	(void)state;
	struct scratch w;
	struct diag d;
	scratch_init(&w, "app.env", &d);

	static const char text[] =
		"DB_PASSWORD=hunter2\n"
		"DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n";
	FILE *f = fopen(w.path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);

	char *names[] = { "DB_PASSWORD" };
	int rc = seal_in_place(w.pub, w.path, names, 1, &d);
	size_t len;
	char *after = read_all(w.path, &len);
	if (rc != 0) {
		/* refused: the file must be as it was */
		assert_string_equal(after, text);
	} else {
		struct envset before, now;
		envset_init(&before);
		envset_init(&now);
		assemble_text(text, sizeof text - 1, w.key, &before);
		assemble_text(after, len, w.key, &now);
		const struct envvar *a = envset_get(&before, "DATABASE_URL");
		const struct envvar *b = envset_get(&now, "DATABASE_URL");
		assert_non_null(a);
		assert_non_null(b);
		if (strcmp(a->val, b->val) != 0)
			print_error("seal --in-place DB_PASSWORD changed "
				    "DATABASE_URL to [%s]\n", b->val);
		assert_string_equal(b->val, a->val);
		envset_free(&before);
		envset_free(&now);
	}
	free(after);
	scratch_done(&w, &d);
}

/* seal_in_place(NAME) on TEXT must fail with 78, leave the file as it
 * was, and report WANT (in the message and, when LINE, at f.env:LINE). */
static void refused(const char *text, char *name, const char *want, int line)
{
	struct scratch w;
	struct diag d;
	scratch_init(&w, "f.env", &d);
	FILE *f = fopen(w.path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);

	char *names[] = { name };
	assert_int_equal(seal_in_place(w.pub, w.path, names, 1, &d), EXIT_CONFIG);
	size_t len;
	char *after = read_all(w.path, &len);
	assert_string_equal(after, text);
	int seen = 0;
	char where[80];
	snprintf(where, sizeof where, "%s:%d", w.path, line);
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].level == DIAG_ERROR && strstr(d.v[i].text, want) &&
		    (!line || (d.v[i].source && !strcmp(d.v[i].source, where))))
			seen = 1;
	if (!seen)
		print_error("no error [%s] at line %d\n", want, line);
	assert_true(seen);
	free(after);
	scratch_done(&w, &d);
}

static void entry_after_a_closing_quote_is_refused(void **state)
{
	(void)state;
	refused("NOTE=\"first line\nsecond line\"TOKEN=abc\n", "TOKEN",
		"shares its line with another entry", 2);
	/* the input fuzz_sealfile found, minimized */
	refused("A=\"\nB:1\"B=\nKEY=\n", "B",
		"shares its line with another entry", 2);
}

static void rewrite_changing_another_entry_is_not_written(void **state)
{
	(void)state;
	/* alone, line 2 sets B=v (the rest is a comment); in the file the
	 * quote in that comment closes A's value: rewriting line 2 would
	 * change A and leave B unsealed */
	refused("A=\"x\nB=v #\"B=v\nC=1\n", "B",
		"sealing in place would change another entry", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sealing_keeps_other_values),
		cmocka_unit_test(long_quoted_value_is_linear),
		cmocka_unit_test(entry_after_a_closing_quote_is_refused),
		cmocka_unit_test(rewrite_changing_another_entry_is_not_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
