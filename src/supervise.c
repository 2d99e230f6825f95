/*
 * supervise.c - init mode; see supervise.h.
 *
 * The shape is tini's (block signals, spawn, wait) with catatonit's
 * signalfd: every signal is blocked for the whole life of the supervisor
 * and read from one signalfd, so a signal is never lost between fork and
 * the wait, no handler runs asynchronously, and PID 1 still receives
 * signals whose disposition is SIG_DFL (the kernel drops those for an
 * init only when they are not blocked).
 *
 * Decisions, each explained where it is made:
 *   - the child gets the signal mask and dispositions envinit inherited;
 *   - the child runs in its own process group and gets the terminal when
 *     envinit has it in the foreground (docker run -it: ^C, ^Z, job
 *     control reach the service, not us);
 *   - the child keeps envinit's cwd and inherited fds (WORKDIR, socket
 *     activation); the supervisor itself moves to "/" and closes the rest;
 *   - when the main child exits, everything left gets SIGTERM (+SIGCONT),
 *     then SIGKILL after --grace; then we return the main child's status;
 *   - --watch (see supervise.h and watch.h): a settled change is read
 *     again in full, and acted on only when no source changed while it
 *     was read, so a new child never gets a set mixed from two versions.
 *
 * The point of no return (marked in supervise_run, as catatonit marks
 * where it may no longer bail out): once the first child runs, envinit is
 * the init that keeps it running, and an exit of ours ends the container
 * (as PID 1, the kernel kills every process of the namespace).
 *   - Before it, every failure is an error in D and a status for main():
 *     the signalfd, --watch's inotify fd and timer, the fork of the first
 *     child, and every allocation (which may exit 70, see xalloc).
 *     Everything the loop needs is made here: the rewrite table, the
 *     watch set of the first plan, the first set's digests.
 *   - After it, the loop forwards, reaps, restarts and shuts down without
 *     the heap: report_msg formats on the stack, restart() reports a
 *     failed fork with it, signal_descendants() falls back to the child's
 *     process group when it cannot get memory for its walk of /proc.
 *     xalloc_no_return(1) makes an allocation failure here jump to a
 *     recovery point instead of exiting; with none set it still exits,
 *     naming the point, so a stray allocation shows up (test_supervise
 *     fails every allocation past the point).
 *   - The one documented exception is the --watch round, which
 *     re-assembles and must allocate. It runs under a recovery point
 *     (watch_round_guarded): when memory runs out, the round is dropped,
 *     one line says so, and the service keeps running with the
 *     environment it has; the next change reads everything again. What the
 *     dropped round had built (memory, and any file it had open) is left
 *     as it is, never freed (a structure half-built when the allocation
 *     failed cannot be walked safely): at most one round's worth, in a
 *     process that is not dumpable. The state the loop keeps is changed
 *     only after a round's last allocation (the running digests are
 *     replaced once the new set and its diff exist), so a dropped round
 *     changes nothing. The rebuild itself makes the inherited
 *     environment's copy inaccessible again first (rebuild.c).
 *   - A forked child leaves the point first thing (child_exec): an
 *     allocation failure there exits the child, never jumps into the
 *     supervisor's loop in the child's copy of our memory.
 *   - After the loop returns (everything is gone, we are about to exit),
 *     the point is cleared: what follows may exit 70 as before.
 */
#include "supervise.h"

#include "cli.h"
#include "report.h"
#include "run.h"
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_GRACE 10
#define KILL_RETRY_MS 1000 /* re-send SIGKILL to late forks while waiting */

extern char **environ;

enum state {
	S_RUN,      /* the main child runs */
	S_RESTART,  /* --watch: it is being stopped; then ->pending starts */
	S_EXIT,     /* --watch=exit: it is being stopped; then we shut down */
	S_STOPPING, /* --watch: we were asked to stop; no more restarts */
	S_SHUTDOWN, /* it is gone: what is left gets the grace period */
};

struct sup {
	const struct config *c;
	pid_t child;      /* the main child; 0 once reaped */
	pid_t group;      /* its process group (its pid), for signal_rest */
	int status;       /* its exit status, once reaped */
	int pid1;         /* init of a pid namespace: kill(-1) reaches all */
	int sfd;          /* the signalfd */
	int rewrite[NSIG];
	sigset_t orig_mask;
	struct sigaction orig_act[NSIG];
	unsigned char have_act[NSIG];
	long long grace;  /* ms */

