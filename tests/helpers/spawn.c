/*
 * spawn - make orphans, for the reaping tests.
 *
 *   spawn orphans N
 *       Make N orphans: each time fork a middle process that forks a
 *       grandchild and exits, so the grandchild is re-parented to our
 *       reaper (PID 1 or the nearest subreaper: our parent). Half the
 *       grandchildren exit before the middle does (they are re-parented
 *       as zombies), half after (live orphans that exit later); each of
 *       those checks that its new parent is the reaper, so a missing
 *       subreaper cannot pass unseen. Then wait (10 s at most) until the
 *       reaper has no child but us. Prints "reaped N in MS ms" and exits
 *       0, or what is left and exits 1.
 *
 *   spawn race CODE
 *       Fork a child, then release it and exit CODE at the same moment,
 *       so the main child and an orphan exit together.
 */
#include <dirent.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Processes but us whose parent is REAPER, from /proc; *ZOMBIES of them
 * are zombies. */
static int children_of(pid_t reaper, int *zombies)
{
	int n = 0;
	*zombies = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));) {
		char path[300], buf[512];
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		char *p = strrchr(buf, ')');
		char state;
		long ppid;
		if (p && sscanf(p + 1, " %c %ld", &state, &ppid) == 2 &&
		    ppid == (long)reaper && atol(de->d_name) != (long)getpid()) {
			n++;
			*zombies += state == 'Z';
		}
	}
	closedir(d);
	return n;
}

static int orphans(int n)
{
	pid_t reaper = getppid();
	long long t0 = now_ms();
	int report[2]; /* live orphans write 'o' (ours) or 'x' (not) */
	if (pipe2(report, O_NONBLOCK) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		int p[2];
		if (pipe(p) < 0)
			return 2;
		pid_t mid = fork();
		if (mid < 0)
			return 2;
		if (mid == 0) {
			mid = getpid();
			pid_t g = fork();
			if (g == 0) {
				char c;
				close(p[1]);
				if (i % 2) { /* wait for the middle to be gone */
					while (read(p[0], &c, 1) > 0)
						;
					/* the kernel closes a dying process's fds
					 * before it re-parents its children */
					for (int t = 0; getppid() == mid && t < 5000; t++)
						usleep(200);
					c = getppid() == reaper ? 'o' : 'x';
					if (write(report[1], &c, 1) != 1)
						_exit(1);
				}
				_exit(0);
			}
			if (i % 2 == 0) { /* let it become a zombie first */
				siginfo_t si;
				waitid(P_PID, (id_t)g, &si, WEXITED | WNOWAIT);
			}
			_exit(0);
		}
		close(p[0]);
		close(p[1]);
		waitpid(mid, NULL, 0);
	}
	/* done when the reaper has no child but us, alive or zombie */
	int left = 0, z = 0;
	for (long long end = now_ms() + 10000; now_ms() < end;) {
		left = children_of(reaper, &z);
		if (left == 0)
			break;
		usleep(10000);
	}
	if (left) {
		printf("%d orphans left, %d of them zombies\n", left, z);
		return 1;
	}
	char buf[4096];
	int ours = 0;
	ssize_t got;
	close(report[1]);
	while ((got = read(report[0], buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < got; i++)
			ours += buf[i] == 'o';
	if (ours != n / 2) {
		printf("%d orphans not re-parented to us\n", n / 2 - ours);
		return 1;
	}
	printf("reaped %d in %lld ms\n", n, now_ms() - t0);
	return 0;
}

static int race(int code)
{
	int p[2];
	if (pipe(p) < 0)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(p[0]);
	_exit(code); /* closes p[1]: the child exits with us */
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "orphans") == 0)
		return orphans(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "race") == 0)
		return race(atoi(argv[2]));
	fputs("usage: spawn orphans N | spawn race CODE\n", stderr);
	return 2;
}
