/*
 * rules.c - the [keys] table and its checks; see rules.h.
 *
 * Keys are found through an open-addressing hash, and every pass walks the
 * table once, so a manifest with many keys and an environment with many
 * variables stay linear.
 */
#include "rules.h"

#include "seal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define R_SECRET 0x01u
#define R_OPTIONAL 0x02u
#define R_INT 0x04u
#define R_PORT 0x08u
#define R_BOOL 0x10u
#define R_URL 0x20u
#define R_NOPLACEHOLDER 0x40u
#define R_SEALED 0x80u

#define NONE (-1LL)

struct rule {
	char *key;
	size_t hash;         /* envset_hash(key): the table's, and env's lookups */
	unsigned flags;
	long long min, max;  /* NONE when not given */
	char *oneof;         /* "a,b,c" as written, for the message */
	char **words;        /* its items */
	size_t nwords;
	regex_t *re;
	char *re_text;
	char *def;           /* default value (wiped when freed) */
	char *def_where;     /* FILE:LINE of the default */
	char *opt_where;     /* FILE:LINE of the first `optional` */
};

struct rules {
	struct rule *v;
	size_t n, cap;
	size_t *slots; /* 0 = empty, else index + 1 */
	size_t nslots;
};

/* ---- value checks ------------------------------------------------------ */

int rules_is_int(const char *s)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (!*p)
		return 0;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return 0;
	errno = 0;
	(void)strtoll(s, NULL, 10);
	return errno == 0;
}

int rules_is_port(const char *s)
{
	unsigned long n = 0;
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		n = n * 10 + (unsigned long)(*s - '0');
		if (n > 65535)
			return 0;
	}
	return n >= 1;
}

int rules_is_bool(const char *s)
{
	static const char *const words[] = {
		"true", "false", "yes", "no", "on", "off", "1", "0",
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcasecmp(s, words[i]) == 0)
			return 1;
	return 0;
}

int rules_is_url(const char *s)
{
	const char *p = s;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '.' || *p == '-')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return 0;
	p += 3;
	if (strcspn(p, "/?#") == 0) /* the authority (host) part */
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

int rules_is_placeholder(const char *s)
{
	size_t n = strlen(s);
	if (strncasecmp(s, "CHANGE_ME", 9) == 0 ||
	    strncasecmp(s, "CHANGEME", 8) == 0 ||
	    strcasecmp(s, "TODO") == 0 || strcasecmp(s, "FIXME") == 0)
		return 1;
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return 1;
	return n >= 3 && strspn(s, "xX") == n;
}

/* ---- the rule words ---------------------------------------------------- */

static int not_placeholder(const char *s)
{
	return !rules_is_placeholder(s);
}

/*
 * The words without a value (rules.h lists every word). A word with an
 * ok() function checks the value: check_value reports a value ok()
 * refuses as "KEY: WORD: WHY (SOURCE)", in this order, and lint counts the
 * word as a rule on the value. Such a rule is one row here, its bit
 * above and its ok() function (docs/hacking.md).
 */
static const struct {
	const char *word;
	unsigned flag;
	int (*ok)(const char *value); /* NULL: not a check on the value */
	const char *why;              /* what a refused value is */
} flag_words[] = {
	{ "secret", R_SECRET, NULL, NULL },
	{ "optional", R_OPTIONAL, NULL, NULL },
	{ "sealed", R_SEALED, NULL, NULL },
	{ "int", R_INT, rules_is_int, "not an integer" },
	{ "port", R_PORT, rules_is_port, "not a port number (1-65535)" },
	{ "bool", R_BOOL, rules_is_bool,
	  "not a boolean (true/false, yes/no, on/off, 1/0)" },
	{ "url", R_URL, rules_is_url, "not a URL (SCHEME://HOST...)" },
	{ "no-placeholder", R_NOPLACEHOLDER, not_placeholder,
	  "looks like a placeholder" },
};

/* The words with =VALUE: each has its own field in struct rule, set in
 * parse_word, moved in merge and checked in check_value. */
static const char *const value_words[] = {
	"min", "max", "one-of", "match", "default",
};

static int is_value_word(const char *name)
{
	for (size_t i = 0; i < sizeof value_words / sizeof *value_words; i++)
		if (strcmp(name, value_words[i]) == 0)
			return 1;
	return 0;
}

/* The flag words that check the value. */
static unsigned value_flags(void)
{
	unsigned f = 0;
	for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
		if (flag_words[i].ok)
			f |= flag_words[i].flag;
	return f;
}

