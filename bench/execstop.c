/* bench/execstop.c - linked with -Wl,--wrap=execve by bench/counts.sh: an
 * execve that ends the process instead, so that callgrind (which writes
 * nothing for a process that execs) counts every instruction of an
 * exec-mode start up to the execve. */
#include <unistd.h>

int __wrap_execve(const char *path, char *const argv[], char *const envp[]);

int __wrap_execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path;
	(void)argv;
	(void)envp;
	_exit(0);
}
