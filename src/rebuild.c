/*
 * rebuild.c - --watch's re-assembly; see rebuild.h.
 */
#include "rebuild.h"

#include "cli.h"
#include "manifest.h"
#include "run.h"
#include "watch.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct rebuild {
	int argc;
	char **argv;
	char **env;       /* pointers into block, NULL-terminated */
	char *block;      /* the strings, sodium_malloc'd */
	char *own_path;   /* envinit's own PATH, for the command search */
	const struct user_ids *user; /* resolved once, at start */
	struct rebuild_phases phases;
	struct watch_plan plan;      /* what the first assembly read */
};

struct rebuild *rebuild_new(int argc, char **argv, char *const *env,
			    const struct rebuild_phases *phases,
			    const struct config *c, const struct envset *set)
{
	size_t n = 0, size = 1;
	for (char *const *p = env; p && *p; p++, n++)
		size += strlen(*p) + 1;
	struct rebuild *r = xcalloc(1, sizeof *r);
	r->block = sodium_malloc(size);
	if (!r->block) {
		free(r);
		return NULL;
	}
	r->argc = argc;
	r->argv = argv;
	r->phases = *phases;
	r->env = xcalloc(n + 1, sizeof *r->env);
	char *w = r->block;
	const char *path = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(env[i]) + 1;
		memcpy(w, env[i], len);
		r->env[i] = w;
		w += len;
		if (!path && strncmp(env[i], "PATH=", 5) == 0)
			path = env[i] + 5;
	}
	r->own_path = path ? xstrdup(path) : NULL;
	sodium_mprotect_noaccess(r->block);
	watch_plan_init(&r->plan);
	watch_plan_from(&r->plan, c, set);
	return r;
}

void rebuild_free(struct rebuild *r)
{
	if (!r)
		return;
	sodium_free(r->block); /* wipes it */
	free(r->env);
	free(r->own_path);
	watch_plan_free(&r->plan);
	free(r);
}

/* A start's phases once more. */
static int reassemble(struct rebuild *r, char ***envp, struct watch_plan *plan,
		      struct diag *d)
{
	struct config c;
	struct envset env;
	struct manifest *m = NULL;
	int errs = 0;

	*envp = NULL;
	config_init(&c);
	envset_init(&env);
	sodium_mprotect_readonly(r->block);
	cli_parse(r->argc, r->argv, &c, d); /* it parsed before: no error */
	r->phases.environment(&c, r->env);
	if (c.config_file) {
		m = manifest_load(c.config_file, d);
		if (!m || manifest_apply(m, c.service, &c, d)) {
			errs = 1;
			goto out;
		}
	}
	errs = r->phases.build(&c, r->env, &env, envp, d);
	if (!errs && r->user && user_set_home(envp, r->user))
		errs = run_check_limits(c.argv, *envp, d);
	watch_plan_from(plan, &c, &env);
out:
	sodium_mprotect_noaccess(r->block);
	if (errs || d->nerrors) {
		run_free_envp(*envp);
		*envp = NULL;
		errs += !errs;
	}
	envset_free(&env);
	config_free(&c);
	manifest_free(m);
	return errs;
}

/*
 * struct supervise_watch's rebuild. It runs past the supervisor's point of
 * no return: an allocation failure lands here first, to make the block
 * inaccessible again, then goes on to the supervisor's recovery point
 * (which drops the round, and with it whatever the round had built).
 */
static int rebuild(void *ctx, char ***envp, struct watch_plan *plan,
		   struct diag *d)
{
	struct rebuild *r = ctx;
	jmp_buf oom;
	jmp_buf *outer = xalloc_catch(&oom);
	if (setjmp(oom) != 0) {
		sodium_mprotect_noaccess(r->block);
		xalloc_catch(outer);
		xalloc_oom();
	}
	int errs = reassemble(r, envp, plan, d);
	xalloc_catch(outer);
	return errs;
}

struct supervise_watch rebuild_watch(struct rebuild *r,
				     const struct user_ids *user)
{
	r->user = user;
	struct supervise_watch sw = {
		.rebuild = rebuild, .ctx = r, .plan = &r->plan,
		.own_path = r->own_path,
	};
	return sw;
}
