/*
 * rename.c - --rename OLD=NEW; see rename.h.
 */
#include "rename.h"

#include <stdlib.h>
#include <string.h>

static const char *where(const struct envvar *v)
{
	return v->source ? v->source : "the inherited environment";
}

static int rename_one(const char *spec, struct envset *env, struct diag *d)
{
	const char *eq = strchr(spec, '='); /* cli.c checked the form */
	if (!eq)
		return 0;
	char *old = xstrndup(spec, (size_t)(eq - spec));
	const char *new = eq + 1;
	int errs = 0;
	struct envvar *v = envset_get(env, old);
	struct envvar *taken = v ? envset_get(env, new) : NULL;
	if (taken) {
		diag_error(d, new, taken->source,
			   "--rename %s=%s: %s (%s) cannot be renamed onto %s: it "
			   "is also set", old, new, old, where(v), new);
		errs++;
	} else if (v) {
		/* read first: adding NEW may move the table (the strings
		 * live in the set's pool and stay) */
		const char *src = v->source, *over = v->overrode;
		enum origin o = v->origin;
		unsigned flags = v->flags & (EV_SECRET | EV_REQUIRED);
		struct envvar *n = envset_set(env, new, v->val, v->len, o, src);
		n->flags |= flags;
		n->overrode = over;
		envset_del(env, old);
	}
	free(old);
	return errs;
}

int rename_apply(const struct config *c, struct envset *env, struct diag *d)
{
	int errs = 0;
	for (size_t i = 0; i < c->rename.n; i++)
		errs += rename_one(c->rename.v[i], env, d);
	return errs;
}

static int fold(char ch)
{
	if (ch == '-' || ch == '.')
		return '_';
	return ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch;
}

const struct envvar *rename_near(const struct envset *env, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < env->n; i++) {
		const struct envvar *v = &env->v[i];
		if (!envset_live(v) || strlen(v->key) != n ||
		    strcmp(v->key, key) == 0)
			continue;
		size_t k = 0;
		while (k < n && fold(v->key[k]) == fold(key[k]))
			k++;
		if (k == n)
			return v;
	}
	return NULL;
}
