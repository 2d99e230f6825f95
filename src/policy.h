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
 * The keys --require and --require-from name, each once, in the order
 * named. policy_required_load reads the --require-from files once per
 * build (the key-only scan): assemble uses the set to tell which KEY_FILE
 * pointers are declared, policy_apply to tell which keys must be set.
 */
struct required {
	struct envset keys; /* names only (empty values) */
	struct diag diag;   /* reading the files: policy_apply reports these */
	int errs;           /* errors in diag */
};
void policy_required_load(const struct config *c, struct required *r);
void policy_required_free(struct required *r);

/*
 * Mark the required keys of R (EV_REQUIRED) and report the missing or
 * empty ones, a required key that --deny strips, and R's problems with
 * the --require-from files. Then mark every key kept or stripped
 * (EV_STRIPPED, ->why) and secret (EV_SECRET). Returns the number of
 * errors added.
 */
int policy_apply(const struct config *c, struct envset *env,
		 const struct required *r, struct diag *d);

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
