/* Unit tests for watch.c: digests and the by-name diff, the plan, and
 * which events on real directories count (inotify, no supervisor). */
// OBJS: watch config options envset diag xalloc
#include "preamble.h"

#include <poll.h>
#include <sodium.h>
#include <sys/stat.h>

#include "watch.h"

static struct watch *new_watch(void)
{
	struct diag d;
	diag_init(&d);
	assert_true(sodium_init() >= 0);
	struct watch *w = watch_new(&d);
	assert_non_null(w);
	assert_int_equal(d.n, 0);
	diag_free(&d);
	return w;
}

static char *diff_of(struct watch *w, char **a, char **b)
{
	struct watch_set sa = { 0 }, sb = { 0 };
	watch_digest(w, a, &sa);
	watch_digest(w, b, &sb);
	char *s = watch_diff(&sa, &sb);
	watch_set_free(&sa);
	watch_set_free(&sb);
	return s;
}

static void equal_sets_have_no_diff(void **state)
{
	(void)state;
	struct watch *w = new_watch();
	char *a[] = { "B=2", "A=1", "EMPTY=", NULL };
	char *b[] = { "A=1", "EMPTY=", "B=2", NULL }; /* order does not matter */
	assert_null(diff_of(w, a, b));
	char *none[] = { NULL };
	assert_null(diff_of(w, none, none));
	watch_free(w);
}

static void diff_names_keys_only(void **state)
{
	(void)state;
	struct watch *w = new_watch();
	char *a[] = { "A=old-secret", "B=same", "GONE=x", "Z=1", NULL };
	char *b[] = { "A=new-secret", "B=same", "NEW=y", "Z=2", "AA=", NULL };
	char *s = diff_of(w, a, b);
	assert_non_null(s);
	assert_string_equal(s, "changed: A Z; added: AA NEW; removed: GONE");
	assert_null(strstr(s, "secret"));
	free(s);

	char *c[] = { "A=old-secret", NULL };
	char *only_added[] = { "A=old-secret", "X=1", NULL };
	s = diff_of(w, c, only_added);
	assert_string_equal(s, "added: X");
	free(s);
	s = diff_of(w, only_added, c);
	assert_string_equal(s, "removed: X");
	free(s);
	watch_free(w);
}

/* "KEY\0VALUE": a value that moves across the '=' is still a change. */
static void key_value_boundary(void **state)
{
	(void)state;
	struct watch *w = new_watch();
	char *a[] = { "A=B=C", NULL };
	char *b[] = { "A=B=D", NULL };
	char *s = diff_of(w, a, b);
	assert_string_equal(s, "changed: A");
	free(s);
	watch_free(w);
}

/* Digests are keyed per process: two watches disagree on the same set. */
static void digests_are_keyed(void **state)
{
	(void)state;
	struct watch *w1 = new_watch(), *w2 = new_watch();
	char *a[] = { "A=1", NULL };
	struct watch_set s1 = { 0 }, s2 = { 0 };
	watch_digest(w1, a, &s1);
	watch_digest(w2, a, &s2);
	assert_int_equal(s1.n, 1);
	assert_string_equal(s1.v[0].key, "A");
	assert_true(memcmp(s1.v[0].h, s2.v[0].h, sizeof s1.v[0].h) != 0);
	watch_set_free(&s1);
	watch_set_free(&s2);
	watch_free(w1);
	watch_free(w2);
}

static void plan_from_config(void **state)
{
	(void)state;
	struct config c;
	config_init(&c);
	srclist_add(&c.env_files, "a.env", 0);
	srclist_add(&c.env_files, "a.env", 1); /* once */
	srclist_add(&c.secret_dirs, "/run/secrets", 1);
	strlist_add(&c.private_keys, "k/key");
	strlist_add(&c.require_from, ".env.example");
	c.config_file = xstrdup("m.ini");
	struct envset env;
	envset_init(&env);
	envset_set(&env, "DB_PASSWORD", "v", 1, ORIG_FILEREF, "/s/db");
	envset_set(&env, "PLAIN", "v", 1, ORIG_ENVFILE, "a.env:1");
	struct watch_plan p;
	watch_plan_init(&p);
	watch_plan_from(&p, &c, &env);
	assert_true(p.valid);
	assert_int_equal(p.files.n, 5);
	assert_string_equal(p.files.v[0], "a.env");
	assert_string_equal(p.files.v[1], "k/key");
	assert_string_equal(p.files.v[2], ".env.example");
	assert_string_equal(p.files.v[3], "m.ini");
	assert_string_equal(p.files.v[4], "/s/db");
	assert_int_equal(p.dirs.n, 1);
	assert_string_equal(p.dirs.v[0], "/run/secrets");
	watch_plan_free(&p);
	envset_free(&env);
	config_free(&c);
}

/* ---- events on a real directory ----------------------------------------- */

