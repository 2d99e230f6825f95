/*
 * assemble.h - build the service's environment from every source.
 *
 * Precedence (lowest first): env files in order, secret directories in
 * order, the inherited environment (filtered by --clear-env/--keep).
 * --override moves the inherited environment to the bottom. KEY_FILE
 * indirection is then resolved on the winning value of each key (sealed
 * values are opened after the policy, by seal_open_all).
 */
#ifndef ASSEMBLE_H
#define ASSEMBLE_H

#include "config.h"
#include "diag.h"
#include "envset.h"

/*
 * The inherited environment ENVP ("KEY=value" strings) as filtered by
 * --clear-env/--keep, without ENVINIT_* variables. The first of duplicate
 * entries wins (as getenv does). A name holding a control character or
 * a byte that is not printable UTF-8 is dropped with a warning in D
 * (which may be NULL) that shows it escaped: names are data too, and
 * such a name could forge a line wherever it is printed.
 */
void assemble_inherited(const struct config *c, char *const *envp,
			struct envset *out, struct diag *d);

/*
 * Assemble everything into OUT (which must be empty). REQUIRED holds the
 * required keys (policy_required_load's keys): with [keys] and
 * --file-keys, they declare which KEY_FILE pointers are followed.
 * Problems go to D. Returns the number of errors added.
 */
int assemble(const struct config *c, char *const *envp, struct envset *out,
	     const struct envset *required, struct diag *d);


/*
 * For --explain: the inherited names --clear-env drops (those
 * assemble_inherited skips for matching no --keep glob; ENVINIT_* steer
 * envinit and are not listed), added to OUT with empty values.
 */
void assemble_dropped(const struct config *c, char *const *envp,
		      struct envset *out);

#endif
