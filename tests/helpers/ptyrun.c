/*
 * ptyrun - run a command on a new pseudo-terminal, like expect, for the
 * job-control tests.
 *
 *   ptyrun SECONDS SCRIPT CMD [ARG...]
 *
 * The command runs as the leader of a new session whose controlling
 * terminal is the pty (as under docker run -it). The SCRIPT file
 * (/dev/null for none) has one step a line:
 *   expect TEXT   wait until TEXT appears in the output (after the last match)
 *   send TEXT     write TEXT to the terminal; \n \r \\ and \xHH are decoded
 *                 (\x03 is ^C, \x1a is ^Z)
 * After the script, ptyrun reads until the command exits. Everything the
 * terminal printed goes to stdout. Exit status: the command's (128+N when
 * killed by signal N), or 124 when SECONDS pass first (the command is
 * then killed), with the failing step on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char out[1 << 20];
static size_t used, matched;
static long long deadline;
static int master;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what is there (waiting until the deadline); 0 on EOF or timeout. */
static int pump(void)
{
	long long left = deadline - now_ms();
	if (left <= 0)
		return 0;
	struct pollfd p = { .fd = master, .events = POLLIN };
	if (poll(&p, 1, (int)left) <= 0)
		return 0;
	char buf[4096];
	ssize_t n = read(master, buf, sizeof buf);
	if (n <= 0)
		return 0; /* EIO: every slave fd is closed */
	fwrite(buf, 1, (size_t)n, stdout);
	fflush(stdout);
	if (used + (size_t)n < sizeof out) {
		memcpy(out + used, buf, (size_t)n);
		used += (size_t)n;
	}
	return 1;
}

static int expect(const char *text)
{
	for (;;) {
		out[used] = '\0';
		char *hit = strstr(out + matched, text);
		if (hit) {
			matched = (size_t)(hit - out) + strlen(text);
			return 0;
		}
		if (!pump())
			return -1;
	}
}

static void send(const char *text)
{
	char buf[1024];
	size_t n = 0;
	for (const char *s = text; *s && n < sizeof buf; s++) {
		if (*s != '\\' || !s[1]) {
			buf[n++] = *s;
			continue;
		}
		s++;
		if (*s == 'n')
			buf[n++] = '\n';
		else if (*s == 'r')
			buf[n++] = '\r';
		else if (*s == 'x' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };
			buf[n++] = (char)strtol(hex, NULL, 16);
			s += 2;
		} else
			buf[n++] = *s;
	}
	ssize_t w = write(master, buf, n);
	(void)w;
}

/*
 * The command starts as a runtime starts a container: every signal at its
 * default and none blocked, whatever we inherited (`nohup make test` or
 * `make test &` in a script leave SIGINT and SIGQUIT ignored, and an
 * ignored SIGINT would survive the exec: ^C would then end nothing).
 */
static void default_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fputs("usage: ptyrun SECONDS SCRIPT CMD [ARG...]\n", stderr);
		return 2;
	}
	FILE *script = fopen(argv[2], "r");
	if (!script) {
		perror(argv[2]);
		return 2;
	}
	deadline = now_ms() + atoi(argv[1]) * 1000LL;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		perror("ptyrun: pty");
		return 2;
	}
	const char *slave = ptsname(master);
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int fd = open(slave, O_RDWR); /* becomes our controlling tty */
		if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0) {
			perror("ptyrun: slave");
			_exit(2);
		}
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
		default_signals();
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		_exit(127);
	}

	char line[1024];
	int failed = 0;
	while (!failed && fgets(line, sizeof line, script)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "expect ", 7) == 0) {
			if (expect(line + 7) < 0) {
				fprintf(stderr, "ptyrun: did not see: %s\n", line + 7);
				failed = 1;
			}
		} else if (strncmp(line, "send ", 5) == 0) {
			send(line + 5);
		}
	}
	while (!failed && pump())
		;
	/* the output is done; the command may still be finishing */
	int st = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (failed || now_ms() >= deadline) {
			if (!failed)
				fputs("ptyrun: timed out\n", stderr);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return 124;
		}
		usleep(10000);
	}
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}
