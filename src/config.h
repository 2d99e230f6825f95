/*
 * config.h - what the user asked for: the command line, later merged with
 * the manifest (command line wins over the manifest, the manifest over the
 * built-in defaults; repeatable options add, in order).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include "envinit.h"

struct strlist {
	char **v;
	size_t n, cap;
};

struct source {
	char *path;
	int optional;
};

struct srclist {
	struct source *v;
	size_t n, cap;
};

enum command { CMD_RUN, CMD_CHECK, CMD_PRINT, CMD_KEYGEN, CMD_SEAL,
	       CMD_HELP, CMD_VERSION, CMD_LINT, CMD_GET };
enum runmode { RUN_AUTO, RUN_EXEC, RUN_INIT };
enum format { FMT_ENV, FMT_JSON, FMT_SHELL };
enum watch_action { WATCH_NONE, WATCH_RESTART, WATCH_SIGNAL, WATCH_EXIT };

#define UNSET (-1)

struct rules;
struct envset;

struct config {
	enum command cmd;

	/* Sources */
	char *config_file; /* -c, $ENVINIT_CONFIG */
	char *service;     /* -s, $ENVINIT_SERVICE */
	struct srclist env_files;
	struct srclist secret_dirs;
	struct strlist private_keys;
	int secrets_upcase;    /* UNSET, 0, 1 */
	char *file_suffix;     /* NULL = unset ("_FILE"); "" turns it off */
	struct strlist file_keys; /* --file-keys: KEY_FILE resolved for these too */
	int override;          /* UNSET, 0, 1 */
	long long max_value_size; /* UNSET or bytes */
	long long wait;        /* --wait: UNSET or seconds */
	struct strlist rename; /* --rename OLD=NEW, in order */

	/* Policy */
	struct strlist require;
	struct strlist require_from;
	struct strlist allow;
	struct strlist deny;
	struct strlist keep;
	int clear_env; /* UNSET, 0, 1 */
	int strip;     /* set by a manifest service: strip by default */
	const struct rules *rules; /* the manifest's [keys] (rules.h), not
				      owned: it lives as long as the manifest */

	/* Run */
	enum runmode mode;
	char *user;
	int signal_group; /* UNSET, 0, 1 */
	struct strlist rewrite;
	struct strlist remap_exit; /* --remap-exit FROM:TO, in order */
	enum watch_action watch;
	char *watch_signal;
	long long grace; /* UNSET or seconds */
	char *termination_log;

	/* Output */
	enum format format;
	int format_set;
	int reveal;
	int explain;
	int verbose; /* -1 quiet, 0, 1.. */
	int check_all; /* check --all, lint --all */
	struct envset *consumed; /* --explain: the KEY_FILE pointers resolved
				    and removed (assemble adds them, each
				    with KEY's name as value); not owned,
				    NULL when not wanted */

	/* keygen / seal */
	char *public_key;
	char *in_place;

	/* The command and its arguments (run), seal's key names, get's KEY. */
	char **argv;
	int argc;

	int strict;        /* lint: warnings fail too */
	int reseal;        /* seal --in-place FILE --reseal */
	int skip_unopened; /* reseal what opens even if some value does not */
};

void config_init(struct config *c);
void config_free(struct config *c);

/* Append a copy of S. */
void strlist_add(struct strlist *l, const char *s);
/* Append each comma- or space-separated item of S. */
void strlist_add_split(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);
/* Whether KEY matches GLOB as fnmatch(GLOB, KEY, 0) says, faster for a
 * plain name and for NAME* (the globs --allow, --deny and --keep get). */
int glob_match(const char *glob, const char *key);
/* Index of the first glob in L that KEY matches (glob_match), or -1. */
int strlist_match(const struct strlist *l, const char *key);
/* Whether L holds exactly S. */
int strlist_has(const struct strlist *l, const char *s);

void srclist_add(struct srclist *l, const char *path, int optional);

/* Effective values after defaults. */
const char *config_file_suffix(const struct config *c);
size_t config_max_value_size(const struct config *c);

#endif