/* ---- the table --------------------------------------------------------- */

/* The slot of KEY (hash H), or the empty one where it would go. */
static size_t *find_slot(const struct rules *r, const char *key, size_t h)
{
	size_t mask = r->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		size_t *slot = &r->slots[i];
		if (*slot == 0)
			return slot;
		const struct rule *ru = &r->v[*slot - 1];
		if (ru->hash == h && strcmp(ru->key, key) == 0)
			return slot;
	}
}

static struct rule *find(const struct rules *r, const char *key)
{
	if (!r || !r->nslots)
		return NULL;
	size_t *slot = find_slot(r, key, envset_hash(key));
	return *slot ? &r->v[*slot - 1] : NULL;
}

static void rehash_to(struct rules *r, size_t nslots)
{
	free(r->slots);
	r->nslots = nslots;
	r->slots = xcalloc(r->nslots, sizeof *r->slots);
	for (size_t i = 0; i < r->n; i++)
		*find_slot(r, r->v[i].key, r->v[i].hash) = i + 1;
}

void rules_reserve(struct rules *r, size_t n)
{
	size_t nslots = xreserve((void **)&r->v, &r->cap,
				 n < ENVSET_RESERVE_MAX ? n : ENVSET_RESERVE_MAX,
				 sizeof *r->v, r->nslots);
	if (nslots > r->nslots)
		rehash_to(r, nslots);
}

static struct rule *insert(struct rules *r, const char *key)
{
	if (2 * (r->n + 1) > r->nslots)
		rehash_to(r, r->nslots ? r->nslots * 2 : 64);
	xgrow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v);
	struct rule *ru = &r->v[r->n++];
	memset(ru, 0, sizeof *ru);
	ru->key = xstrdup(key);
	ru->hash = envset_hash(key);
	ru->min = ru->max = NONE;
	*find_slot(r, key, ru->hash) = r->n;
	return ru;
}

static void clear_oneof(struct rule *ru)
{
	for (size_t i = 0; i < ru->nwords; i++)
		free(ru->words[i]);
	free(ru->words);
	free(ru->oneof);
	ru->words = NULL;
	ru->nwords = 0;
	ru->oneof = NULL;
}

static void clear_re(struct rule *ru)
{
	if (ru->re) {
		regfree(ru->re);
		free(ru->re);
	}
	free(ru->re_text);
	ru->re = NULL;
	ru->re_text = NULL;
}

static void clear_def(struct rule *ru)
{
	wipe_free_str(ru->def);
	free(ru->def_where);
	ru->def = ru->def_where = NULL;
}

static void rule_free(struct rule *ru)
{
	free(ru->key);
	free(ru->opt_where);
	clear_oneof(ru);
	clear_re(ru);
	clear_def(ru);
}

struct rules *rules_new(void)
{
	return xcalloc(1, sizeof(struct rules));
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		rule_free(&r->v[i]);
	free(r->v);
	free(r->slots);
	free(r);
}

size_t rules_count(const struct rules *r)
{
	return r ? r->n : 0;
}

/* ---- parsing a [keys] line --------------------------------------------- */

/*
 * The next word of *PP: its NAME (up to '=' or white space) and, after
 * '=', its VALUE (to the next white space, or a "quoted" run ending at a
 * '"' followed by white space or the end). *VALUE is NULL without '='.
 * Returns 1 for a word, 0 at the end, -1 for an unterminated quote.
 */
static int next_word(const char **pp, char **name, char **value)
{
	const char *p = *pp;
	*name = *value = NULL;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p) {
		*pp = p;
		return 0;
	}
	const char *n = p;
	while (*p && *p != '=' && !isspace((unsigned char)*p))
		p++;
	*name = xstrndup(n, (size_t)(p - n));
	if (*p != '=') {
		*pp = p;
		return 1;
	}
	p++;
	if (*p == '"') {
		for (const char *s = p + 1; *s; s++) {
			if (*s == '"' && (!s[1] || isspace((unsigned char)s[1]))) {
				*value = xstrndup(p + 1, (size_t)(s - p - 1));
				*pp = s + 1;
				return 1;
			}
		}
		*pp = p + strlen(p);
		return -1;
	}
	const char *v = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	*value = xstrndup(v, (size_t)(p - v));
	*pp = p;
	return 1;
}

static int parse_count(const char *s, long long *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = n;
	return 0;
}

