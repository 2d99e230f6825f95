/*
 * rules.h - the manifest's [keys] section: what each key must look like.
 *
 * A [keys] line is `KEY = WORD WORD ...`; each word is a rule:
 *
 *   secret          the value is secret: redacted by print, never logged
 *   optional        the key may be unset (or empty)
 *   min=N  max=N    length in bytes, at least / at most N
 *   int             optional sign and digits, fits a 64-bit signed integer
 *   port            digits only, 1..65535
 *   bool            true/false, yes/no, on/off, 1/0 (any case)
 *   url             SCHEME://HOST..., scheme [A-Za-z][A-Za-z0-9+.-]*, a
 *                   non-empty host, no white space or control characters
 *   one-of=a,b,c    exactly one of the listed words (case-sensitive)
 *   match=REGEX     POSIX extended regex; unanchored unless you anchor it
 *   no-placeholder  rejects values starting with CHANGE_ME or CHANGEME,
 *                   equal to TODO or FIXME, of the form <...>, or made of
 *                   three or more x's only (all case-insensitive)
 *   default=VALUE   used when the key is unset or empty
 *   sealed          the value must be sealed (enc:v1:...) wherever an env
 *                   file sets it; implies secret. A plaintext value there is
 *                   an error naming the key and FILE:LINE (check and run:
 *                   the value the service would get, received or stripped;
 *                   lint: every entry of every file)
 *
 * A word's value runs to the next white space; write match="..." or
 * default="..." to include spaces (the value then ends at a `"` that is
 * followed by white space or the end of the line). inih cuts a line at
 * ` ;` (an inline comment), so a value cannot contain a `;` after white
 * space. A key listed twice adds rules; a repeated min, max, one-of,
 * match or default replaces the earlier one.
 *
 * When rules apply (the same for envinit run, check, print and check --all):
 *
 *   1. Before the policy, default=VALUE fills every key that is unset or
 *      empty (origin "manifest default", source the [keys] line's FILE:LINE).
 *   2. A key without `optional` and without `default=` is required (set
 *      and non-empty) for every service that can see it: with a service
 *      section or --allow, when the key is in `require` or matches `allow`;
 *      without either, always. A key that matches `deny` is never required
 *      by [keys]. The requirement is added to the config's require list, so
 *      it is reported like --require ("KEY: required but not set").
 *   3. After the policy, every other rule is checked on each key that is
 *      set, non-empty and kept (reaches the service): a stripped key is
 *      not the service's business, and an empty one is judged only by the
 *      requirement. `secret` marks the key secret whether kept or not.
 *
 * Each failure is reported as `KEY: RULE: what is wrong (SOURCE)`, SOURCE
 * being where the value came from; the value itself is never reported,
 * nor a default value.
 */
#ifndef RULES_H
#define RULES_H

#include "config.h"
#include "diag.h"
#include "envset.h"

#include <regex.h>

struct rules;

/* An empty rule table. */
struct rules *rules_new(void);
/* Make room for N rules in all (a hint, as envset_reserve: at most
 * ENVSET_RESERVE_MAX); the manifest gives its line count. */
void rules_reserve(struct rules *r, size_t n);
/* Free R and everything in it (defaults are wiped). NULL is allowed. */
void rules_free(struct rules *r);

/*
 * Add the [keys] line `KEY = WORDS`. WHERE ("FILE:LINE") is the subject
 * of any error and the source of a default. Errors (a key name that is not
 * [A-Za-z_][A-Za-z0-9_]*, an unknown word, a bad number or regex, a word
 * missing its =VALUE) go to D; the line is then ignored. Returns the number
 * of errors added.
 */
int rules_add(struct rules *r, const char *key, const char *words,
	      const char *where, struct diag *d);

/* Number of keys in R (0 when R is NULL). */
size_t rules_count(const struct rules *r);

/*
 * Append to C->require every key of R that is required by [keys] (see
 * "When rules apply", 2.) and not already in C->require. Call once the
 * config is final (after the manifest and the command line are merged).
 * R may be NULL.
 */
void rules_require(const struct rules *r, struct config *c);

/* Fill defaults into ENV (1. above). R may be NULL. */
void rules_defaults(const struct rules *r, struct envset *env);

/*
 * Mark `secret` keys EV_SECRET and check the rules of every kept,
 * non-empty key (3. above); failures go to D. Call after policy_apply.
 * R may be NULL. Returns the number of errors added.
 */
int rules_check(const struct rules *r, struct envset *env, struct diag *d);

/*
 * `sealed`: when KEY has that rule and VAL (LEN bytes, from the env file
 * entry SOURCE) is neither empty nor sealed, add the error
 * "KEY: sealed: plaintext value in an env file (SOURCE)". Returns 0 or 1.
 */
int rules_plaintext(const struct rules *r, const char *key, const char *val,
		    size_t len, const char *source, struct diag *d);

/* For lint: whether [keys] names KEY; the I-th key (NULL past the end);
 * whether KEY has a rule on its value (min, max, int, ...); and those
 * rules checked on one non-empty value V (errors added). */
int rules_has(const struct rules *r, const char *key);
const char *rules_key(const struct rules *r, size_t i);
int rules_checks_value(const struct rules *r, const char *key);
int rules_check_value(const struct rules *r, const struct envvar *v,
		      struct diag *d);

/*
 * The one place a regex is compiled (match=): refuses, before regcomp
 * runs, any pattern whose automaton could not be built quickly (see
 * rules.c for the cost model), then compiles it as a POSIX ERE with
 * REG_NOSUB. Returns 0, or -1 with WHY (a message without the pattern)
 * filled and RE untouched.
 */
#define RULES_RE_MAX_LEN 512
#define RULES_RE_MAX_LEN_S "512"
#define RULES_RE_MAX_COST 1000
#define RULES_RE_MAX_DEPTH 8
#define RULES_RE_MAX_BOUND 255
#define RULES_RE_MAX_BOUND_S "255"
int rules_regcomp(regex_t *re, const char *pattern, char *why, size_t whycap);
/* Why rules_regcomp would refuse PATTERN before compiling it, or NULL. */
const char *rules_regex_refusal(const char *pattern);

/* Whether VALUE passes rule checks, for tests: each returns 1 or 0. */
int rules_is_int(const char *value);
int rules_is_port(const char *value);
int rules_is_bool(const char *value);
int rules_is_url(const char *value);
int rules_is_placeholder(const char *value);

/* FILE:LINE of the [keys] line that made KEY `optional`, or NULL when
 * KEY is not optional. R may be NULL. */
const char *rules_optional_where(const struct rules *r, const char *key);

#endif
