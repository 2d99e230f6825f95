/*
 * memscan PID NEEDLE - count the copies of NEEDLE in the memory of PID
 * (every readable mapping, through /proc/PID/mem). Prints the count and
 * exits 0 when there is none, 1 when there is, 2 when the memory cannot
 * be read. Used to check that init mode's supervisor keeps no value
 * (the needle is in our own memory, but we only read PID's).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: memscan PID NEEDLE\n", stderr);
		return 2;
	}
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
	FILE *maps = fopen(path, "r");
	snprintf(path, sizeof path, "/proc/%s/mem", argv[1]);
	int mem = open(path, O_RDONLY);
	if (!maps || mem < 0) {
		perror(path);
		return 2;
	}
	const char *needle = argv[2];
	size_t nlen = strlen(needle);
	long found = 0, scanned = 0;
	while (fgets(line, sizeof line, maps)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || strstr(line, "[vvar") || strstr(line, "[vsyscall"))
			continue;
		size_t n = hi - lo;
		char *buf = malloc(n);
		if (!buf)
			return 2;
		ssize_t got = pread(mem, buf, n, (off_t)lo);
		if (got > 0) {
			scanned += got;
			for (char *p = buf; (p = memmem(p, (size_t)(buf + got - p), needle, nlen)); p++)
				found++;
		}
		free(buf);
	}
	printf("%ld copies in %ld bytes\n", found, scanned);
	return found ? 1 : (scanned ? 0 : 2);
}
