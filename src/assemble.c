/*
 * assemble.c - layer the sources; see assemble.h.
 */
#include "assemble.h"

#include "envfile.h"
#include "fileio.h"
#include "policy.h"
#include "rules.h"
#include "seal.h"
#include "secretdir.h"

#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_envinit_var(const char *key)
{
	return strncmp(key, "ENVINIT_", 8) == 0;
}

void assemble_inherited(const struct config *c, char *const *envp,
			struct envset *out, struct diag *d)
{
	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		if (!eq || eq == *envp)
			continue;
		size_t klen = (size_t)(eq - *envp);
		if (!diag_printable(*envp, klen)) {
			/* diag_add escapes the name */
			char *key = xstrndup(*envp, klen);
			if (d)
				diag_warn(d, key, "environment",
					  "inherited name holds a control character or a non-UTF-8 byte: dropped");
			free(key);
			continue;
		}
		char *key = xstrndup(*envp, klen);
		int skip = is_envinit_var(key) || envset_get(out, key) ||
			   (c->clear_env == 1 && strlist_match(&c->keep, key) < 0);
		if (!skip)
			envset_set(out, key, eq + 1, strlen(eq + 1),
				   ORIG_INHERITED, "environment");
		free(key);
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

/* Whether BUF (LEN bytes) starts like a private key file (seal.h). */
static int looks_like_private_key(const char *buf, size_t len)
{
	size_t n = strlen(SEAL_PRIVATE_PREFIX);
	return len >= n && memcmp(buf, SEAL_PRIVATE_PREFIX, n) == 0;
}

static int same_file(const struct stat *keys, size_t nkeys,
		     const struct stat *st)
{
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].st_dev == st->st_dev && keys[i].st_ino == st->st_ino)
			return 1;
	return 0;
}

/* Load the env file SRC into FILES. A private key file (one of KEYS by
 * st_dev/st_ino, or a file that starts like one: a copy) is never loaded:
 * its line would reach the service as a variable. The file is read once
 * and judged on what was read, so it cannot change in between. Returns
 * the number of errors added; 0 for an optional file that is missing. */
static int load_env_file(const struct source *src,
			 const struct envset *inherited, struct envset *files,
			 const struct stat *keys, size_t nkeys, struct diag *d)
{
	char *buf;
	size_t len;
	struct stat st;
	int r = envfile_read(src->path, src->optional, &buf, &len, &st, d);
	if (r)
		return r > 0;
	int errs;
	if (same_file(keys, nkeys, &st) || looks_like_private_key(buf, len)) {
		diag_error(d, src->path, NULL,
			   "is a private key file, not an env file: the key never reaches the service");
		errs = -1;
	} else {
		errs = envfile_parse(src->path, buf, len, inherited, files, d);
	}
	wipe_free(buf, len + 1);
	return errs;
}

static int load_env_files(const struct config *c,
			  const struct envset *inherited, struct envset *files,
			  const struct stat *keys, size_t nkeys, struct diag *d)
{
	int errs = 0;
	for (size_t i = 0; i < c->env_files.n; i++) {
		size_t before = envset_count(files);
		int e = load_env_file(&c->env_files.v[i], inherited, files,
				      keys, nkeys, d);
		if (e < 0) { /* a private key file: nothing read from it */
			errs++;
			continue;
		}
		errs += e;
		diag_info(d, c->env_files.v[i].path, NULL,
			  "env file read: %zu keys in all so far (+%zu new)",
			  envset_count(files), envset_count(files) - before);
	}
	return errs;
}

static int load_sources(const struct config *c, const struct envset *inherited,
			struct envset *files, struct envset *secrets,
			const struct stat *keys, size_t nkeys, struct diag *d)
{
	int errs = load_env_files(c, inherited, files, keys, nkeys, d);

	struct secretdir_opts so = {
		.upcase = c->secrets_upcase == 1,
		.max_value_size = config_max_value_size(c),
		.exclude = keys,
		.nexclude = nkeys,
	};
	for (size_t i = 0; i < c->secret_dirs.n; i++) {
		size_t before = envset_count(secrets);
		errs += secretdir_load(c->secret_dirs.v[i].path,
				       c->secret_dirs.v[i].optional, &so,
				       secrets, d);
		diag_info(d, c->secret_dirs.v[i].path, NULL,
			  "secrets dir read: %zu keys",
			  envset_count(secrets) - before);
	}
	return errs;
}

static int file_refs(const struct config *c, struct envset *env,
		     const struct envset *required, const struct stat *keys,
		     size_t nkeys, struct diag *d);

int assemble(const struct config *c, char *const *envp, struct envset *out,
	     const struct envset *required, struct diag *d)
{
	struct envset inherited, files, secrets;
	envset_init(&inherited);
	envset_init(&files);
	envset_init(&secrets);

	assemble_inherited(c, envp, &inherited, d);
	/* the private key files, by identity: never a source (stat once) */
	size_t nkeys;
	struct stat *keys = private_key_stats(c, &nkeys);
	int errs = load_sources(c, &inherited, &files, &secrets, keys, nkeys, d);

	if (c->override == 1) {
		envset_take(out, &inherited);
		envset_take(out, &files);
		envset_take(out, &secrets);
	} else {
		envset_take(out, &files);
		envset_take(out, &secrets);
		envset_take(out, &inherited);
	}
	envset_free(&inherited);
	envset_free(&files);
	envset_free(&secrets);

	errs += file_refs(c, out, required, keys, nkeys, d);
	free(keys);
	return errs;
}

