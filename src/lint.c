/*
 * lint.c - `envinit lint`; see lint.h.
 *
 * One pass over each env file of the service (envfile_parse_each calls
 * on_entry for every entry), then one pass over the required keys. Values
 * are read only to check their form; a message names the key and where it
 * is set, never the value.
 */
#include "lint.h"

#include "envfile.h"
#include "envset.h"
#include "fileio.h"
#include "rules.h"
#include "seal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

struct lint {
	const struct config *c;
	const struct config *all;
	size_t nall;
	struct diag *d;
	/* every key the env files set: "" when the last entry is empty, "x"
	 * when it has (or may have, at run time) a value */
	struct envset set;
};

size_t lint_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	size_t *row = xcalloc(lb + 1, sizeof *row);
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], best;
		row[0] = best = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > max) { /* every path is already too long */
			free(row);
			return max + 1;
		}
	}
	size_t dist = row[lb];
	free(row);
	return dist > max ? max + 1 : dist;
}

/* Whether configuration C lets KEY reach its service. */
static int used_by(const struct config *c, const char *key)
{
	if (!c->strip && !c->allow.n)
		return 1; /* nothing is stripped */
	return strlist_has(&c->require, key) ||
	       strlist_match(&c->allow, key) >= 0 ||
	       strlist_match(&c->keep, key) >= 0 || rules_has(c->rules, key);
}

/* Whether any service uses KEY, or KEY is KEYSUFFIX=PATH for one it uses. */
static int used(const struct lint *l, const char *key)
{
	const char *sfx = config_file_suffix(l->c);
	size_t kl = strlen(key), sl = sfx ? strlen(sfx) : 0;
	char *base = sl && kl > sl && strcmp(key + kl - sl, sfx) == 0
			     ? xstrndup(key, kl - sl) : NULL;
	int u = 0;
	for (size_t i = 0; i < l->nall && !u; i++)
		u = used_by(&l->all[i], key) || (base && used_by(&l->all[i], base));
	if (!u)
		u = used_by(l->c, key) || (base && used_by(l->c, base));
	free(base);
	return u;
}

static void consider(const char *cand, const char *key, const char **best,
		     size_t *bestd)
{
	if (strcmp(cand, key) == 0 || strpbrk(cand, "*?["))
		return;
	size_t dist = lint_distance(cand, key, 2);
	if (dist <= 2 && dist < *bestd) {
		*best = cand;
		*bestd = dist;
	}
}

/* The required or declared name nearest to KEY (two edits at most). */
static const char *near_miss(const struct lint *l, const char *key)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (size_t i = 0; i <= l->nall; i++) {
		const struct config *c = i < l->nall ? &l->all[i] : l->c;
		for (size_t k = 0; k < c->require.n; k++)
			consider(c->require.v[k], key, &best, &bestd);
	}
	const char *name;
	for (size_t k = 0; (name = rules_key(l->c->rules, k)); k++)
		consider(name, key, &best, &bestd);
	return best;
}

static void unused(struct lint *l, const char *key, const char *where)
{
	if (used(l, key))
		return;
	const char *near = near_miss(l, key);
	if (near)
		diag_warn(l->d, key, where,
			  "unused: no service requires, allows, keeps or declares it; did you mean %s?",
			  near);
	else
		diag_warn(l->d, key, where,
			  "unused: no service requires, allows, keeps or declares it");
}

/* The value of one entry: form of a sealed value, `sealed`, the rules. */
static void check_entry(struct lint *l, const struct envvar *v,
			const char *where)
{
	const struct rules *r = l->c->rules;
	if (seal_is_sealed(v->val, v->len)) {
		const char *why = seal_form_error(v->val, v->len);
		if (why)
			diag_error(l->d, v->key, where, "%s", why);
		else if (rules_checks_value(r, v->key))
			diag_info(l->d, v->key, where,
				  "rules not checked: the value is sealed");
		return;
	}
	rules_plaintext(r, v->key, v->val, v->len, where, l->d);
	rules_check_value(r, v, l->d);
}

