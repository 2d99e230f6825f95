/*
 * main.c - envinit's table of contents.
 *
 *   parse the command line -> load the manifest -> assemble the sources
 *   -> apply the policy and rules -> report -> check / print / run
 *
 * Every phase returns a status and appends problems to one diagnostics
 * list; only report.c prints and only main() exits.
 */
#include "arena.h"
#include "assemble.h"
#include "cli.h"
#include "config.h"
#include "diag.h"
#include "envinit.h"
#include "envset.h"
#include "fileio.h"
#include "lint.h"
#include "manifest.h"
#include "policy.h"
#include "rebuild.h"
#include "rename.h"
#include "report.h"
#include "run.h"
#include "seal.h"
#include "supervise.h"
#include "user.h"
#include "wait.h"
#include "watch.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* NAME's value in ENV ("KEY=value" strings; the first one wins), or NULL. */
static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* ENVINIT_* variables of ENV steer envinit when the command line is silent. */
static void config_from_environment(struct config *c, char *const *env)
{
	const char *s;
	if (!c->config_file && (s = env_get(env, "ENVINIT_CONFIG")) && *s)
		c->config_file = xstrdup(s);
	if (!c->service && (s = env_get(env, "ENVINIT_SERVICE")) && *s)
		c->service = xstrdup(s);
	if (!c->private_keys.n &&
	    (s = env_get(env, "ENVINIT_PRIVATE_KEY_FILE")) && *s)
		strlist_add(&c->private_keys, s);
}

static int unsupported(const struct config *c, struct diag *d)
{
	/* the manifest itself is loaded and applied in main() */
	if (c->service && !c->config_file) {
		diag_error(d, NULL, NULL,
			   "a service (-s or $ENVINIT_SERVICE) needs a manifest (-c FILE or $ENVINIT_CONFIG)");
		return 1;
	}
	if (c->check_all && ((c->cmd != CMD_CHECK && c->cmd != CMD_LINT) ||
			     !c->config_file)) {
		diag_error(d, "--all", NULL, c->cmd != CMD_CHECK && c->cmd != CMD_LINT
			   ? "is for 'envinit check' and 'envinit lint' only"
			   : "needs a manifest (-c FILE or $ENVINIT_CONFIG)");
		return 1;
	}
	return 0;
}

/* keygen, seal: the key line or sealed value goes to stdout. */
static int keytool(const struct config *c, struct diag *d)
{
	char *line = NULL;
	int status = seal_command(c, STDIN_FILENO, &line, d);
	report_diag(d, c->verbose, NULL);
	if (line) {
		fputs(line, stdout);
		free(line);
	}
	return status;
}

/*
 * A command searched for in PATH while the policy keeps PATH from the
 * service: run_search_path then uses envinit's own PATH (what INHERITED
 * holds), so the command is found but the service runs without PATH.
 * Say so: it is rarely what was meant.
 */
static void warn_path(const struct config *c, const struct envset *env,
		      char *const *inherited, struct diag *d)
{
	if (c->cmd != CMD_RUN || c->argc < 1 || strchr(c->argv[0], '/'))
		return;
	const struct envvar *v = envset_get(env, "PATH");
	if (v ? !(v->flags & EV_STRIPPED) : !env_get(inherited, "PATH"))
		return;
	diag_warn(d, "PATH", NULL,
		  "%s: the service gets no PATH; the command is looked up with %s",
		  v ? "stripped by the policy" : "dropped by --clear-env",
		  env_get(inherited, "PATH") ? "envinit's own PATH"
					     : "the default PATH");
}

/*
 * Assemble from the inherited environment INHERITED, apply the policy;
 * for run, also build envp and check limits. -u is resolved here, after
 * every source was read with our own privileges (secrets may be root-only
 * files), and only here: into *USER (free with user_free) when USER is not
 * NULL, else resolved and dropped (an unknown user fails check too).
 */
