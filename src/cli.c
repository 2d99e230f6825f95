/*
 * cli.c - parse the command line into a struct config.
 *
 * getopt_long with a leading '+': parsing stops at the first non-option
 * word or "--", so the service's own arguments are never touched (as
 * dumb-init and tini do).
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	OPT_ENV_FILE_OPTIONAL = 256,
	OPT_SECRETS_DIR_OPTIONAL,
	OPT_SECRETS_UPCASE,
	OPT_FILE_SUFFIX,
	OPT_FILE_KEYS,
	OPT_PRIVATE_KEY_FILE,
	OPT_OVERRIDE,
	OPT_MAX_VALUE_SIZE,
	OPT_REQUIRE_FROM,
	OPT_EXEC,
	OPT_INIT,
	OPT_REWRITE,
	OPT_WATCH,
	OPT_GRACE,
	OPT_TERMINATION_LOG,
	OPT_FORMAT,
	OPT_REVEAL,
	OPT_ALL,
	OPT_EXPLAIN,
	OPT_PUBLIC_KEY,
	OPT_IN_PLACE,
	OPT_REMAP_EXIT,
	OPT_WAIT,
	OPT_RENAME,
	OPT_STRICT,
	OPT_RESEAL,
	OPT_SKIP_UNOPENED,
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "service", required_argument, NULL, 's' },
	{ "env-file", required_argument, NULL, 'f' },
	{ "env-file-optional", required_argument, NULL, OPT_ENV_FILE_OPTIONAL },
	{ "secrets-dir", required_argument, NULL, 'd' },
	{ "secrets-dir-optional", required_argument, NULL, OPT_SECRETS_DIR_OPTIONAL },
	{ "secrets-upcase", no_argument, NULL, OPT_SECRETS_UPCASE },
	{ "file-suffix", required_argument, NULL, OPT_FILE_SUFFIX },
	{ "file-keys", required_argument, NULL, OPT_FILE_KEYS },
	{ "private-key-file", required_argument, NULL, OPT_PRIVATE_KEY_FILE },
	{ "override", no_argument, NULL, OPT_OVERRIDE },
	{ "max-value-size", required_argument, NULL, OPT_MAX_VALUE_SIZE },
	{ "require", required_argument, NULL, 'r' },
	{ "require-from", required_argument, NULL, OPT_REQUIRE_FROM },
	{ "allow", required_argument, NULL, 'a' },
	{ "deny", required_argument, NULL, 'x' },
	{ "clear-env", no_argument, NULL, 'i' },
	{ "keep", required_argument, NULL, 'k' },
	{ "exec", no_argument, NULL, OPT_EXEC },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "user", required_argument, NULL, 'u' },
	{ "signal-group", no_argument, NULL, 'g' },
	{ "rewrite", required_argument, NULL, OPT_REWRITE },
	{ "watch", optional_argument, NULL, OPT_WATCH },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "termination-log", required_argument, NULL, OPT_TERMINATION_LOG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "reveal", no_argument, NULL, OPT_REVEAL },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "public-key", required_argument, NULL, OPT_PUBLIC_KEY },
	{ "in-place", required_argument, NULL, OPT_IN_PLACE },
	{ "remap-exit", required_argument, NULL, OPT_REMAP_EXIT },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "rename", required_argument, NULL, OPT_RENAME },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "reseal", no_argument, NULL, OPT_RESEAL },
	{ "skip-unopened", no_argument, NULL, OPT_SKIP_UNOPENED },
	{ NULL, 0, NULL, 0 },
};

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

static const struct {
	const char *name;
	int num;
} signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int cli_signal_number(const char *name)
{
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof signames / sizeof signames[0]; i++)
		if (strcasecmp(name, signames[i].name) == 0)
			return signames[i].num;
	char *end;
	errno = 0;
	long n = strtol(name, &end, 10);
	if (*name && !*end && !errno && n > 0 && n < NSIG)
		return (int)n;
	return -1;
}

/* A size in bytes with an optional K, M or G (binary) suffix, from 1
 * byte to 64 MiB (as large as an env file may be). */
static int parse_size(const char *s, long long *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long n = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (errno || *end || n == 0 || n > (64ull << 20) >> shift)
		return -1;
	*out = (long long)(n << shift);
	return 0;
}

