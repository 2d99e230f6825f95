/*
 * config.c - the option record and its small list types; see config.h.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->secrets_upcase = UNSET;
	c->override = UNSET;
	c->max_value_size = UNSET;
	c->clear_env = UNSET;
	c->signal_group = UNSET;
	c->grace = UNSET;
	c->wait = UNSET;
}

static void srclist_free(struct srclist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof *l);
}

void config_free(struct config *c)
{
	free(c->config_file);
	free(c->service);
	srclist_free(&c->env_files);
	srclist_free(&c->secret_dirs);
	strlist_free(&c->private_keys);
	free(c->file_suffix);
	strlist_free(&c->file_keys);
	strlist_free(&c->require);
	strlist_free(&c->require_from);
	strlist_free(&c->allow);
	strlist_free(&c->deny);
	strlist_free(&c->keep);
	free(c->user);
	strlist_free(&c->rewrite);
	strlist_free(&c->remap_exit);
	strlist_free(&c->rename);
	free(c->watch_signal);
	free(c->termination_log);
	free(c->public_key);
	free(c->in_place);
	config_init(c);
}

void strlist_add(struct strlist *l, const char *s)
{
	xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

void strlist_add_split(struct strlist *l, const char *s)
{
	while (*s) {
		size_t skip = strspn(s, ", \t\n");
		s += skip;
		size_t n = strcspn(s, ", \t\n");
		if (n) {
			char *item = xstrndup(s, n);
			xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v);
			l->v[l->n++] = item;
		}
		s += n;
	}
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

int glob_match(const char *glob, const char *key)
{
	/* It is called for every key and every glob: the literal start is
	 * compared here, and a name or NAME_* is decided without fnmatch.
	 * Before the first special character, a glob matches only itself. */
	for (size_t i = 0;; i++) {
		char g = glob[i];
		if (g == '*' && !glob[i + 1])
			return 1;
		if (g == '*' || g == '?' || g == '[' || g == '\\')
			return fnmatch(glob, key, 0) == 0;
		if (g != key[i])
			return 0;
		if (!g)
			return 1;
	}
}

int strlist_match(const struct strlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (glob_match(l->v[i], key))
			return (int)i;
	return -1;
}

int strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

void srclist_add(struct srclist *l, const char *path, int optional)
{
	xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n].path = xstrdup(path);
	l->v[l->n].optional = optional;
	l->n++;
}

const char *config_file_suffix(const struct config *c)
{
	return c->file_suffix ? c->file_suffix : "_FILE";
}

size_t config_max_value_size(const struct config *c)
{
	return c->max_value_size == UNSET ? ENVINIT_MAX_VALUE_SIZE
					  : (size_t)c->max_value_size;
}
