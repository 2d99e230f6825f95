/*
 * cli.c - parse the command line into a struct config.
 *
 * getopt_long with a leading '+': parsing stops at the first non-option
 * word or "--", so the service's own arguments are never touched (as
 * dumb-init and tini do). The options themselves, their getopt_long
 * table and what each one sets are options.c's: here are the verbs, the
 * positional arguments, the messages for a bad option and --help.
 */
#include "cli.h"

#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: envinit [OPTIONS] [--] COMMAND [ARG...]   assemble, check, strip, run COMMAND\n"
	"       envinit run [OPTIONS] [--] COMMAND [ARG...]\n"
	"       envinit check [OPTIONS]                   assemble and check only\n"
	"       envinit print [OPTIONS]                   print the assembled environment\n"
	"       envinit keygen --private-key-file FILE    new key pair; prints the public key\n"
	"       envinit seal --public-key KEY NAME        seal a value read on stdin\n"
	"       envinit seal --public-key KEY --in-place FILE NAME...\n"
	"       envinit seal --in-place FILE --reseal --private-key-file OLD...\n"
	"                    --public-key NEW [--skip-unopened] [NAME...]\n"
	"                                                 re-seal to NEW what OLD opens\n"
	"       envinit lint [OPTIONS]                    check what the repository alone can tell\n"
	"       envinit get [OPTIONS] KEY                 print one assembled value\n"
	"       envinit help | --help | version | --version\n"
	"\n"
	"Sources:\n"
	"  -c, --config FILE            INI manifest (default $ENVINIT_CONFIG)\n"
	"  -s, --service NAME           use [service NAME] (default $ENVINIT_SERVICE)\n"
	"  -f, --env-file FILE          load an env file (repeatable)\n"
	"      --env-file-optional FILE same, a missing file is skipped\n"
	"  -d, --secrets-dir DIR        one key per file in DIR (repeatable)\n"
	"      --secrets-dir-optional DIR  same, a missing DIR is skipped\n"
	"      --secrets-upcase         upper-case secret file names\n"
	"      --file-suffix SUFFIX     KEY<SUFFIX>=PATH reads KEY from PATH (default _FILE)\n"
	"                               for declared keys only (required, [keys])\n"
	"      --file-keys GLOBS        also read KEY<SUFFIX> for these keys ('*': all)\n"
	"      --private-key-file FILE  key for sealed values (repeatable)\n"
	"      --override               sources win over the inherited environment\n"
	"      --max-value-size BYTES   largest secret value (default 1M)\n"
	"      --wait SECONDS           wait that long for missing sources and keys\n"
	"      --rename OLD=NEW         the assembled key OLD is called NEW (repeatable)\n"
	"Policy:\n"
	"  -r, --require KEYS           keys that must be set and non-empty\n"
	"      --require-from FILE      every key named in FILE is required\n"
	"  -a, --allow GLOBS            keep only matching keys (and required ones)\n"
	"  -x, --deny GLOBS             strip matching keys\n"
	"  -i, --clear-env              inherit nothing but --keep keys\n"
	"  -k, --keep GLOBS             inherited keys kept by --clear-env\n"
	"Run:\n"
	"      --exec | --init          run mode (default: --init when PID 1)\n"
	"  -u, --user USER[:GROUP]      drop privileges before running COMMAND\n"
	"  -g, --signal-group           forward signals to the child's process group\n"
	"      --rewrite SIG:SIG        rewrite a forwarded signal; SIG:0 drops it\n"
	"      --remap-exit FROM:TO     exit TO when the service's status is FROM\n"
	"      --watch[=ACTION]         re-assemble on change: restart, signal:NAME, exit\n"
	"      --grace SECONDS          SIGTERM to SIGKILL delay (default 10)\n"
	"      --termination-log FILE   where a failed check writes its summary\n"
	"Output:\n"
	"      --format env|json|shell  print format (default env); check, lint: json\n"
	"      --reveal                 print secret values (print, get)\n"
	"      --all                    check, lint: every service of the manifest\n"
	"      --strict                 lint: warnings fail too\n"
	"      --explain                say where each key came from and why it is kept\n"
	"  -v, --verbose                -q, --quiet\n"
	"  -h, --help                   -V, --version\n"
	"\n"
	"Exit status: 0 success (check, print, lint, get, keygen, seal); in run\n"
	"mode the command's own status, or 128+N when it died of signal N;\n"
	"64 usage error; 75 --watch=exit after a change; 78 configuration or\n"
	"check failure; 126 command not executable; 127 command not found.\n"
	"The env-file syntax: docs/envfile.md; the manifest: man envinit.ini.\n";

const char *cli_usage(void)
{
	return usage_text;
}

int cli_signal_number(const char *name)
{
	return opt_signal_number(name);
}

int cli_parse_remap(const char *arg, int *from, int *to)
{
	return opt_parse_remap(arg, from, to);
}

static const struct {
	const char *word;
	enum command cmd;
} verbs[] = {
	{ "run", CMD_RUN }, { "check", CMD_CHECK }, { "print", CMD_PRINT },
	{ "keygen", CMD_KEYGEN }, { "seal", CMD_SEAL }, { "lint", CMD_LINT },
	{ "get", CMD_GET },
	{ "help", CMD_HELP }, { "version", CMD_VERSION },
};

