/*
 * run.h - turn the assembled set into the child's envp and exec it.
 */
#ifndef RUN_H
#define RUN_H

#include "diag.h"
#include "envset.h"

/* "KEY=value" strings of every kept key, NULL-terminated. */
char **run_build_envp(const struct envset *env);
/* Wipe and free what run_build_envp returned. */
void run_free_envp(char **envp);

/*
 * Check ARGV and ENVP against the kernel's execve limits: 131,071 bytes
 * per string; strings plus pointers at most a quarter of the stack limit,
 * capped at 6 MiB (never below 128 KiB). Problems go to D naming the key
 * or the total. Returns the number of errors added.
 */
int run_check_limits(char *const *argv, char *const *envp, struct diag *d);

/*
 * The directories to search for ARGV[0]: the child's PATH when it has
 * one, else envinit's own, else the usual default.
 */
const char *run_search_path(char *const *envp, const char *own_path);

/*
 * execve ARGV[0] (searched in PATH when it has no '/') with ENVP. Only
 * returns on failure: adds the problem to D and returns 127 (not found)
 * or 126 (found, not executable).
 */
int run_exec(char *const *argv, char *const *envp, const char *path,
	     struct diag *d);

#endif