/* Where KEY_FILE was set: FILE:LINE, or "inherited"; never its value. */
static const char *ref_where(const struct envvar *ref)
{
	if (ref->origin == ORIG_INHERITED || !ref->source)
		return "inherited";
	return ref->source;
}

/* Report a KEY_FILE target that cannot be used; the path is never shown. */
static int ref_error(const struct config *c, const char *key,
		     const char *refkey, const struct envvar *ref,
		     enum fileio_err e, struct diag *d)
{
	char *src = xasprintf("%s %s %s", refkey,
			      ref->origin == ORIG_INHERITED ? "is" : "set at",
			      ref_where(ref));
	if (e == FIO_TOOBIG)
		diag_error(d, key, src, "file larger than %zu bytes (--max-value-size)",
			   config_max_value_size(c));
	else
		diag_error(d, key, src, "cannot read the file %s names: %s",
			   refkey, fileio_strerror(e));
	free(src);
	return 1;
}

/* Read the file KEY<suffix> names into KEY. KEYS are the private keys'
 * st_dev/st_ino: no KEY_FILE may hand one to the service. */
static int resolve_ref(const struct config *c, struct envset *env,
		       const char *key, const char *refkey,
		       const struct stat *keys, size_t nkeys, struct diag *d)
{
	struct envvar *ref = envset_get(env, refkey);
	struct envvar *direct = envset_get(env, key);
	if (direct) {
		char *src = xasprintf("%s; %s from %s",
				      direct->source ? direct->source : "?",
				      refkey, ref_where(ref));
		diag_error(d, key, src, "%s and %s are exclusive: set only one",
			   key, refkey);
		free(src);
		return 1;
	}
	if (ref->len == 0) {
		diag_error(d, refkey, ref_where(ref), "is empty: expected a file path");
		return 1;
	}
	char *buf;
	size_t len;
	struct stat st;
	enum fileio_err e = fileio_read_stat(AT_FDCWD, ref->val,
					     config_max_value_size(c), 0,
					     &buf, &len, &st);
	if (e)
		return ref_error(c, key, refkey, ref, e, d);
	if (same_file(keys, nkeys, &st) || looks_like_private_key(buf, len)) {
		char *src = xasprintf("%s from %s", refkey, ref_where(ref));
		diag_error(d, key, src,
			   "%s names a private key file: the key never reaches the service",
			   refkey);
		free(src);
		wipe_free(buf, len + 1);
		return 1;
	}
	size_t vlen = fileio_chomp(buf, len);
	if (memchr(buf, '\0', vlen)) {
		diag_error(d, key, refkey, "value contains a NUL byte");
		wipe_free(buf, len + 1);
		return 1;
	}
	buf[vlen] = '\0';
	/* The path read successfully, so it is a path, not a pasted value. */
	char *path = xstrdup(ref->val);
	struct envvar *v = envset_set(env, key, buf, vlen, ORIG_FILEREF, path);
	v->flags |= EV_SECRET;
	free(path);
	wipe_free(buf, len + 1);
	return 0;
}

/* Whether the configuration declares KEY: required (REQUIRED holds the
 * --require and --require-from keys), given a [keys] rule, or matched by
 * --file-keys. */
static int declared(const struct config *c, const struct envset *required,
		    const char *key)
{
	return envset_get(required, key) || rules_has(c->rules, key) ||
	       strlist_match(&c->file_keys, key) >= 0;
}

/* Resolve KEY<suffix>=PATH indirection in ENV (the README's "Precedence")
 * for the keys declared as assemble says; KEYS are the private key files. */
static int file_refs(const struct config *c, struct envset *env,
		     const struct envset *required, const struct stat *keys,
		     size_t nkeys, struct diag *d)
{
	const char *suffix = config_file_suffix(c);
	size_t slen = strlen(suffix);
	if (slen == 0)
		return 0;

	/* Collect first: resolving adds keys to the set we iterate. Only env
	 * files and the inherited environment point at files: a secrets-dir
	 * file named X_FILE is a value. */
	size_t n = env->n, nrefs = 0;
	char **refs = xcalloc(n, sizeof *refs);
	for (size_t i = 0; i < n; i++) {
		const struct envvar *v = &env->v[i];
		size_t klen = strlen(v->key);
		if (!envset_live(v) || klen <= slen ||
		    strcmp(v->key + klen - slen, suffix) != 0 ||
		    (v->origin != ORIG_ENVFILE && v->origin != ORIG_INHERITED))
			continue;
		char *key = xstrndup(v->key, klen - slen);
		if (declared(c, required, key))
			refs[nrefs++] = xstrdup(v->key);
		free(key);
	}

	int errs = 0;
	for (size_t i = 0; i < nrefs; i++) {
		char *key = xstrndup(refs[i], strlen(refs[i]) - slen);
		errs += resolve_ref(c, env, key, refs[i], keys, nkeys, d);
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
