/*
 * policy.c - require, allow, deny, keep; see policy.h.
 *
 * Stripping happens only when the user asked for it: an --allow list, or a
 * manifest service (config.strip). Then a key reaches the service when it
 * is required, matches --allow or matches --keep, and does not match
 * --deny. ENVINIT_* keys steer envinit and never reach the service.
 */
#include "policy.h"

#include "envfile.h"
#include "rules.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* Whether KEY at I starts with WORD (upper case), ignoring ASCII case. */
static int word_at(const char *key, const char *word)
{
	for (; *word; key++, word++)
		if ((*key & ~0x20) != *word)
			return 0;
	return 1;
}

int policy_secret_name(const char *key)
{
	/* *PASSWORD* *SECRET* *TOKEN* *CREDENTIAL* *_KEY, case-insensitive,
	 * in one pass: this runs for every key */
	size_t i = 0;
	for (; key[i]; i++) {
		const char *w;
		switch (key[i] & ~0x20) {
		case 'P': w = "PASSWORD"; break;
		case 'S': w = "SECRET"; break;
		case 'T': w = "TOKEN"; break;
		case 'C': w = "CREDENTIAL"; break;
		default: continue;
		}
		if (word_at(key + i, w))
			return 1;
	}
	return i >= 4 && key[i - 4] == '_' && word_at(key + i - 3, "KEY");
}

struct required_from {
	const struct config *c;
	const char *path;
	struct strlist *req;
	struct diag *d;
	int errs;
};

/* One key of a require_from file: required; a key [keys] calls
 * `optional` cannot be both (the file would silently win): that is a
 * conflict, reported at the [keys] line. */
static void add_required(void *ctx, const char *key)
{
	struct required_from *r = ctx;
	strlist_add(r->req, key);
	const char *opt = rules_optional_where(r->c->rules, key);
	if (opt) {
		diag_error(r->d, key, opt,
			   "optional in [keys] but required by require_from %s",
			   r->path);
		r->errs++;
	}
}

/* Every key named in an .env.example (values ignored) becomes required. */
static int require_from(const struct config *c, const char *path,
			struct strlist *req, struct diag *d)
{
	struct required_from r = { c, path, req, d, 0 };
	int errs = envfile_load_keys(path, d, add_required, &r);
	return errs + r.errs;
}

static int check_required(const struct config *c, const struct strlist *req,
			  struct envset *env, struct diag *d)
{
	int errs = 0;
	struct envset seen; /* a key named twice is reported once */
	envset_init(&seen);
	for (size_t i = 0; i < req->n; i++) {
		const char *key = req->v[i];
		if (envset_get(&seen, key))
			continue;
		envset_set(&seen, key, "", 0, ORIG_NONE, NULL);
		struct envvar *v = envset_get(env, key);
		int deny = strlist_match(&c->deny, key);
		if (deny >= 0) {
			diag_error(d, key, NULL,
				   "required but denied by --deny %s", c->deny.v[deny]);
			errs++;
		}
		if (!v) {
			diag_error(d, key, NULL, "required but not set");
			errs++;
			continue;
		}
		v->flags |= EV_REQUIRED;
		if (v->len == 0) {
			diag_error(d, key, v->source, "required but empty");
			errs++;
		}
	}
	envset_free(&seen);
	return errs;
}

/* The decisions, as --explain words them; policy_why adds the glob. */
static const char why_envinit[] = "stripped: ENVINIT_* variables steer envinit, never the service";
static const char why_deny[] = "stripped: matches --deny";
static const char why_required[] = "kept: required";
static const char why_nostrip[] = "kept: nothing is stripped without --allow or a service";
static const char why_allow[] = "kept: matches --allow";
static const char why_keep[] = "kept: matches --keep";
static const char why_none[] = "stripped: not required, and matches no --allow or --keep glob";

static void decide(const struct config *c, struct envvar *v, int strip)
{
	if (strncmp(v->key, "ENVINIT_", 8) == 0) {
		v->flags |= EV_STRIPPED;
		v->why = why_envinit;
	} else if (strlist_match(&c->deny, v->key) >= 0) {
		v->flags |= EV_STRIPPED;
		v->why = why_deny;
	} else if (v->flags & EV_REQUIRED) {
		v->why = why_required;
	} else if (!strip) {
		v->why = why_nostrip;
	} else if (strlist_match(&c->allow, v->key) >= 0) {
		v->why = why_allow;
	} else if (strlist_match(&c->keep, v->key) >= 0) {
		v->why = why_keep;
	} else {
		v->flags |= EV_STRIPPED;
		v->why = why_none;
	}
	if (policy_secret_name(v->key))
		v->flags |= EV_SECRET;
}

char *policy_why(const struct config *c, const struct envvar *v)
{
	const struct strlist *l = v->why == why_deny ? &c->deny
				  : v->why == why_allow ? &c->allow
				  : v->why == why_keep ? &c->keep : NULL;
	int i = l ? strlist_match(l, v->key) : -1;
	if (i >= 0)
		return xasprintf("%s '%s'", v->why, l->v[i]);
	return xstrdup(v->why ? v->why : "kept");
}

/* A glob of --allow that no assembled key matches is most likely a typo
 * (POSTGRE_*): say so, as a warning. */
static void warn_unmatched_allow(const struct config *c,
				 const struct envset *env, struct diag *d)
{
	for (size_t g = 0; g < c->allow.n; g++) {
		size_t i = 0;
		while (i < env->n && !(envset_live(&env->v[i]) &&
				       fnmatch(c->allow.v[g], env->v[i].key, 0) == 0))
			i++;
		if (i == env->n && !strlist_has(&c->require, c->allow.v[g]))
			diag_warn(d, NULL, NULL, "--allow '%s': matches no key",
				  c->allow.v[g]);
	}
}

int policy_apply(const struct config *c, struct envset *env, struct diag *d)
{
	struct strlist req = { 0 };
	int errs = 0;
	for (size_t i = 0; i < c->require.n; i++)
		strlist_add(&req, c->require.v[i]);
	for (size_t i = 0; i < c->require_from.n; i++)
		errs += require_from(c, c->require_from.v[i], &req, d);

	errs += check_required(c, &req, env, d);
	strlist_free(&req);

	int strip = c->strip || c->allow.n > 0;
	size_t nstripped = 0, nkept = 0;
	for (size_t i = 0; i < env->n; i++) {
		if (!envset_live(&env->v[i]))
			continue;
		decide(c, &env->v[i], strip);
		if (env->v[i].flags & EV_STRIPPED)
			nstripped++;
		else
			nkept++;
	}
	warn_unmatched_allow(c, env, d);
	diag_info(d, NULL, NULL, "%zu key%s kept, %zu stripped (--explain says why)",
		  nkept, nkept == 1 ? "" : "s", nstripped);
	return errs;
}