static char root[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *at(const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static int events(struct watch *w)
{
	return watch_events(w);
}

static void setup_tree(void)
{
	snprintf(root, sizeof root, "/tmp/test_watch.XXXXXX");
	assert_non_null(mkdtemp(root));
	char *p = at("cfg");
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = at("sec");
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	put("cfg/app.env", "A=1\n");
	put("sec/K", "v\n");
}

static void teardown_tree(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void file_events_are_filtered_by_name(void **state)
{
	(void)state;
	setup_tree();
	struct watch *w = new_watch();
	struct watch_plan p;
	struct diag d;
	watch_plan_init(&p);
	diag_init(&d);
	char *env = at("cfg/app.env"), *sec = at("sec");
	strlist_add(&p.files, env);
	strlist_add(&p.dirs, sec);
	assert_int_equal(watch_apply(w, &p, &d), 1); /* all new */
	assert_int_equal(d.n, 0);
	assert_int_equal(watch_apply(w, &p, &d), 0); /* the same again */

	assert_int_equal(events(w), 0); /* idle: nothing */
	put("cfg/other.txt", "x");
	assert_int_equal(events(w), 0); /* another file of the directory */
	put("cfg/.app.env.new", "A=2\n"); /* an editor's rename over */
	char *tmp = at("cfg/.app.env.new");
	assert_int_equal(rename(tmp, env), 0);
	assert_true(events(w) >= 1);
	put("sec/NEW", "n"); /* a secrets dir: every entry */
	assert_true(events(w) >= 1);
	char *k = at("sec/K");
	assert_int_equal(chmod(k, 0600), 0);
	assert_true(events(w) >= 1);

	/* reading does not count: the quiescence check depends on it */
	FILE *f = fopen(env, "r");
	char buf[64];
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_int_equal(events(w), 0);

	free(tmp);
	free(k);
	free(env);
	free(sec);
	watch_plan_free(&p);
	diag_free(&d);
	watch_free(w);
	teardown_tree();
}

/* A missing optional dir is watched through its nearest existing
 * ancestor; once it exists, applying the plan again watches it. */
static void missing_dir_through_ancestor(void **state)
{
	(void)state;
	setup_tree();
	struct watch *w = new_watch();
	struct watch_plan p;
	struct diag d;
	watch_plan_init(&p);
	diag_init(&d);
	char *deep = at("later/deeper");
	strlist_add(&p.dirs, deep);
	watch_apply(w, &p, &d);
	assert_int_equal(d.n, 0);
	put("unrelated", "x");
	assert_int_equal(events(w), 0);
	char *later = at("later");
	assert_int_equal(mkdir(later, 0755), 0);
	assert_true(events(w) >= 1);
	assert_int_equal(watch_apply(w, &p, &d), 1); /* now later/ for deeper */
	assert_int_equal(mkdir(deep, 0755), 0);
	assert_true(events(w) >= 1);
	assert_int_equal(watch_apply(w, &p, &d), 1); /* now deeper itself */
	put("later/deeper/K", "v");
	assert_true(events(w) >= 1);
	/* the directory removed: seen, and the watch dropped */
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", later);
	assert_int_equal(system(cmd), 0);
	assert_true(events(w) >= 1);
	assert_int_equal(watch_apply(w, &p, &d), 1);
	assert_int_equal(d.n, 0);
	free(later);
	free(deep);
	watch_plan_free(&p);
	diag_free(&d);
	watch_free(w);
	teardown_tree();
}

/* The kubelet swap of a ConfigMap: ..data renamed over, the file's own
 * name untouched. */
static void kubelet_swap_counts_for_files(void **state)
{
	(void)state;
	setup_tree();
	struct watch *w = new_watch();
	struct watch_plan p;
	struct diag d;
	watch_plan_init(&p);
	diag_init(&d);
	char *file = at("cfg/app.env");
	strlist_add(&p.files, file);
	watch_apply(w, &p, &d);
	char *tmp = at("cfg/..data_tmp"), *data = at("cfg/..data");
	assert_int_equal(symlink("..v2", tmp), 0);
	assert_int_equal(rename(tmp, data), 0);
	assert_true(events(w) >= 1);
	free(tmp);
	free(data);
	free(file);
	watch_plan_free(&p);
	diag_free(&d);
	watch_free(w);
	teardown_tree();
}

static void timer_is_one_shot(void **state)
{
	(void)state;
	struct watch *w = new_watch();
	struct pollfd pfd = { .fd = watch_timer_fd(w), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 0), 0); /* not armed */
	assert_int_equal(watch_expired(w), 0);
	watch_arm(w);
	assert_int_equal(poll(&pfd, 1, WATCH_DEBOUNCE_MS + 1000), 1);
	assert_int_equal(watch_expired(w), 1);
	assert_int_equal(poll(&pfd, 1, WATCH_DEBOUNCE_MS + 100), 0); /* once */
	watch_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(equal_sets_have_no_diff),
		cmocka_unit_test(diff_names_keys_only),
		cmocka_unit_test(key_value_boundary),
		cmocka_unit_test(digests_are_keyed),
		cmocka_unit_test(plan_from_config),
		cmocka_unit_test(file_events_are_filtered_by_name),
		cmocka_unit_test(missing_dir_through_ancestor),
		cmocka_unit_test(kubelet_swap_counts_for_files),
		cmocka_unit_test(timer_is_one_shot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
