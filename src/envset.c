/*
 * envset.c - ordered map with O(1) lookup; see envset.h.
 */
#include "envset.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The pool: blocks of 4 KiB growing to 256 KiB, bytes handed out in
 * order. A request larger than a quarter of the next block gets a block
 * of its own, behind the one being filled.
 */
struct envpool {
	struct envpool *next;
	size_t size, used;
	char b[];
};

#define POOL_FIRST (4096 - sizeof(struct envpool))
#define POOL_MAX ((size_t)256 * 1024 - sizeof(struct envpool))

static char *pool_alloc(struct envset *s, size_t n)
{
	struct envpool *c = s->pool;
	if (c && c->size - c->used >= n) {
		char *p = c->b + c->used;
		c->used += n;
		return p;
	}
	size_t size = c ? (c->size * 2 < POOL_MAX ? c->size * 2 : POOL_MAX)
			: POOL_FIRST;
	int own = n > size / 4;
	if (own)
		size = n;
	struct envpool *b = xmalloc(sizeof *b + size);
	b->size = size;
	b->used = n;
	if (own && c) { /* keep filling the current block */
		b->next = c->next;
		c->next = b;
	} else {
		b->next = c;
		s->pool = b;
	}
	return b->b;
}

/* N bytes at STR, NUL-terminated, in S's pool: as long-lived as the set. */
static const char *pool_strndup(struct envset *s, const char *str, size_t n)
{
	char *p = pool_alloc(s, n + 1);
	memcpy(p, str, n);
	p[n] = '\0';
	return p;
}

static const char *pool_strdup(struct envset *s, const char *str)
{
	return str ? pool_strndup(s, str, strlen(str)) : NULL;
}

void envset_init(struct envset *s)
{
	memset(s, 0, sizeof *s);
}

/* Free V's value the way it was allocated (sodium_free wipes too). */
static void val_free(struct envvar *v)
{
	if (v->flags & EV_SODIUM)
		sodium_free(v->val);
	else if (v->flags & (EV_REGION | EV_POOL))
		sodium_memzero(v->val, v->len);
	else
		wipe_free(v->val, v->len);
	v->flags &= ~(EV_SODIUM | EV_REGION | EV_POOL);
}

static void var_clear(struct envvar *v)
{
	val_free(v);
	free(v->from);
	v->val = NULL;
	v->len = 0;
	v->source = v->overrode = NULL; /* in the pool */
	v->from = NULL;
}

