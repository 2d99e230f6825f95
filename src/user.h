/*
 * user.h - -u/--user USER[:GROUP]: resolve names, drop privileges.
 *
 * The binary is static, so there is no NSS: names are looked up by
 * reading the container's /etc/passwd and /etc/group directly. Numbers
 * need neither file. The rules follow su-exec and Docker's --user:
 *
 *   USER            a name (must be in /etc/passwd) or a uid. The gid is
 *                   the user's passwd gid; a uid with no passwd entry keeps
 *                   envinit's own gid (0 as root), as Docker does: give
 *                   USER:GROUP to avoid that.
 *   USER:GROUP      GROUP is a name (must be in /etc/group) or a gid.
 *   groups          without GROUP: the gid plus every /etc/group entry
 *                   that lists the user's name; with GROUP: only GROUP
 *                   (an explicit group means exactly that group, as in
 *                   su-exec).
 *   HOME            the passwd home, or "/" when there is none; set only
 *                   when the assembled environment has no HOME.
 */
#ifndef USER_H
#define USER_H

#include "diag.h"

#include <sys/types.h>

struct user_ids {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups, gid first */
	size_t ngroups;
	char *home; /* never NULL after a successful user_resolve */
};

/*
 * Resolve SPEC ("USER[:GROUP]") into OUT, reading ROOT/etc/passwd and
 * ROOT/etc/group (ROOT is "" in production; the tests pass a directory).
 * Problems go to D with the user or group name as subject. Returns 0, or
 * -1 after adding an error (OUT is then empty). Free OUT with user_free.
 */
int user_resolve(const char *spec, const char *root, struct user_ids *out,
		 struct diag *d);

void user_free(struct user_ids *u);

/*
 * Add "HOME=<u->home>" to the NULL-terminated heap array *ENVP (as made
 * by run_build_envp) unless it already has HOME. Returns 1 when added.
 */
int user_set_home(char ***envp, const struct user_ids *u);

/*
 * Become U: setgroups, then setgid, then setuid (each needs the one
 * before it still to be privileged). Returns 0, or -1 after adding an
 * error naming SPEC and the step that failed to D. Safe to call in a
 * forked child before exec.
 */
int user_drop(const struct user_ids *u, const char *spec, struct diag *d);

#endif
