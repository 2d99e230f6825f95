/*
 * supervise.h - init mode: run the command as a child and stay behind as
 * a minimal init (see SPEC "Run").
 *
 * The supervisor forwards every catchable signal but SIGCHLD to the child
 * (or its process group with -g, rewritten by --rewrite), reaps every
 * zombie, and when the main child exits sends SIGTERM to every process
 * left, SIGKILL after --grace seconds, and returns the main child's status.
 * It never wakes up while idle: one signalfd in a poll() with no timeout
 * (a later --watch adds its inotify fd to the same poll set).
 */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include "config.h"
#include "diag.h"
#include "user.h"

/* Whether config C (and our pid) asks for init mode rather than exec. */
int supervise_wanted(const struct config *c);

/*
 * Start ARGV (searched in PATH) as a child with environment *ENVP, as
 * USER when not NULL, and supervise it until it and every other process
 * left are gone.
 *
 * Once the child runs, the supervisor wipes and frees *ENVP (setting it
 * to NULL) and overwrites its own original environment block, so neither
 * its memory nor /proc/<pid>/environ hold a value; it also makes itself
 * not dumpable, moves to "/" and closes every fd but 0, 1, 2 and its
 * signalfd. PATH must not point into *ENVP's strings after the call.
 *
 * Returns the main child's exit status, 128+N when it died of signal N,
 * or, when the child cannot be started, an error in D and EXIT_SOFTWARE.
 * A failed exec in the child reports there and exits 126 or 127; a failed
 * privilege drop exits 78.
 */
int supervise_run(const struct config *c, char *const *argv, char ***envp,
		  const char *path, const struct user_ids *user,
		  struct diag *d);

#endif
