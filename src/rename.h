/*
 * rename.h - --rename OLD=NEW: the assembled key OLD is called NEW.
 *
 * Applied after every source is layered and before the policy, so NEW is
 * what --require, --allow, [keys] and the service see. The value, its
 * origin, source and secrecy move with it (--explain still says where it
 * came from). A compose secret file db_password becomes POSTGRES_PASSWORD,
 * as compose's `target:` and Kubernetes' `items:` allow.
 */
#ifndef RENAME_H
#define RENAME_H

#include "config.h"
#include "diag.h"
#include "envset.h"

/*
 * Apply C's renames, in order, to ENV. An OLD that is not set is skipped
 * (its NEW may still be required: that check reports it). Renaming onto a
 * key that is also set is an error naming both keys and their sources.
 * Returns the number of errors added to D.
 */
int rename_apply(const struct config *c, struct envset *env, struct diag *d);

/*
 * The key of ENV that would give KEY under another spelling (the same
 * name ignoring ASCII case, with '-' and '.' read as '_'), or NULL.
 */
const struct envvar *rename_near(const struct envset *env, const char *key);

#endif
