/*
 * main.c - envinit's table of contents.
 *
 *   parse the command line -> load the manifest -> assemble the sources
 *   -> apply the policy and rules -> report -> check / print / run
 *
 * Every phase returns a status and appends problems to one diagnostics
 * list; only report.c prints and only main() exits.
 */
#include "assemble.h"
#include "cli.h"
#include "config.h"
#include "diag.h"
#include "envinit.h"
#include "envset.h"
#include "manifest.h"
#include "policy.h"
#include "report.h"
#include "run.h"
#include "seal.h"
#include "supervise.h"
#include "user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* ENVINIT_* variables steer envinit when the command line is silent. */
static void config_from_environment(struct config *c)
{
	const char *s;
	if (!c->config_file && (s = getenv("ENVINIT_CONFIG")) && *s)
		c->config_file = xstrdup(s);
	if (!c->service && (s = getenv("ENVINIT_SERVICE")) && *s)
		c->service = xstrdup(s);
	if (!c->private_keys.n && (s = getenv("ENVINIT_PRIVATE_KEY_FILE")) && *s)
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
	if (c->check_all && (c->cmd != CMD_CHECK || !c->config_file)) {
		diag_error(d, "--all", NULL, c->cmd != CMD_CHECK
			   ? "is for 'envinit check' only"
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

/* Assemble, apply the policy; for run, also build envp and check limits. */
static int build(const struct config *c, struct envset *env, char ***envp,
		 struct diag *d)
{
	int errs = assemble(c, environ, env, d);
	rules_defaults(c->rules, env); /* [keys] default= before the policy */
	errs += policy_apply(c, env, d);
	/* sealed values: the winning value of each key the service receives */
	errs += seal_open_all(&c->private_keys, env, d);
	errs += rules_check(c->rules, env, d);
	if (c->user) { /* an unknown user fails check, not only run */
		struct user_ids u;
		if (user_resolve(c->user, "", &u, d) < 0)
			errs++;
		else
			user_free(&u);
	}
	if (c->cmd == CMD_RUN) {
		*envp = run_build_envp(env);
		errs += run_check_limits(c->argv, *envp, d);
	}
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
	printf("envinit: check passed: %zu keys kept, %zu stripped\n", kept,
	       stripped);
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
		     int verbose, struct diag *d)
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
		config_from_environment(&sc);
		if (manifest_apply(m, name, &sc, &sd) == 0)
			build(&sc, &env, &envp, &sd);
		size_t kept = 0;
		for (size_t k = 0; k < env.n; k++)
			if (envset_live(&env.v[k]) && !(env.v[k].flags & EV_STRIPPED))
				kept++;
		const char *label = name ? name : "no service";
		if (sd.nerrors)
			failed++;
		if (verbose >= 0 || sd.nerrors)
			printf(sd.nerrors ? "envinit: check --all: %s%s: FAILED (%zu problems)\n"
					  : "envinit: check --all: %s%s: ok (%zu keys)\n",
			       name ? "service " : "", label,
			       sd.nerrors ? sd.nerrors : kept);
		add_prefixed(d, &sd, label);
		run_free_envp(envp);
		envset_free(&env);
		diag_free(&sd);
		config_free(&sc);
	}
	fflush(stdout);
	return failed ? EXIT_CONFIG : EXIT_OK;
}

/*
 * --user is resolved here, after every source was read with our own
 * privileges (secrets may be root-only files), and applied just before
 * exec: by us in exec mode, by the child in init mode (the supervisor
 * stays root so it can signal whatever the service becomes).
 */
static int run(const struct config *c, char ***envp, struct diag *d)
{
	struct user_ids user, *u = NULL;
	int status;

	if (c->user) {
		if (user_resolve(c->user, "", &user, d) < 0) {
			report_diag(d, c->verbose, c->termination_log);
			return EXIT_CONFIG;
		}
		u = &user;
		if (user_set_home(envp, u) && run_check_limits(c->argv, *envp, d)) {
			report_diag(d, c->verbose, c->termination_log);
			user_free(u);
			return EXIT_CONFIG;
		}
	}
	const char *path = run_search_path(*envp, getenv("PATH"));
	fflush(NULL);
	if (supervise_wanted(c)) {
		status = supervise_run(c, c->argv, envp, path, u, d);
	} else if (u && user_drop(u, c->user, d) < 0) {
		report_diag(d, c->verbose, c->termination_log);
		user_free(u);
		return EXIT_CONFIG;
	} else {
		status = run_exec(c->argv, *envp, path, d);
	}
	report_diag(d, c->verbose, c->termination_log);
	if (u)
		user_free(u);
	return status;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct diag d;
	struct envset env;
	struct manifest *manifest = NULL;
	char **envp = NULL;
	int status;

	config_init(&cfg);
	diag_init(&d);
	envset_init(&env);

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
	config_from_environment(&cfg);
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
			report_diag(&d, cfg.verbose, cfg.termination_log);
			status = EXIT_CONFIG;
			goto out;
		}
	}
	if (cfg.check_all) {
		status = check_all(argc, argv, manifest, cfg.verbose, &d);
		report_diag(&d, cfg.verbose, cfg.termination_log);
		goto out;
	}

	if (build(&cfg, &env, &envp, &d) || d.nerrors) {
		report_diag(&d, cfg.verbose, cfg.termination_log);
		status = EXIT_CONFIG;
		goto out;
	}
	report_diag(&d, cfg.verbose, NULL);
	if (cfg.explain)
		report_explain(stderr, &env);

	switch (cfg.cmd) {
	case CMD_CHECK:
		if (cfg.verbose >= 0)
			summary(&env);
		break;
	case CMD_PRINT:
		report_print(stdout, &env, cfg.format, cfg.reveal);
		break;
	default:
		envset_free(&env); /* the child gets envp; wipe our copies */
		diag_free(&d);
		status = run(&cfg, &envp, &d);
		break;
	}
out:
	run_free_envp(envp);
	envset_free(&env);
	diag_free(&d);
	config_free(&cfg);
	manifest_free(manifest);
	return status;
}
