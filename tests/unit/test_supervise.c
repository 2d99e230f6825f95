/* Unit tests for supervise.c's point of no return: past it every
 * allocation fails (malloc, calloc and realloc are wrapped), and the
 * supervisor still runs the service to its end and returns its status;
 * a --watch round that cannot allocate is dropped with one line and the
 * service keeps running. Each case runs the supervisor in a forked
 * process (it blocks signals and becomes a subreaper). */
// OBJS: supervise rebuild watch run cli options manifest rules user report diag config envset fileio xalloc
// LDWRAP: -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
#include "preamble.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "rebuild.h"
#include "run.h"
#include "supervise.h"

extern char **environ;

/* Past the point of no return, fail every allocation. */
static int fail_past_point;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);

static int failing(void)
{
	return fail_past_point && xalloc_past_no_return();
}

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	return failing() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	return failing() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	return failing() ? NULL : __real_realloc(p, n);
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_supervise.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* What the supervisor wrote to stderr (err, in dir). */
static char *err_text(void)
{
	static char buf[4096];
	char path[128];
	path_in(path, sizeof path, "err");
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* In the forked supervisor: cwd dir, stderr to dir/err, stdout to
 * /dev/null (a service left behind by a failing case must not hold the
 * test runner's pipes open). */
static void child_setup(void)
{
	char path[128];
	path_in(path, sizeof path, "err");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int null = open("/dev/null", O_WRONLY);
	if (fd < 0 || null < 0 || dup2(fd, STDERR_FILENO) < 0 ||
	    dup2(null, STDOUT_FILENO) < 0 || chdir(dir) < 0)
		_exit(99);
	close(fd);
	close(null);
}

static void create(const char *name)
{
	char path[128];
	path_in(path, sizeof path, name);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
}

/* --watch's phases: an assembly's first allocation fails past the point. */
static void noop_environment(struct config *c, char *const *env)
{
	(void)c;
	(void)env;
}

static int alloc_build(const struct config *c, char *const *env,
		       struct envset *set, char ***envp, struct diag *d)
{
	(void)c;
	(void)env;
	(void)set;
	(void)d;
	*envp = xcalloc(1, sizeof **envp);
	_exit(98); /* not reached: the allocation cannot succeed */
}

/* Configure as envinit ARGV would, and start the supervisor's loop with
 * every allocation past the point failing. WATCH: with --watch's rebuild. */
static ATTR_NORETURN void supervise(int argc, char **argv, int watch)
{
	static const struct rebuild_phases phases = {
		.environment = noop_environment, .build = alloc_build,
	};
	struct config c;
	struct diag d;
	struct envset empty;
	struct rebuild *r = NULL;
	struct supervise_watch sw;

	child_setup();
	config_init(&c);
	diag_init(&d);
	envset_init(&empty);
	if (cli_parse(argc, argv, &c, &d) != 0 || sodium_init() < 0)
		_exit(97);
	if (watch) {
		r = rebuild_new(argc, argv, environ, &phases, &c, &empty);
		if (!r)
			_exit(96);
		sw = rebuild_watch(r, NULL);
	}
	char **envp = run_build_envp(&empty);
	fail_past_point = 1;
	int status = supervise_run(&c, c.argv, &envp, "/bin:/usr/bin", NULL,
				   watch ? &sw : NULL, &d);
	_exit(status);
}

/* Wait for the supervisor PID; returns its exit status (-1: not exited). */
static int wait_status(pid_t pid)
{
	int st;
	pid_t w;
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
	}
	assert_int_equal(w, pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * No --watch: the main child exits and leaves an orphan behind. Not being
 * PID 1, the supervisor would walk /proc to find it (an allocation, which
 * fails): it falls back to the child's process group, the orphan gets
 * SIGTERM, and the main child's status is returned. (Before the point of
 * no return was marked: the walk's allocation exited 70.)
 */
static void test_shutdown_without_heap(void **state)
{
	(void)state;
	char *argv[] = { "envinit", "--init", "--", "/bin/sh", "-c",
			 "sleep 30 & exit 3", NULL };
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		supervise(6, argv, 0);
	assert_int_equal(wait_status(pid), 3);
	assert_string_equal(err_text(), "");
}

/*
 * --watch: the first round (armed once the child runs) cannot allocate.
 * It is dropped with one line, and the service keeps running: it ends
 * only when told to (the file "go"), with its own status. (Before: the
 * round's first allocation exited 70 and took the supervisor down.)
 */
static void test_watch_round_out_of_memory(void **state)
{
	(void)state;
	static const char line[] =
		"envinit: watch: out of memory while reading the sources again; "
		"the service keeps running with the environment it has\n";
	char *argv[] = { "envinit", "--init", "--watch", "--", "/bin/sh", "-c",
			 "while [ ! -e go ]; do sleep 0.05; done; exit 7", NULL };
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		supervise(7, argv, 1);
	/* the round's line, while the supervisor still runs */
	int st, exited = 0;
	while (strcmp(err_text(), line) != 0) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			exited = 1;
			break;
		}
		usleep(10000);
	}
	create("go"); /* the service may end now (left behind, too) */
	if (exited)
		fail_msg("the supervisor exited (%d) after the round: %s",
			 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
			 err_text());
	assert_int_equal(wait_status(pid), 7);
	assert_string_equal(err_text(), line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shutdown_without_heap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_round_out_of_memory,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
