/*
 * pendexec SIG CMD ARGS... - exec CMD with signal SIG already pending.
 *
 * Blocks SIG, sends it to itself (a blocked signal is queued, even for
 * PID 1), then execs CMD: a pending signal survives exec, so CMD starts
 * exactly as if SIG had arrived while it was still reading its sources.
 * Under `unshare --pid --fork` we are PID 1, and so is CMD.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: pendexec SIG CMD ARGS...\n", stderr);
		return 2;
	}
	int sig = atoi(argv[1]);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || kill(getpid(), sig) < 0) {
		perror("pendexec");
		return 2;
	}
	sigset_t pending;
	if (sigpending(&pending) < 0 || !sigismember(&pending, sig)) {
		fputs("pendexec: the signal is not pending\n", stderr);
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
