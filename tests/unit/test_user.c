/* Unit tests for user.c: USER[:GROUP] resolved from a temporary root's
 * etc/passwd and etc/group; HOME; the order of the privilege drop
 * (setgroups, setgid, setuid are wrapped: nothing changes for real). */
// OBJS: user fileio diag xalloc
// LDWRAP: -Wl,--wrap=setgroups,--wrap=setgid,--wrap=setuid
#include "preamble.h"

#include <errno.h>
#include <grp.h>
#include <sys/stat.h>

#include "user.h"

static char root[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	char dir[256];
	snprintf(root, sizeof root, "/tmp/test_user.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(dir, sizeof dir, "%s/etc", root);
	if (mkdir(dir, 0755) < 0)
		return -1;
	write_file("etc/passwd",
		   "# a comment\n"
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "\n"
		   "+nisuser::::::\n"
		   "short:x:5\n"
		   "alice:x:1001:1001:Alice,,,:/home/alice:/bin/sh\r\n"
		   "alice2:x:1002:1002::/home/alice2:/bin/sh\n"
		   "nohome:x:1003:1003:::/bin/sh\n"
		   "dup:x:1001:9:second entry for uid 1001::\n"
		   "last:x:2000:2000::/srv/last");
	write_file("etc/group",
		   "root:x:0:\n"
		   "alice:x:1001:alice\n"
		   "dev:x:27:bob,alice,carol\n"
		   "staff:x:50:alice2\n"
		   "audio:x:29:alice2,alice\n"
		   "notalice:x:30:alicex,xalice\n"
		   "broken:x:notanumber:alice\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int has_group(const struct user_ids *u, gid_t g)
{
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] == g)
			return 1;
	return 0;
}

static void by_name(void **state)
{
	(void)state;
	struct user_ids u;
	struct diag d;
	diag_init(&d);
	assert_int_equal(user_resolve("alice", root, &u, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(u.uid, 1001);
	assert_int_equal(u.gid, 1001);
	assert_string_equal(u.home, "/home/alice"); /* CRLF line */
	/* the gid first, then memberships, each once; no "alicex" match */
	assert_int_equal(u.ngroups, 3);
	assert_int_equal(u.groups[0], 1001);
	assert_true(has_group(&u, 27));
	assert_true(has_group(&u, 29));
	assert_false(has_group(&u, 30));
	user_free(&u);
	diag_free(&d);
}

static void by_number_with_entry(void **state)
{
	(void)state;
	struct user_ids u;
	struct diag d;
	diag_init(&d);
	/* the first entry with that uid wins, as getpwuid does */
	assert_int_equal(user_resolve("1001", root, &u, &d), 0);
	assert_int_equal(u.uid, 1001);
	assert_int_equal(u.gid, 1001);
	assert_string_equal(u.home, "/home/alice");
	assert_int_equal(u.ngroups, 3);
	user_free(&u);
	/* the last line has no newline */
	assert_int_equal(user_resolve("last", root, &u, &d), 0);
	assert_int_equal(u.uid, 2000);
	assert_string_equal(u.home, "/srv/last");
	user_free(&u);
	assert_int_equal(d.n, 0);
	diag_free(&d);
}

static void by_number_without_entry(void **state)
{
	(void)state;
	struct user_ids u;
	struct diag d;
	diag_init(&d);
	assert_int_equal(user_resolve("4242", root, &u, &d), 0);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, getgid()); /* as Docker: our own gid */
	assert_int_equal(u.ngroups, 1);
	assert_int_equal(u.groups[0], getgid());
	assert_string_equal(u.home, "/");
	user_free(&u);
	assert_int_equal(user_resolve("4242:4243", root, &u, &d), 0);
	assert_int_equal(u.gid, 4243);
	assert_int_equal(u.ngroups, 1);
	assert_int_equal(u.groups[0], 4243);
	user_free(&u);
	assert_int_equal(d.n, 0);
	diag_free(&d);
}

static void numbers_need_no_files(void **state)
{
	(void)state;
	struct user_ids u;
	struct diag d;
	diag_init(&d);
	assert_int_equal(user_resolve("65534:65534", "/nonexistent-root", &u, &d), 0);
	assert_int_equal(u.uid, 65534);
	assert_int_equal(u.gid, 65534);
	assert_string_equal(u.home, "/");
	user_free(&u);
	/* a name does need them, and the error says the file is missing */
	assert_int_equal(user_resolve("alice", "/nonexistent-root", &u, &d), -1);
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[0].subject, "alice");
	assert_non_null(strstr(d.v[0].text, "unknown user"));
	assert_non_null(strstr(d.v[0].text,
			       "cannot read /nonexistent-root/etc/passwd"));
	diag_free(&d);
}

static void user_and_group(void **state)
{
	(void)state;
	struct user_ids u;
	struct diag d;
	diag_init(&d);
	/* an explicit group is the only group (su-exec) */
	assert_int_equal(user_resolve("alice:staff", root, &u, &d), 0);
	assert_int_equal(u.uid, 1001);
	assert_int_equal(u.gid, 50);
	assert_int_equal(u.ngroups, 1);
	assert_int_equal(u.groups[0], 50);
	user_free(&u);
	assert_int_equal(user_resolve("alice:77", root, &u, &d), 0);
	assert_int_equal(u.gid, 77);
	assert_int_equal(u.ngroups, 1);
	user_free(&u);
	assert_int_equal(user_resolve("1002:dev", root, &u, &d), 0);
	assert_int_equal(u.uid, 1002);
	assert_int_equal(u.gid, 27);
	assert_string_equal(u.home, "/home/alice2");
	user_free(&u);
	assert_int_equal(d.n, 0);
	diag_free(&d);
}

static void unknown_user_and_group(void **state)
{
	(void)state;
	struct user_ids u;
	struct diag d;
	diag_init(&d);
	assert_int_equal(user_resolve("bob", root, &u, &d), -1);
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[0].subject, "bob");
	assert_string_equal(d.v[0].text, "unknown user");
	assert_null(u.home);
	assert_null(u.groups);
	diag_free(&d);

	/* a NIS line and a short line are not users */
	assert_int_equal(user_resolve("+nisuser", root, &u, &d), -1);
	assert_int_equal(user_resolve("short", root, &u, &d), -1);
	/* beyond 2^32-2 is not a uid, so it is looked up as a name */
	assert_int_equal(user_resolve("4294967295", root, &u, &d), -1);
	assert_int_equal(d.nerrors, 3);
	diag_free(&d);

	assert_int_equal(user_resolve("alice:wheel", root, &u, &d), -1);
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[0].subject, "wheel");
	assert_string_equal(d.v[0].text, "unknown group");
	assert_non_null(strstr(d.v[0].source, "etc/group"));
	diag_free(&d);
	/* a group whose gid is not a number is no group */
	assert_int_equal(user_resolve("alice:broken", root, &u, &d), -1);
	diag_free(&d);
}