static void on_entry(void *ctx, const char *key, const char *where,
		     const struct envvar *v, unsigned flags)
{
	struct lint *l = ctx;
	if (v && v->overrode)
		diag_warn(l->d, key, where, "set again in this file, earlier at %s",
			  v->overrode);
	unused(l, key, where);
	if (!v || (flags & (ENVFILE_INTERPOLATED | ENVFILE_BARE))) {
		if (rules_has(l->c->rules, key))
			diag_info(l->d, key, where, "not checked: %s",
				  flags & ENVFILE_BARE
					  ? "a bare KEY copies the inherited environment"
					  : "the value looks a variable up");
		envset_set(&l->set, key, "x", 1, ORIG_ENVFILE, where);
		return;
	}
	envset_set(&l->set, key, v->len ? "x" : "", v->len ? 1 : 0,
		   ORIG_ENVFILE, where);
	check_entry(l, v, where);
}

static void lint_file(struct lint *l, const struct source *src)
{
	char *buf;
	size_t len;
	enum fileio_err e = fileio_read(AT_FDCWD, src->path,
					ENVINIT_MAX_ENVFILE_SIZE, 0, &buf, &len);
	if (e == FIO_NOENT && src->optional) {
		diag_info(l->d, src->path, NULL,
			  "not checked: optional env file not present");
		return;
	}
	if (e) {
		diag_error(l->d, src->path, NULL, "cannot read env file: %s",
			   fileio_strerror(e));
		return;
	}
	struct envset out;
	envset_init(&out);
	envfile_parse_each(src->path, buf, len, &out, l->d, on_entry, l);
	envset_free(&out);
	wipe_free(buf, len + 1);
}

/* Why the source that could provide KEY is not read by lint, or NULL. */
static const char *unseen_source(const struct config *c, const char *key)
{
	if (c->secret_dirs.n)
		return "a secrets dir may provide it";
	if (c->clear_env != 1)
		return "the inherited environment may provide it (no clear_env)";
	if (strlist_match(&c->keep, key) >= 0)
		return "kept from the inherited environment";
	return NULL;
}

static void lint_required(struct lint *l, const struct strlist *req)
{
	const char *sfx = config_file_suffix(l->c);
	struct envset seen;
	envset_init(&seen);
	for (size_t i = 0; i < req->n; i++) {
		const char *key = req->v[i];
		if (envset_get(&seen, key))
			continue;
		envset_set(&seen, key, "", 0, ORIG_NONE, NULL);
		const struct envvar *v = envset_get(&l->set, key);
		if (v && v->len)
			continue;
		char *ref = sfx && *sfx ? xasprintf("%s%s", key, sfx) : NULL;
		const struct envvar *f = ref ? envset_get(&l->set, ref) : NULL;
		free(ref);
		if (f && f->len)
			continue; /* KEY_FILE points to a file read at start */
		const char *why = unseen_source(l->c, key);
		if (why)
			diag_info(l->d, key, NULL, "required, not checked: %s", why);
		else if (v)
			diag_error(l->d, key, v->source,
				   "required but empty, and no other source can provide it");
		else
			diag_error(l->d, key, NULL,
				   "required but no declared source can provide it "
				   "(no env file sets it, no secrets dir, not kept from the environment)");
	}
	envset_free(&seen);
}

/* Whether C's policy lets KEY through (policy.c's rule, for names only). */
static int kept_by(const struct config *c, const char *key)
{
	if (strlist_match(&c->deny, key) >= 0)
		return 0;
	if (!c->strip && !c->allow.n)
		return 1;
	return strlist_has(&c->require, key) ||
	       strlist_match(&c->allow, key) >= 0 ||
	       strlist_match(&c->keep, key) >= 0;
}

static void add_required(void *req, const char *key)
{
	strlist_add(req, key);
}

int lint_service(const struct config *c, const struct config *all,
		 size_t nall, struct diag *d, struct envset *keys)
{
	struct lint l = { .c = c, .all = all, .nall = nall, .d = d };
	size_t before = d->nerrors;
	envset_init(&l.set);
	for (size_t i = 0; i < c->env_files.n; i++)
		lint_file(&l, &c->env_files.v[i]);

	struct strlist req = { 0 };
	for (size_t i = 0; i < c->require.n; i++)
		strlist_add(&req, c->require.v[i]);
	for (size_t i = 0; i < c->require_from.n; i++)
		envfile_load_keys(c->require_from.v[i], d, add_required, &req);
	lint_required(&l, &req);
	strlist_free(&req);
	for (size_t i = 0; keys && i < l.set.n; i++) {
		const struct envvar *v = &l.set.v[i];
		if (envset_live(v))
			envset_set(keys, v->key, "", 0, ORIG_ENVFILE, v->source)->flags |=
				kept_by(c, v->key) ? 0 : EV_STRIPPED;
	}
	envset_free(&l.set);
	return (int)(d->nerrors - before);
}
