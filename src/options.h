/*
 * options.h - every option of the command line and the manifest, each
 * described once (as curl describes its options in one table).
 *
 * One row of opt_table (options.c) says everything about an option: its
 * long name, its short letter, whether it takes an argument, its manifest
 * directive (or none: command line only), the struct config field it fills
 * and the one function that parses its argument into that field. From the
 * table come:
 *   - cli.c: getopt_long's option array and short-option string;
 *   - manifest.c: the directive lookup, "not allowed in a manifest" for
 *     the command-line-only options, relative paths, empty values;
 *   - config.c: which fields start UNSET and which are freed;
 *   - the manifest put under the command line (opt_merge_under), by the
 *     kind of field: command line over [service] over [defaults] over the
 *     built-in defaults; repeatable options add, in that order.
 * Adding an option is one row and, unless a shared setter fits, one
 * setter (docs/hacking.md).
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include "config.h"
#include "diag.h"

#include <getopt.h>

enum opt_arg { OPT_ARG_NONE, OPT_ARG_REQUIRED, OPT_ARG_OPTIONAL };

/* Who gives the value: a flag from the command line has no argument
 * (it means yes), in a manifest it is yes or no. */
enum opt_from { OPT_FROM_CLI, OPT_FROM_FILE };

/*
 * The kind of config field an option fills. It decides the field's unset
 * state (config_init), whether config_free frees it, and how the
 * manifest's value goes under the command line's (opt_merge_under).
 */
enum opt_field {
	OF_NONE,   /* no field of its own (help, verbose): command line only */
	OF_SWITCH, /* int, 0 or 1, 0 when not given: command line only */
	OF_FLAG,   /* int, UNSET, 0 or 1: the command line's wins unless UNSET */
	OF_NUM,    /* long long, UNSET or a number: same */
	OF_STR,    /* char *, NULL when unset: same */
	OF_LIST,   /* struct strlist: the manifest's entries go first */
	OF_SRCS,   /* struct srclist: same */
	OF_MODE,   /* c->mode, RUN_AUTO when unset */
	OF_FORMAT, /* c->format, with c->format_set */
	OF_WATCH,  /* c->watch and c->watch_signal, with c->watch_set */
};

/* Where a directive may appear; every directive today may appear in both. */
#define OPT_IN_DEFAULTS 0x1u /* [defaults] */
#define OPT_IN_SERVICE 0x2u  /* [service NAME] */
#define OPT_IN_BOTH (OPT_IN_DEFAULTS | OPT_IN_SERVICE)
/* A manifest value that is a path, resolved against the manifest's
 * directory unless absolute. */
#define OPT_PATH 0x4u
/* A manifest value that may be empty (every other is "expects a value"). */
#define OPT_EMPTY 0x8u

struct opt;

/*
 * Parse ARG (NULL for an option given without one on the command line)
 * into C. A bad ARG adds one error to D, subject "--NAME", text saying
 * what is expected (never ARG: it may be a value); the manifest reports
 * the same text as "FILE:LINE: DIRECTIVE: text". Returns 0 or -1.
 */
typedef int opt_setter(const struct opt *o, const char *arg,
		       enum opt_from from, struct config *c, struct diag *d);

struct opt {
	const char *name;      /* long option; NULL: a manifest directive only */
	char letter;           /* short option, or 0 */
	enum opt_arg arg;
	const char *directive; /* manifest name; NULL: command line only */
	unsigned flags;        /* OPT_IN_*, OPT_PATH, OPT_EMPTY */
	enum opt_field field;
	size_t off;            /* offsetof(struct config, FIELD) */
	int val;               /* for a shared setter (a source's optional) */
	opt_setter *set;
};

extern const struct opt opt_table[];
extern const size_t opt_count;

/* getopt_long's view of the table, built from it on first use: the long
 * options (each val is opt_by_val's key) and the short-option string,
 * which starts with "+:" (stop at the first word; ':' for a missing
 * argument). */
const struct option *opt_getopt_long(void);
const char *opt_getopt_short(void);

/* The option getopt_long returned VAL for, or NULL. */
const struct opt *opt_by_val(int val);
/* The option whose directive is NAME, or NULL. */
const struct opt *opt_by_directive(const char *name);
/* The command-line-only option a manifest would spell NAME (its long name
 * with '-' written '_'), or NULL. */
const struct opt *opt_cli_only(const char *name);

/* Set O from ARG (see opt_setter). */
int opt_set(const struct opt *o, const char *arg, enum opt_from from,
	    struct config *c, struct diag *d);

/* config_init and config_free, for the fields the table describes. */
void opt_config_init(struct config *c);
void opt_config_free(struct config *c);

/* Put M (a manifest section, set only through directives) under C: for
 * every field a directive can set, C's scalar wins unless unset, M's
 * list entries go before C's. */
void opt_merge_under(struct config *c, const struct config *m);

/* A signal name ("TERM", "SIGTERM", "15"); -1 if unknown. */
int opt_signal_number(const char *name);
/* --remap-exit's "FROM:TO" (statuses 0..255); 0, or -1 if bad. */
int opt_parse_remap(const char *arg, int *from, int *to);

#endif
