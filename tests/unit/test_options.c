/*
 * Unit tests for options.c: the one option table, walked row by row. A new
 * row is covered here without touching this file unless its argument is
 * checked (then give a good one in samples[] below).
 */
// OBJS: options cli manifest rules config diag envset fileio xalloc
#include "preamble.h"

#include "cli.h"
#include "manifest.h"
#include "options.h"

/* A good argument for an option whose argument is checked; any other
 * option gets DEFAULT_SAMPLE (a split list: two items). */
static const struct {
	const char *name, *value;
} samples[] = {
	{ "max-value-size", "64K" },
	{ "wait", "3" },
	{ "grace", "5" },
	{ "rename", "db_password=DB_PASSWORD" },
	{ "rewrite", "TERM:QUIT" },
	{ "remap-exit", "143:0" },
	{ "watch", "signal:HUP" },
	{ "format", "json" },
};
#define DEFAULT_SAMPLE "A_1,B_2"

static const char *sample(const struct opt *o)
{
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
		if (o->name && strcmp(samples[i].name, o->name) == 0)
			return samples[i].value;
	return DEFAULT_SAMPLE;
}

static void dump(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);
		print_message("  got: %s\n", s);
		free(s);
	}
}

/* Whether O's field of C holds anything a fresh config does not. */
static int field_set(const struct opt *o, const struct config *c)
{
	const char *p = (const char *)c + o->off;
	switch (o->field) {
	case OF_NONE:
	case OF_SWITCH:
		return *(const int *)(const void *)p != 0;
	case OF_FLAG:
		return *(const int *)(const void *)p != UNSET;
	case OF_NUM:
		return *(const long long *)(const void *)p != UNSET;
	case OF_STR:
		return *(char *const *)(const void *)p != NULL;
	case OF_LIST:
		return ((const struct strlist *)(const void *)p)->n > 0;
	case OF_SRCS:
		return ((const struct srclist *)(const void *)p)->n > 0;
	case OF_MODE:
		return c->mode != RUN_AUTO;
	case OF_FORMAT:
		return c->format_set;
	case OF_WATCH:
		return c->watch_set;
	}
	return 0;
}

/* Assert that O's field is the same in A and B. */
static void same_field(const struct opt *o, const struct config *a,
		       const struct config *b)
{
	const char *pa = (const char *)a + o->off, *pb = (const char *)b + o->off;
	switch (o->field) {
	case OF_NONE:
	case OF_SWITCH:
	case OF_FLAG:
		assert_int_equal(*(const int *)(const void *)pa,
				 *(const int *)(const void *)pb);
		break;
	case OF_NUM:
		assert_int_equal(*(const long long *)(const void *)pa,
				 *(const long long *)(const void *)pb);
		break;
	case OF_STR:
		assert_string_equal(*(char *const *)(const void *)pa,
				    *(char *const *)(const void *)pb);
		break;
	case OF_LIST: {
		const struct strlist *la = (const void *)pa, *lb = (const void *)pb;
		assert_int_equal(la->n, lb->n);
		for (size_t i = 0; i < la->n; i++)
			assert_string_equal(la->v[i], lb->v[i]);
		break;
	}
	case OF_SRCS: {
		const struct srclist *la = (const void *)pa, *lb = (const void *)pb;
		assert_int_equal(la->n, lb->n);
		for (size_t i = 0; i < la->n; i++) {
			assert_string_equal(la->v[i].path, lb->v[i].path);
			assert_int_equal(la->v[i].optional, lb->v[i].optional);
		}
		break;
	}
	case OF_MODE:
		assert_int_equal(a->mode, b->mode);
		break;
	case OF_FORMAT:
		assert_int_equal(a->format, b->format);
		assert_int_equal(a->format_set, b->format_set);
		break;
	case OF_WATCH:
		assert_int_equal(a->watch, b->watch);
		assert_int_equal(a->watch_set, b->watch_set);
		if (a->watch_signal || b->watch_signal)
			assert_string_equal(a->watch_signal, b->watch_signal);
		break;
	}
}