/*
 * An unknown word is never echoed, not even one that looks like a rule
 * word: people paste values where rules go. Its position tells which.
 */
static void unknown_word(struct diag *d, const char *where, const char *key,
			 int nth)
{
	diag_error(d, where, NULL, "%s: unknown rule word (word %d)", key, nth);
}

/* Whether NAME is one of the rule words (safe to echo). */
static int known_word(const char *name)
{
	for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
		if (strcmp(name, flag_words[i].word) == 0)
			return 1;
	return is_value_word(name);
}

/* ---- the bounded regex compile ----------------------------------------- */

/*
 * libc's regcomp builds an automaton whose size is the pattern with every
 * bound unrolled: a{1,9} holds a nine times, (x|y|z) holds three branches,
 * and nesting multiplies, so a 40-byte pattern can take minutes and
 * gigabytes (musl and glibc alike). Before regcomp sees a pattern, a
 * parser of the ERE grammar estimates that size: a branch costs the sum of
 * its atoms, an alternation the sum of its branches, a group its contents,
 * `*` `+` `?` double what they apply to (`*` and `+` on a group that holds
 * a quantifier itself multiply it by 8: nested loops such as (a*(a*)*)*
 * make glibc's matcher slow, found by fuzz_rules), and {m,n} multiplies it by n (by
 * m+1 for {m,}; {,n}, which glibc reads as {0,n} and musl refuses, counts
 * as a bound too: fuzz_manifest found ((a*)*){,52}{255} hanging glibc's
 * regcomp). Above RULES_RE_MAX_COST the pattern is refused, as is one
 * longer than RULES_RE_MAX_LEN bytes, nested deeper than RULES_RE_MAX_DEPTH
 * groups, with a bound above RULES_RE_MAX_BOUND, a quantifier on a
 * quantifier (a+*, undefined in ERE, exponential in glibc), a bound on a
 * group holding a loop over what can match empty (^((a*)*){0,20}: glibc's
 * regcomp is exponential in the bound, 12 s at 20; fuzz_manifest found
 * ^((a*)*){,52}) or a back
 * reference (\1: exponential matching). Bracket expressions are parsed as
 * regcomp parses them ([]a], [^]a], [[:alpha:]], [[.-.]], [[=e=]]), so
 * no ( or ) hidden in one can mislead the count.
 */
struct re_scan {
	const char *p;
	size_t nquant; /* quantifiers seen so far */
	size_t nempty; /* loops (* or +) over what can match empty, so far */
	int nullable;  /* what re_piece or re_alt just read can match empty */
	const char *why; /* set when refused */
};

static const char *skip_bracket(const char *p)
{
	p++; /* '[' */
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char kind = p[1];
			const char *q = p + 2;
			while (*q && !(q[0] == kind && q[1] == ']'))
				q++;
			if (!*q)
				return NULL;
			p = q + 2;
			continue;
		}
		p++;
	}
	return *p ? p + 1 : NULL;
}

static double re_alt(struct re_scan *r, int depth);

