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
#include "rename.h"
#include "rules.h"

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

/* Whether KEY (of LEN bytes) ends with SUFFIX (upper case), ignoring case. */
static int ends_with(const char *key, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && word_at(key + len - n, suffix);
}

int policy_secret_name(const char *key)
{
	/* the words anywhere, case-insensitive, in one pass: this runs for
	 * every key */
	static const char *const p_words[] = {
		"PASSWORD", "PASSWD", "PASSPHRASE", "PRIVATE",
	};
	size_t i = 0;
	for (; key[i]; i++) {
		const char *w;
		switch (key[i] & ~0x20) {
		case 'P':
			for (size_t k = 0; k < sizeof p_words / sizeof *p_words; k++)
				if (word_at(key + i, p_words[k]))
					return 1;
			continue;
		case 'S': w = "SECRET"; break;
		case 'T': w = "TOKEN"; break;
		case 'C': w = "CREDENTIAL"; break;
		default: continue;
		}
		if (word_at(key + i, w))
			return 1;
	}
	return ends_with(key, i, "_KEY") || ends_with(key, i, "_PASS") ||
	       ends_with(key, i, "_PWD");
}

struct required_from {
	const struct config *c;
	const char *path;
	struct required *r;
};

/* One key of a require_from file: required; a key [keys] calls
 * `optional` cannot be both (the file would silently win): that is a
 * conflict, reported at the [keys] line. */
static void add_required(void *ctx, const char *key)
{
	struct required_from *f = ctx;
	envset_set(&f->r->keys, key, "", 0, ORIG_NONE, NULL);
	const char *opt = rules_optional_where(f->c->rules, key);
	if (opt) {
		diag_error(&f->r->diag, key, opt,
			   "optional in [keys] but required by require_from %s",
			   f->path);
		f->r->errs++;
	}
}

void policy_required_load(const struct config *c, struct required *r)
{
	envset_init(&r->keys);
	diag_init(&r->diag);
	r->errs = 0;
	for (size_t i = 0; i < c->require.n; i++)
		envset_set(&r->keys, c->require.v[i], "", 0, ORIG_NONE, NULL);
	/* Every key named in an .env.example (values ignored) is required. */
	for (size_t i = 0; i < c->require_from.n; i++) {
		struct required_from f = { c, c->require_from.v[i], r };
		r->errs += envfile_load_keys(f.path, &r->diag, add_required, &f);
	}
}

void policy_required_free(struct required *r)
{
	envset_free(&r->keys);
	diag_free(&r->diag);
}

/* KEY is required and not set: say so, and whether another spelling in
 * ENV would give it (a secret file db-password for DB_PASSWORD). */
static void not_set(const struct config *c, const struct envset *env,
		    const char *key, struct diag *d)
{
	const struct envvar *near = rename_near(env, key);
	int lower = strpbrk(key, "abcdefghijklmnopqrstuvwxyz") != NULL;
	if (!near)
		diag_error(d, key, NULL, "required but not set");
	else if (near->origin == ORIG_SECRETDIR && c->secrets_upcase != 1 && !lower)
		diag_error(d, key, NULL, "required but not set (secret file %s "
			   "would give it with --secrets-upcase)", near->source);
	else
		diag_error(d, key, NULL, "required but not set (%s from %s would "
			   "give it with --rename %s=%s)", near->key,
			   near->source ? near->source : "the inherited environment",
			   near->key, key);
}

static int check_required(const struct config *c, const struct envset *req,
			  struct envset *env, struct diag *d)
{
	int errs = 0;
	for (size_t i = 0; i < req->n; i++) { /* each key once */
		const char *key = req->v[i].key;
		struct envvar *v = envset_get_hashed(env, key, req->v[i].hash);
		int deny = strlist_match(&c->deny, key);
		if (deny >= 0) {
			diag_error(d, key, NULL,
				   "required but denied by --deny %s", c->deny.v[deny]);
			errs++;
		}
		if (!v) {
			not_set(c, env, key, d);
			errs++;
			continue;
		}
		v->flags |= EV_REQUIRED;
		if (v->len == 0) {
			diag_error(d, key, v->source, "required but empty");
			errs++;
		}
	}
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
				       glob_match(c->allow.v[g], env->v[i].key)))
			i++;
		if (i == env->n && !strlist_has(&c->require, c->allow.v[g]))
			diag_warn(d, NULL, NULL, "--allow '%s': matches no key",
				  c->allow.v[g]);
	}
}

int policy_apply(const struct config *c, struct envset *env,
		 const struct required *r, struct diag *d)
{
	diag_append(d, &r->diag);
	int errs = r->errs + check_required(c, &r->keys, env, d);

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

/* Whether the key named by N bytes at NAME is secret in ENV, by its name
 * or by how its value was set. */
static int secret_in(const struct envset *env, const char *name)
{
	const struct envvar *v = envset_get(env, name);
	return policy_secret_name(name) || (v && (v->flags & EV_SECRET));
}

int policy_taint(const struct config *c, struct envset *env, struct diag *d)
{
	int errs = 0;
	for (size_t i = 0; i < env->n; i++) {
		struct envvar *v = &env->v[i];
		if (!envset_live(v) || !v->from)
			continue;
		for (const char *f = v->from; *f;) {
			size_t k = strcspn(f, ",");
			char *name = xstrndup(f, k);
			int many = strcmp(name, "*") == 0;
			if (many || secret_in(env, name))
				v->flags |= EV_SECRET; /* unlisted: assume secret */
			if (many && !(v->flags & EV_STRIPPED) && c->deny.n) {
				diag_error(d, v->key, v->source,
					   "built from more keys than can be checked against --deny");
				errs++;
			} else if (!many && !(v->flags & EV_STRIPPED) &&
				   strlist_match(&c->deny, name) >= 0) {
				diag_error(d, v->key, v->source,
					   "built from denied key %s", name);
				errs++;
			}
			free(name);
			f += k + (f[k] == ',');
		}
	}
	return errs;
}
