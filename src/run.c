/*
 * run.c - envp, limits and exec; see run.h.
 *
 * The child's envp is built from the assembled set; envinit's own
 * environment is never edited (setenv/clearenv would leave copies behind
 * and change nothing in /proc/self/environ).
 */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ARG_STRLEN_MAX 131072u          /* MAX_ARG_STRLEN, with the NUL */
#define ARG_TOTAL_CAP ((size_t)6 << 20) /* 3/4 of the kernel's _STK_LIM */
#define ARG_TOTAL_MIN ((size_t)128 << 10)

char **run_build_envp(const struct envset *env)
{
	size_t n = 0;
	char **envp = xcalloc(env->n + 1, sizeof *envp);
	for (size_t i = 0; i < env->n; i++) {
		const struct envvar *v = &env->v[i];
		if (!envset_live(v) || (v->flags & EV_STRIPPED))
			continue;
		size_t klen = strlen(v->key);
		char *s = xmalloc(klen + 1 + v->len + 1);
		memcpy(s, v->key, klen);
		s[klen] = '=';
		memcpy(s + klen + 1, v->val, v->len + 1);
		envp[n++] = s;
	}
	envp[n] = NULL;
	return envp;
}

void run_free_envp(char **envp)
{
	if (!envp)
		return;
	for (char **p = envp; *p; p++)
		wipe_free_str(*p);
	free(envp);
}

static struct rlimit core_limit; /* inherited, for the service */
static int core_saved;
static sigset_t inherited_mask;
static int holding;

void run_harden(void)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (getrlimit(RLIMIT_CORE, &core_limit) == 0) {
		struct rlimit none = { 0, core_limit.rlim_max };
		core_saved = setrlimit(RLIMIT_CORE, &none) == 0;
	}
	if (getpid() != 1)
		return; /* not PID 1: a SIGTERM simply ends us, nothing started */
	/* raw, as in supervise.c: musl hides bits 32-34 of the mask */
	sigset_t all;
	memset(&all, 0xff, sizeof all);
	memset(&inherited_mask, 0, sizeof inherited_mask);
	holding = syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &inherited_mask,
			  (size_t)_NSIG / 8) == 0;
}

/* SIG's default action ends the process. */
static int terminates(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
	case SIGURG:
	case SIGWINCH:
		return 0;
	default:
		return 1;
	}
}

int run_held_signal(void)
{
	sigset_t pending;
	if (!holding || sigpending(&pending) < 0)
		return 0;
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigismember(&pending, sig) == 1 && terminates(sig) &&
		    sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
			return sig;
	}
	return 0;
}

void run_release_signals(void)
{
	if (!holding)
		return;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &inherited_mask, NULL,
		(size_t)_NSIG / 8);
	holding = 0;
}

static size_t arg_limit(void)
{
	struct rlimit rl;
	size_t limit = ARG_TOTAL_CAP;
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < limit)
		limit = (size_t)(rl.rlim_cur / 4);
	return limit < ARG_TOTAL_MIN ? ARG_TOTAL_MIN : limit;
}

/*
 * What execve copies of the program's path: ARGV0 itself when it has a
 * '/', else the longest DIR/ARGV0 the search can try. Without a PATH in
 * ENVP the search uses envinit's own, unknown here: count PATH_MAX.
 */
static size_t filename_size(const char *argv0, char *const *envp)
{
	size_t clen = strlen(argv0);
	if (strchr(argv0, '/'))
		return clen + 1;
	const char *path = NULL;
	for (char *const *p = envp; *p && !path; p++)
		if (strncmp(*p, "PATH=", 5) == 0)
			path = *p + 5;
	if (!path)
		return PATH_MAX;
	size_t longest = 1; /* an empty entry is "." */
	for (const char *q = path;;) {
		size_t n = strcspn(q, ":");
		if (n > longest)
			longest = n;
		if (!q[n])
			break;
		q += n + 1;
	}
	return longest + 1 + clen + 1;
}

int run_check_limits(char *const *argv, char *const *envp, struct diag *d)
{
	int errs = 0;
	/* the kernel copies the program's path onto the new stack too */
	size_t total = filename_size(argv[0], envp);
	for (char *const *p = argv; *p; p++) {
		size_t n = strlen(*p) + 1;
		if (n > ARG_STRLEN_MAX) {
			diag_error(d, "command", NULL,
				   "argument %zu is %zu bytes; the kernel allows %u per string",
				   (size_t)(p - argv), n - 1, ARG_STRLEN_MAX - 1);
			errs++;
		}
		total += n + sizeof(char *);
	}
	for (char *const *p = envp; *p; p++) {
		size_t n = strlen(*p) + 1;
		if (n > ARG_STRLEN_MAX) {
			size_t klen = strcspn(*p, "=");
			char *key = xstrndup(*p, klen);
			diag_error(d, key, NULL,
				   "KEY=value is %zu bytes; the kernel allows %u per variable",
				   n - 1, ARG_STRLEN_MAX - 1);
			free(key);
			errs++;
		}
		total += n + sizeof(char *);
	}
	size_t limit = arg_limit();
	if (total > limit) {
		diag_error(d, NULL, NULL,
			   "environment, arguments and program path total %zu bytes; the kernel allows %zu "
			   "(a quarter of the stack limit, at most 6 MiB)",
			   total, limit);
		errs++;
	}
	return errs;
}

const char *run_search_path(char *const *envp, const char *own_path)
{
	for (char *const *p = envp; *p; p++)
		if (strncmp(*p, "PATH=", 5) == 0)
			return *p + 5;
	return own_path ? own_path : DEFAULT_PATH;
}

static int exec_failed(const char *cmd, int err, struct diag *d)
{
	if (err == ENOENT || err == ENOTDIR) {
		diag_error(d, cmd, NULL, "command not found");
		return EXIT_NOTFOUND;
	}
	diag_error(d, cmd, NULL, "cannot execute: %s", strerror(err));
	return EXIT_NOEXEC;
}

int run_exec(char *const *argv, char *const *envp, const char *path,
	     struct diag *d)
{
	const char *cmd = argv[0];
	if (core_saved) /* the service's own core limit, as inherited */
		setrlimit(RLIMIT_CORE, &core_limit);
	if (strchr(cmd, '/')) {
		execve(cmd, argv, envp);
		return exec_failed(cmd, errno, d);
	}
	if (!*cmd)
		return exec_failed(cmd, ENOENT, d);

	/* execvp's search, with the child's PATH rather than ours. */
	int seen_eacces = 0, err = ENOENT;
	size_t clen = strlen(cmd);
	char buf[PATH_MAX];
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);
		if (dlen + clen + 2 <= sizeof buf) {
			memcpy(buf, p, dlen);
			size_t off = dlen;
			if (dlen == 0)
				buf[off++] = '.'; /* an empty entry is "." */
			buf[off++] = '/';
			memcpy(buf + off, cmd, clen + 1);
			execve(buf, argv, envp);
			switch (errno) {
			case EACCES:
				seen_eacces = 1;
				/* fall through */
			case ENOENT:
			case ENOTDIR:
			case ENAMETOOLONG:
				break;
			default:
				return exec_failed(cmd, errno, d);
			}
		}
		if (!end)
			break;
		p = end;
	}
	return exec_failed(cmd, seen_eacces ? EACCES : err, d);
}
