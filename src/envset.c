/*
 * envset.c - ordered map with O(1) lookup; see envset.h.
 */
#include "envset.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void envset_init(struct envset *s)
{
	memset(s, 0, sizeof *s);
}

/* Free V's value the way it was allocated (sodium_free wipes too). */
static void val_free(struct envvar *v)
{
	if (v->flags & EV_SODIUM)
		sodium_free(v->val);
	else if (v->flags & EV_REGION)
		sodium_memzero(v->val, v->len);
	else
		wipe_free(v->val, v->len);
	v->flags &= ~(EV_SODIUM | EV_REGION);
}

static void var_clear(struct envvar *v)
{
	val_free(v);
	free(v->source);
	free(v->overrode);
	free(v->from);
	v->val = NULL;
	v->len = 0;
	v->source = v->overrode = v->from = NULL;
}

void envset_free(struct envset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		var_clear(&s->v[i]);
		free(s->v[i].key);
	}
	free(s->v);
	free(s->slots);
	if (s->region)
		sodium_free(s->region); /* wipes it */
	envset_init(s);
}

/* FNV-1a: short keys, no adversary who benefits from collisions. */
size_t envset_hash(const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (; *k; k++) {
		h ^= (unsigned char)*k;
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

/*
 * Slot holding KEY (whose hash is H), or the empty slot where it would go.
 * Each variable keeps its key's hash: a probe compares hashes before
 * strings, and growing the table hashes no key again.
 */
static size_t *find_slot(const struct envset *s, const char *key, size_t h)
{
	size_t mask = s->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		size_t *slot = &s->slots[i];
		if (*slot == 0)
			return slot;
		const struct envvar *v = &s->v[*slot - 1];
		if (v->hash == h && strcmp(v->key, key) == 0)
			return slot;
	}
}

static void rehash(struct envset *s)
{
	free(s->slots);
	s->nslots = s->nslots ? s->nslots * 2 : 64;
	s->slots = xcalloc(s->nslots, sizeof *s->slots);
	size_t mask = s->nslots - 1;
	for (size_t i = 0; i < s->n; i++) {
		size_t j = s->v[i].hash & mask; /* keys are distinct */
		while (s->slots[j])
			j = (j + 1) & mask;
		s->slots[j] = i + 1;
	}
}

struct envvar *envset_get(const struct envset *s, const char *key)
{
	if (!s->nslots)
		return NULL;
	size_t *slot = find_slot(s, key, envset_hash(key));
	if (*slot == 0)
		return NULL;
	struct envvar *v = &s->v[*slot - 1];
	return envset_live(v) ? v : NULL;
}

/*
 * Set KEY (hash H) to VAL, taking VAL and SOURCE (both may be NULL). A new
 * key takes *KEYP when KEYP is given (and clears it), else a copy of KEY.
 */
static struct envvar *put(struct envset *s, const char *key, size_t h,
			  char **keyp, char *val, size_t len, enum origin o,
			  char *source)
{
	/* keep the table at most half full */
	if ((s->n + 1) * 2 > s->nslots)
		rehash(s);
	size_t *slot = find_slot(s, key, h);
	struct envvar *v;
	if (*slot) {
		v = &s->v[*slot - 1];
		char *prev = envset_live(v) ? v->source : NULL;
		v->source = NULL;
		var_clear(v);
		v->overrode = prev;
		v->flags &= EV_REQUIRED;
	} else {
		xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
		v = &s->v[s->n];
		memset(v, 0, sizeof *v);
		if (keyp) {
			v->key = *keyp;
			*keyp = NULL;
		} else {
			v->key = xstrdup(key);
		}
		v->hash = h;
		*slot = ++s->n;
	}
	v->val = val;
	v->len = len;
	v->origin = o;
	v->source = source;
	v->why = NULL;
	return v;
}

struct envvar *envset_set_owned(struct envset *s, const char *key, char *val,
				size_t len, enum origin o, const char *source)
{
	return put(s, key, envset_hash(key), NULL, val, len, o,
		   source ? xstrdup(source) : NULL);
}

void envset_take(struct envset *dst, struct envset *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct envvar *s = &src->v[i];
		if (!envset_live(s))
			continue;
		char *val = s->val;
		unsigned keep = s->flags & (EV_SECRET | EV_SODIUM);
		if (s->flags & EV_REGION) { /* the region stays with SRC */
			val = xmalloc(s->len + 1);
			memcpy(val, s->val, s->len + 1);
			keep &= ~EV_SODIUM;
		} else {
			s->val = NULL;
			s->flags &= ~EV_SODIUM;
		}
		struct envvar *v = put(dst, s->key, s->hash, &s->key, val,
				       s->len, s->origin, s->source);
		s->source = NULL;
		v->flags |= keep;
		v->from = s->from;
		s->from = NULL;
		/* keep what it overrode inside its own layer (file over file) */
		if (!v->overrode) {
			v->overrode = s->overrode;
			s->overrode = NULL;
		}
		var_clear(s);
		s->flags = EV_DELETED;
	}
}

struct envvar *envset_set(struct envset *s, const char *key, const char *val,
			  size_t len, enum origin o, const char *source)
{
	char *copy = xmalloc(len + 1);
	memcpy(copy, val, len);
	copy[len] = '\0';
	return envset_set_owned(s, key, copy, len, o, source);
}

void envset_replace(struct envvar *v, char *val, size_t len, enum origin o,
		    int sodium)
{
	val_free(v);
	v->val = val;
	v->len = len;
	v->origin = o;
	if (sodium)
		v->flags |= sodium == 2 ? EV_REGION : EV_SODIUM;
}

int envset_set_region(struct envset *s, void *region)
{
	if (s->region)
		return -1;
	s->region = region;
	return 0;
}

int envset_del(struct envset *s, const char *key)
{
	struct envvar *v = envset_get(s, key);
	if (!v)
		return 0;
	var_clear(v);
	v->flags = EV_DELETED;
	return 1;
}

size_t envset_count(const struct envset *s)
{
	size_t c = 0;
	for (size_t i = 0; i < s->n; i++)
		c += envset_live(&s->v[i]);
	return c;
}

int envset_valid_name(const char *name)
{
	if (!((*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z') ||
	      *name == '_'))
		return 0;
	for (name++; *name; name++)
		if (!((*name >= 'A' && *name <= 'Z') ||
		      (*name >= 'a' && *name <= 'z') ||
		      (*name >= '0' && *name <= '9') || *name == '_'))
			return 0;
	return 1;
}