	/* what starting a child needs (again, with --watch) */
	int tty;
	pid_t parent;
	char *const *argv;
	const struct user_ids *user;

	/* --watch */
	const struct supervise_watch *sw; /* NULL without --watch */
	struct watch *watch;
	struct watch_set running; /* digests of the set last acted on */
	char *cwd;          /* where children start and sources are read */
	char **pending;     /* S_RESTART: the next child's environment */
	int round_due;      /* a change settled while the child was stopping */
	enum state state;
	long long stop_at;  /* SIGKILL the stopping child then; -1: none */
	long long deadline; /* S_SHUTDOWN: grace over, KILL retry; -1: none */
};

int supervise_wanted(const struct config *c)
{
	if (c->mode == RUN_AUTO)
		return getpid() == 1;
	return c->mode == RUN_INIT;
}

static void parse_rewrites(struct sup *s)
{
	for (int i = 0; i < NSIG; i++)
		s->rewrite[i] = i;
	/* cli.c accepted only "SIG:SIG" pairs of known names */
	for (size_t i = 0; i < s->c->rewrite.n; i++) {
		const char *r = s->c->rewrite.v[i];
		const char *colon = strchr(r, ':');
		char *from = xstrndup(r, (size_t)(colon - r));
		int a = cli_signal_number(from), b = cli_signal_number(colon + 1);
		free(from);
		if (a > 0 && strcmp(colon + 1, "0") == 0)
			s->rewrite[a] = 0; /* dropped */
		else if (a > 0 && b > 0)
			s->rewrite[a] = b;
	}
}

/* --remap-exit: STATUS as the last FROM:TO naming it says (cli.c
 * accepted only valid pairs), else unchanged. */
static int remap_exit(const struct config *c, int status)
{
	int out = status;
	for (size_t i = 0; i < c->remap_exit.n; i++) {
		int from, to;
		if (cli_parse_remap(c->remap_exit.v[i], &from, &to) == 0 &&
		    from == status)
			out = to;
	}
	return out;
}

/*
 * Remember what we inherited, then block everything. Dispositions can only
 * be SIG_DFL or SIG_IGN across an exec, and we never install a handler,
 * so the child just gets them back. One exception for ourselves: an
 * inherited SIG_IGN for SIGCHLD would make the kernel reap our children
 * behind our back (we would lose the main child's status), so we use
 * SIG_DFL. Blocked signals still queue, even ignored ones and even for
 * PID 1 with SIG_DFL.
 */
static int setup_signals(struct sup *s, struct diag *d)
{
	sigset_t all;
	/* (raw: musl's sigprocmask hides bits 32-34 of the mask it returns) */
	memset(&s->orig_mask, 0, sizeof s->orig_mask);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &s->orig_mask,
		(size_t)_NSIG / 8);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			s->have_act[sig] =
				sigaction(sig, NULL, &s->orig_act[sig]) == 0;
	/*
	 * Every signal, including 32-34: musl's sigfillset leaves out the
	 * three it keeps for threads, timers and cancellation (none of which
	 * we use), and one of them unblocked with SIG_DFL would kill a
	 * supervisor that is not PID 1 (measured: kill -34 did). musl hands
	 * the mask to the kernel unfiltered.
	 *
	 * Faults in our own code still kill us: the kernel unblocks a
	 * synchronous SIGSEGV/SIGBUS/... it raises. A SIGSEGV sent with
	 * kill(2) is forwarded like any other signal, as dumb-init does.
	 */
	memset(&all, 0xff, sizeof all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, NULL);

	s->sfd = signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sfd < 0) {
		diag_error(d, NULL, NULL, "init: cannot create a signalfd: %s",
			   strerror(errno));
		sigprocmask(SIG_SETMASK, &s->orig_mask, NULL);
		return -1;
	}
	return 0;
}

/*
 * The fd of our controlling terminal when our process group has it in the
 * foreground, else -1. We only hand over a terminal we hold: started in
 * the background of someone's shell, taking the foreground would steal
 * it. (Inside a pid namespace whose session leader lives outside, both
 * process groups read as 0 and compare equal; that is the unshare and
 * nested-init case, where we are in the foreground.)
 */
