/*
 * envdump [-i] DIR - a long-running service for the --watch tests.
 *
 * On start it writes, each atomically (a temporary name renamed over the
 * final one, so a reader never sees half a file):
 *   DIR/PID.env    its environment, one KEY=value a line, as received;
 *   DIR/PID.info   cwd=, pgid=, sigblk= (from /proc/self/status) and fds=
 *                  (its open fds above 2);
 *   DIR/latest     its pid (written last: "a new child is running").
 * Then it waits for signals: SIGHUP, SIGUSR1 and SIGUSR2 are appended to
 * DIR/PID.sig (one number a line); SIGTERM and SIGINT end it with status 0,
 * unless -i, which makes it record SIGTERM like those and live on (to test
 * --grace). Static, no allocation in the loop, never wakes up on its own.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char *dir;

/* Write TEXT to DIR/NAME through DIR/.NAME.tmp and a rename. */
static void publish(const char *name, const char *text)
{
	char tmp[4096], final[4096];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(final, sizeof final, "%s/%s", dir, name);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, final) < 0) {
		perror(final);
		exit(2);
	}
}

static void status_line(const char *key, char *out, size_t size)
{
	char line[256];
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");
	snprintf(out, size, "?");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			char *v = line + n + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, size, "%s", v);
		}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	int ignore_term = argc > 2 && strcmp(argv[1], "-i") == 0;
	if (argc != 2 + ignore_term) {
		fputs("usage: envdump [-i] DIR\n", stderr);
		return 2;
	}
	dir = argv[1 + ignore_term];
	char cwd[4096], blk[64], fds[1024] = "";
	status_line("SigBlk", blk, sizeof blk); /* what envinit gave us */
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGTERM, SIGINT };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);

	static char text[1 << 20];
	size_t used = 0;
	for (char **e = environ; *e && used < sizeof text - 2; e++)
		used += (size_t)snprintf(text + used, sizeof text - used, "%s\n", *e);
	char name[64];
	long pid = (long)getpid();
	snprintf(name, sizeof name, "%ld.env", pid);
	publish(name, text);

	DIR *d = opendir("/proc/self/fd");
	for (struct dirent *de; d && (de = readdir(d));) {
		int fd = (int)strtol(de->d_name, NULL, 10);
		if (fd > 2 && fd != dirfd(d))
			snprintf(fds + strlen(fds), sizeof fds - strlen(fds), "%s%d",
				 *fds ? "," : "", fd);
	}
	if (d)
		closedir(d);
	snprintf(text, sizeof text, "cwd=%s\npgid=%ld\nsigblk=%s\nfds=%s\n",
		 getcwd(cwd, sizeof cwd) ? cwd : "?", (long)getpgrp(), blk, fds);
	snprintf(name, sizeof name, "%ld.info", pid);
	publish(name, text);
	snprintf(text, sizeof text, "%ld\n", pid);
	publish("latest", text);

	char sigfile[4096];
	snprintf(sigfile, sizeof sigfile, "%s/%ld.sig", dir, pid);
	for (;;) {
		int sig;
		if (sigwait(&set, &sig) != 0)
			continue;
		if ((sig == SIGTERM && !ignore_term) || sig == SIGINT)
			return 0;
		int fd = open(sigfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			char buf[16];
			int n = snprintf(buf, sizeof buf, "%d\n", sig);
			if (write(fd, buf, (size_t)n) < 0)
				perror(sigfile);
			close(fd);
		}
	}
}