static int parse_seconds(const char *s, long long *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	long long n = strtoll(s, &end, 10);
	if (errno || *end || n > 86400LL * 365)
		return -1;
	*out = n;
	return 0;
}

static int parse_watch(const char *arg, struct config *c)
{
	if (!arg || strcmp(arg, "restart") == 0) {
		c->watch = WATCH_RESTART;
		return 0;
	}
	if (strcmp(arg, "exit") == 0) {
		c->watch = WATCH_EXIT;
		return 0;
	}
	if (strncmp(arg, "signal:", 7) == 0 && cli_signal_number(arg + 7) > 0) {
		c->watch = WATCH_SIGNAL;
		free(c->watch_signal);
		c->watch_signal = xstrdup(arg + 7);
		return 0;
	}
	return -1;
}

static int parse_format(const char *arg, struct config *c)
{
	if (strcmp(arg, "env") == 0)
		c->format = FMT_ENV;
	else if (strcmp(arg, "json") == 0)
		c->format = FMT_JSON;
	else if (strcmp(arg, "shell") == 0)
		c->format = FMT_SHELL;
	else
		return -1;
	c->format_set = 1;
	return 0;
}

static int parse_rewrite(const char *arg)
{
	const char *colon = strchr(arg, ':');
	if (!colon)
		return -1;
	char *from = xstrndup(arg, (size_t)(colon - arg));
	/* "SIG:0" drops SIG (dumb-init's "ignore") */
	int ok = cli_signal_number(from) > 0 &&
		 (strcmp(colon + 1, "0") == 0 || cli_signal_number(colon + 1) > 0);
	free(from);
	return ok ? 0 : -1;
}

/* An exit status, 0..255, in decimal. */
static int parse_status(const char *s, size_t n)
{
	if (n == 0 || n > 3 || strspn(s, "0123456789") < n)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v <= 255 ? v : -1;
}

int cli_parse_remap(const char *arg, int *from, int *to)
{
	const char *colon = strchr(arg, ':');
	if (!colon)
		return -1;
	*from = parse_status(arg, (size_t)(colon - arg));
	*to = parse_status(colon + 1, strlen(colon + 1));
	return *from < 0 || *to < 0 ? -1 : 0;
}

/* NEW must be a portable name ([A-Za-z_][A-Za-z0-9_]*); OLD may be any
 * name a source can give (a secret file "db-password"), without spaces. */