static int build_as(const struct config *c, char *const *inherited,
		    struct envset *env, char ***envp, struct user_ids *user,
		    struct diag *d)
{
	struct required req; /* --require-from files are read once, here */
	policy_required_load(c, &req);
	int errs = assemble(c, inherited, env, &req.keys, d);
	errs += rename_apply(c, env, d); /* --rename: before the policy */
	rules_defaults(c->rules, env); /* [keys] default= before the policy */
	errs += policy_apply(c, env, &req, d);
	policy_required_free(&req);
	/* sealed values: the winning value of each key the service receives */
	errs += seal_open_all(&c->private_keys, env, d);
	errs += rules_check(c->rules, env, d);
	errs += policy_taint(c, env, d); /* once all secrecy is known */
	if (c->user) {
		struct user_ids scratch = { 0 }, *u = user ? user : &scratch;
		if (user_resolve(c->user, "", u, d) < 0)
			errs++;
		else if (!user)
			user_free(&scratch);
	}
	warn_path(c, env, inherited, d);
	if (c->cmd == CMD_RUN) {
		*envp = run_build_envp(env);
		errs += run_check_limits(c->argv, *envp, d);
	}
	return errs;
}

/* build_as for what only checks (and for --watch: the run settings, -u
 * included, keep the values envinit started with). */
static int build(const struct config *c, char *const *inherited,
		 struct envset *env, char ***envp, struct diag *d)
{
	return build_as(c, inherited, env, envp, NULL, d);
}

/* --wait's probe: build once into scratch sets (values wiped). */
static int probe(void *ctx, struct diag *d)
{
	struct envset env;
	char **envp = NULL;
	envset_init(&env);
	int errs = build(ctx, environ, &env, &envp, d);
	run_free_envp(envp);
	envset_free(&env);
	return errs;
}

static void summary(const struct envset *env)
{
	size_t kept = 0, stripped = 0;
	for (size_t i = 0; i < env->n; i++) {
		if (!envset_live(&env->v[i]))
			continue;
		if (env->v[i].flags & EV_STRIPPED)
			stripped++;
		else
			kept++;
	}
	printf("envinit: check passed: %zu key%s kept, %zu stripped\n", kept,
	       kept == 1 ? "" : "s", stripped);
}

/* Add FROM's items to TO, each subject prefixed "[LABEL]". */
static void add_prefixed(struct diag *to, const struct diag *from,
			 const char *label)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct diag_item *it = &from->v[i];
		char *subj = it->subject ? xasprintf("[%s] %s", label, it->subject)
					 : xasprintf("[%s]", label);
		diag_add(to, it->level, subj, it->source, "%s", it->text);
		free(subj);
	}
}

/*
 * check --all: every [service NAME] in file order, each configured exactly
 * as `-s NAME` would be (the command line parsed again, then the
 * manifest), one line per service on stdout and its problems in D with
 * the subject prefixed [NAME]. A manifest without services is checked
 * once, as without -s.
 */
static int check_all(int argc, char **argv, const struct manifest *m,
		     int verbose, struct report_json *j, struct diag *d)
{
	size_t n = manifest_nservices(m);
	int failed = 0;
	for (size_t i = 0; i < (n ? n : 1); i++) {
		const char *name = manifest_service(m, i);
		struct config sc;
		struct diag sd;
		struct envset env;
		char **envp = NULL;
		config_init(&sc);
		diag_init(&sd);
		envset_init(&env);
		cli_parse(argc, argv, &sc, &sd); /* it parsed before: no error */
		config_from_environment(&sc, environ);
		if (manifest_apply(m, name, &sc, &sd) == 0)
			build(&sc, environ, &env, &envp, &sd);
		size_t kept = 0;
		for (size_t k = 0; k < env.n; k++)
			if (envset_live(&env.v[k]) && !(env.v[k].flags & EV_STRIPPED))
				kept++;
		const char *label = name ? name : "no service";
		if (sd.nerrors)
			failed++;
		if (j)
			report_json_service(j, name, &sd, &env, 0);
		else if (verbose >= 0 || sd.nerrors)
			printf(sd.nerrors ? "envinit: check --all: %s%s: FAILED (%zu problem%s)\n"
					  : "envinit: check --all: %s%s: ok (%zu key%s)\n",
			       name ? "service " : "", label,
			       sd.nerrors ? sd.nerrors : kept,
			       (sd.nerrors ? sd.nerrors : kept) == 1 ? "" : "s");
		add_prefixed(d, &sd, label);
		run_free_envp(envp);
		envset_free(&env);
		diag_free(&sd);
		config_free(&sc);
	}
	fflush(stdout);
	return failed ? EXIT_CONFIG : EXIT_OK;
}

static int json_wanted(const struct config *c)
{
	return c->format_set && c->format == FMT_JSON &&
	       (c->cmd == CMD_CHECK || c->cmd == CMD_LINT);
}

/* --format json when the manifest or the command line failed before any
 * service could be looked at: one document naming the problems. */
