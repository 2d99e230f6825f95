/*
 * report.h - the only module that writes to stdout, stderr or the
 * termination log. Values are written only by report_print with REVEAL
 * for secret keys (and for keys not secret).
 */
#ifndef REPORT_H
#define REPORT_H

#include "config.h"
#include "diag.h"
#include "envset.h"

#include <stdio.h>

/*
 * Write every item of D to stderr (warnings unless quiet, info only when
 * verbose). When D holds errors, also write them to the termination log:
 * PATH if given, else /dev/termination-log when it exists and is writable;
 * at most 4096 bytes, cut at a line boundary.
 */
void report_diag(const struct diag *d, int verbose, const char *termlog);

/* Print the kept keys of ENV in FORMAT to OUT; secrets as <redacted>. */
void report_print(FILE *out, const struct envset *env, enum format fmt,
		  int reveal);

/* One line per key to OUT: where it came from, what it overrode, why it
 * is kept or stripped. Never a value. */
void report_explain(FILE *out, const struct envset *env);

/*
 * --explain in full: one line per key of ENV as report_explain, why naming
 * the glob that decided (policy_why); then one line per name of DROPPED
 * (inherited, dropped by --clear-env) and of CONSUMED (KEY_FILE pointers
 * resolved and removed; where each was set). DROPPED and CONSUMED may be
 * NULL. Names only, never a value.
 */
void report_explain_all(FILE *out, const struct config *c,
			const struct envset *env, const struct envset *dropped,
			const struct envset *consumed);

/* "envinit: " + message, for the few messages that are not diagnostics. */
void report_msg(const char *fmt, ...) ATTR_PRINTF(1, 2);

#endif
