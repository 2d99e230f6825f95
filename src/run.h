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
 * per string; strings (the program's path included: execve copies it
 * too) plus pointers at most a quarter of the stack limit, capped at
 * 6 MiB (never below 128 KiB). Problems go to D naming the key
 * or the total. Returns the number of errors added.
 */
int run_check_limits(char *const *argv, char *const *envp, struct diag *d);

/*
 * First thing in main(), before anything is read: not dumpable and a zero
 * core-file size (soft limit; run_exec gives the service the inherited
 * one back), so no core dump or same-uid ptrace can show a value. As
 * PID 1 also block every signal, keeping the inherited mask: the kernel
 * drops a signal sent to PID 1 that it has no handler for, so a SIGTERM
 * during assembly would otherwise be lost.
 */
void run_harden(void);

/*
 * A signal that arrived while run_harden held them and would have ended
 * envinit (default action terminate or core dump, not ignored), or 0.
 * The caller then starts nothing and exits 128 + the signal.
 */
int run_held_signal(void);

/* The inherited signal mask back, just before the service is started
 * (the supervisor and the service take it from there as before). */
void run_release_signals(void);

/*
 * The directories to search for ARGV[0]: the child's PATH when it has
 * one, else envinit's own, else the usual default.
 */
const char *run_search_path(char *const *envp, const char *own_path);

/*
 * execve ARGV[0] (searched in PATH when it has no '/') with ENVP, the
 * core-file limit run_harden lowered restored first. Only
 * returns on failure: adds the problem to D and returns 127 (not found)
 * or 126 (found, not executable).
 */
int run_exec(char *const *argv, char *const *envp, const char *path,
	     struct diag *d);

#endif
