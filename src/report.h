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

/*
 * Print the kept keys of ENV in FORMAT to OUT; secrets as <redacted>, and
 * without REVEAL a URL's password in any value as well. A name FORMAT
 * cannot hold (report_print_name_ok) is left out.
 */
void report_print(FILE *out, const struct envset *env, enum format fmt,
		  int reveal);

/* Whether KEY can be printed in FMT: shell takes shell identifiers only;
 * env any name that stays one line and reads back; json every name. */
int report_print_name_ok(const char *key, enum format fmt);

/* A warning in D for each kept key report_print would leave out. */
void report_print_warnings(const struct envset *env, enum format fmt,
			   struct diag *d);

/*
 * A copy of the N bytes at S where the password of every URL
 * (scheme://user:PASSWORD@host) is "<redacted>"; *OUTLEN gets its length.
 * Caller frees.
 */
char *report_redact_urls(const char *s, size_t n, size_t *outlen);

/* One line per key to OUT: where it came from, what it overrode, why it
 * is kept or stripped. Never a value. */
void report_explain(FILE *out, const struct envset *env);

/*
 * --explain in full: one line per key of ENV as report_explain, why as
 * WHY_OF words it (policy_why: naming the glob that decided); then one line per name of DROPPED
 * (inherited, dropped by --clear-env) and of CONSUMED (KEY_FILE pointers
 * resolved and removed; where each was set). DROPPED and CONSUMED may be
 * NULL. Names only, never a value.
 */
typedef char *report_why_fn(const struct config *c, const struct envvar *v);
void report_explain_all(FILE *out, const struct config *c,
			const struct envset *env, const struct envset *dropped,
			const struct envset *consumed, report_why_fn *why_of);

/*
 * --format json for check, check --all and lint: one document on stdout,
 *   {"ok": BOOL, "services": [{"name": NAME|null, "ok": BOOL, "problems":
 *    [{"level": "error"|"warning", "key": KEY|null, "source": "FILE:LINE"|
 *    null, "rule": WORD|null, "message": TEXT}], "kept": [NAMES],
 *   "stripped": [NAMES]}]}
 * Names, sources, rule words and messages only (which never hold a value).
 * Add each service with report_json_service, then report_json_end prints
 * the document to OUT.
 */
struct report_json {
	FILE *f;    /* the services, buffered: "ok" comes first */
	char *buf;
	size_t len;
	size_t n;   /* services added */
	int ok;
};
void report_json_begin(struct report_json *j);
/* Service NAME (NULL: no service) with the problems of D (errors and
 * warnings; info is left out) and, when ENV is not NULL, its kept and
 * stripped names. The service fails on an error, or on a warning when
 * STRICT. */
void report_json_service(struct report_json *j, const char *name,
			 const struct diag *d, const struct envset *env,
			 int strict);
void report_json_end(struct report_json *j, FILE *out);

/* S (N bytes) as a JSON string: quotes, backslashes and every control
 * character escaped; other bytes as they are. */
void report_json_string(FILE *out, const char *s, size_t n);

/* "envinit: " + message, for the few messages that are not diagnostics. */
void report_msg(const char *fmt, ...) ATTR_PRINTF(1, 2);

#endif
