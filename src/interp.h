/*
 * interp.h - compose-style interpolation of one value (docs/envfile.md R7).
 *
 * `$$` is a literal `$`; `$NAME` and `${NAME}` take a variable, NAME being
 * [A-Za-z_][A-Za-z0-9_]*; `${NAME<op>WORD}` with op one of `:-` `-` `:+`
 * `+` `:?` `?` works as in the R7.2 table. WORD may hold nested templates
 * and balanced braces; it is expanded only when it is used, but its syntax
 * is always checked, so a malformed value fails whatever the environment.
 * A `$` followed by anything else (`$1`, `$-`, `$}`, a final `$`) is
 * literal. A name is looked up in ENV first, then in OUT. What a lookup
 * returns is copied out and never scanned again (R7.5).
 */
#ifndef INTERP_H
#define INTERP_H

#include "envset.h"

/* Deepest nesting of ${...} inside a WORD; deeper is an invalid template
 * (it bounds the recursion, hence the stack). */
#define INTERP_MAX_DEPTH 64
/* The largest value interpolation may produce. */
#define INTERP_MAX_VALUE ((size_t)1 << 20)

/*
 * A growing byte buffer for value bytes. It is not NUL-terminated. Growing
 * copies into a new block and wipes the old one, so no value bytes are left
 * in freed memory. Start it zeroed ({0}); reuse it by setting len to 0.
 */
struct interp_buf {
	char *p;
	size_t len, cap;
};

/* Append N bytes of S to B. */
void interp_buf_add(struct interp_buf *b, const char *s, size_t n);
/* Wipe and free B's block; B is empty and usable again afterwards. */
void interp_buf_wipe(struct interp_buf *b);

enum interp_status {
	INTERP_OK = 0,
	INTERP_INVALID,  /* a malformed template; why says what is wrong */
	INTERP_REQUIRED, /* ${V:?m} or ${V?m} with V missing (or empty) */
};

/*
 * What went wrong. name and msg point into the template given to
 * interp_expand, so they are valid as long as it is. why is a static
 * string that holds no text of the template.
 */
struct interp_error {
	enum interp_status status;
	const char *why;  /* INTERP_INVALID */
	const char *name; /* INTERP_REQUIRED: the variable, NAMELEN bytes */
	size_t namelen;
	const char *msg;  /* INTERP_REQUIRED: m as written, not expanded */
	size_t msglen;
};

/*
 * Expand the template TEXT (LEN bytes; any byte allowed) and append the
 * result to RES. ENV and OUT may be NULL. Returns INTERP_OK, or the status
 * also stored in *ERR; RES then holds a partial result the caller must
 * discard (and wipe, like any value).
 */
enum interp_status interp_expand(const char *text, size_t len,
				 const struct envset *env,
				 const struct envset *out, struct interp_buf *res,
				 struct interp_error *err);

/*
 * What an expansion used, for taint and warnings. Both lists are names
 * separated by ',' (names are [A-Za-z_][A-Za-z0-9_]*, so never hold one),
 * each name once, in the order first met; neither holds a value.
 *   from   every variable whose value went into the result, and, for a
 *          variable of OUT, the names its own value was built from
 *          (envvar.from): taint follows whichever set supplied the value,
 *          ENV or OUT, through any number of steps.
 *   unset  every variable expanded bare ($V, ${V}) that is not set: it
 *          gives "", which compose warns about. Forms with a default or
 *          an alternative (${V:-d}, ${V-d}, ${V:+a}, ${V+a}) never add.
 * Each list holds at most INTERP_TRACE_MAX names, so a chain of 100k keys
 * each built from the one before stays linear: past that, `from` ends in
 * the marker "*" (built from more keys than listed; it travels on like a
 * name) and further unset names are not listed.
 * Start it zeroed; interp_trace_free releases it.
 */
#define INTERP_TRACE_MAX 32
struct interp_trace {
	struct interp_buf from, unset;
	size_t nfrom, nunset;
};
void interp_trace_free(struct interp_trace *t);

/* interp_expand that also fills T (may be NULL; then it is interp_expand). */
enum interp_status interp_expand_traced(const char *text, size_t len,
					const struct envset *env,
					const struct envset *out,
					struct interp_buf *res,
					struct interp_error *err,
					struct interp_trace *t);

/*
 * A message for ERR that never contains a value. KEY (may be NULL) names
 * the variable whose value failed:
 *   "invalid interpolation syntax in the value of KEY: WHY"
 *   "required variable V is missing a value (in KEY)[: M]"
 * M is the message as written in the template, never expanded, so it
 * cannot carry a looked-up value; control bytes become '?' and it is cut
 * to INTERP_MSG_MAX bytes. The caller frees the result.
 */
#define INTERP_MSG_MAX 100
char *interp_strerror(const struct interp_error *err, const char *key);

#endif
