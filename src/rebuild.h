/*
 * rebuild.h - --watch: assemble again, once the supervisor has wiped its
 * environment, exactly as a fresh start with the same command line and
 * environment would (the manifest read again included); only the run
 * settings (mode, --watch, --grace, -g, --rewrite, -u, --termination-log)
 * keep the values envinit started with.
 *
 * The inherited environment is one layer of every assembly (and what env
 * files interpolate), and it cannot be read again: it is copied into one
 * sodium_malloc'd block (guard pages, locked, never in a core dump) that
 * is made inaccessible (PROT_NONE) except while a re-assembly reads it.
 * Every value read from a file is read again from the file.
 *
 * A re-assembly runs past the supervisor's point of no return
 * (supervise.c): an allocation failure during it makes the block
 * inaccessible again and hands over to the supervisor's recovery point,
 * which drops the round and keeps the running service.
 */
#ifndef REBUILD_H
#define REBUILD_H

#include "config.h"
#include "diag.h"
#include "envset.h"
#include "supervise.h"
#include "user.h"

/* What a start does, given by main.c so that a re-assembly is one. */
struct rebuild_phases {
	/* ENVINIT_* variables of ENV, when the command line is silent */
	void (*environment)(struct config *c, char *const *env);
	/* assemble from ENV and apply the policy; build *ENVP; returns the
	 * number of problems (added to D) */
	int (*build)(const struct config *c, char *const *env,
		     struct envset *set, char ***envp, struct diag *d);
};

struct rebuild;

/*
 * Keep what re-assembling needs: ARGC/ARGV (not copied: they outlive the
 * supervisor), a copy of the environment ENV and of its PATH, and the plan
 * of what config C read into SET (the first assembly). Needs sodium_init().
 * Returns NULL when the guarded block cannot be had (out of memory).
 */
struct rebuild *rebuild_new(int argc, char **argv, char *const *env,
			    const struct rebuild_phases *phases,
			    const struct config *c, const struct envset *set);

/* Wipe the copy and free R (NULL is fine). */
void rebuild_free(struct rebuild *r);

/* supervise_run's --watch for R; restarted services get USER's HOME as
 * the first one did (USER resolved once, at start; may be NULL). */
struct supervise_watch rebuild_watch(struct rebuild *r,
				     const struct user_ids *user);

#endif
