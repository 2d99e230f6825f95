/*
 * procinfo - print what a process inherited, one "name=value" a line:
 * pid, ppid, pgid, sid, fg (the terminal's foreground group on fd 0, or
 * -1), sigblk, sigign (hex, from /proc/self/status), cwd, fds (open fds),
 * uid, gid, groups.
 *
 *   procinfo --set BLOCKED IGNORED CMD [ARG...]
 *       block the signals in the comma-separated list BLOCKED, ignore
 *       those in IGNORED, then exec CMD (to give envinit a known mask).
 *
 * Static, so it runs in a root holding nothing else.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void each_sig(const char *list, sigset_t *set, int ignore)
{
	char *copy = strdup(list);
	for (char *s = strtok(copy, ","); s; s = strtok(NULL, ",")) {
		int sig = atoi(s);
		if (sig <= 0)
			continue;
		if (ignore)
			signal(sig, SIG_IGN);
		else
			sigaddset(set, sig);
	}
	free(copy);
}

static void status_line(const char *key, const char *name)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	if (!f) {
		printf("%s=?\n", name);
		return;
	}
	size_t n = strlen(key);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			char *v = line + n + 1;
			v += strspn(v, " \t");
			printf("%s=%s", name, v);
		}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc > 4 && strcmp(argv[1], "--set") == 0) {
		sigset_t set;
		sigemptyset(&set);
		/* start from the defaults: only the lists given, not what
		 * the caller ignored (nohup, `&`), reach CMD */
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		sigprocmask(SIG_SETMASK, &set, NULL);
		each_sig(argv[2], &set, 0);
		each_sig(argv[3], &set, 1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		execvp(argv[4], argv + 4);
		perror(argv[4]);
		return 127;
	}
	char cwd[4096];
	printf("pid=%ld\nppid=%ld\npgid=%ld\nsid=%ld\nfg=%ld\n", (long)getpid(),
	       (long)getppid(), (long)getpgrp(), (long)getsid(0),
	       (long)tcgetpgrp(0));
	status_line("SigBlk", "sigblk");
	status_line("SigIgn", "sigign");
	printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
	printf("fds=");
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		const char *sep = "";
		for (struct dirent *de; (de = readdir(d));) {
			if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
				continue;
			printf("%s%s", sep, de->d_name);
			sep = ",";
		}
		closedir(d);
	}
	printf("\nuid=%ld\ngid=%ld\ngroups=", (long)getuid(), (long)getgid());
	gid_t g[256];
	int n = getgroups(256, g);
	for (int i = 0; i < n; i++)
		printf("%s%ld", i ? "," : "", (long)g[i]);
	printf("\n");
	return 0;
}
