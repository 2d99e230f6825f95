/*
 * supervise.h - init mode: run the command as a child and stay behind as
 * a minimal init (the README's "Running the service: exec or init").
 *
 * The supervisor forwards every catchable signal but SIGCHLD to the child
 * (or its process group with -g, rewritten by --rewrite), reaps every
 * zombie, and when the main child exits sends SIGTERM to every process
 * left, SIGKILL after --grace seconds, and returns the main child's status.
 * It never wakes up while idle: one signalfd in a poll() with no timeout
 * (--watch adds its inotify fd and its debounce timerfd to the same poll
 * set; neither is readable while nothing changes).
 *
 * --watch (watch.h): on a settled change the supervisor calls REBUILD,
 * which assembles and checks again exactly as at start; a set that fails
 * is reported and the child left alone; a set whose per-key digests equal
 * the running one's does nothing; otherwise restart (SIGTERM, as
 * rewritten by --rewrite, to the child or with -g its group; SIGKILL
 * after --grace; then a new child started exactly as the first),
 * signal:NAME (sent to the child or its group) or exit (the child is
 * stopped as for restart, then the usual shutdown, status EXIT_WATCH).
 */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include "config.h"
#include "diag.h"
#include "user.h"
#include "watch.h"

/* --watch=exit: the status envinit exits with (EX_TEMPFAIL: a non-zero
 * status, so even "restart on failure" policies start the container again). */
#define EXIT_WATCH 75

/* What --watch needs from the caller. */
struct supervise_watch {
	/*
	 * Assemble and check again, as at start. Returns 0 with the new
	 * environment in *ENVP (a run_build_envp array), or the number of
	 * problems, added to D (*ENVP is then NULL). Fills PLAN with what the
	 * configuration reads whenever the configuration itself could be
	 * loaded (PLAN->valid), even when the checks fail.
	 */
	int (*rebuild)(void *ctx, char ***envp, struct watch_plan *plan,
		       struct diag *d);
	void *ctx;
	const struct watch_plan *plan; /* what the first assembly read */
	const char *own_path; /* envinit's own PATH, copied: environ is wiped */
};

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
 *
 * WATCH is NULL unless c->watch is set. With it the supervisor also keeps
 * the working directory's path (children are started there, sources are
 * re-read from there) and, for restart, the fds it inherited (a restarted
 * service gets them too: LISTEN_FDS sockets). The supervisor itself keeps
 * no value, only the running set's digests; what REBUILD's CTX keeps is
 * the caller's business (rebuild.c: the inherited environment, in a
 * block that is inaccessible between re-assemblies).
 *
 * REBUILD runs past the point of no return (supervise.c): an allocation
 * failure in it jumps to the round's recovery point instead of exiting,
 * so it must leave nothing it owns in a state that matters (rebuild.c
 * catches first to make its block inaccessible again).
 */
int supervise_run(const struct config *c, char *const *argv, char ***envp,
		  const char *path, const struct user_ids *user,
		  const struct supervise_watch *watch, struct diag *d);

#endif
