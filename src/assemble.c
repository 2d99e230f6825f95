/*
 * assemble.c - layer the sources; see assemble.h.
 */
#include "assemble.h"

#include "envfile.h"
#include "fileio.h"
#include "policy.h"
#include "secretdir.h"

#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

static int is_envinit_var(const char *key)
{
	return strncmp(key, "ENVINIT_", 8) == 0;
}

void assemble_inherited(const struct config *c, char *const *envp,
			struct envset *out)
{
	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		if (!eq || eq == *envp)
			continue;
		char *key = xstrndup(*envp, (size_t)(eq - *envp));
		int skip = is_envinit_var(key) || envset_get(out, key) ||
			   (c->clear_env == 1 && strlist_match(&c->keep, key) < 0);
		if (!skip)
			envset_set(out, key, eq + 1, strlen(eq + 1),
				   ORIG_INHERITED, "environment");
		free(key);
	}
}

/* Copy every live variable of SRC over DST, keeping provenance. */
static void overlay(struct envset *dst, const struct envset *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct envvar *s = &src->v[i];
		if (!envset_live(s))
			continue;
		struct envvar *v = envset_set(dst, s->key, s->val, s->len,
					      s->origin, s->source);
		v->flags |= s->flags & EV_SECRET;
		/* keep what it overrode inside its own layer (file over file) */
		if (!v->overrode && s->overrode)
			v->overrode = xstrdup(s->overrode);
	}
}

/* st_dev/st_ino of every private key file, so no secrets dir exports one. */
static struct stat *private_key_stats(const struct config *c, size_t *n)
{
	struct stat *st = xcalloc(c->private_keys.n, sizeof *st);
	*n = 0;
	for (size_t i = 0; i < c->private_keys.n; i++)
		if (stat(c->private_keys.v[i], &st[*n]) == 0)
			(*n)++;
	return st;
}

static int load_sources(const struct config *c, const struct envset *inherited,
			struct envset *files, struct envset *secrets,
			struct diag *d)
{
	int errs = 0;
	for (size_t i = 0; i < c->env_files.n; i++) {
		size_t before = envset_count(files);
		errs += envfile_load(c->env_files.v[i].path,
				     c->env_files.v[i].optional, inherited,
				     files, d);
		diag_info(d, c->env_files.v[i].path, NULL,
			  "env file read: %zu keys in all so far (+%zu new)",
			  envset_count(files), envset_count(files) - before);
	}

	struct secretdir_opts so = {
		.upcase = c->secrets_upcase == 1,
		.max_value_size = config_max_value_size(c),
	};
	struct stat *ex = private_key_stats(c, &so.nexclude);
	so.exclude = ex;
	for (size_t i = 0; i < c->secret_dirs.n; i++) {
		size_t before = envset_count(secrets);
		errs += secretdir_load(c->secret_dirs.v[i].path,
				       c->secret_dirs.v[i].optional, &so,
				       secrets, d);
		diag_info(d, c->secret_dirs.v[i].path, NULL,
			  "secrets dir read: %zu keys",
			  envset_count(secrets) - before);
	}
	free(ex);
	return errs;
}

int assemble(const struct config *c, char *const *envp, struct envset *out,
	     struct diag *d)
{
	struct envset inherited, files, secrets;
	envset_init(&inherited);
	envset_init(&files);
	envset_init(&secrets);

	assemble_inherited(c, envp, &inherited);
	int errs = load_sources(c, &inherited, &files, &secrets, d);

	if (c->override == 1) {
		overlay(out, &inherited);
		overlay(out, &files);
		overlay(out, &secrets);
	} else {
		overlay(out, &files);
		overlay(out, &secrets);
		overlay(out, &inherited);
	}
	envset_free(&inherited);
	envset_free(&files);
	envset_free(&secrets);

	errs += assemble_file_refs(c, out, d);
	return errs;
}

/* Read the file KEY<suffix> names into KEY. */
static int resolve_ref(const struct config *c, struct envset *env,
		       const char *key, const char *refkey, struct diag *d)
{
	struct envvar *ref = envset_get(env, refkey);
	struct envvar *direct = envset_get(env, key);
	if (direct) {
		char *src = xasprintf("%s; %s from %s",
				      direct->source ? direct->source : "?",
				      refkey, ref->source ? ref->source : "?");
		diag_error(d, key, src, "%s and %s are exclusive: set only one",
			   key, refkey);
		free(src);
		return 1;
	}
	if (ref->len == 0) {
		diag_error(d, refkey, ref->source, "is empty: expected a file path");
		return 1;
	}
	char *buf;
	size_t len;
	enum fileio_err e = fileio_read(AT_FDCWD, ref->val,
					config_max_value_size(c), 0, &buf, &len);
	if (e) {
		/* A path is not a value, but a secret-looking pointer may hold
		 * a value by mistake: then name only the key. */
		char *src = policy_secret_name(refkey)
				    ? xasprintf("%s from %s", refkey, ref->source)
				    : xasprintf("%s=%s", refkey, ref->val);
		if (e == FIO_TOOBIG)
			diag_error(d, key, src, "file larger than %zu bytes (--max-value-size)",
				   config_max_value_size(c));
		else
			diag_error(d, key, src, "cannot read file: %s",
				   fileio_strerror(e));
		free(src);
		return 1;
	}
	size_t vlen = fileio_chomp(buf, len);
	if (memchr(buf, '\0', vlen)) {
		diag_error(d, key, refkey, "value contains a NUL byte");
		wipe_free(buf, len + 1);
		return 1;
	}
	buf[vlen] = '\0';
	char *path = xstrdup(ref->val);
	struct envvar *v = envset_set(env, key, buf, vlen, ORIG_FILEREF, path);
	v->flags |= EV_SECRET;
	free(path);
	wipe_free(buf, len + 1);
	return 0;
}

int assemble_file_refs(const struct config *c, struct envset *env,
		       struct diag *d)
{
	const char *suffix = config_file_suffix(c);
	size_t slen = strlen(suffix);
	if (slen == 0)
		return 0;

	/* Collect first: resolving adds keys to the set we iterate. */
	size_t n = env->n, nrefs = 0;
	char **refs = xcalloc(n, sizeof *refs);
	for (size_t i = 0; i < n; i++) {
		const struct envvar *v = &env->v[i];
		size_t klen = strlen(v->key);
		if (envset_live(v) && klen > slen &&
		    strcmp(v->key + klen - slen, suffix) == 0)
			refs[nrefs++] = xstrdup(v->key);
	}

	int errs = 0;
	for (size_t i = 0; i < nrefs; i++) {
		char *key = xstrndup(refs[i], strlen(refs[i]) - slen);
		errs += resolve_ref(c, env, key, refs[i], d);
		const struct envvar *r = envset_get(env, refs[i]);
		if (c->consumed && r) /* for --explain: the name, where, and
					 * as its value the name of KEY */
			envset_set(c->consumed, r->key, key, strlen(key),
				   r->origin, r->source);
		/* the pointer itself never reaches the service */
		envset_del(env, refs[i]);
		free(key);
		free(refs[i]);
	}
	free(refs);
	return errs;
}

void assemble_dropped(const struct config *c, char *const *envp,
		      struct envset *out)
{
	if (c->clear_env != 1)
		return;
	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		if (!eq || eq == *envp)
			continue;
		char *key = xstrndup(*envp, (size_t)(eq - *envp));
		if (!is_envinit_var(key) && strlist_match(&c->keep, key) < 0)
			envset_set(out, key, "", 0, ORIG_INHERITED, NULL);
		free(key);
	}
}