/* One atom at r->p and its quantifier; returns its cost, or -1. */
static double re_piece(struct re_scan *r, int depth)
{
	double c = 1;
	const char *p = r->p;
	size_t q0 = r->nquant, e0 = r->nempty;
	int nul = 0; /* the atom can match empty */
	switch (*p) {
	case '(':
		if (depth >= RULES_RE_MAX_DEPTH) {
			r->why = "groups nested too deeply";
			return -1;
		}
		r->p = p + 1;
		c = re_alt(r, depth + 1);
		if (c < 0)
			return -1;
		nul = r->nullable;
		if (*r->p == ')')
			r->p++;
		c = c > 1 ? c : 1;
		break;
	case '[':
		r->p = skip_bracket(p);
		if (!r->p) {
			r->p = p + strlen(p); /* regcomp reports it */
			return 1;
		}
		break;
	case '\\':
		if (p[1] >= '1' && p[1] <= '9') {
			r->why = "back references are not supported";
			return -1;
		}
		r->p = p + (p[1] ? 2 : 1);
		break;
	case '^': case '$': /* anchors match the empty string */
		nul = 1;
		r->p = p + 1;
		break;
	default:
		r->p = p + 1;
		break;
	}
	int quantified = 0, loop_in = r->nquant > q0;
	int empty_in = r->nempty > e0; /* a loop over empty inside the atom */
	for (;;) {
		p = r->p;
		double mult;
		if (*p == '*' || *p == '+' || *p == '?') {
			/* a loop around a group that loops itself ((a*)*):
			 * glibc's matcher tracks many more states */
			mult = loop_in && *p != '?' ? 8 : 2;
			if (*p != '?' && nul)
				r->nempty++;
			if (*p != '+')
				nul = 1;
			r->p = p + 1;
		} else if (*p == '{' && ((p[1] >= '0' && p[1] <= '9') ||
					 (p[1] == ',' && p[2] >= '0' && p[2] <= '9'))) {
			char *end;
			unsigned long lo = strtoul(p + 1, &end, 10), hi = lo;
			int open = 0;
			if (*end == ',') {
				if (end[1] == '}') {
					open = 1;
					end++;
				} else {
					hi = strtoul(end + 1, &end, 10);
				}
			}
			if (lo > RULES_RE_MAX_BOUND || hi > RULES_RE_MAX_BOUND) {
				r->why = "a bound above " RULES_RE_MAX_BOUND_S;
				return -1;
			}
			if (*end != '}') {
				r->p = p + strlen(p); /* regcomp reports it */
				r->nullable = nul;
				return c;
			}
			if (empty_in && (open || hi > 1)) {
				r->why = "a bound on a loop that can match empty";
				return -1;
			}
			if (lo == 0)
				nul = 1;
			mult = open ? (double)lo + 1 : (double)(hi > lo ? hi : lo);
			if (mult < 1)
				mult = 1;
			r->p = end + 1;
		} else {
			r->nullable = nul;
			return c;
		}
		if (quantified) {
			r->why = "a quantifier on a quantifier";
			return -1;
		}
		quantified = 1;
		r->nquant++;
		c *= mult;
	}
}

/* Branches up to ')' or the end; returns their cost, or -1. */
static double re_alt(struct re_scan *r, int depth)
{
	double total = 0, branch = 0;
	int any_nul = 0, branch_nul = 1; /* an empty branch matches empty */
	while (*r->p && !(*r->p == ')' && depth > 0)) {
		if (*r->p == '|') {
			total += branch;
			branch = 0;
			any_nul |= branch_nul;
			branch_nul = 1;
			r->p++;
			continue;
		}
		double c = re_piece(r, depth);
		if (c < 0)
			return -1;
		branch_nul &= r->nullable;
		branch += c;
		if (total + branch > RULES_RE_MAX_COST) {
			r->why = "its bounds, nesting and alternatives unroll too far";
			return -1;
		}
	}
	r->nullable = any_nul | branch_nul;
	return total + branch;
}

const char *rules_regex_refusal(const char *pattern)
{
	if (strlen(pattern) > RULES_RE_MAX_LEN)
		return "longer than " RULES_RE_MAX_LEN_S " bytes";
	struct re_scan r = { .p = pattern, .why = NULL };
	while (*r.p) {
		if (re_alt(&r, 0) < 0)
			return r.why;
		if (*r.p == ')') /* unbalanced: regcomp reports it */
			r.p++;
	}
	return NULL;
}

int rules_regcomp(regex_t *re, const char *pattern, char *why, size_t whycap)
{
	const char *no = rules_regex_refusal(pattern);
	if (no) {
		snprintf(why, whycap, "regex too complex: %s", no);
		return -1;
	}
	int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[128];
		regerror(rc, re, msg, sizeof msg);
		snprintf(why, whycap, "bad regex: %s", msg);
		return -1;
	}
	return 0;
}

static int one_of(struct rule *ru, const char *list)
{
	ru->oneof = xstrdup(list);
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		if (n == 0)
			return -1;
		ru->words = xrealloc(ru->words,
				     (ru->nwords + 1) * sizeof *ru->words);
		ru->words[ru->nwords++] = xstrndup(p, n);
		p += n;
		if (!*p)
			return 0;
		p++;
	}
}