static int foreground_tty(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (!isatty(fd))
			continue;
		pid_t fg = tcgetpgrp(fd);
		if (fg < 0)
			continue; /* a terminal, but not our controlling one */
		return fg == getpgrp() ? fd : -1;
	}
	return -1;
}

/*
 * LISTEN_PID names the process that systemd-style socket activation is
 * meant for. When it names us, the service would ignore the sockets, so
 * the child gets its own pid. Called in the child: BUF outlives the exec.
 */
static void rewrite_listen_pid(char **envp, pid_t parent, char *buf,
			       size_t size)
{
	char want[32];
	snprintf(want, sizeof want, "LISTEN_PID=%ld", (long)parent);
	for (char **p = envp; *p; p++) {
		if (strcmp(*p, want) == 0) {
			snprintf(buf, size, "LISTEN_PID=%ld", (long)getpid());
			*p = buf;
		}
	}
}

/*
 * In the forked child: become the service. Nothing here returns; a
 * failure is reported through report.c (the child owns a copy of
 * everything, single-threaded, so stdio is safe) and exits.
 */
static ATTR_NORETURN void child_exec(const struct sup *s, char **envp,
				     const char *path, int again)
{
	struct diag d;
	char listen_pid[32];
	int status;

	/* Leave the supervisor's point of no return (see the top): an
	 * allocation failure in this child exits it. */
	xalloc_catch(NULL);
	xalloc_no_return(0);
	diag_init(&d);
	/* A restarted service starts where the first one did (we sit in /). */
	if (again && s->cwd && chdir(s->cwd) < 0) {
		diag_error(&d, s->cwd, NULL, "cannot change to the working directory: %s",
			   strerror(errno));
		report_diag(&d, s->c->verbose, NULL);
		_exit(EXIT_NOEXEC);
	}
	/*
	 * Our own process group, so the service and what it spawns can be
	 * signalled as a group (-g) without reaching us, and so the terminal
	 * can be handed to it. The parent calls setpgid too: whichever runs
	 * first wins the race, and both agree.
	 */
	setpgid(0, 0);
	/*
	 * Hand the terminal to the new group. From a background group this
	 * would raise SIGTTOU, but every signal is still blocked here, which
	 * the kernel treats as permission. Failing is not fatal: the service
	 * just runs without job control, as it would under tini.
	 */
	if (s->tty >= 0)
		tcsetpgrp(s->tty, getpgrp());
	rewrite_listen_pid(envp, s->parent, listen_pid, sizeof listen_pid);
	for (int sig = 1; sig < NSIG; sig++)
		if (s->have_act[sig])
			sigaction(sig, &s->orig_act[sig], NULL);
	if (s->user && user_drop(s->user, s->c->user, &d) < 0) {
		report_diag(&d, s->c->verbose, s->c->termination_log);
		_exit(EXIT_CONFIG);
	}
	/* Last: from here on, a pending signal acts as it would on the
	 * service (a SIGTERM forwarded right after fork ends it). */
	sigprocmask(SIG_SETMASK, &s->orig_mask, NULL);
	status = run_exec(s->argv, envp, path, &d);
	report_diag(&d, s->c->verbose, NULL);
	_exit(status);
}

/* Fork a child running the command with ENVP; AGAIN for a restart.
 * Returns its pid, or -1 with errno set (the caller reports). */
static pid_t start_child(struct sup *s, char **envp, const char *path,
			 int again)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		child_exec(s, envp, path, again);
	s->child = s->group = pid;
	setpgid(pid, pid); /* see child_exec; EACCES once it has exec'd */
	return pid;
}

/*
 * Once the child runs, we keep no value: wipe the child's envp (ours is a
 * copy) and the original environment block, which is what
 * /proc/<pid>/environ reads (its strings lie between env_start and
 * env_end on our stack; overwriting them in place is the only way to
 * change what that file shows without privileges).
 */
static void wipe_environment(char ***envp)
{
	static char *empty[] = { NULL };
	run_free_envp(*envp);
	*envp = NULL;
	for (char **p = environ; p && *p; p++)
		sodium_memzero(*p, strlen(*p));
	environ = empty;
}

static int close_fds(unsigned lo, unsigned hi)
{
	return lo > hi ? 0 : (int)syscall(SYS_close_range, lo, hi, 0u);
}

