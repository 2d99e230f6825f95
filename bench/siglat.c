/*
 * siglat - signal-forwarding and secret-rotation latency, for bench/run.sh.
 *
 *   siglat child FD [VAR]
 *       The service. Blocks SIGUSR1, SIGHUP, SIGTERM and SIGINT, writes a
 *       "started" record (its CLOCK_MONOTONIC time and the value of $VAR)
 *       to FD, then writes a "signal" record for each SIGUSR1 or SIGHUP it
 *       receives, and exits 0 on SIGTERM or SIGINT.
 *
 *   siglat signal N [-o FILE] -- INIT [ARG...]
 *       Runs INIT (an init whose command is "siglat child 9"), then N
 *       times: note the time, kill(INIT, SIGUSR1), wait for the child's
 *       record. One signal in flight at a time. Prints one line:
 *       "n=N median_us=... p10_us=... p90_us=... min_us=... max_us=...",
 *       and with -o appends each latency (ns) to FILE, one a line.
 *       With INIT being "siglat child 9" itself, it measures the floor: a
 *       signal sent straight to the service.
 *
 *   siglat rotate N TIMEOUT_MS DIR KEY -- INIT [ARG...]
 *       DIR is a Kubernetes secret volume (..data -> ..TIMESTAMP, one
 *       symlink per key) that INIT watches; the child is
 *       "siglat child 9 KEY". N times: write a new timestamped directory
 *       with a new value for KEY, swap ..data to it the way the kubelet
 *       does (..data_tmp symlink renamed over ..data), and wait up to
 *       TIMEOUT_MS for a restarted child that sees the new value (or a
 *       SIGHUP/SIGUSR1 record, for --watch=signal:NAME). Prints the same
 *       line, or "none: no restart or signal within TIMEOUT_MS ms".
 *
 * The service writes to fd 9, which the parent sets up before starting
 * INIT: every init measured here passes inherited fds to its child.
 * Records are fixed-size and smaller than PIPE_BUF, so each write is
 * atomic. Exit status: 0, or 1 when a measurement could not be made.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_FD 9

struct record {
	char tag;      /* 'R' started, 'S' signal */
	int signo;
	int64_t ns;    /* CLOCK_MONOTONIC */
	char val[96];  /* started: the value of VAR, truncated */
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "siglat: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- the service ------------------------------------------------------- */

static int child(int fd, const char *var)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);

	struct record r;
	memset(&r, 0, sizeof r);
	r.tag = 'R';
	r.ns = now_ns();
	const char *v = var ? getenv(var) : NULL;
	snprintf(r.val, sizeof r.val, "%s", v ? v : "");
	if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
		return 1;
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (sig == SIGTERM || sig == SIGINT)
			return 0;
		memset(&r, 0, sizeof r);
		r.tag = 'S';
		r.signo = sig;
		r.ns = now_ns();
		if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
			return 1;
	}
}

/* ---- the measuring parent ---------------------------------------------- */

/* Start ARGV with the write end of a pipe on CHILD_FD; returns the pid and
 * the read end in *rfd. The child gets an empty signal mask. */
static pid_t start(char **argv, int *rfd)
{
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(p[1], CHILD_FD) < 0)
			_exit(126);
		if (p[0] != CHILD_FD)
			close(p[0]);
		if (p[1] != CHILD_FD)
			close(p[1]);
		/* stdout is not looked at; stderr stays, for the log */
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
			if (devnull > 2 && devnull != CHILD_FD)
				close(devnull);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* Read one record within TIMEOUT_MS; 0, or -1 on timeout or EOF. */