/* Parse one word into RU. Returns 0 or the number of errors added. */
static int parse_word(struct rule *ru, const char *name, const char *value,
		      int nth, const char *where, struct diag *d)
{
	const char *key = ru->key;
	for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++) {
		if (strcmp(name, flag_words[i].word) != 0)
			continue;
		if (value) {
			diag_error(d, where, NULL, "%s: %s takes no value", key, name);
			return 1;
		}
		ru->flags |= flag_words[i].flag;
		return 0;
	}
	int is_min = strcmp(name, "min") == 0, is_max = strcmp(name, "max") == 0;
	if (!is_value_word(name)) {
		unknown_word(d, where, key, nth);
		return 1;
	}
	if (!value || !*value) {
		diag_error(d, where, NULL, "%s: %s needs a value (%s=...)", key,
			   name, name);
		return 1;
	}
	if (is_min || is_max) {
		if (parse_count(value, is_min ? &ru->min : &ru->max) < 0) {
			diag_error(d, where, NULL,
				   "%s: %s: bad number (expects a whole number of bytes)",
				   key, name);
			return 1;
		}
	} else if (strcmp(name, "one-of") == 0) {
		clear_oneof(ru);
		if (one_of(ru, value) < 0) {
			diag_error(d, where, NULL,
				   "%s: one-of: empty item in the comma-separated list", key);
			return 1;
		}
	} else if (strcmp(name, "match") == 0) {
		clear_re(ru);
		char why[192];
		ru->re = xmalloc(sizeof *ru->re);
		if (rules_regcomp(ru->re, value, why, sizeof why) < 0) {
			free(ru->re);
			ru->re = NULL;
			diag_error(d, where, NULL, "%s: match: %s", key, why);
			return 1;
		}
		ru->re_text = xstrdup(value);
	} else {
		clear_def(ru);
		ru->def = xstrdup(value);
		ru->def_where = xstrdup(where);
	}
	return 0;
}

/* Move what LINE set into RU (a key listed again adds rules). */
static void merge(struct rule *ru, struct rule *line)
{
	ru->flags |= line->flags;
	if (line->min != NONE)
		ru->min = line->min;
	if (line->max != NONE)
		ru->max = line->max;
	if (line->oneof) {
		clear_oneof(ru);
		ru->oneof = line->oneof;
		ru->words = line->words;
		ru->nwords = line->nwords;
		line->oneof = NULL;
		line->words = NULL;
		line->nwords = 0;
	}
	if (line->re) {
		clear_re(ru);
		ru->re = line->re;
		ru->re_text = line->re_text;
		line->re = NULL;
		line->re_text = NULL;
	}
	if (line->def) {
		clear_def(ru);
		ru->def = line->def;
		ru->def_where = line->def_where;
		line->def = line->def_where = NULL;
	}
}

int rules_add(struct rules *r, const char *key, const char *words,
	      const char *where, struct diag *d)
{
	if (!envset_valid_name(key)) {
		diag_error(d, where, NULL,
			   "not a valid key name (expects [A-Za-z_][A-Za-z0-9_]*)");
		return 1;
	}
	struct rule line;
	memset(&line, 0, sizeof line);
	line.key = xstrdup(key);
	line.min = line.max = NONE;

	int errs = 0, nth = 0, rc;
	char *name, *value;
	const char *p = words;
	while ((rc = next_word(&p, &name, &value)) != 0) {
		nth++;
		if (rc < 0) /* name it only if it is a rule word: never a value */
			diag_error(d, where, NULL,
				   "%s: %s: unterminated \" (a quoted value ends at \" before a space or the line's end)",
				   key, known_word(name) ? name : "a word");
		else
			errs += parse_word(&line, name, value, nth, where, d);
		errs += rc < 0;
		free(name);
		wipe_free_str(value); /* may be a default */
	}
	struct rule *ru = find(r, key);
	long long min = line.min != NONE ? line.min : ru ? ru->min : NONE;
	long long max = line.max != NONE ? line.max : ru ? ru->max : NONE;
	if (!errs && min != NONE && max != NONE && min > max) {
		diag_error(d, where, NULL, "%s: min is greater than max", key);
		errs++;
	}
	if (!errs) {
		struct rule *to = ru ? ru : insert(r, key);
		merge(to, &line);
		if ((line.flags & R_OPTIONAL) && !to->opt_where)
			to->opt_where = xstrdup(where);
	}
	rule_free(&line);
	return errs;
}

/* ---- applying ---------------------------------------------------------- */

void rules_require(const struct rules *r, struct config *c)
{
	if (!r || !r->n || !r->v)
		return;
	int strip = c->strip || c->allow.n > 0;
	/* Which keys C already requires: one pass over each list. */
	unsigned char *have = xcalloc(r->n, 1);
	for (size_t i = 0; i < c->require.n; i++) {
		const struct rule *ru = find(r, c->require.v[i]);
		if (ru)
			have[ru - r->v] = 1;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		if (have[i] || (ru->flags & R_OPTIONAL) || ru->def)
			continue;
		if (strlist_match(&c->deny, ru->key) >= 0)
			continue;
		if (strip && strlist_match(&c->allow, ru->key) < 0)
			continue;
		strlist_add(&c->require, ru->key);
	}
	free(have);
}