static void malformed_spec(void **state)
{
	(void)state;
	const char *bad[] = { "", ":staff", "alice:", "alice:staff:x", ":" };
	struct user_ids u;
	struct diag d;
	diag_init(&d);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(user_resolve(bad[i], root, &u, &d), -1);
		assert_int_equal(d.nerrors, i + 1);
		assert_string_equal(d.v[i].subject, "--user");
	}
	diag_free(&d);
}

static void no_home_field_means_slash(void **state)
{
	(void)state;
	struct user_ids u;
	struct diag d;
	diag_init(&d);
	assert_int_equal(user_resolve("nohome", root, &u, &d), 0);
	assert_string_equal(u.home, "/");
	assert_int_equal(u.ngroups, 1);
	user_free(&u);
	diag_free(&d);
}

static void home_only_when_not_assembled(void **state)
{
	(void)state;
	struct user_ids u = { .home = "/home/alice" };
	char **envp = calloc(3, sizeof *envp);
	envp[0] = strdup("A=1");
	assert_int_equal(user_set_home(&envp, &u), 1);
	assert_string_equal(envp[1], "HOME=/home/alice");
	assert_null(envp[2]);
	u.home = "/other";
	assert_int_equal(user_set_home(&envp, &u), 0);
	assert_string_equal(envp[1], "HOME=/home/alice");
	assert_null(envp[2]);
	for (char **p = envp; *p; p++)
		free(*p);
	free(envp);
}

/* The wrapped calls record their order and fail as told. */
static char calls[64];
static int fail_at; /* 1 setgroups, 2 setgid, 3 setuid, 0 none */
static size_t seen_ngroups;

int __wrap_setgroups(size_t n, const gid_t *g);
int __wrap_setgid(gid_t g);
int __wrap_setuid(uid_t u);

static int record(char c, int step)
{
	size_t n = strlen(calls);
	calls[n] = c;
	calls[n + 1] = '\0';
	if (fail_at == step) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int __wrap_setgroups(size_t n, const gid_t *g)
{
	(void)g;
	seen_ngroups = n;
	return record('G', 1);
}

int __wrap_setgid(gid_t g)
{
	(void)g;
	return record('g', 2);
}

int __wrap_setuid(uid_t u)
{
	(void)u;
	return record('u', 3);
}

static void drop_order_and_failures(void **state)
{
	(void)state;
	gid_t groups[] = { 1001, 27 };
	struct user_ids u = { .uid = 1001, .gid = 1001, .groups = groups,
			      .ngroups = 2, .home = "/" };
	struct diag d;
	diag_init(&d);
	calls[0] = '\0';
	fail_at = 0;
	assert_int_equal(user_drop(&u, "alice", &d), 0);
	assert_string_equal(calls, "Ggu");
	assert_int_equal(seen_ngroups, 2);
	assert_int_equal(d.n, 0);

	for (int step = 1; step <= 3; step++) {
		calls[0] = '\0';
		fail_at = step;
		assert_int_equal(user_drop(&u, "alice", &d), -1);
		/* nothing after the failed step is attempted */
		assert_int_equal(strlen(calls), (size_t)step);
	}
	assert_int_equal(d.nerrors, 3);
	assert_string_equal(d.v[0].subject, "alice");
	assert_non_null(strstr(d.v[0].text, "setgroups"));
	assert_non_null(strstr(d.v[1].text, "setgid"));
	assert_non_null(strstr(d.v[2].text, "setuid"));
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(by_name),
		cmocka_unit_test(by_number_with_entry),
		cmocka_unit_test(by_number_without_entry),
		cmocka_unit_test(numbers_need_no_files),
		cmocka_unit_test(user_and_group),
		cmocka_unit_test(unknown_user_and_group),
		cmocka_unit_test(malformed_spec),
		cmocka_unit_test(no_home_field_means_slash),
		cmocka_unit_test(home_only_when_not_assembled),
		cmocka_unit_test(drop_order_and_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
