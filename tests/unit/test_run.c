/* Unit tests for run.c: envp building, kernel limits, PATH choice, exec
 * failures mapped to 126/127 (execve is wrapped: nothing is executed). */
// OBJS: run envset diag xalloc
// LDWRAP: -Wl,--wrap=execve
#include "preamble.h"

#include <errno.h>
#include <sys/resource.h>

#include "run.h"

/* The wrapped execve records the paths tried and fails as told. */
static char tried[16][256];
static int ntried;
static int fail_errno[16];

int __wrap_execve(const char *path, char *const argv[], char *const envp[]);
int __wrap_execve(const char *path, char *const argv[], char *const envp[])
{
	(void)argv;
	(void)envp;
	if (ntried < 16)
		snprintf(tried[ntried], sizeof tried[0], "%s", path);
	errno = fail_errno[ntried < 16 ? ntried : 15];
	ntried++;
	return -1;
}

static void reset(void)
{
	ntried = 0;
	for (int i = 0; i < 16; i++)
		fail_errno[i] = ENOENT;
}

static void envp_only_kept_keys(void **state)
{
	(void)state;
	struct envset s;
	envset_init(&s);
	envset_set(&s, "A", "1", 1, ORIG_ENVFILE, NULL);
	envset_set(&s, "B", "2", 1, ORIG_ENVFILE, NULL)->flags |= EV_STRIPPED;
	envset_set(&s, "C", "x=y", 3, ORIG_ENVFILE, NULL);
	envset_set(&s, "D", "", 0, ORIG_ENVFILE, NULL);
	envset_del(&s, "D");
	char **envp = run_build_envp(&s);
	assert_string_equal(envp[0], "A=1");
	assert_string_equal(envp[1], "C=x=y");
	assert_null(envp[2]);
	run_free_envp(envp);
	envset_free(&s);
}

static void per_string_limit_names_the_key(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	size_t n = 131072;
	char *big = malloc(n + 3);
	memcpy(big, "K=", 2);
	memset(big + 2, 'a', n);
	big[n + 2] = '\0';
	char *argv[] = { "true", NULL };
	char *envp[] = { big, "OK=1", NULL };
	assert_int_equal(run_check_limits(argv, envp, &d), 1);
	assert_string_equal(d.v[0].subject, "K");
	assert_null(strstr(d.v[0].text, "aaaa"));
	/* exactly at the limit is fine: 131071 bytes plus the NUL */
	big[131071] = '\0';
	diag_free(&d);
	assert_int_equal(run_check_limits(argv, envp, &d), 0);
	free(big);
	diag_free(&d);
}

static void total_limit_follows_stack_rlimit(void **state)
{
	(void)state;
	struct rlimit old, rl;
	assert_int_equal(getrlimit(RLIMIT_STACK, &old), 0);
	rl = old;
	rl.rlim_cur = 1 << 20; /* 1 MiB stack -> 256 KiB for args */
	assert_int_equal(setrlimit(RLIMIT_STACK, &rl), 0);

	char *chunk = malloc(100001);
	memset(chunk, 'b', 100000);
	chunk[0] = 'X';
	chunk[1] = '=';
	chunk[100000] = '\0';
	char *argv[] = { "true", NULL };
	char *envp2[] = { chunk, chunk, NULL };
	char *envp3[] = { chunk, chunk, chunk, NULL };
	struct diag d;
	diag_init(&d);
	assert_int_equal(run_check_limits(argv, envp2, &d), 0);
	assert_int_equal(run_check_limits(argv, envp3, &d), 1);
	assert_non_null(strstr(d.v[0].text, "total"));
	assert_int_equal(setrlimit(RLIMIT_STACK, &old), 0);
	free(chunk);
	diag_free(&d);
}