/* Parse "envinit ARG1 [ARG2] cmd" into C; returns cli_parse's status. */
static int cli(struct config *c, struct diag *d, const char *arg1,
	       const char *arg2)
{
	char *argv[] = { "envinit", (char *)arg1, (char *)arg2, "cmd", NULL };
	if (!arg2) {
		argv[2] = "cmd";
		argv[3] = NULL;
	}
	config_init(c);
	diag_init(d);
	return cli_parse(arg2 ? 4 : 3, argv, c, d);
}

/* O given on the command line as --NAME[=SAMPLE]. */
static int cli_long(const struct opt *o, struct config *c, struct diag *d)
{
	char *word = o->arg == OPT_ARG_NONE ? xasprintf("--%s", o->name)
					    : xasprintf("--%s=%s", o->name, sample(o));
	int rc = cli(c, d, word, NULL);
	free(word);
	return rc;
}

/* The manifest "[defaults]\nDIRECTIVE = VALUE\n" under a fresh config C. */
static int manifest_one(const char *directive, const char *value,
			struct config *c, struct diag *d)
{
	char *text = xasprintf("[defaults]\n%s = %s\n", directive, value);
	config_init(c);
	diag_init(d);
	/* no directory in the name: paths stay as written */
	struct manifest *m = manifest_parse("m.ini", text, strlen(text), d);
	free(text);
	int rc = m ? manifest_apply(m, NULL, c, d) : -1;
	c->rules = NULL;
	manifest_free(m);
	return rc;
}

/* ---- the table itself --------------------------------------------------- */

static void names_unique(void **state)
{
	(void)state;
	assert_true(opt_count > 0);
	for (size_t i = 0; i < opt_count; i++) {
		const struct opt *a = &opt_table[i];
		assert_true(a->name || a->directive);
		assert_non_null(a->set);
		assert_true(!a->letter || a->name); /* a letter is a command-line thing */
		for (size_t j = i + 1; j < opt_count; j++) {
			const struct opt *b = &opt_table[j];
			if (a->name && b->name)
				assert_string_not_equal(a->name, b->name);
			if (a->directive && b->directive)
				assert_string_not_equal(a->directive, b->directive);
			if (a->letter)
				assert_int_not_equal(a->letter, b->letter);
		}
	}
}

/* The manifest's convention: a directive is the long option with '-'
 * written '_'; it may appear somewhere; and its field can be put under
 * the command line's (a command-line-only kind could not). */
static void directives_follow_the_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < opt_count; i++) {
		const struct opt *o = &opt_table[i];
		if (!o->directive) {
			assert_int_equal(o->flags, 0);
			continue;
		}
		assert_true(o->flags & OPT_IN_BOTH);
		assert_int_not_equal(o->field, OF_NONE);
		assert_int_not_equal(o->field, OF_SWITCH);
		if (o->name) {
			char *u = xstrdup(o->name);
			for (char *p = u; *p; p++)
				if (*p == '-')
					*p = '_';
			assert_string_equal(o->directive, u);
			free(u);
		}
	}
}

/* getopt_long's array and short string hold every named row. */
static void getopt_view_derived(void **state)
{
	(void)state;
	const struct option *lo = opt_getopt_long();
	const char *so = opt_getopt_short();
	assert_memory_equal(so, "+:", 2);
	size_t n = 0;
	for (size_t i = 0; i < opt_count; i++) {
		const struct opt *o = &opt_table[i];
		if (!o->name)
			continue;
		assert_string_equal(lo[n].name, o->name);
		assert_ptr_equal(opt_by_val(lo[n].val), o);
		n++;
		if (o->letter) {
			const char *at = strchr(so + 2, o->letter);
			assert_non_null(at);
			assert_int_equal(at[1] == ':', o->arg != OPT_ARG_NONE);
		}
	}
	assert_null(lo[n].name);
}

/* ---- reachable from both places ----------------------------------------- */

/* Every long option (and its letter) is accepted on the command line and
 * sets its field. */
