/*
 * wait.c - --wait; see wait.h.
 *
 * Each round: watch the nearest existing directory of everything missing
 * (and every secrets dir and env file directory, where a required key
 * can still appear), THEN assemble and check, so that a file written
 * between the check and the watch is not missed. A change is acted on
 * once the directories have been quiet for SETTLE_MS: a file seen just
 * after its creation may still be empty.
 */
#include "wait.h"

#include "envfile.h"
#include "envset.h"
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SETTLE_MS 100

extern char **environ;
#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | \
		    IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
		    IN_ONLYDIR)

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Whether IT is something time can fix: a file not there yet, a required
 * key not set or still empty. */
static int missing_kind(const struct diag_item *it)
{
	return ends_with(it->text, ": no such file") ||
	       ends_with(it->text, ": no such directory") ||
	       strncmp(it->text, "required but not set", 20) == 0 ||
	       strcmp(it->text, "required but empty") == 0;
}

/* 1: every error of D is missing_kind (and there is one); else 0. */
static int only_missing(const struct diag *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].level != DIAG_ERROR)
			continue;
		if (!missing_kind(&d->v[i]))
			return 0;
		n++;
	}
	return n > 0;
}

/* The path a missing-file item of D names: the subject (an env file,
 * a secrets dir, a key file), or a KEY_FILE's target (source "K_FILE=P"). */
static const char *item_path(const struct diag_item *it)
{
	if (strncmp(it->text, "required", 8) == 0)
		return NULL;
	if (it->source && strchr(it->source, '='))
		return strchr(it->source, '=') + 1;
	/* "K_FILE set at F:L": a KEY_FILE pointer, whose text is never
	 * said (watch_refs finds where to watch) */
	return it->source ? NULL : it->subject;
}

/* Watch the nearest existing directory of PATH (PATH itself if it is
 * one). */
static void watch_near(int ifd, const char *path)
{
	char *p = xstrdup(path);
	for (;;) {
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			inotify_add_watch(ifd, p, WATCH_MASK);
			break;
		}
		char *slash = strrchr(p, '/');
		if (!slash) {
			inotify_add_watch(ifd, ".", WATCH_MASK);
			break;
		}
		if (slash == p) {
			inotify_add_watch(ifd, "/", WATCH_MASK);
			break;
		}
		*slash = '\0';
	}
	free(p);
}

/* Watch where every KEY_FILE target that does not exist yet would be:
 * the pointers of the env files and of the inherited environment. Their
 * paths are only watched, never printed. */
static void watch_refs(int ifd, const struct config *c)
{
	const char *suffix = config_file_suffix(c);
	size_t slen = strlen(suffix);
	struct envset refs;
	struct diag scratch;
	if (!slen)
		return;
	envset_init(&refs);
	diag_init(&scratch);
	for (size_t i = 0; i < c->env_files.n; i++)
		envfile_load(c->env_files.v[i].path, 1, NULL, &refs, &scratch);
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || eq == *e)
			continue;
		char *k = xstrndup(*e, (size_t)(eq - *e));
		envset_set(&refs, k, eq + 1, strlen(eq + 1), ORIG_INHERITED, NULL);
		free(k);
	}
	for (size_t i = 0; i < refs.n; i++) {
		const struct envvar *v = &refs.v[i];
		size_t klen = strlen(v->key);
		struct stat st;
		if (envset_live(v) && klen > slen && v->len &&
		    strcmp(v->key + klen - slen, suffix) == 0 &&
		    stat(v->val, &st) < 0)
			watch_near(ifd, v->val);
	}
	envset_free(&refs);
	diag_free(&scratch);
}

/* A fresh inotify fd watching what D lacks and where keys come from. */
static int watch_all(const struct config *c, const struct diag *d)
{
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0)
		return -1;
	for (size_t i = 0; i < d->n; i++) {
		const char *p = d->v[i].level == DIAG_ERROR
				? item_path(&d->v[i]) : NULL;
		if (p)
			watch_near(ifd, p);
	}
	for (size_t i = 0; i < c->secret_dirs.n; i++)
		watch_near(ifd, c->secret_dirs.v[i].path);
	for (size_t i = 0; i < c->env_files.n; i++)
		watch_near(ifd, c->env_files.v[i].path);
	for (size_t i = 0; i < c->private_keys.n; i++)
		watch_near(ifd, c->private_keys.v[i]);
	watch_refs(ifd, c);
	return ifd;
}