/* execve copies the program's path too: near the limit it decides. */
static void total_counts_program_path(void **state)
{
	(void)state;
	struct rlimit old, rl;
	assert_int_equal(getrlimit(RLIMIT_STACK, &old), 0);
	rl = old;
	rl.rlim_cur = 1 << 20; /* 256 KiB for args */
	assert_int_equal(setrlimit(RLIMIT_STACK, &rl), 0);
	size_t limit = (size_t)1 << 18;
	char prog[3001];
	memset(prog, 'p', sizeof prog - 1);
	prog[0] = '/';
	prog[sizeof prog - 1] = '\0';
	char *argv[] = { prog, NULL };
	/* argv and env without the path fill the limit to 1000 bytes short:
	 * two strings (one may not exceed 128 KiB), each with its pointer */
	size_t used = (sizeof prog + 8) + 1000 + 8 + 8;
	size_t flen = (limit - used) / 2 - 1;
	char *fill = malloc(flen + 1);
	memset(fill, 'f', flen);
	memcpy(fill, "F=", 2);
	fill[flen] = '\0';
	char *envp[] = { fill, fill, NULL };
	struct diag d;
	diag_init(&d);
	assert_int_equal(run_check_limits(argv, envp, &d), 1);
	char *want = NULL;
	assert_true(asprintf(&want, "environment, arguments and program path "
			     "total %zu bytes; the kernel allows %zu (a quarter "
			     "of the stack limit, at most 6 MiB)",
			     sizeof prog + (sizeof prog + 8) + 2 * (flen + 1 + 8),
			     limit) > 0);
	assert_string_equal(d.v[0].text, want);
	free(want);
	diag_free(&d);
	/* a short path fits */
	char *shortv[] = { "/t", NULL };
	assert_int_equal(run_check_limits(shortv, envp, &d), 0);
	/* without '/', the longest DIR/NAME the child's PATH can give */
	char *pathenv[] = { fill, fill, "PATH=/a:/bbbbbbbbbb", NULL };
	char *bare[] = { "t", NULL };
	assert_int_equal(run_check_limits(bare, pathenv, &d), 0);
	assert_int_equal(setrlimit(RLIMIT_STACK, &old), 0);
	free(fill);
	diag_free(&d);
}

static void search_path_choice(void **state)
{
	(void)state;
	char *with[] = { "A=1", "PATH=/opt/bin", NULL };
	char *without[] = { "A=1", NULL };
	assert_string_equal(run_search_path(with, "/own"), "/opt/bin");
	assert_string_equal(run_search_path(without, "/own"), "/own");
	assert_non_null(strstr(run_search_path(without, NULL), "/usr/bin"));
}

static void not_found_is_127_after_full_search(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	reset();
	char *argv[] = { "tool", NULL };
	char *envp[] = { NULL };
	assert_int_equal(run_exec(argv, envp, "/a::/b", &d), 127);
	assert_int_equal(ntried, 3);
	assert_string_equal(tried[0], "/a/tool");
	assert_string_equal(tried[1], "./tool");
	assert_string_equal(tried[2], "/b/tool");
	assert_string_equal(d.v[0].text, "command not found");
	diag_free(&d);
}

static void eacces_anywhere_is_126(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	reset();
	fail_errno[0] = EACCES;
	char *argv[] = { "tool", NULL };
	char *envp[] = { NULL };
	assert_int_equal(run_exec(argv, envp, "/a:/b", &d), 126);
	assert_int_equal(ntried, 2);
	diag_free(&d);
}

static void slash_means_no_search(void **state)
{
	(void)state;
	struct diag d;
	diag_init(&d);
	reset();
	fail_errno[0] = ENOEXEC;
	char *argv[] = { "./x", NULL };
	char *envp[] = { NULL };
	assert_int_equal(run_exec(argv, envp, "/a:/b", &d), 126);
	assert_int_equal(ntried, 1);
	assert_string_equal(tried[0], "./x");
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(envp_only_kept_keys),
		cmocka_unit_test(per_string_limit_names_the_key),
		cmocka_unit_test(total_limit_follows_stack_rlimit),
		cmocka_unit_test(total_counts_program_path),
		cmocka_unit_test(search_path_choice),
		cmocka_unit_test(not_found_is_127_after_full_search),
		cmocka_unit_test(eacces_anywhere_is_126),
		cmocka_unit_test(slash_means_no_search),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
