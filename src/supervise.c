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
 *     then SIGKILL after --grace; then we return the main child's status.
 */
#include "supervise.h"

#include "cli.h"
#include "report.h"
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

struct sup {
	const struct config *c;
	pid_t child;      /* the main child; 0 once reaped */
	int status;       /* its exit status, once reaped */
	int pid1;         /* init of a pid namespace: kill(-1) reaches all */
	int sfd;          /* the signalfd */
	int rewrite[NSIG];
	sigset_t orig_mask;
	struct sigaction orig_act[NSIG];
	unsigned char have_act[NSIG];
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
		if (a > 0 && b > 0)
			s->rewrite[a] = b;
	}
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
static ATTR_NORETURN void child_exec(const struct sup *s, int tty,
				     pid_t parent, char *const *argv,
				     char **envp, const char *path,
				     const struct user_ids *user)
{
	struct diag d;
	char listen_pid[32];
	int status;

	diag_init(&d);
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
	if (tty >= 0)
		tcsetpgrp(tty, getpgrp());
	rewrite_listen_pid(envp, parent, listen_pid, sizeof listen_pid);
	for (int sig = 1; sig < NSIG; sig++)
		if (s->have_act[sig])
			sigaction(sig, &s->orig_act[sig], NULL);
	if (user && user_drop(user, s->c->user, &d) < 0) {
		report_diag(&d, s->c->verbose, s->c->termination_log);
		_exit(EXIT_CONFIG);
	}
	/* Last: from here on, a pending signal acts as it would on the
	 * service (a SIGTERM forwarded right after fork ends it). */
	sigprocmask(SIG_SETMASK, &s->orig_mask, NULL);
	status = run_exec(argv, envp, path, &d);
	report_diag(&d, s->c->verbose, NULL);
	_exit(status);
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

/* Close every fd but 0, 1, 2 and KEEP: close_range (Linux 5.9), else a
 * walk of /proc/self/fd, else every number up to the limit. */
static void close_other_fds(int keep)
{
	if (keep < 3 ? close_fds(3, ~0u) == 0
		     : close_fds(3, (unsigned)keep - 1) == 0 &&
			       close_fds((unsigned)keep + 1, ~0u) == 0)
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
				int fd = atoi(de->d_name);
				if (fd > 2 && fd != keep && fd != dirfd(dir))
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
		if (fd != keep)
			close(fd);
}

/*
 * Pass SIG on. SIGTSTP, SIGTTIN and SIGTTOU are passed on like the rest
 * and do not stop us: as PID 1 nothing would resume us. (dumb-init also
 * stops itself so that a shell running it sees the job stop; with the
 * terminal handed to the child, ^Z already reaches the child directly.)
 */
static void forward(const struct sup *s, int sig)
{
	sig = s->rewrite[sig];
	if (!s->child)
		return; /* shutting down: the grace period is running */
	/* -g: the child's group, unless it has left it (setsid) */
	if (s->c->signal_group == 1 && kill(-s->child, sig) == 0)
		return;
	kill(s->child, sig);
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

/*
 * As a subreaper (not PID 1), kill(-1) would reach the whole machine:
 * signal only our descendants, found by walking /proc (several passes:
 * a grandchild is only recognised once its parent is). Without /proc,
 * the main child's process group is the best we can do.
 */
static void signal_descendants(int sig)
{
	struct proc {
		pid_t pid, ppid;
	} *procs = NULL;
	pid_t *mine = NULL;
	size_t n = 0, cap = 0, nmine = 0, mcap = 0;
	DIR *dir = opendir("/proc");
	if (!dir)
		return;
	for (struct dirent *de; (de = readdir(dir));) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid_t pp = proc_ppid(de->d_name);
		if (pp <= 0)
			continue;
		xgrow((void **)&procs, &cap, n + 1, sizeof *procs);
		procs[n].pid = (pid_t)atol(de->d_name);
		procs[n++].ppid = pp;
	}
	closedir(dir);
	/* breadth first from us; each process taken once */
	xgrow((void **)&mine, &mcap, 1, sizeof *mine);
	mine[nmine++] = getpid();
	for (size_t done = 0; done < nmine; done++)
		for (size_t i = 0; i < n; i++)
			if (procs[i].ppid == mine[done]) {
				xgrow((void **)&mine, &mcap, nmine + 1, sizeof *mine);
				mine[nmine++] = procs[i].pid;
				procs[i].ppid = -1;
			}
	for (size_t i = 1; i < nmine; i++)
		kill(mine[i], sig);
	free(mine);
	free(procs);
}

static void signal_rest(const struct sup *s, int sig, pid_t group)
{
	if (s->pid1) {
		/* every process of the namespace but us */
		kill(-1, sig);
		return;
	}
	if (access("/proc/self/stat", R_OK) == 0)
		signal_descendants(sig);
	else if (group > 0)
		kill(-group, sig);
}

/*
 * Reap every child that has exited. Returns 1 when we have no children
 * left. Looping until waitpid says "none ready" is what makes a main
 * child and an orphan exiting together safe: their two SIGCHLDs may
 * merge into one, but both zombies are collected here.
 */
static int reap(struct sup *s)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			if (pid == s->child) {
				s->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st)
							    : WEXITSTATUS(st);
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

/*
 * The loop. Idle, it sleeps in poll() with no timeout and wakes only for
 * a signal. A timeout exists only once the main child has exited: the
 * grace period, then a retry of SIGKILL for processes forked meanwhile.
 */
static int loop(struct sup *s, pid_t group)
{
	long long deadline = -1; /* set once the main child is gone */
	long long grace = s->c->grace == UNSET ? DEFAULT_GRACE : s->c->grace;

	for (;;) {
		struct pollfd pfd = { .fd = s->sfd, .events = POLLIN };
		int timeout = -1;
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			timeout = left < 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
		}
		int r = poll(&pfd, 1, timeout);
		if (r < 0 && errno != EINTR)
			return EXIT_SOFTWARE;
		if (r == 0) {
			/* grace over (or a retry): nothing may outlive us */
			signal_rest(s, SIGKILL, group);
			deadline = now_ms() + KILL_RETRY_MS;
		}

		struct signalfd_siginfo si;
		while (read(s->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			if (si.ssi_signo == SIGCHLD)
				continue; /* reaped below, all at once */
			/* after the main child: we are shutting down anyway */
			forward(s, (int)si.ssi_signo);
		}
		int had_child = s->child != 0;
		int none_left = reap(s);
		if (had_child && !s->child) {
			/*
			 * The main child is gone: SIGTERM to what is left, with
			 * SIGCONT so that stopped processes can act on it, then
			 * the grace period. (With nothing left, kill finds no
			 * one and we return at once.)
			 */
			signal_rest(s, SIGTERM, group);
			signal_rest(s, SIGCONT, group);
			deadline = now_ms() + grace * 1000;
			if (!none_left)
				none_left = reap(s);
		}
		if (!s->child && none_left)
			return s->status;
	}
}

int supervise_run(const struct config *c, char *const *argv, char ***envp,
		  const char *path, const struct user_ids *user,
		  struct diag *d)
{
	struct sup s;
	memset(&s, 0, sizeof s);
	s.c = c;
	s.pid1 = getpid() == 1;
	parse_rewrites(&s);
	if (setup_signals(&s, d) < 0)
		return EXIT_SOFTWARE;

	/* Not PID 1 (--init): orphans of the service are re-parented to us
	 * rather than to the real init, so we can still reap them. */
	if (!s.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		diag_warn(d, NULL, NULL, "init: cannot become a child subreaper: %s",
			  strerror(errno));
	int tty = foreground_tty();
	/*
	 * Not dumpable: no core dump and no ptrace by a same-uid process
	 * can read what we held. Set before fork so the window is shorter;
	 * the child's exec makes the service dumpable again as usual.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		diag_error(d, argv[0], NULL, "cannot start the command: fork: %s",
			   strerror(errno));
		return EXIT_SOFTWARE;
	}
	if (pid == 0)
		child_exec(&s, tty, parent, argv, *envp, path, user);
	s.child = pid;
	setpgid(pid, pid); /* see child_exec; EACCES once it has exec'd */

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
	 * Keep only 0, 1, 2 and the signalfd. The child already has its own
	 * copy of whatever we inherited (LISTEN_FDS sockets, pipes); holding
	 * them here would keep a pipe open after the service closed it.
	 */
	close_other_fds(s.sfd);

	return loop(&s, pid);
}