static int next_record(int fd, int timeout_ms, struct record *r)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	size_t got = 0;
	while (got < sizeof *r) {
		int64_t left = (deadline - now_ns()) / 1000000;
		if (left < 0)
			return -1;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		ssize_t k = read(fd, (char *)r + got, sizeof *r - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static void stop(pid_t pid, int rfd)
{
	kill(pid, SIGTERM);
	/* an init that ignores SIGTERM must not hang the benchmark */
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			goto out;
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
out:
	close(rfd);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void summary(int64_t *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp64);
	double med = n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	printf("n=%zu median_us=%.1f p10_us=%.1f p90_us=%.1f min_us=%.1f max_us=%.1f\n",
	       n, med / 1e3, v[n / 10] / 1e3, v[n * 9 / 10] / 1e3, v[0] / 1e3,
	       v[n - 1] / 1e3);
}

static void save(const char *file, const int64_t *v, size_t n)
{
	FILE *f = fopen(file, "a");
	if (!f)
		die(file);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%lld\n", (long long)v[i]);
	if (fclose(f) != 0)
		die(file);
}

static int measure_signal(size_t n, const char *file, char **argv)
{
	int rfd;
	pid_t pid = start(argv, &rfd);
	struct record r;
	if (next_record(rfd, 5000, &r) < 0 || r.tag != 'R') {
		fprintf(stderr, "siglat: %s: the service did not start\n", argv[0]);
		stop(pid, rfd);
		return 1;
	}
	/* let the init reach its wait loop before the first signal */
	struct timespec settle = { 0, 20000000 };
	nanosleep(&settle, NULL);

	int64_t *lat = calloc(n, sizeof *lat);
	if (!lat)
		die("calloc");
	for (size_t i = 0; i < n; i++) {
		int64_t t0 = now_ns();
		kill(pid, SIGUSR1);
		do {
			if (next_record(rfd, 5000, &r) < 0) {
				fprintf(stderr, "siglat: %s: signal %zu was not forwarded\n",
					argv[0], i + 1);
				stop(pid, rfd);
				free(lat);
				return 1;
			}
		} while (r.tag != 'S');
		lat[i] = r.ns - t0;
	}
	stop(pid, rfd);
	if (file)
		save(file, lat, n);
	summary(lat, n);
	free(lat);
	return 0;
}

/* ---- a kubelet-style update -------------------------------------------- */

static void write_file(int dirfd, const char *name, const char *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
		die(name);
}

/* Copy every regular file of FROM into TO, KEY's content replaced. */
static void fill(int from, int to, const char *key, const char *val)
{
	DIR *d = fdopendir(dup(from));
	if (!d)
		die("fdopendir");
	rewinddir(d);
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		if (strcmp(de->d_name, key) == 0)
			continue;
		int fd = openat(from, de->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(de->d_name);
		char buf[65536];
		ssize_t n = read(fd, buf, sizeof buf);
		close(fd);
		if (n < 0)
			die(de->d_name);
		write_file(to, de->d_name, buf, (size_t)n);
	}
	closedir(d);
	char line[160];
	int len = snprintf(line, sizeof line, "%s\n", val);
	write_file(to, key, line, (size_t)len);
}

/*
 * The kubelet's AtomicWriter order: the new timestamped directory with
 * every file, a ..data_tmp symlink to it, rename over ..data, then the old
 * directory goes. Returns the time of the rename, which is when a reader
 * can first see the new set.
 */
static int64_t kubelet_update(const char *dir, int round, const char *key,
			      const char *val)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die(dir);
	char old[256], fresh[64];
	ssize_t n = readlinkat(dfd, "..data", old, sizeof old - 1);
	if (n <= 0)
		die("..data");
	old[n] = '\0';
	snprintf(fresh, sizeof fresh, "..2026_01_15_10_31_%02d.%09d", round % 60,
		 (int)(now_ns() % 1000000000));
	if (mkdirat(dfd, fresh, 0755) < 0)
		die(fresh);
	int from = openat(dfd, old, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int to = openat(dfd, fresh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (from < 0 || to < 0)
		die("open timestamped dir");
	fill(from, to, key, val);
	fsync(to);
	unlinkat(dfd, "..data_tmp", 0);
	if (symlinkat(fresh, dfd, "..data_tmp") < 0)
		die("..data_tmp");
	if (renameat(dfd, "..data_tmp", dfd, "..data") < 0)
		die("rename ..data");
	int64_t t = now_ns();
	/* the old directory goes last, as the kubelet does */
	DIR *d = fdopendir(from);
	if (d) {
		rewinddir(d); /* fill() read through a dup of this fd */
		for (struct dirent *de; (de = readdir(d));)
			if (de->d_name[0] != '.')
				unlinkat(from, de->d_name, 0);
		closedir(d);
	}
	unlinkat(dfd, old, AT_REMOVEDIR);
	close(to);
	close(dfd);
	return t;
}

static int measure_rotate(size_t n, int timeout_ms, const char *dir,
			  const char *key, char **argv)
{
	int rfd;
	pid_t pid = start(argv, &rfd);
	struct record r;
	if (next_record(rfd, 5000, &r) < 0 || r.tag != 'R') {
		fprintf(stderr, "siglat: %s: the service did not start\n", argv[0]);
		stop(pid, rfd);
		return 1;
	}
	struct timespec settle = { 0, 50000000 };
	nanosleep(&settle, NULL);

	int64_t *lat = calloc(n, sizeof *lat);
	if (!lat)
		die("calloc");
	size_t got = 0;
	for (size_t i = 0; i < n; i++) {
		char val[96];
		snprintf(val, sizeof val, "rotated-value-%03zu-0123456789abcdef", i);
		int64_t t0 = kubelet_update(dir, (int)i, key, val);
		int seen = 0;
		while (!seen && next_record(rfd, timeout_ms, &r) == 0)
			seen = r.tag == 'S' || strcmp(r.val, val) == 0;
		if (!seen)
			break;
		lat[got++] = r.ns - t0;
		nanosleep(&settle, NULL);
	}
	stop(pid, rfd);
	if (got < n) {
		printf("none: no restart or signal within %d ms\n", timeout_ms);
		free(lat);
		return 0;
	}
	summary(lat, got);
	free(lat);
	return 0;
}

static void usage(void)
{
	fputs("usage: siglat child FD [VAR]\n"
	      "       siglat signal N [-o FILE] -- INIT [ARG...]\n"
	      "       siglat rotate N TIMEOUT_MS DIR KEY -- INIT [ARG...]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "child") == 0)
		return child(atoi(argv[2]), argc > 3 ? argv[3] : NULL);
	if (argc >= 5 && strcmp(argv[1], "signal") == 0 &&
	    strcmp(argv[3], "--") == 0)
		return measure_signal((size_t)atol(argv[2]), NULL, argv + 4);
	if (argc >= 7 && strcmp(argv[1], "signal") == 0 &&
	    strcmp(argv[3], "-o") == 0 && strcmp(argv[5], "--") == 0)
		return measure_signal((size_t)atol(argv[2]), argv[4], argv + 6);
	if (argc >= 8 && strcmp(argv[1], "rotate") == 0 &&
	    strcmp(argv[6], "--") == 0)
		return measure_rotate((size_t)atol(argv[2]), atoi(argv[3]),
				      argv[4], argv[5], argv + 7);
	usage();
	return 2;
}
