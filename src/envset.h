/*
 * envset.h - an ordered map of environment variables with provenance.
 *
 * Keys keep the position of their first insertion; setting an existing key
 * replaces its value in place and remembers the source it overrode (for
 * --explain). Lookups are O(1) (open addressing), so assembling 100k keys
 * stays linear. Values are NUL-terminated, hold no interior NUL, and are
 * wiped when replaced or freed.
 *
 * Memory: a set's keys, sources and the values it copies live in the
 * set's pool, a few large blocks rather than three allocations per key.
 * Nothing in the pool is freed alone: a replaced value is wiped where it
 * is, and envset_free wipes and frees every block. Sets live as long as
 * one assembly, so what replacing abandons is bounded by its input.
 */
#ifndef ENVSET_H
#define ENVSET_H

#include "envinit.h"

enum origin {
	ORIG_NONE,
	ORIG_ENVFILE,   /* an env file: source is FILE:LINE */
	ORIG_SECRETDIR, /* a secrets dir: source is the file's path */
	ORIG_INHERITED, /* the caller's environment */
	ORIG_FILEREF,   /* KEY_FILE indirection: source is the path */
	ORIG_SEALED,    /* a sealed value, opened */
	ORIG_DEFAULT,   /* a manifest default= */
};

/* envvar.flags */
#define EV_SECRET 0x1u   /* never show the value */
#define EV_STRIPPED 0x2u /* policy removed it from the child's environment */
#define EV_DELETED 0x4u  /* removed from the set; skip when iterating */
#define EV_REQUIRED 0x8u /* a required key */
#define EV_SODIUM 0x10u  /* val is sodium_malloc memory: freed with sodium_free */
#define EV_UNOPENED 0x20u /* a sealed value that failed to open */
#define EV_REGION 0x40u  /* val lives in the set's region: wiped, not freed */
#define EV_POOL 0x80u    /* val lives in the set's pool: wiped, not freed */

struct envvar {
	const char *key;      /* in the set's pool */
	char *val;
	size_t len;
	enum origin origin;
	const char *source;   /* where the value came from; never the value
				 (pool) */
	const char *overrode; /* source of the value this one replaced, or
				 NULL (pool) */
	const char *why; /* policy decision, a static string (for --explain) */
	/*
	 * The keys whose values went into this one through interpolation,
	 * ','-separated (interp_trace's from), or NULL: secrecy and --deny
	 * follow the value (policy_taint). Reset whenever the value is set.
	 */
	char *from;
	unsigned flags;
	size_t hash; /* envset_hash(key), computed once */
};

struct envset {
	struct envvar *v;
	size_t n, cap;
	size_t *slots; /* 0 = empty, else index + 1 into v */
	size_t nslots;
	void *region; /* sodium_malloc'd, for EV_REGION values; freed with the set */
	struct envpool *pool; /* keys, sources, copied values (envset.c) */
};

void envset_init(struct envset *s);
/* Wipe every value and free everything. */
void envset_free(struct envset *s);

/*
 * Make room for N variables in all (a hint: the set still grows past it),
 * so that a set filled from a file of about N entries is allocated once,
 * not doubled up to twice its size. At most ENVSET_RESERVE_MAX.
 */
#define ENVSET_RESERVE_MAX 4096
void envset_reserve(struct envset *s, size_t n);

/* The live variable KEY, or NULL. */
struct envvar *envset_get(const struct envset *s, const char *key);
/* The same, for a key whose envset_hash H the caller keeps. */
struct envvar *envset_get_hashed(const struct envset *s, const char *key,
				 size_t h);

/*
 * Set KEY to a copy of VAL (LEN bytes) with the given origin and source
 * (copied; may be NULL). An existing key keeps its position; its old value
 * is wiped and its old source becomes ->overrode. Flags other than
 * EV_REQUIRED are reset. Returns the variable.
 */
struct envvar *envset_set(struct envset *s, const char *key, const char *val,
			  size_t len, enum origin o, const char *source);

/* Same, but takes ownership of VAL (a malloc'd NUL-terminated buffer). */
struct envvar *envset_set_owned(struct envset *s, const char *key, char *val,
				size_t len, enum origin o, const char *source);

/*
 * Replace V's value in place with VAL (LEN bytes, NUL-terminated), which
 * V owns from now on: a sodium_malloc'd buffer when SODIUM is 1 (freed
 * with sodium_free), a place in the set's region when 2 (wiped when
 * replaced; the region is freed with the set), else a malloc'd one. The old value is wiped; V keeps its
 * position, key, source and ->overrode (an opened sealed value still came
 * from where the sealed one did). Sets origin O; flags are kept.
 */
void envset_replace(struct envvar *v, char *val, size_t len, enum origin o,
		    int sodium);

/*
 * Hand the set a sodium_malloc'd REGION that values given to envset_replace
 * with SODIUM 2 live in: one guarded block for all of them. The set frees
 * it (sodium_free wipes it) in envset_free. Returns -1, changing nothing,
 * if the set has a region already.
 */
int envset_set_region(struct envset *s, void *region);

/*
 * Move every live variable of SRC over DST, in SRC's order, as
 * envset_set would set it but without copying: DST takes SRC's pool, and
 * with it the key (when new), the value, its source, its taint (->from),
 * EV_SECRET, and the source it overrode inside SRC when DST had none. SRC
 * is left with deleted variables only (envset_free it).
 */
void envset_take(struct envset *dst, struct envset *src);

/* Remove KEY (its value is wiped). Returns 1 if it was there. */
int envset_del(struct envset *s, const char *key);

/* The hash of KEY used by the table (FNV-1a), for other key tables. */
size_t envset_hash(const char *key);

/* Whether NAME is a portable variable name: [A-Za-z_][A-Za-z0-9_]*. */
int envset_valid_name(const char *name);

/* Number of live variables. */
size_t envset_count(const struct envset *s);

/* Iterate: for (size_t i = 0; i < s->n; i++) if (envset_live(&s->v[i])) */
static inline int envset_live(const struct envvar *v)
{
	return !(v->flags & EV_DELETED);
}

#endif