void rules_defaults(const struct rules *r, struct envset *env)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		if (!ru->def)
			continue;
		struct envvar *v = envset_get(env, ru->key);
		if (v && v->len)
			continue;
		v = envset_set(env, ru->key, ru->def, strlen(ru->def),
			       ORIG_DEFAULT, ru->def_where);
		if (ru->flags & R_SECRET)
			v->flags |= EV_SECRET;
	}
}

static int in_words(const struct rule *ru, const char *s)
{
	for (size_t i = 0; i < ru->nwords; i++)
		if (strcmp(ru->words[i], s) == 0)
			return 1;
	return 0;
}

/* Every rule RU sets, on V's value. Never the value in a message. */
static int check_value(const struct rule *ru, const struct envvar *v,
		       struct diag *d)
{
	const char *k = v->key, *src = v->source, *s = v->val;
	int errs = 0;
	if (ru->min != NONE && (unsigned long long)v->len < (unsigned long long)ru->min) {
		diag_error(d, k, src, "min: shorter than %lld bytes", ru->min);
		errs++;
	}
	if (ru->max != NONE && (unsigned long long)v->len > (unsigned long long)ru->max) {
		diag_error(d, k, src, "max: longer than %lld bytes", ru->max);
		errs++;
	}
	for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++) {
		if (!(ru->flags & flag_words[i].flag) || !flag_words[i].ok ||
		    flag_words[i].ok(s))
			continue;
		diag_error(d, k, src, "%s: %s", flag_words[i].word,
			   flag_words[i].why);
		errs++;
	}
	if (ru->oneof && !in_words(ru, s)) {
		diag_error(d, k, src, "one-of: not one of %s", ru->oneof);
		errs++;
	}
	if (ru->re && regexec(ru->re, s, 0, NULL, 0) != 0) {
		diag_error(d, k, src, "match: does not match %s", ru->re_text);
		errs++;
	}
	return errs;
}

/* `sealed` rule RU: a plaintext VAL of KEY from SOURCE is an error. */
static int plaintext(const struct rule *ru, const char *key, const char *val,
		     size_t len, const char *source, struct diag *d)
{
	if (!ru || !(ru->flags & R_SEALED) || !len || seal_is_sealed(val, len))
		return 0;
	diag_error(d, key, source,
		   "sealed: plaintext value in an env file (seal it: envinit seal --in-place)");
	return 1;
}

int rules_plaintext(const struct rules *r, const char *key, const char *val,
		    size_t len, const char *source, struct diag *d)
{
	return plaintext(find(r, key), key, val, len, source, d);
}

int rules_check(const struct rules *r, struct envset *env, struct diag *d)
{
	if (!r)
		return 0;
	int errs = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		struct envvar *v = envset_get_hashed(env, ru->key, ru->hash);
		if (!v)
			continue;
		if (ru->flags & (R_SECRET | R_SEALED))
			v->flags |= EV_SECRET;
		/* `sealed`: whether the service receives it or not, since the
		 * plaintext sits in a file */
		if (v->origin == ORIG_ENVFILE)
			errs += plaintext(ru, v->key, v->val, v->len, v->source, d);
		/* a value still sealed failed to open: that error is enough */
		if ((v->flags & (EV_STRIPPED | EV_UNOPENED)) || v->len == 0)
			continue;
		errs += check_value(ru, v, d);
	}
	return errs;
}

const char *rules_optional_where(const struct rules *r, const char *key)
{
	const struct rule *ru = r && r->n ? find(r, key) : NULL;
	return ru && (ru->flags & R_OPTIONAL) ? ru->opt_where : NULL;
}

int rules_has(const struct rules *r, const char *key)
{
	return find(r, key) != NULL;
}

const char *rules_key(const struct rules *r, size_t i)
{
	return r && i < r->n ? r->v[i].key : NULL;
}

int rules_check_value(const struct rules *r, const struct envvar *v,
		      struct diag *d)
{
	const struct rule *ru = find(r, v->key);
	return ru && v->len ? check_value(ru, v, d) : 0;
}

int rules_checks_value(const struct rules *r, const char *key)
{
	const struct rule *ru = find(r, key);
	return ru && (ru->min != NONE || ru->max != NONE || ru->oneof ||
		      ru->re || (ru->flags & value_flags()));
}
