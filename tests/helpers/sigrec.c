/*
 * sigrec - record the signals this process receives, for the init tests.
 *
 *   sigrec FILE [EXIT_SIG [FILE2]]
 *       Block every signal, write "ready PID" to FILE, then append one
 *       line "SIG SENDER" per signal received, in order (SENDER is the
 *       sending pid as we see it; 0 means the kernel, e.g. a terminal's
 *       ^C). Exit 0 after recording EXIT_SIG (0: never). With FILE2, fork
 *       a second recorder in the same process group writing to FILE2
 *       (for -g); it dies with us.
 *
 *   sigrec -s
 *       Self test, for "a signal sent to PID 1 from inside is forwarded":
 *       send each catchable signal to our parent, one at a time, and wait
 *       (5 s at most) for it to come back. Print the signals that came
 *       back, in order, on one line; exit 1 if any did not. When the
 *       parent is not PID 1, a SIGTSTP, SIGTTIN or SIGTTOU also stops it
 *       (job control): we wait for that, then resume it with SIGCONT
 *       (which comes back too, and is not printed).
 *
 * Static, so it runs in any root. Dispositions are reset to SIG_DFL after
 * blocking, so a signal an ancestor ignored still queues for sigwaitinfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static int catchable(int sig)
{
	return sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD;
}

/* Every signal, 32-34 too (musl's sigfillset leaves those out). */
static void fill(sigset_t *set)
{
	memset(set, 0xff, sizeof *set);
}

static void block_all(void)
{
	sigset_t all;
	fill(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < 65; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
}

static void put(int fd, const char *s)
{
	ssize_t w = write(fd, s, strlen(s));
	(void)w;
}

static int record(const char *file, int exit_sig)
{
	char line[64];
	sigset_t all;
	siginfo_t si;
	int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return 2;
	fill(&all);
	snprintf(line, sizeof line, "ready %ld\n", (long)getpid());
	put(fd, line);
	for (;;) {
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			return 2;
		}
		snprintf(line, sizeof line, "%d %ld\n", sig, (long)si.si_pid);
		put(fd, line);
		if (sig == exit_sig)
			return 0;
	}
}

/* Whether PID's state becomes 'T' (stopped) within 5 s. */
static int stops(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	for (int i = 0; i < 500; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			const char *p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'T')
				return 1;
		}
		struct timespec ms = { 0, 10000000 };
		nanosleep(&ms, NULL);
	}
	return 0;
}

static int self_test(void)
{
	sigset_t all;
	siginfo_t si;
	struct timespec ts = { 5, 0 };
	int bad = 0;
	fill(&all);
	for (int sig = 1; sig < 65; sig++) {
		if (!catchable(sig))
			continue;
		kill(getppid(), sig);
		int got = sigtimedwait(&all, &si, &ts);
		if (got == sig) {
			printf("%d ", got);
			if ((sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) &&
			    getppid() != 1 && stops(getppid())) {
				kill(getppid(), SIGCONT);
				if (sigtimedwait(&all, &si, &ts) != SIGCONT)
					bad = 1;
			}
		} else {
			printf("[%d: got %d] ", sig, got);
			bad = 1;
		}
		fflush(stdout);
	}
	printf("\n");
	return bad;
}

int main(int argc, char **argv)
{
	block_all();
	if (argc == 2 && strcmp(argv[1], "-s") == 0)
		return self_test();
	if (argc < 2) {
		fputs("usage: sigrec FILE [EXIT_SIG [FILE2]] | sigrec -s\n", stderr);
		return 2;
	}
	int exit_sig = argc > 2 ? atoi(argv[2]) : 0;
	if (argc > 3) {
		pid_t pid = fork();
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			return record(argv[3], exit_sig);
		}
	}
	return record(argv[1], exit_sig);
}
