/*
 * lint.h - `envinit lint`: what the repository alone can tell.
 *
 * Reads the manifest (already loaded by the caller) and the env files a
 * service names; never a private key, a secrets dir or the inherited
 * environment. Per service it reports:
 *
 *   - every bad statement of every env file (the parser goes on at the
 *     next line), and a file that cannot be read (an optional one that is
 *     missing only with -v);
 *   - duplicate keys within one file (warning, both FILE:LINEs);
 *   - [keys] rules on each value present (every entry, not only the one
 *     that wins); a value that looks a variable up, a bare KEY and a sealed
 *     value are not rule-checked (info, shown with -v);
 *   - sealed values checked for form (version, base64, length), and
 *     plaintext values of `sealed` keys (error);
 *   - keys that no service of the manifest requires, allows, keeps or
 *     declares in [keys] (warning), with "did you mean NAME?" when a
 *     required or declared name is at most two edits away;
 *   - required keys that no declared source can provide (error); a
 *     secrets dir or the inherited environment (no clear_env, or a keep
 *     glob matching) could provide anything, so such a key is reported as
 *     not checked (info).
 *
 * Problems go to a struct diag per service; the caller reports.
 */
#ifndef LINT_H
#define LINT_H

#include "config.h"
#include "diag.h"
#include "envset.h"

/*
 * Lint the service configured in C (manifest applied). ALL[0..NALL) are
 * the configurations of every service the manifest has (C among them or
 * not): a key is unused only when none of them requires, allows, keeps or
 * declares it. KEYS, when not NULL, receives every key the env files set
 * (no value), EV_STRIPPED when C's policy would strip it. Returns the
 * number of errors added to D.
 */
int lint_service(const struct config *c, const struct config *all,
		 size_t nall, struct diag *d, struct envset *keys);

/* Levenshtein distance between A and B, stopping above MAX (returns MAX+1
 * then). */
size_t lint_distance(const char *a, const char *b, size_t max);

#endif
