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
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

static size_t arg_limit(void)
{
	struct rlimit rl;
	size_t limit = ARG_TOTAL_CAP;
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < limit)
		limit = (size_t)(rl.rlim_cur / 4);
	return limit < ARG_TOTAL_MIN ? ARG_TOTAL_MIN : limit;
}

int run_check_limits(char *const *argv, char *const *envp, struct diag *d)
{
	int errs = 0;
	size_t total = 0;
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
			   "environment and arguments total %zu bytes; the kernel allows %zu "
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
