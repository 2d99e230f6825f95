/*
 * policy.h - which keys are required, which reach the service, which are
 * secret.
 */
#ifndef POLICY_H
#define POLICY_H

#include "config.h"
#include "diag.h"
#include "envset.h"

/*
 * Whether KEY is secret by its name alone (case-insensitive): *PASSWORD*,
 * *PASSWD*, *PASSPHRASE*, *_PASS, *_PWD, *SECRET*, *TOKEN*, *_KEY,
 * *PRIVATE*, *CREDENTIAL*.
 */
int policy_secret_name(const char *key);

/*
 * Mark required keys (EV_REQUIRED) and report the missing or empty ones,
 * a required key that --deny strips, and --require-from files. Then mark
 * every key kept or stripped (EV_STRIPPED, ->why) and secret (EV_SECRET).
 * Returns the number of errors added.
 */
int policy_apply(const struct config *c, struct envset *env, struct diag *d);

/*
 * Taint: a key built by interpolation (envvar.from) from a secret key is
 * secret, and one that reaches the service built from a key --deny strips
 * is an error naming both ("KEY: built from denied key K (SOURCE)"). Call
 * once every source of secrecy is known: after policy_apply,
 * seal_open_all and rules_check. Returns the number of errors added.
 */
int policy_taint(const struct config *c, struct envset *env, struct diag *d);

/*
 * Why policy_apply kept or stripped V, for --explain, naming the glob
 * that decided ("stripped: matches --deny 'DB_*'"). Caller frees.
 */
char *policy_why(const struct config *c, const struct envvar *v);

#endif