static void every_option_on_the_command_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < opt_count; i++) {
		const struct opt *o = &opt_table[i];
		if (!o->name)
			continue;
		struct config c;
		struct diag d;
		print_message("--%s\n", o->name);
		int rc = cli_long(o, &c, &d);
		if (rc || d.n)
			dump(&d);
		assert_int_equal(rc, 0);
		assert_int_equal(d.n, 0);
		assert_true(field_set(o, &c));
		if (o->letter) {
			struct config cs;
			struct diag ds;
			char flag[3] = { '-', o->letter, '\0' };
			rc = cli(&cs, &ds, flag,
				 o->arg == OPT_ARG_NONE ? NULL : sample(o));
			assert_int_equal(rc, 0);
			assert_int_equal(ds.n, 0);
			same_field(o, &c, &cs);
			config_free(&cs);
			diag_free(&ds);
		}
		config_free(&c);
		diag_free(&d);
	}
}

/* Every row with a directive: `directive = X` in a manifest gives the
 * same field as --option X on the command line (a flag: yes, and no
 * argument). This is what makes a new row work in both places. */
static void every_directive_as_the_command_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < opt_count; i++) {
		const struct opt *o = &opt_table[i];
		if (!o->directive || !o->name)
			continue;
		struct config cc, mc;
		struct diag cd, md;
		print_message("%s\n", o->directive);
		assert_int_equal(cli_long(o, &cc, &cd), 0);
		int rc = manifest_one(o->directive,
				      o->arg == OPT_ARG_NONE ? "yes" : sample(o),
				      &mc, &md);
		if (rc || md.n)
			dump(&md);
		assert_int_equal(rc, 0);
		assert_int_equal(md.n, 0);
		assert_true(field_set(o, &mc));
		same_field(o, &cc, &mc);
		config_free(&cc);
		config_free(&mc);
		diag_free(&cd);
		diag_free(&md);
	}
}

/* The one directive without an option: mode = exec|init is --exec|--init. */
static void mode_is_exec_or_init(void **state)
{
	(void)state;
	static const char *const modes[] = { "exec", "init" };
	for (size_t i = 0; i < 2; i++) {
		struct config cc, mc;
		struct diag cd, md;
		char *word = xasprintf("--%s", modes[i]);
		assert_int_equal(cli(&cc, &cd, word, NULL), 0);
		assert_int_equal(manifest_one("mode", modes[i], &mc, &md), 0);
		assert_int_not_equal(cc.mode, RUN_AUTO);
		assert_int_equal(cc.mode, mc.mode);
		free(word);
		config_free(&cc);
		config_free(&mc);
		diag_free(&cd);
		diag_free(&md);
	}
}

/* Every command-line-only option, spelled as a directive, is refused by
 * name; so is every directive's long spelling ('-'), with a hint. */
static void command_line_only_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < opt_count; i++) {
		const struct opt *o = &opt_table[i];
		if (!o->name)
			continue;
		char *u = xstrdup(o->name);
		for (char *p = u; *p; p++)
			if (*p == '-')
				*p = '_';
		struct config c;
		struct diag d;
		char *want = o->directive
			? xasprintf("unknown directive '%s' (did you mean %s?)",
				    o->name, u)
			: xasprintf("%s: not allowed in a manifest (command line only)", u);
		const char *as = o->directive ? o->name : u;
		if (!o->directive || strcmp(u, o->name) != 0) {
			assert_int_not_equal(manifest_one(as, "yes", &c, &d), 0);
			assert_int_equal(d.n, 1);
			assert_string_equal(d.v[0].subject, "m.ini:2");
			assert_string_equal(d.v[0].text, want);
			config_free(&c);
			diag_free(&d);
		}
		free(want);
		free(u);
	}
}

/* The merge is by field kind: the command line's scalar wins, lists go
 * [defaults], [service], command line; a manifest's "watch = no" in
 * [service] hides [defaults]' watch. */
