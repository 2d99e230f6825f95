/* bench/execstop.c - linked with -Wl,--wrap=execve by bench/counts.sh and
 * bench/run.sh: an execve that ends the process instead, so that
 * callgrind (which writes nothing for a process that execs) counts every
 * instruction of an exec-mode start up to the execve. With EXECSTOP_RSS
 * set it first writes to stderr what the process has resident at that
 * moment, in KB, by kind of mapping (from /proc/self/smaps):
 *   binary <KB>   the executable's own pages (code, read-only data, data)
 *   anon <KB>     anonymous memory: the start-up arena, libc's heap,
 *                 libsodium's guarded pages, the binary's .bss
 *   stack <KB>    the stack */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int __wrap_execve(const char *path, char *const argv[], char *const envp[]);

static void resident(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512], self[512];
	long kb[3] = { 0, 0, 0 }, n;
	int kind = 1;
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	self[len > 0 ? len : 0] = '\0';
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			line[strcspn(line, "\n")] = '\0';
			kind = *self && strstr(line, self) ? 0
			       : strstr(line, "[stack]") ? 2 : 1;
		} else if (sscanf(line, "Rss: %ld kB", &n) == 1) {
			kb[kind] += n;
		}
	}
	if (f)
		fclose(f);
	fprintf(stderr, "binary\t%ld\nanon\t%ld\nstack\t%ld\n", kb[0], kb[1], kb[2]);
}

int __wrap_execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path;
	(void)argv;
	(void)envp;
	if (getenv("EXECSTOP_RSS"))
		resident();
	_exit(0);
}