/* Which positional arguments each command takes. */
static int check_positionals(struct config *c, struct diag *d)
{
	switch (c->cmd) {
	case CMD_RUN:
		if (c->argc == 0) {
			diag_error(d, NULL, NULL, "no command given");
			return -1;
		}
		return 0;
	case CMD_GET:
		if (c->argc != 1) {
			diag_error(d, "get", NULL, "expects one KEY");
			return -1;
		}
		return 0;
	case CMD_SEAL:
		if ((c->reseal || c->skip_unopened) && !c->in_place) {
			diag_error(d, "--reseal", NULL, "needs --in-place FILE");
			return -1;
		}
		if (c->skip_unopened && !c->reseal) {
			diag_error(d, "--skip-unopened", NULL, "is for --reseal only");
			return -1;
		}
		if (c->argc == 0 && !c->reseal) {
			diag_error(d, "seal", NULL, "expects the NAME of the key to seal");
			return -1;
		}
		if (!c->in_place && c->argc > 1) {
			diag_error(d, "seal", NULL,
				   "seals one NAME from stdin; use --in-place FILE for several");
			return -1;
		}
		return 0;
	case CMD_CHECK:
	case CMD_PRINT:
	case CMD_KEYGEN:
	case CMD_LINT:
		if (c->argc) {
			diag_error(d, NULL, NULL, "'%s' takes no command",
				   c->cmd == CMD_CHECK ? "check" :
				   c->cmd == CMD_PRINT ? "print" :
				   c->cmd == CMD_LINT ? "lint" : "keygen");
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/* The long option NAME (LEN bytes, possibly abbreviated as getopt_long
 * allows), or NULL when it names none or, with *AMBIGUOUS set, several. */
static const struct option *find_long(const char *name, size_t len,
				      int *ambiguous)
{
	const struct option *hit = NULL;
	*ambiguous = 0;
	for (const struct option *o = opt_getopt_long(); o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (!o->name[len])
			return o;
		*ambiguous = hit != NULL;
		hit = o;
	}
	return *ambiguous ? NULL : hit;
}

/*
 * Say which option was wrong and how: unknown, missing its argument, or
 * given a value it does not take. WORD is the argument getopt_long was at
 * when it failed: the option itself when it is a long one; for a short
 * one getopt_long's optopt names the letter. Never echo what follows '=':
 * it could be a value.
 */
static void bad_option(int missing, const char *word, struct diag *d)
{
	if (word && strncmp(word, "--", 2) == 0 && word[2]) {
		const char *name = word + 2;
		size_t len = strcspn(name, "=");
		int ambiguous;
		const struct option *o = find_long(name, len, &ambiguous);
		if (missing)
			diag_error(d, NULL, NULL, "option '--%.*s' needs an argument",
				   (int)len, name);
		else if (o && o->has_arg == no_argument && name[len] == '=')
			diag_error(d, NULL, NULL, "option '--%.*s' takes no argument",
				   (int)len, name);
		else
			diag_error(d, NULL, NULL, "%s option '--%.*s'",
				   ambiguous ? "ambiguous" : "unknown", (int)len, name);
	} else if (missing) {
		diag_error(d, NULL, NULL, "option '-%c' needs an argument", optopt);
	} else if (optopt > 32 && optopt < 127) {
		diag_error(d, NULL, NULL, "unknown option '-%c'", optopt);
	} else {
		diag_error(d, NULL, NULL, "unknown option");
	}
}

int cli_parse(int argc, char **argv, struct config *c, struct diag *d)
{
	int first = 1;
	c->cmd = CMD_RUN;
	if (argc > 1) {
		for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
			if (strcmp(argv[1], verbs[i].word) == 0) {
				c->cmd = verbs[i].cmd;
				first = 2;
				break;
			}
		}
	}

	/* getopt_long reports unknown options itself; we want one voice. The
	 * ':' after '+' makes a missing argument ':' rather than '?'. */
	opterr = 0;
	optind = 0; /* full re-initialisation (glibc and musl) */
	int sub_argc = argc - first + 1;
	char **sub_argv = argv + first - 1;
	int bad = 0, opt, at = 1;
	const struct option *longopts = opt_getopt_long();
	const char *shortopts = opt_getopt_short();
	while ((opt = getopt_long(sub_argc, sub_argv, shortopts, longopts,
				  NULL)) != -1) {
		const struct opt *o = opt == '?' || opt == ':' ? NULL
							      : opt_by_val(opt);
		if (!o) {
			bad_option(opt == ':', sub_argv[at], d);
			bad = 1;
		} else if (opt_set(o, optarg, OPT_FROM_CLI, c, d) < 0) {
			bad = 1;
		}
		at = optind;
	}
	c->argv = sub_argv + optind;
	c->argc = sub_argc - optind;
	if (bad)
		return EXIT_USAGE;
	if (c->cmd == CMD_HELP || c->cmd == CMD_VERSION)
		return 0;
	if (check_positionals(c, d) < 0)
		return EXIT_USAGE;
	return 0;
}
