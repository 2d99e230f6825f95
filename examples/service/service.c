/*
 * service - the example service of examples/pulse-platform: it stands in
 * for the backend, the frontend and the ETL workers, so that the stack
 * runs as written and shows what envinit hands each of them.
 *
 *   service NAME
 *       print one line, "NAME started with: KEY KEY ...", the names of
 *       the environment it received, sorted (never a value), then wait
 *       until SIGTERM (or SIGINT) and exit 0.
 *
 * Static (musl, like envinit), so it runs in a FROM scratch image.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: service NAME\n", stderr);
		return 64;
	}
	/* SIGTERM ends us; sigwait needs it blocked (it may also have been
	 * ignored by whoever started us: blocked, it is still delivered). */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	size_t n = 0;
	while (environ[n])
		n++;
	char **names = calloc(n + 1, sizeof *names);
	if (!names)
		return 70;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(environ[i], "=");
		names[i] = strndup(environ[i], len);
		if (!names[i])
			return 70;
	}
	qsort(names, n, sizeof *names, by_name);
	printf("%s started with:", argv[1]);
	for (size_t i = 0; i < n; i++)
		printf(" %s", names[i]);
	putchar('\n');
	fflush(stdout);

	int sig = 0;
	sigwait(&stop, &sig);
	return 0;
}