/* Append W (taken) to *LINE, comma separated. */
static void add_word(char **line, char *w)
{
	char *l = xasprintf("%s%s%s", *line ? *line : "", *line ? ", " : "", w);
	free(w);
	free(*line);
	*line = l;
}

/* "waiting up to N s for: A, B, C": names and paths only. */
static void say_waiting(const struct config *c, const struct diag *d)
{
	char *line = NULL;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->v[i];
		if (it->level != DIAG_ERROR || !it->subject)
			continue;
		const char *p = item_path(it);
		if (p && it->source && strchr(it->source, '=')) {
			char *k = xstrndup(it->source,
					   (size_t)(strchr(it->source, '=') - it->source));
			add_word(&line, xasprintf("%s (%s)", p, k));
			free(k);
		} else if (p) {
			add_word(&line, xstrdup(p));
		} else if (it->source) {
			/* a KEY_FILE whose path is not said */
			add_word(&line, xasprintf("%s (%s)", it->subject, it->source));
		} else {
			/* a key; skip one already named by its KEY_FILE */
			int dup = 0;
			for (size_t j = 0; j < i; j++)
				dup |= d->v[j].subject &&
				       strcmp(d->v[j].subject, it->subject) == 0;
			if (!dup)
				add_word(&line, xstrdup(it->subject));
		}
	}
	if (c->verbose >= 0)
		report_msg("waiting up to %lld s for: %s", c->wait, line ? line : "");
	fflush(stderr);
	free(line);
}

/* Block SIGTERM and SIGINT and read them from a signalfd. */
static int signals_on(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, old);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (read(fd, buf, sizeof buf) > 0) {
	}
}

/*
 * Sleep until an inotify event has settled (0), the deadline (1) or a
 * signal (its number).
 */
static int sleep_for_change(int ifd, int sfd, long long deadline)
{
	int changed = 0;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return changed ? 0 : 1;
		if (changed && left > SETTLE_MS)
			left = SETTLE_MS;
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = ifd, .events = POLLIN } };
		int r = poll(pfd, 2, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno != EINTR)
			return 1;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
			return (int)si.ssi_signo;
		if (r > 0 && (pfd[1].revents & POLLIN)) {
			drain(ifd);
			changed = 1;
			continue;
		}
		if (r == 0 && changed)
			return 0; /* quiet for SETTLE_MS */
	}
}

int wait_sources(const struct config *c, wait_probe_fn probe, void *ctx,
		 struct diag *d)
{
	if (c->wait == UNSET || c->wait <= 0)
		return 0;
	long long deadline = now_ms() + c->wait * 1000;
	struct diag pd;
	diag_init(&pd);
	probe(ctx, &pd);
	if (!only_missing(&pd)) {
		diag_free(&pd);
		return 0; /* all there, or a problem time cannot fix */
	}
	sigset_t old;
	int sfd = signals_on(&old);
	int status = 0, said = 0;
	for (;;) {
		int ifd = watch_all(c, &pd);
		if (ifd < 0 || sfd < 0) {
			diag_warn(d, "--wait", NULL, "cannot watch for changes: %s",
				  strerror(errno));
			break;
		}
		diag_free(&pd);
		probe(ctx, &pd); /* after the watches: nothing slips between */
		if (!only_missing(&pd)) {
			close(ifd);
			break;
		}
		if (!said++)
			say_waiting(c, &pd);
		int r = sleep_for_change(ifd, sfd, deadline);
		close(ifd);
		if (r == 1)
			break; /* time is up: the caller reports as usual */
		if (r > 1) {
			status = 128 + r;
			break;
		}
	}
	diag_free(&pd);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