static void json_failure(const struct config *c, const struct diag *d)
{
	struct report_json j;
	report_json_begin(&j);
	report_json_service(&j, c->service, d, NULL, 0);
	report_json_end(&j, stdout);
}

static size_t count_level(const struct diag *d, enum diag_level lvl)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].level == lvl;
	return n;
}

/*
 * lint, lint -s NAME, lint --all: each service configured exactly as
 * `-s NAME` would be; every service of the manifest is known to each lint
 * (a key is unused only when no service uses it). Text: problems on
 * stderr (prefixed [NAME] with --all), one line per service (--all) or a
 * summary on stdout; JSON: one document on stdout.
 */
static int lint_cmd(int argc, char **argv, struct config *cfg,
		    const struct manifest *m, struct diag *d)
{
	size_t n = m ? manifest_nservices(m) : 0, failed = 0;
	struct config *all = xcalloc(n ? n : 1, sizeof *all);
	struct diag *ds = xcalloc(n ? n : 1, sizeof *ds);
	struct report_json j;
	int json = json_wanted(cfg);

	for (size_t i = 0; i < n; i++) {
		config_init(&all[i]);
		diag_init(&ds[i]);
		cli_parse(argc, argv, &all[i], &ds[i]); /* parsed before: no error */
		config_from_environment(&all[i], environ);
		manifest_apply(m, manifest_service(m, i), &all[i], &ds[i]);
	}
	if (json)
		report_json_begin(&j);
	if (cfg->check_all && n) {
		for (size_t i = 0; i < n; i++) {
			const char *name = manifest_service(m, i);
			struct envset keys;
			envset_init(&keys);
			lint_service(&all[i], all, n, &ds[i], &keys);
			size_t errs = ds[i].nerrors;
			size_t warns = count_level(&ds[i], DIAG_WARNING);
			int bad = errs || (cfg->strict && warns);
			failed += bad;
			if (json)
				report_json_service(&j, name, &ds[i], &keys, cfg->strict);
			else if (cfg->verbose >= 0 || bad)
				printf(bad ? "envinit: lint --all: service %s: FAILED (%zu errors, %zu warnings)\n"
					   : "envinit: lint --all: service %s: ok (%zu errors, %zu warnings)\n",
				       name, errs, warns);
			add_prefixed(d, &ds[i], name);
			envset_free(&keys);
		}
	} else {
		if (cfg->check_all && m) /* a manifest without services */
			manifest_apply(m, NULL, cfg, d);
		struct envset keys;
		envset_init(&keys);
		lint_service(cfg, all, n, d, &keys);
		size_t warns = count_level(d, DIAG_WARNING);
		failed = d->nerrors || (cfg->strict && warns);
		if (json)
			report_json_service(&j, cfg->service, d, &keys, cfg->strict);
		else if (!failed && cfg->verbose >= 0)
			printf("envinit: lint passed (%zu warnings)\n", warns);
		envset_free(&keys);
	}
	fflush(stdout);
	if (json) {
		report_json_end(&j, stdout);
	} else {
		report_diag(d, cfg->verbose, NULL);
		if (failed && !d->nerrors)
			report_msg("lint failed: warnings fail with --strict");
	}
	for (size_t i = 0; i < n; i++) {
		config_free(&all[i]);
		diag_free(&ds[i]);
	}
	free(all);
	free(ds);
	return failed ? EXIT_CONFIG : EXIT_OK;
}

/* get KEY: the value the service would receive, on stdout with a newline
 * (as printenv); a secret one only with --reveal. */