static int kept(const int *keep, int nkeep, int fd)
{
	for (int i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

/* Close every fd but 0, 1, 2 and the NKEEP fds KEEP (ascending, > 2):
 * close_range (Linux 5.9), else a walk of /proc/self/fd, else every
 * number up to the limit. */
static void close_other_fds(const int *keep, int nkeep)
{
	unsigned lo = 3;
	int ok = 1;
	for (int i = 0; i < nkeep && ok; i++) {
		ok = close_fds(lo, (unsigned)keep[i] - 1) == 0;
		lo = (unsigned)keep[i] + 1;
	}
	if (ok && close_fds(lo, ~0u) == 0)
		return;
	DIR *dir = opendir("/proc/self/fd");
	if (dir) {
		/* collect, then close: closing while reading the directory
		 * could skip entries */
		int fds[256], n;
		do {
			n = 0;
			rewinddir(dir);
			for (struct dirent *de; n < 256 && (de = readdir(dir));) {
				int fd = (int)strtol(de->d_name, NULL, 10);
				if (fd > 2 && !kept(keep, nkeep, fd) && fd != dirfd(dir))
					fds[n++] = fd;
			}
			for (int i = 0; i < n; i++)
				close(fds[i]);
		} while (n == 256);
		closedir(dir);
		return;
	}
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		if (!kept(keep, nkeep, fd))
			close(fd);
}

/* Pass SIG on, to the child or with -g its group. */
static void signal_child(const struct sup *s, int sig)
{
	if (!s->child || sig == 0)
		return; /* shutting down (the grace period is running), or
			   --rewrite SIG:0 dropped it */
	/* -g: the child's group, unless it has left it (setsid) */
	if (s->c->signal_group == 1 && kill(-s->child, sig) == 0)
		return;
	kill(s->child, sig);
}

/*
 * Interactive use (not PID 1, the terminal handed to the child): ^Z stops
 * the child's process group, not ours, so the shell that started us would
 * wait for a job that never stops. When the child stops, we stop too; the
 * shell's `fg` gives the terminal back to our group and sends us SIGCONT
 * (see resume).
 */
static void job_stopped(void)
{
	kill(getpid(), SIGSTOP);
}

/* SIGCONT when not PID 1 with a terminal: the shell has made our group
 * the foreground again; hand the terminal back to the child's. */
static void resume(const struct sup *s)
{
	if (!s->pid1 && s->tty >= 0 && s->child && tcgetpgrp(s->tty) == getpgrp())
		tcsetpgrp(s->tty, s->group);
}

/*
 * Forward SIG as --rewrite says. SIGTSTP, SIGTTIN and SIGTTOU: when we are
 * not PID 1 (an interactive shell runs `envinit --init -- cmd`), we then
 * stop ourselves too, so the shell sees the job stop and can resume it
 * with SIGCONT (which reaches us and is forwarded like any other signal).
 * As PID 1 nothing could resume us: we only forward. (--rewrite TSTP:0
 * drops the signal: then we do not stop either.)
 */
static void forward(const struct sup *s, int sig)
{
	if (sig == SIGCONT)
		resume(s);
	signal_child(s, s->rewrite[sig]);
	if (!s->pid1 && s->child && s->rewrite[sig] &&
	    (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
		kill(getpid(), SIGSTOP);
}

/* Parent pid of PID from /proc/PID/stat, or -1. */
static pid_t proc_ppid(const char *pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold anything, even ")" */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -1;
	return (pid_t)strtol(p + 4, NULL, 10);
}

struct proc {
	pid_t pid, ppid;
};

/* Grow *V (of *CAP items of SIZE) to hold NEED with plain realloc: this
 * runs past the point of no return. Returns -1 when there is no memory. */
static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < need && c < ((size_t)-1) / 2 / size)
		c *= 2;
	void *p = c >= need ? realloc(*v, c * size) : NULL;
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

/* Every process of /proc with its parent into *PROCS. */
static int read_procs(struct proc **procs, size_t *n)
{
	size_t cap = 0;
	DIR *dir = opendir("/proc");
	if (!dir)
		return -1;
	int st = 0;
	for (struct dirent *de; st == 0 && (de = readdir(dir));) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid_t pp = proc_ppid(de->d_name);
		if (pp <= 0)
			continue;
		st = grow((void **)procs, &cap, *n + 1, sizeof **procs);
		if (st == 0) {
			(*procs)[*n].pid = (pid_t)strtol(de->d_name, NULL, 10);
			(*procs)[(*n)++].ppid = pp;
		}
	}
	closedir(dir);
	return st;
}

/*
 * As a subreaper (not PID 1), kill(-1) would reach the whole machine:
 * signal only our descendants, found by walking /proc (several passes:
 * a grandchild is only recognised once its parent is). Without /proc,
 * the main child's process group is the best we can do (signal_rest).
 * Returns -1 when /proc cannot be read or there is no memory for the walk
 * (nothing was signalled then).
 */
static int signal_descendants(int sig)
{
	struct proc *procs = NULL;
	pid_t *mine = NULL;
	size_t n = 0, nmine = 0, mcap = 0;
	int st = read_procs(&procs, &n);
	/* breadth first from us; each process taken once */
	if (st == 0 && (st = grow((void **)&mine, &mcap, 1, sizeof *mine)) == 0)
		mine[nmine++] = getpid();
	for (size_t done = 0; st == 0 && done < nmine; done++)
		for (size_t i = 0; st == 0 && i < n; i++)
			if (procs[i].ppid == mine[done] &&
			    (st = grow((void **)&mine, &mcap, nmine + 1,
				       sizeof *mine)) == 0) {
				mine[nmine++] = procs[i].pid;
				procs[i].ppid = -1;
			}
	for (size_t i = 1; st == 0 && i < nmine; i++)
		kill(mine[i], sig);
	free(mine);
	free(procs);
	return st;
}

/*
 * Whether /proc is the procfs of our own pid namespace: /proc/self then
 * names our pid. One mounted for another namespace (`unshare --pid
 * --fork` without --mount-proc, sandboxes that keep the parent's /proc)
 * shows other pids: a walk of it would signal strangers and miss our
 * own descendants.
 */
static int own_proc(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end;
	long pid = strtol(buf, &end, 10);
	return !*end && pid == (long)getpid();
}

static void signal_rest(const struct sup *s, int sig, pid_t group)
{
	if (s->pid1) {
		/* every process of the namespace but us */
		kill(-1, sig);
		return;
	}
	if (own_proc() && signal_descendants(sig) == 0)
		return;
	if (group > 0)
		kill(-group, sig); /* no usable /proc: the child's group */
}

/*
 * Reap every child that has exited. Returns 1 when we have no children
 * left. Looping until waitpid says "none ready" is what makes a main
 * child and an orphan exiting together safe: their two SIGCHLDs may
 * merge into one, but both zombies are collected here.
 */
static int reap(struct sup *s)
{
	/* see job_stopped: with a terminal, not PID 1, see stops too */
	int flags = WNOHANG | (!s->pid1 && s->tty >= 0 ? WUNTRACED : 0);
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, flags);
		if (pid > 0 && WIFSTOPPED(st)) {
			if (pid == s->child)
				job_stopped();
			continue;
		}
		if (pid > 0) {
			if (pid == s->child) {
				s->status = remap_exit(s->c, WIFSIGNALED(st)
						       ? 128 + WTERMSIG(st)
						       : WEXITSTATUS(st));
				s->child = 0;
			}
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		return pid < 0; /* ECHILD: nobody left */
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- --watch ----------------------------------------------------------- */

static void report_info(const struct sup *s, const char *fmt, ...)
	ATTR_PRINTF(2, 3);
static void report_info(const struct sup *s, const char *fmt, ...)
{
	if (s->c->verbose < 1)
		return;
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	report_msg("watch: %s", buf);
}

/* Ask the child to stop (restart, exit): SIGTERM as --rewrite says, and
 * SIGCONT for a stopped one; SIGKILL when the grace period is over. */
static void stop_child(struct sup *s)
{
	signal_child(s, s->rewrite[SIGTERM]);
	signal_child(s, SIGCONT);
	s->stop_at = now_ms() + s->grace;
}

/* The change is wanted: act on it. Takes *ENVP for a restart. */
static void act(struct sup *s, char ***envp)
{
	int quiet = s->c->verbose < 0;
	switch (s->c->watch) {
	case WATCH_SIGNAL: {
		int sig = cli_signal_number(s->c->watch_signal);
		if (!quiet)
			report_msg("watch: sending signal %s to the service (its "
				   "environment is unchanged)", s->c->watch_signal);
		if (sig > 0)
			signal_child(s, sig);
		break;
	}
	case WATCH_EXIT:
		if (!quiet)
			report_msg("watch: stopping the service; envinit exits with "
				   "status %d so that the container is started again",
				   EXIT_WATCH);
		s->state = S_EXIT;
		stop_child(s);
		break;
	default:
		if (!quiet)
			report_msg("watch: restarting the service");
		s->pending = *envp;
		*envp = NULL;
		s->state = S_RESTART;
		stop_child(s);
		break;
	}
}

/*
 * A change has settled: assemble and check again, exactly as at start.
 * What happened before the read began is drained (the read sees it);
 * an event during the read means the set may mix two versions of the
 * sources, so it is dropped and read again once they settle.
 */
static void watch_round(struct sup *s)
{
	struct diag d, wd;
	struct watch_plan plan;
	char **envp = NULL;
	diag_init(&d);
	diag_init(&wd);
	watch_plan_init(&plan);

	if (s->cwd && chdir(s->cwd) < 0) {
		diag_error(&d, s->cwd, NULL, "watch: cannot return to the working "
			   "directory to read the sources: %s", strerror(errno));
		report_diag(&d, s->c->verbose, NULL);
		diag_free(&d);
		return;
	}
	watch_events(s->watch);
	int errs = s->sw->rebuild(s->sw->ctx, &envp, &plan, &d);
	int grew = plan.valid && watch_apply(s->watch, &plan, &wd);
	if (s->cwd && chdir("/") < 0) {
		/* "/" exists: nothing sensible to do */
	}
	report_diag(&wd, s->c->verbose, NULL);

	if (watch_events(s->watch) || grew) {
		report_info(s, "a source changed while it was read: reading it "
			    "again once it settles");
		watch_arm(s->watch);
	} else if (errs || d.nerrors) {
		diag_error(&d, "watch", NULL, "the new environment fails the checks; "
			   "the service keeps running with the one it has");
		report_diag(&d, s->c->verbose, NULL);
	} else {
		struct watch_set now = { 0 };
		watch_digest(s->watch, envp, &now);
		char *diff = watch_diff(&s->running, &now);
		report_diag(&d, s->c->verbose, NULL); /* warnings, -v */
		if (!diff) {
			report_info(s, "sources changed, the environment did not");
			watch_set_free(&now);
		} else {
			if (s->c->verbose >= 0)
				report_msg("watch: %s", diff);
			free(diff);
			watch_set_free(&s->running);
			s->running = now;
			act(s, &envp);
		}
	}
	fflush(stderr);
	run_free_envp(envp);
	watch_plan_free(&plan);
	diag_free(&wd);
	diag_free(&d);
}

/*
 * watch_round under the recovery point that makes it the documented
 * exception to the point of no return (see the top): out of memory, the
 * round is dropped and the running service left alone.
 */
static void watch_round_guarded(struct sup *s)
{
	static const char msg[] = "envinit: watch: out of memory while reading "
		"the sources again; the service keeps running with the "
		"environment it has\n";
	jmp_buf oom;
	jmp_buf *outer = xalloc_catch(&oom);
	if (setjmp(oom) == 0) {
		watch_round(s);
	} else {
		ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
		(void)r;
		if (chdir("/") < 0) {
			/* "/" exists */
		}
	}
	xalloc_catch(outer);
}

/* The old child is gone: start the new one with ->pending, wipe it.
 * Past the point of no return: no heap. */
static int restart(struct sup *s)
{
	const char *own = s->sw ? s->sw->own_path : NULL;
	const char *path = run_search_path(s->pending, own);
	pid_t pid = start_child(s, s->pending, path, 1);
	int err = errno;
	run_free_envp(s->pending);
	s->pending = NULL;
	s->state = S_RUN;
	if (pid < 0) {
		report_msg("%s: cannot start the command: fork: %s", s->argv[0],
			   strerror(err));
		return -1;
	}
	report_info(s, "service restarted (pid %ld)", (long)pid);
	if (s->round_due) {
		s->round_due = 0;
		watch_arm(s->watch);
	}
	return 0;
}

/*
 * --watch: SIGTERM, SIGINT or SIGQUIT (before --rewrite) means the
 * container is being stopped: from now on no change is acted on, and a
 * restart under way starts no new child. (Forwarded as usual.)
 */
static void stop_requested(struct sup *s, int sig)
{
	if ((s->state != S_RUN && s->state != S_RESTART) ||
	    (sig != SIGTERM && sig != SIGINT && sig != SIGQUIT))
		return;
	run_free_envp(s->pending);
	s->pending = NULL;
	s->state = S_STOPPING;
}

/*
 * The loop. Idle, it sleeps in poll() with no timeout and wakes only for
 * a signal or, with --watch, an event on a watched source (the debounce
 * timer is armed only by such an event). A timeout exists only while a
 * child is being stopped (--grace) and once the main child has exited:
 * the grace period, then a retry of SIGKILL for processes forked meanwhile.
 */
static int loop(struct sup *s)
{
	for (;;) {
		struct pollfd pfd[3] = { { .fd = s->sfd, .events = POLLIN } };
		nfds_t nfds = 1;
		if (s->watch && (s->state == S_RUN || s->state == S_RESTART)) {
			pfd[1].fd = watch_inotify_fd(s->watch);
			pfd[2].fd = watch_timer_fd(s->watch);
			pfd[1].events = pfd[2].events = POLLIN;
			nfds = 3;
		}
		long long due = s->deadline;
		if (s->stop_at >= 0 && (due < 0 || s->stop_at < due))
			due = s->stop_at;
		int timeout = -1;
		if (due >= 0) {
			long long left = due - now_ms();
			timeout = left < 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
		}
		/* ENOMEM (no memory for the kernel's poll table): past the
		 * point of no return, try again rather than end the container */
		int r = poll(pfd, nfds, timeout);
		if (r < 0 && errno != EINTR && errno != ENOMEM)
			return EXIT_SOFTWARE;
		long long now = now_ms();
		if (s->stop_at >= 0 && now >= s->stop_at) {
			signal_child(s, SIGKILL); /* --grace is over */
			s->stop_at = -1;
		}
		if (s->deadline >= 0 && now >= s->deadline) {
			/* grace over (or a retry): nothing may outlive us */
			signal_rest(s, SIGKILL, s->group);
			s->deadline = now + KILL_RETRY_MS;
		}

		struct signalfd_siginfo si;
		while (read(s->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			if (si.ssi_signo == SIGCHLD)
				continue; /* reaped below, all at once */
			if (s->watch)
				stop_requested(s, (int)si.ssi_signo);
			/* after the main child: we are shutting down anyway */
			forward(s, (int)si.ssi_signo);
		}
		int had_child = s->child != 0;
		int none_left = reap(s);
		if (had_child && !s->child) {
			s->stop_at = -1;
			if (s->state == S_RESTART && restart(s) < 0)
				s->status = EXIT_SOFTWARE;
			else if (s->state == S_EXIT)
				s->status = EXIT_WATCH;
		}
		if (had_child && !s->child) {
			/*
			 * The main child is gone: SIGTERM to what is left, with
			 * SIGCONT so that stopped processes can act on it, then
			 * the grace period. (With nothing left, kill finds no
			 * one and we return at once.)
			 */
			s->state = S_SHUTDOWN;
			run_free_envp(s->pending);
			s->pending = NULL;
			/* No child left means no descendant left (orphans are
			 * re-parented to us): skip the walk over /proc. */
			if (!none_left) {
				signal_rest(s, SIGTERM, s->group);
				signal_rest(s, SIGCONT, s->group);
			}
			s->deadline = now_ms() + s->grace;
			if (!none_left)
				none_left = reap(s);
		}
		if (s->state == S_SHUTDOWN && !s->child && none_left)
			return s->status;

		if (nfds == 3 && (s->state == S_RUN || s->state == S_RESTART)) {
			if ((pfd[1].revents & POLLIN) && watch_events(s->watch))
				watch_arm(s->watch);
			if ((pfd[2].revents & POLLIN) && watch_expired(s->watch)) {
				if (s->state == S_RUN)
					watch_round_guarded(s);
				else
					s->round_due = s->state == S_RESTART;
			}
		}
	}
}

/* --watch: the inotify fd and timer, before the first child is started. */
static int watch_setup(struct sup *s, struct diag *d)
{
	s->watch = watch_new(d);
	if (!s->watch)
		return -1;
	s->cwd = getcwd(NULL, 0);
	if (!s->cwd)
		diag_warn(d, NULL, NULL, "watch: cannot tell the working directory "
			  "(%s): restarted services start in /", strerror(errno));
	return 0;
}

/* --watch, once the first child runs: watch what it was built from, and
 * read it all again once, a moment later: a change made between the
 * first read and these watches would otherwise go unseen. */
static void watch_start(struct sup *s)
{
	struct diag wd;
	diag_init(&wd);
	if (s->cwd && chdir(s->cwd) < 0)
		diag_warn(&wd, s->cwd, NULL, "watch: cannot return to the working "
			  "directory: %s", strerror(errno));
	watch_apply(s->watch, s->sw->plan, &wd);
	if (chdir("/") < 0) {
		/* "/" exists */
	}
	report_diag(&wd, s->c->verbose, NULL);
	diag_free(&wd);
	watch_arm(s->watch);
}

int supervise_run(const struct config *c, char *const *argv, char ***envp,
		  const char *path, const struct user_ids *user,
		  const struct supervise_watch *sw, struct diag *d)
{
	struct sup s;
	memset(&s, 0, sizeof s);
	s.c = c;
	s.pid1 = getpid() == 1;
	s.argv = argv;
	s.user = user;
	s.sw = c->watch != WATCH_NONE ? sw : NULL;
	s.state = S_RUN;
	s.stop_at = s.deadline = -1;
	s.grace = (c->grace == UNSET ? DEFAULT_GRACE : c->grace) * 1000;
	parse_rewrites(&s);
	if (setup_signals(&s, d) < 0)
		return EXIT_SOFTWARE;
	if (s.sw && watch_setup(&s, d) < 0) {
		sigprocmask(SIG_SETMASK, &s.orig_mask, NULL);
		close(s.sfd);
		return EXIT_SOFTWARE;
	}

	/* Not PID 1 (--init): orphans of the service are re-parented to us
	 * rather than to the real init, so we can still reap them. */
	if (!s.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		diag_warn(d, NULL, NULL, "init: cannot become a child subreaper: %s",
			  strerror(errno));
	s.tty = foreground_tty();
	/*
	 * Not dumpable: no core dump and no ptrace by a same-uid process
	 * can read what we held. Set before fork so the window is shorter;
	 * the child's exec makes the service dumpable again as usual.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	s.parent = getpid();
	if (start_child(&s, *envp, path, 0) < 0) {
		diag_error(d, argv[0], NULL, "cannot start the command: fork: %s",
			   strerror(errno));
		watch_free(s.watch);
		free(s.cwd);
		return EXIT_SOFTWARE;
	}
	if (s.sw) /* what the child got, as digests: the values go now */
		watch_digest(s.watch, *envp, &s.running);

	wipe_environment(envp);
	/*
	 * Sit in "/" so we pin no mount (a volume the service used as its
	 * cwd can be unmounted). Only we move: the child was forked before,
	 * so it keeps the directory it was started in (Docker's WORKDIR),
	 * as under tini.
	 */
	if (chdir("/") < 0)
		diag_warn(d, NULL, NULL, "init: cannot chdir to /: %s", strerror(errno));
	/*
	 * Keep only 0, 1, 2 and the signalfd (and --watch's two fds). The
	 * child already has its own copy of whatever we inherited (LISTEN_FDS
	 * sockets, pipes); holding them here would keep a pipe open after the
	 * service closed it. --watch=restart is the exception: a restarted
	 * service must get them too.
	 */
	if (!s.sw) {
		close_other_fds(&s.sfd, 1);
	} else if (c->watch != WATCH_RESTART) {
		int keep[3] = { s.sfd, watch_inotify_fd(s.watch),
				watch_timer_fd(s.watch) };
		for (int i = 1; i < 3; i++) /* ascending */
			for (int j = i; j > 0 && keep[j] < keep[j - 1]; j--) {
				int t = keep[j];
				keep[j] = keep[j - 1];
				keep[j - 1] = t;
			}
		close_other_fds(keep, 3);
	}
	if (s.sw)
		watch_start(&s);

	/* ---- the point of no return (see the top): no exit until the
	 * loop returns, no allocation but in a --watch round ---- */
	xalloc_no_return(1);
	int status = loop(&s);
	xalloc_no_return(0);
	run_free_envp(s.pending);
	watch_set_free(&s.running);
	watch_free(s.watch);
	free(s.cwd);
	return status;
}