static void merge_by_field_kind(void **state)
{
	(void)state;
	static const char text[] =
		"[defaults]\nenv_file = d.env\ngrace = 3\nwatch = exit\nmode = init\n"
		"user = d\n[service s]\nenv_file_optional = s.env\nwatch = no\n"
		"override = no\n";
	struct config c;
	struct diag d;
	char *argv[] = { "envinit", "-f", "c.env", "--grace", "9", "cmd", NULL };
	config_init(&c);
	diag_init(&d);
	assert_int_equal(cli_parse(6, argv, &c, &d), 0);
	struct manifest *m = manifest_parse("m.ini", text, strlen(text), &d);
	assert_non_null(m);
	assert_int_equal(manifest_apply(m, "s", &c, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(c.env_files.n, 3);
	assert_string_equal(c.env_files.v[0].path, "d.env");
	assert_string_equal(c.env_files.v[1].path, "s.env");
	assert_true(c.env_files.v[1].optional);
	assert_string_equal(c.env_files.v[2].path, "c.env");
	assert_int_equal(c.grace, 9);
	assert_int_equal(c.watch, WATCH_NONE);
	assert_int_equal(c.mode, RUN_INIT);
	assert_string_equal(c.user, "d");
	assert_int_equal(c.override, 0);
	assert_int_equal(c.secrets_upcase, UNSET);
	c.rules = NULL;
	manifest_free(m);
	config_free(&c);
	diag_free(&d);
}

/* ---- where users read about it ------------------------------------------ */

/* The file NAME of the repository (found from this file's path), whole. */
static char *repo_file(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	int len = slash ? (int)(slash - __FILE__) : 1;
	char path[4096];
	snprintf(path, sizeof path, "%.*s/../../%s", len, slash ? __FILE__ : ".",
		 name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	char *buf = NULL;
	size_t n = 0, cap = 0, r;
	do {
		cap += 65536;
		buf = realloc(buf, cap + 1);
		assert_non_null(buf);
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Whether TEXT has a line starting with START that holds WORD followed by
 * the line's end or one of " ,|[]=" (so --keep does not match --keep-x). */
static int line_with(const char *text, const char *start, const char *word)
{
	size_t sl = strlen(start), wl = strlen(word);
	for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		const char *end = strchr(l, '\n');
		if (!end)
			end = l + strlen(l);
		if ((size_t)(end - l) < sl || strncmp(l, start, sl) != 0)
			continue;
		for (const char *w = l; (w = strstr(w, word)) && w < end; w++) {
			char after = w + wl < end ? w[wl] : ' ';
			if (strchr(" ,|[]=", after))
				return 1;
		}
	}
	return 0;
}

/* A new option is described where users read it: --help, an item of
 * envinit(1)'s lists and, for a directive, of envinit.ini(5)'s. */
static void every_option_documented(void **state)
{
	(void)state;
	char *man1 = repo_file("man/envinit.1"), *man5 = repo_file("man/envinit.ini.5");
	const char *help = cli_usage();
	int missing = 0;
	for (size_t i = 0; i < opt_count; i++) {
		const struct opt *o = &opt_table[i];
		char word[128];
		if (o->name) {
			snprintf(word, sizeof word, "--%s", o->name);
			if (!line_with(help, "", word) && ++missing)
				print_error("%s is not in --help\n", word);
			snprintf(word, sizeof word, "\\-%s", o->name);
			if (!line_with(man1, ".It ", word) && ++missing)
				print_error("--%s has no .It line in man/envinit.1\n", o->name);
		}
		if (o->directive && !line_with(man5, ".It Cm", o->directive) && ++missing)
			print_error("%s has no .It Cm line in man/envinit.ini.5\n", o->directive);
	}
	free(man1);
	free(man5);
	assert_int_equal(missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_unique),
		cmocka_unit_test(directives_follow_the_rules),
		cmocka_unit_test(getopt_view_derived),
		cmocka_unit_test(every_option_on_the_command_line),
		cmocka_unit_test(every_directive_as_the_command_line),
		cmocka_unit_test(mode_is_exec_or_init),
		cmocka_unit_test(command_line_only_refused),
		cmocka_unit_test(merge_by_field_kind),
		cmocka_unit_test(every_option_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