static int get_value(const struct config *c, const struct envset *env,
		     struct diag *d)
{
	const char *key = c->argv[0];
	const struct envvar *v = envset_get(env, key);
	const char *why = !v || !envset_live(v) ? "not set"
		: (v->flags & EV_STRIPPED) ? "not set for this service (stripped)"
		: (v->flags & EV_SECRET) && !c->reveal
			? "secret value: add --reveal to print it" : NULL;
	if (why || !v) {
		diag_error(d, key, NULL, "%s", why ? why : "not set");
		report_diag(d, c->verbose, NULL);
		return EXIT_CONFIG;
	}
	fwrite(v->val, 1, v->len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	return EXIT_OK;
}

/* 128 + N when signal N arrived while it was held (PID 1): nothing starts. */
static int held_signal(void)
{
	int sig = run_held_signal();
	if (!sig)
		return 0;
	report_msg("signal %d arrived while the environment was assembled: "
		   "nothing started", sig);
	return 128 + sig;
}

/*
 * The start-up arena (arena.h) serves one pass that ends in execve or
 * exit: check, print, get and a run in exec mode. Such a pass also leaves
 * the files it read open for execve or exit to close (fileio_close). Both
 * end for what loops or stays (a supervisor, --wait's probes, --watch) and
 * for the key tools and lint, which may read large files again and again.
 * Called again once the manifest is read: it may ask for init mode.
 */
static void arena_for(const struct config *c)
{
	int one_pass = c->cmd == CMD_CHECK || c->cmd == CMD_PRINT ||
		       c->cmd == CMD_GET || (c->cmd == CMD_RUN && !supervise_wanted(c));
	if (!one_pass || c->wait != UNSET || c->watch != WATCH_NONE) {
		arena_close();
		fileio_defer_closes(0);
	} else {
		fileio_defer_closes(1);
	}
}

/*
 * Start the service as C says with *ENVP: exec, or supervise (with --watch,
 * REBUILD re-assembles). USER is the -u user build() resolved (NULL
 * without -u), applied just before exec: by us in exec mode, by the child
 * in init mode (the supervisor stays root so it can signal whatever the
 * service becomes).
 */
static int run(const struct config *c, char ***envp,
	       const struct user_ids *user, struct rebuild *rebuild,
	       struct diag *d)
{
	int status;

	if (user && user_set_home(envp, user) &&
	    run_check_limits(c->argv, *envp, d)) {
		report_diag(d, c->verbose, c->termination_log);
		return EXIT_CONFIG;
	}
	const char *path = run_search_path(*envp, getenv("PATH"));
	if ((status = held_signal()) != 0)
		return status;
	run_release_signals();
	fflush(NULL);
	if (supervise_wanted(c)) {
		struct supervise_watch sw;
		if (rebuild)
			sw = rebuild_watch(rebuild, user);
		status = supervise_run(c, c->argv, envp, path, user,
				       rebuild ? &sw : NULL, d);
	} else if (user && user_drop(user, c->user, d) < 0) {
		report_diag(d, c->verbose, c->termination_log);
		return EXIT_CONFIG;
	} else {
		status = run_exec(c->argv, *envp, path, d);
	}
	report_diag(d, c->verbose, c->termination_log);
	return status;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct diag d;
	struct envset env, dropped, consumed;
	struct manifest *manifest = NULL;
	struct rebuild *rb = NULL;
	struct user_ids user = { 0 };
	char **envp = NULL;
	int status, cli_watch;

	run_harden(); /* before anything is read */

	config_init(&cfg);
	diag_init(&d);
	envset_init(&env);
	envset_init(&dropped);
	envset_init(&consumed);

	status = cli_parse(argc, argv, &cfg, &d);
	if (status) {
		report_diag(&d, 0, NULL);
		fputs("envinit: see 'envinit --help'\n", stderr);
		goto out;
	}
	if (cfg.cmd == CMD_HELP) {
		fputs(cli_usage(), stdout);
		goto out;
	}
	if (cfg.cmd == CMD_VERSION) {
		printf("envinit %s\n", ENVINIT_VERSION);
		goto out;
	}
	cli_watch = cfg.watch != WATCH_NONE;
	config_from_environment(&cfg, environ);
	arena_for(&cfg);
	/* HOOK(seal): keygen and seal read no sources and no manifest */
	if (cfg.cmd == CMD_KEYGEN || cfg.cmd == CMD_SEAL) {
		status = keytool(&cfg, &d);
		goto out;
	}
	if (unsupported(&cfg, &d)) {
		report_diag(&d, 0, NULL);
		status = EXIT_USAGE;
		goto out;
	}
	if (cfg.config_file) {
		manifest = manifest_load(cfg.config_file, &d);
		if (!manifest || (!cfg.check_all &&
				  manifest_apply(manifest, cfg.service, &cfg, &d))) {
			if (json_wanted(&cfg))
				json_failure(&cfg, &d);
			else
				report_diag(&d, cfg.verbose,
					    cfg.cmd == CMD_LINT ? NULL : cfg.termination_log);
			status = EXIT_CONFIG;
			goto out;
		}
	}
	arena_for(&cfg); /* the manifest may have asked for init mode */
	if (cfg.cmd == CMD_LINT) {
		status = lint_cmd(argc, argv, &cfg, manifest, &d);
		goto out;
	}
	if (cfg.check_all) {
		struct report_json j;
		if (json_wanted(&cfg))
			report_json_begin(&j);
		status = check_all(argc, argv, manifest, cfg.verbose,
				   json_wanted(&cfg) ? &j : NULL, &d);
		if (json_wanted(&cfg))
			report_json_end(&j, stdout);
		else
			report_diag(&d, cfg.verbose, cfg.termination_log);
		goto out;
	}

