/*
 * exitscan NEEDLE CMD [ARG...] - run CMD under ptrace and, when it exits,
 * count the copies of NEEDLE in its memory as it stands at that moment
 * (every readable mapping, through /proc/PID/mem). Prints "N copies in B
 * bytes" and CMD's exit status; exits 0 when there is no copy, 1 when
 * there is, 2 when it could not look. Used to check that a secret does not
 * survive in envinit's memory on an error path (a failed execve) up to
 * its exit. NEEDLE is not passed to CMD.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static long scan(pid_t pid, const char *needle, long *scanned)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "r");
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int mem = open(path, O_RDONLY);
	if (!maps || mem < 0)
		return -1;
	size_t nlen = strlen(needle);
	long found = 0;
	while (fgets(line, sizeof line, maps)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || strstr(line, "[vvar") || strstr(line, "[vsyscall"))
			continue;
		size_t n = hi - lo;
		char *buf = malloc(n);
		if (!buf)
			return -1;
		ssize_t got = pread(mem, buf, n, (off_t)lo);
		if (got > 0) {
			*scanned += got;
			for (char *p = buf; (p = memmem(p, (size_t)(buf + got - p), needle, nlen)); p++)
				found++;
		}
		free(buf);
	}
	fclose(maps);
	close(mem);
	return found;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: exitscan NEEDLE CMD [ARG...]\n", stderr);
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		execv(argv[2], argv + 2);
		_exit(126);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st))
		return 2;
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC));
	long found = -1, scanned = 0;
	int sig = 0;
	for (;;) {
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
		sig = 0;
		if (waitpid(pid, &st, 0) < 0)
			return 2;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (!WIFSTOPPED(st))
			continue;
		if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8)))
			found = scan(pid, argv[1], &scanned);
		else if (st >> 8 != (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			sig = WSTOPSIG(st);
	}
	printf("%ld copies in %ld bytes, status %d\n", found, scanned,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return found < 0 || !scanned ? 2 : found > 0;
}
