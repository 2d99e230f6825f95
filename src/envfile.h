/*
 * envfile.h - docker compose env_file parser (the rules of docs/envfile.md).
 *
 * Comments, blank lines, `export `, `KEY=value` and `KEY: value`, single
 * quotes (literal), double quotes (escapes, multi-line), inline comments,
 * interpolation with ${VAR}, $VAR, the six operators and $$, bare keys,
 * CRLF and a leading BOM, with the deviations docs/envfile.md lists (section 11).
 */
#ifndef ENVFILE_H
#define ENVFILE_H

#include "diag.h"
#include "envset.h"

/*
 * Parse the env file PATH into OUT.
 *
 * ENV is the inherited environment as filtered by --clear-env/--keep (may
 * be NULL): interpolation looks a name up in ENV first, then in OUT as it
 * stands; a bare KEY copies from ENV only. Every key set gets origin
 * ORIG_ENVFILE and source "PATH:LINE", LINE being where its entry starts.
 * A missing file is skipped silently when MISSING_OK, else an error.
 * Errors go to D with subject "PATH:LINE" (or PATH) and never quote a
 * value. Returns the number of errors added (0 on success).
 */
int envfile_load(const char *path, int missing_ok, const struct envset *env,
		 struct envset *out, struct diag *d);

/*
 * Read the env file PATH (at most 64 MiB, a regular file) into *BUF, *LEN
 * bytes, NUL-terminated, for the caller to wipe_free. Returns 0; 1 after
 * adding "PATH: cannot read env file: WHY" to D; -1 (nothing added) when
 * PATH does not exist and MISSING_OK. ST (may be NULL) gets the fstat of
 * the very file read.
 */
struct stat;
int envfile_read(const char *path, int missing_ok, char **buf, size_t *len,
		 struct stat *st, struct diag *d);

/* Same, from a buffer of LEN bytes; NAME is used in sources and errors. */
int envfile_parse(const char *name, const char *buf, size_t len,
		  const struct envset *env, struct envset *out, struct diag *d);

/*
 * For `envinit lint`: envfile_parse that reports every bad statement (after
 * a syntax error it goes on at the next line) and calls ENTRY for each
 * entry. V is the variable as just set in OUT (V->overrode: an earlier
 * entry of the same key in this file), or NULL for a bare KEY or a value
 * that failed; FLAGS says why. A `${V:?}` lookup that fails is not an
 * error here (it depends on the environment): the entry is reported
 * ENVFILE_INTERPOLATED with V NULL.
 */
#define ENVFILE_INTERPOLATED 0x1u /* the value looks a variable up */
#define ENVFILE_BARE 0x2u         /* a bare KEY: copied from the environment */
typedef void envfile_entry_fn(void *ctx, const char *key, const char *where,
			      const struct envvar *v, unsigned flags);
int envfile_parse_each(const char *name, const char *buf, size_t len,
		       struct envset *out, struct diag *d,
		       envfile_entry_fn *entry, void *ctx);

/*
 * The names an env file sets, for --require-from: ENTRY is called once for
 * each distinct key, in the order of first appearance, exactly as
 * envfile_parse with no inherited environment would set them (a bare KEY
 * sets nothing). Values are neither copied nor interpolated; when a value
 * holds something only the full parser can judge (a `$`, a backslash in
 * double quotes, a NUL byte, more than 1 MiB) the file is parsed in full
 * instead, so errors are envfile_parse's, FILE:LINE and all. Returns the
 * number of errors added to D.
 */
typedef void envfile_key_fn(void *ctx, const char *key);
int envfile_scan_keys(const char *name, const char *buf, size_t len,
		      struct diag *d, envfile_key_fn *entry, void *ctx);

/* envfile_scan_keys over the file PATH (a missing file is an error). */
int envfile_load_keys(const char *path, struct diag *d, envfile_key_fn *entry,
		      void *ctx);

#endif