static int portable(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static int parse_rename(const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return -1;
	for (const char *p = arg; p < eq; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return -1;
	if (!portable(eq + 1) || (strlen(eq + 1) == (size_t)(eq - arg) &&
				    strncmp(arg, eq + 1, (size_t)(eq - arg)) == 0))
		return -1;
	return 0;
}

static void replace(char **slot, const char *s)
{
	free(*slot);
	*slot = xstrdup(s);
}

/* Apply one option. Returns 0 or -1 (bad argument, already reported). */
static int apply_option(int opt, const char *arg, struct config *c,
			struct diag *d)
{
	switch (opt) {
	case 'c': replace(&c->config_file, arg); break;
	case 's': replace(&c->service, arg); break;
	case 'f': srclist_add(&c->env_files, arg, 0); break;
	case OPT_ENV_FILE_OPTIONAL: srclist_add(&c->env_files, arg, 1); break;
	case 'd': srclist_add(&c->secret_dirs, arg, 0); break;
	case OPT_SECRETS_DIR_OPTIONAL: srclist_add(&c->secret_dirs, arg, 1); break;
	case OPT_SECRETS_UPCASE: c->secrets_upcase = 1; break;
	case OPT_FILE_SUFFIX: replace(&c->file_suffix, arg); break;
	case OPT_FILE_KEYS: strlist_add_split(&c->file_keys, arg); break;
	case OPT_PRIVATE_KEY_FILE: strlist_add(&c->private_keys, arg); break;
	case OPT_OVERRIDE: c->override = 1; break;
	case OPT_MAX_VALUE_SIZE:
		if (parse_size(arg, &c->max_value_size) < 0) {
			diag_error(d, "--max-value-size", NULL,
				   "expects a size from 1 byte to 64M (e.g. 65536, 64K, 1M)");
			return -1;
		}
		break;
	case 'r': strlist_add_split(&c->require, arg); break;
	case OPT_REQUIRE_FROM: strlist_add(&c->require_from, arg); break;
	case 'a': strlist_add_split(&c->allow, arg); break;
	case 'x': strlist_add_split(&c->deny, arg); break;
	case 'i': c->clear_env = 1; break;
	case 'k': strlist_add_split(&c->keep, arg); break;
	case OPT_EXEC:
	case OPT_INIT:
		if (c->mode != RUN_AUTO && c->mode != (opt == OPT_EXEC ? RUN_EXEC : RUN_INIT)) {
			diag_error(d, NULL, NULL, "--exec and --init exclude each other: give one");
			return -1;
		}
		c->mode = opt == OPT_EXEC ? RUN_EXEC : RUN_INIT;
		break;
	case 'u': replace(&c->user, arg); break;
	case 'g': c->signal_group = 1; break;
	case OPT_REWRITE:
		if (parse_rewrite(arg) < 0) {
			diag_error(d, "--rewrite", NULL,
				   "expects SIG:SIG with known signal names, e.g. TERM:QUIT, or SIG:0 to drop SIG");
			return -1;
		}
		strlist_add(&c->rewrite, arg);
		break;
	case OPT_REMAP_EXIT: {
		int from, to;
		if (cli_parse_remap(arg, &from, &to) < 0) {
			diag_error(d, "--remap-exit", NULL,
				   "expects FROM:TO, two exit statuses 0..255, e.g. 143:0");
			return -1;
		}
		strlist_add(&c->remap_exit, arg);
		break;
	}
	case OPT_WAIT:
		if (parse_seconds(arg, &c->wait) < 0) {
			diag_error(d, "--wait", NULL, "expects whole seconds");
			return -1;
		}
		break;
	case OPT_RENAME:
		if (parse_rename(arg) < 0) {
			diag_error(d, "--rename", NULL,
				   "expects OLD=NEW, two different key names, e.g. db_password=POSTGRES_PASSWORD");
			return -1;
		}
		strlist_add(&c->rename, arg);
		break;
	case OPT_WATCH:
		if (parse_watch(arg, c) < 0) {
			diag_error(d, "--watch", NULL,
				   "expects restart, exit or signal:NAME");
			return -1;
		}
		break;
	case OPT_GRACE:
		if (parse_seconds(arg, &c->grace) < 0) {
			diag_error(d, "--grace", NULL, "expects whole seconds");
			return -1;
		}
		break;
	case OPT_TERMINATION_LOG: replace(&c->termination_log, arg); break;
	case OPT_FORMAT:
		if (parse_format(arg, c) < 0) {
			diag_error(d, "--format", NULL, "expects env, json or shell");
			return -1;
		}
		break;
	case OPT_REVEAL: c->reveal = 1; break;
	case OPT_ALL: c->check_all = 1; break;
	case OPT_EXPLAIN: c->explain = 1; break;
	case 'v': c->verbose = c->verbose < 0 ? 1 : c->verbose + 1; break;
	case 'q': c->verbose = -1; break;
	case 'h': c->cmd = CMD_HELP; break;
	case 'V': c->cmd = CMD_VERSION; break;
	case OPT_PUBLIC_KEY: replace(&c->public_key, arg); break;
	case OPT_IN_PLACE: replace(&c->in_place, arg); break;
	case OPT_STRICT: c->strict = 1; break;
	case OPT_RESEAL: c->reseal = 1; break;
	case OPT_SKIP_UNOPENED: c->skip_unopened = 1; break;
	default:
		return -1;
	}
	return 0;
}

int cli_apply_long(const char *name, const char *arg, struct config *c,
		   struct diag *d)
{
	for (const struct option *o = longopts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return apply_option(o->val, arg, c, d);
	return -1;
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
	for (const struct option *o = longopts; o->name; o++) {
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
	while ((opt = getopt_long(sub_argc, sub_argv,
				  "+:c:s:f:d:r:a:x:ik:u:gvqhV", longopts,
				  NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			bad_option(opt == ':', sub_argv[at], d);
			bad = 1;
		} else if (apply_option(opt, optarg, c, d) < 0) {
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