void envset_free(struct envset *s)
{
	for (size_t i = 0; i < s->n; i++)
		var_clear(&s->v[i]);
	free(s->v);
	free(s->slots);
	if (s->region)
		sodium_free(s->region); /* wipes it */
	for (struct envpool *c = s->pool, *next; c; c = next) {
		next = c->next;
		sodium_memzero(c->b, c->used); /* values, wiped or not */
		free(c);
	}
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

/* A table of NSLOTS slots (a power of two) for S's variables. */
static void rehash_to(struct envset *s, size_t nslots)
{
	free(s->slots);
	s->nslots = nslots;
	s->slots = xcalloc(s->nslots, sizeof *s->slots);
	size_t mask = s->nslots - 1;
	for (size_t i = 0; i < s->n; i++) {
		size_t j = s->v[i].hash & mask; /* keys are distinct */
		while (s->slots[j])
			j = (j + 1) & mask;
		s->slots[j] = i + 1;
	}
}

static void rehash(struct envset *s)
{
	rehash_to(s, s->nslots ? s->nslots * 2 : 64);
}

void envset_reserve(struct envset *s, size_t n)
{
	size_t nslots = xreserve((void **)&s->v, &s->cap,
				 n < ENVSET_RESERVE_MAX ? n : ENVSET_RESERVE_MAX,
				 sizeof *s->v, s->nslots);
	if (nslots > s->nslots)
		rehash_to(s, nslots);
}

struct envvar *envset_get_hashed(const struct envset *s, const char *key,
				 size_t h)
{
	if (!s->nslots)
		return NULL;
	size_t *slot = find_slot(s, key, h);
	if (*slot == 0)
		return NULL;
	struct envvar *v = &s->v[*slot - 1];
	return envset_live(v) ? v : NULL;
}

struct envvar *envset_get(const struct envset *s, const char *key)
{
	return s->nslots ? envset_get_hashed(s, key, envset_hash(key)) : NULL;
}

/*
 * Set KEY (hash H) to VAL (taken), from SOURCE (in S's pool, or NULL). A
 * new key is KEY itself when INPOOL (KEY is in S's pool), else a copy.
 */
static struct envvar *put(struct envset *s, const char *key, size_t h,
			  int inpool, char *val, size_t len, enum origin o,
			  const char *source)
{
	/* keep the table at most half full */
	if ((s->n + 1) * 2 > s->nslots)
		rehash(s);
	size_t *slot = find_slot(s, key, h);
	struct envvar *v;
	if (*slot) {
		v = &s->v[*slot - 1];
		const char *prev = envset_live(v) ? v->source : NULL;
		var_clear(v);
		v->overrode = prev;
		v->flags &= EV_REQUIRED;
	} else {
		xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
		v = &s->v[s->n];
		memset(v, 0, sizeof *v);
		v->key = inpool ? key : pool_strdup(s, key);
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
	return put(s, key, envset_hash(key), 0, val, len, o,
		   pool_strdup(s, source));
}

/* Hand SRC's pool to DST: what SRC's variables point to stays valid. */
static void pool_adopt(struct envset *dst, struct envset *src)
{
	if (!src->pool)
		return;
	struct envpool *tail = src->pool;
	while (tail->next)
		tail = tail->next;
	tail->next = dst->pool;
	dst->pool = src->pool;
	src->pool = NULL;
}

/*
 * envset_take into an empty DST of a SRC with no region and no deleted
 * variable: SRC's array, table and pool become DST's as they are, which
 * is what moving each variable would give (same order, same hashes),
 * without a second array and table. Returns 0 when it does not apply.
 */
static int take_whole(struct envset *dst, struct envset *src)
{
	if (dst->n || dst->v || dst->slots || dst->pool || dst->region ||
	    src->region)
		return 0;
	for (size_t i = 0; i < src->n; i++)
		if (!envset_live(&src->v[i]))
			return 0;
	*dst = *src;
	envset_init(src);
	for (size_t i = 0; i < dst->n; i++) /* what a move keeps */
		dst->v[i].flags &= EV_SECRET | EV_SODIUM | EV_POOL;
	return 1;
}

void envset_take(struct envset *dst, struct envset *src)
{
	if (take_whole(dst, src))
		return;
	pool_adopt(dst, src);
	for (size_t i = 0; i < src->n; i++) {
		struct envvar *s = &src->v[i];
		if (!envset_live(s))
			continue;
		char *val = s->val;
		unsigned keep = s->flags & (EV_SECRET | EV_SODIUM | EV_POOL);
		if (s->flags & EV_REGION) { /* the region stays with SRC */
			val = pool_alloc(dst, s->len + 1);
			memcpy(val, s->val, s->len + 1);
			keep |= EV_POOL;
		} else {
			s->val = NULL; /* DST owns it now */
			s->flags &= ~(EV_SODIUM | EV_POOL);
		}
		struct envvar *v = put(dst, s->key, s->hash, 1, val, s->len,
				       s->origin, s->source);
		v->flags |= keep;
		v->from = s->from;
		s->from = NULL;
		/* keep what it overrode inside its own layer (file over file) */
		if (!v->overrode)
			v->overrode = s->overrode;
		var_clear(s);
		s->flags = EV_DELETED;
	}
}

struct envvar *envset_set(struct envset *s, const char *key, const char *val,
			  size_t len, enum origin o, const char *source)
{
	/* the source first: the value's bytes may be in the pool too */
	const char *src = pool_strdup(s, source);
	char *copy = pool_alloc(s, len + 1);
	memcpy(copy, val, len);
	copy[len] = '\0';
	struct envvar *v = put(s, key, envset_hash(key), 0, copy, len, o, src);
	v->flags |= EV_POOL;
	return v;
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