	/* --watch restarts the service: only an init can (the manifest may
	 * have set either, so this is checked once it is applied) */
	if (cfg.cmd == CMD_RUN && cfg.watch != WATCH_NONE && !supervise_wanted(&cfg)) {
		diag_error(&d, "--watch", cli_watch ? NULL : cfg.config_file,
			   "needs init mode (--init, or envinit as PID 1): in exec "
			   "mode envinit is replaced by the service and cannot restart it");
		report_diag(&d, 0, cli_watch ? NULL : cfg.termination_log);
		status = cli_watch ? EXIT_USAGE : EXIT_CONFIG;
		goto out;
	}
	if (cfg.cmd == CMD_RUN && cfg.watch != WATCH_NONE && sodium_init() < 0) {
		diag_error(&d, "--watch", NULL, "cannot initialise libsodium");
		report_diag(&d, 0, NULL);
		status = EXIT_SOFTWARE;
		goto out;
	}

	/* --wait: sources a sidecar has not written yet */
	status = wait_sources(&cfg, probe, &cfg, &d);
	if (status)
		goto out;
	if (json_wanted(&cfg)) { /* check --format json */
		struct report_json j;
		build(&cfg, environ, &env, &envp, &d);
		report_json_begin(&j);
		report_json_service(&j, cfg.service, &d, &env, 0);
		report_json_end(&j, stdout);
		status = d.nerrors ? EXIT_CONFIG : EXIT_OK;
		goto out;
	}
	if (cfg.explain) { /* what never became a key, for --explain */
		cfg.consumed = &consumed;
		assemble_dropped(&cfg, environ, &dropped);
	}
	if (build_as(&cfg, environ, &env, &envp, &user, &d) || d.nerrors) {
		/* provenance first: it often is the answer to the problems */
		if (cfg.explain)
			report_explain_all(stderr, &cfg, &env, &dropped, &consumed,
					   policy_why);
		report_diag(&d, cfg.verbose, cfg.termination_log);
		status = EXIT_CONFIG;
		goto out;
	}
	if (cfg.cmd == CMD_PRINT)
		report_print_warnings(&env, cfg.format, &d);
	if (cfg.explain) /* before the warnings, as before the problems */
		report_explain_all(stderr, &cfg, &env, &dropped, &consumed,
				   policy_why);
	report_diag(&d, cfg.verbose, NULL);
	cfg.consumed = NULL;
	envset_free(&dropped);
	envset_free(&consumed);
	if ((status = held_signal()) != 0)
		goto out;

	switch (cfg.cmd) {
	case CMD_CHECK:
		if (cfg.verbose >= 0)
			summary(&env);
		break;
	case CMD_PRINT:
		report_print(stdout, &env, cfg.format, cfg.reveal);
		break;
	case CMD_GET:
		status = get_value(&cfg, &env, &d);
		break;
	default:
		if (cfg.watch != WATCH_NONE) {
			static const struct rebuild_phases phases = {
				.environment = config_from_environment,
				.build = build,
			};
			rb = rebuild_new(argc, argv, environ, &phases, &cfg, &env);
			if (!rb) {
				report_msg("out of memory");
				status = EXIT_SOFTWARE;
				break;
			}
		}
		/* The supervisor stays: wipe its copies (the child gets envp)
		 * and the manifest's ([keys] default= values). An execve
		 * discards them with the rest of our memory; should it fail,
		 * out: below wipes them. */
		if (supervise_wanted(&cfg)) {
			envset_free(&env);
			cfg.rules = NULL;
			manifest_free(manifest);
			manifest = NULL;
		}
		diag_free(&d);
		status = run(&cfg, &envp, cfg.user ? &user : NULL, rb, &d);
		break;
	}
out:
	rebuild_free(rb);
	user_free(&user);
	run_free_envp(envp);
	envset_free(&env);
	envset_free(&dropped);
	envset_free(&consumed);
	diag_free(&d);
	config_free(&cfg);
	manifest_free(manifest);
	return status;
}
