/*
 * arena.c - the start-up arena of the static binary; see arena.h.
 *
 * Blocks are handed out from mappings of 1 MiB doubling to 4 MiB (at
 * most ARENA_MAPS of them; past that, libc). Each block has a 16-byte
 * header: the size asked for (what realloc copies and free wipes) and
 * the block's capacity. A freed block is wiped at once, header and all,
 * so the arena's free memory is always zeros (calloc needs no memset).
 * Freed memory is used again, since every page first touched costs a
 * page fault, the largest cost of a start after the system calls:
 *  - a block that ends where the free part of the newest mapping starts
 *    gives its bytes back to it (most temporaries: a value built, copied
 *    and freed, a parser's buffers);
 *  - a freed block of HOLE_MIN bytes or more becomes a hole, merged with
 *    any hole beside it in the same mapping; a request of FIT_MIN bytes
 *    or more takes the smallest hole that fits (doubling arrays, regcomp's
 *    work space, file buffers). Smaller blocks stay where they are.
 * The free part is made resident PREFAULT bytes at a time, with one
 * madvise(MADV_POPULATE_WRITE) instead of a page fault per page (on a
 * kernel before 5.14, which refuses it, pages fault in one by one).
 * The newest block grows in place (xgrow's doubling arrays). Each mapping
 * counts its live blocks: once the arena is closed, a mapping whose last
 * block is freed is unmapped, so a supervisor that frees what the
 * start-up built gives that memory back.
 */
#include "arena.h"

#ifdef ENVINIT_ARENA

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/* The names ld's --wrap gives: libc's functions, and ours in their place. */
/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */

#define HDR 16 /* keeps blocks 16-aligned, as malloc's are */
#define MAP_FIRST ((size_t)1024 * 1024)
#define MAP_LAST ((size_t)4 * 1024 * 1024)
#define ARENA_MAPS 16
#define HOLES 16
#define HOLE_MIN ((size_t)512) /* a freed block this big is kept as a hole */
#define FIT_MIN ((size_t)256)  /* a request this big looks at the holes */
#define PREFAULT ((size_t)64 * 1024)
#ifndef MADV_POPULATE_WRITE /* Linux 5.14; musl 1.2.3 does not name it */
#define MADV_POPULATE_WRITE 23
#endif

struct hole {
	char *start;
	size_t cap;
	int map;
};

static struct {
	char *map[ARENA_MAPS];  /* each mapping's start; NULL: unmapped */
	size_t size[ARENA_MAPS]; /* and its size */
	size_t live[ARENA_MAPS]; /* blocks not freed */
	size_t nmaps;
	char *cur, *lim; /* the free part of the newest mapping */
	char *last;      /* the block ending at cur, if any: it can grow in place */
	char *ready;     /* the newest mapping is resident up to here */
	int no_prefault; /* the kernel refused MADV_POPULATE_WRITE */
	struct hole hole[HOLES];
	size_t nholes;
	size_t used;
	int closed;
} a;

static size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* The mapping that holds P, or -1. */
static int mapping_of(const void *p)
{
	uintptr_t u = (uintptr_t)p;
	for (size_t i = 0; i < a.nmaps; i++)
		if (a.map[i] && u >= (uintptr_t)a.map[i] &&
		    u - (uintptr_t)a.map[i] < a.size[i])
			return (int)i;
	return -1;
}

/* One block of mapping I is freed: once closed, an empty one goes. */
static void release(int i)
{
	if (--a.live[i] || !a.closed)
		return;
	munmap(a.map[i], a.size[i]);
	a.map[i] = NULL;
}

/* The block's header: [0] the size asked for, [1] the capacity from the
 * header's start. */
static size_t *header(void *p)
{
	return (size_t *)(void *)((char *)p - HDR);
}

static void *block_at(char *start, size_t n, size_t cap)
{
	char *b = start + HDR;
	header(b)[0] = n;
	header(b)[1] = cap;
	return b;
}

/* A new mapping big enough for NEED bytes, or 0. */
static int map_more(size_t need)
{
	if (a.nmaps == ARENA_MAPS)
		return 0;
	size_t size = a.nmaps ? a.size[a.nmaps - 1] * 2 : MAP_FIRST;
	if (size > MAP_LAST)
		size = MAP_LAST;
	if (size < need)
		size = need;
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	a.map[a.nmaps] = m;
	a.size[a.nmaps] = size;
	a.live[a.nmaps++] = 0;
	a.cur = m;
	a.ready = m;
	a.lim = (char *)m + size;
	return 1;
}

/* Make the newest mapping resident up to UPTO, PREFAULT bytes at a time. */
static void prefault(const char *upto)
{
	if (upto <= a.ready || a.no_prefault)
		return;
	char *to = a.ready;
	while (to < upto)
		to += PREFAULT;
	if (to > a.lim)
		to = a.lim;
	if (madvise(a.ready, (size_t)(to - a.ready), MADV_POPULATE_WRITE) < 0)
		a.no_prefault = 1;
	a.ready = to;
}

static void drop_hole(size_t i)
{
	a.hole[i] = a.hole[--a.nholes];
}

/* A block of NEED bytes from the smallest hole that holds it, or NULL. */
static void *from_hole(size_t n, size_t need)
{
	size_t best = HOLES;
	for (size_t i = 0; i < a.nholes; i++)
		if (a.hole[i].cap >= need &&
		    (best == HOLES || a.hole[i].cap < a.hole[best].cap))
			best = i;
	if (best == HOLES)
		return NULL;
	struct hole *h = &a.hole[best];
	char *start = h->start;
	size_t cap = h->cap;
	a.live[h->map]++;
	if (cap - need >= HOLE_MIN) { /* the rest stays a hole */
		h->start += need;
		h->cap -= need;
		cap = need;
	} else {
		drop_hole(best);
	}
	return block_at(start, n, cap);
}

/* N bytes from the arena, or NULL when libc must serve them. */
static void *grab(size_t n)
{
	if (a.closed || n > ARENA_MAX_BLOCK)
		return NULL;
	size_t need = HDR + round16(n);
	void *b;
	if (need >= FIT_MIN && (b = from_hole(n, need)))
		return b;
	if ((size_t)(a.lim - a.cur) < need && !map_more(need))
		return NULL;
	prefault(a.cur + need);
	b = block_at(a.cur, n, need);
	a.cur += need;
	a.used += need;
	a.last = b;
	a.live[a.nmaps - 1]++;
	return b;
}

/*
 * The wiped bytes [START, START+CAP) of mapping I are free again: given
 * back to the free part of the newest mapping when they end where it
 * starts, else kept as a hole, merged with its neighbours.
 */
static void give_back(char *start, size_t cap, int i)
{
	int at_end = (size_t)i == a.nmaps - 1 && start + cap == a.cur;
	if (cap < HOLE_MIN && !at_end)
		return; /* too small to look for: left as zeros */
	for (size_t k = 0; k < a.nholes;) {
		struct hole *h = &a.hole[k];
		if (h->map == i && h->start + h->cap == start) {
			start = h->start;
			cap += h->cap;
		} else if (h->map == i && start + cap == h->start) {
			cap += h->cap;
		} else {
			k++;
			continue;
		}
		drop_hole(k);
		k = 0;
	}
	if (at_end) { /* merged with the holes before it, if any */
		a.used -= (size_t)(a.cur - start);
		a.cur = start;
		a.last = NULL;
		return;
	}
	if (a.nholes == HOLES) { /* keep the larger */
		size_t small = 0;
		for (size_t k = 1; k < HOLES; k++)
			if (a.hole[k].cap < a.hole[small].cap)
				small = k;
		if (a.hole[small].cap >= cap)
			return;
		drop_hole(small);
	}
	a.hole[a.nholes++] = (struct hole){ start, cap, i };
}

/* Wipe the block P of mapping I, header and all, and free it. */
static void put_back(void *p, int i)
{
	char *start = (char *)p - HDR;
	size_t n = header(p)[0], cap = header(p)[1];
	explicit_bzero(start, HDR + n); /* the rest was never written */
	if (!a.closed) {
		if (p == a.last)
			a.last = NULL;
		give_back(start, cap, i);
	}
	release(i);
}

void *__wrap_malloc(size_t n)
{
	void *p = grab(n);
	return p ? p : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return __real_calloc(n, size); /* libc says ENOMEM */
	void *p = grab(n * size);
	if (!p)
		return __real_calloc(n, size);
	/* no memset: the arena's free memory is zeros, the mapping's own
	 * or a freed block's, wiped when it was freed */
	return p;
}

void __wrap_free(void *p)
{
	if (!p)
		return;
	int i = mapping_of(p);
	if (i < 0) {
		__real_free(p);
		return;
	}
	put_back(p, i);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (!p)
		return __wrap_malloc(n);
	int i = mapping_of(p);
	if (i < 0)
		return __real_realloc(p, n);
	size_t old = header(p)[0];
	if (n <= header(p)[1] - HDR) { /* room in its capacity */
		if (n > old) /* shrinking keeps the size to wipe */
			header(p)[0] = n;
		return p;
	}
	if (p == a.last && !a.closed && n <= ARENA_MAX_BLOCK &&
	    (size_t)(a.lim - (char *)p) >= round16(n)) {
		size_t cap = HDR + round16(n);
		a.used += cap - header(p)[1];
		a.cur = (char *)p - HDR + cap;
		prefault(a.cur);
		header(p)[0] = n;
		header(p)[1] = cap;
		return p;
	}
	void *q = __wrap_malloc(n);
	if (q) {
		memcpy(q, p, old);
		put_back(p, i); /* wiped: no stale copy of what it held */
	}
	return q;
}

void arena_close(void)
{
	if (a.closed)
		return;
	a.closed = 1;
	a.nholes = 0;
	for (size_t i = 0; i < a.nmaps; i++) /* already empty: go now */
		if (a.map[i] && !a.live[i]) {
			a.live[i] = 1;
			release((int)i);
		}
}

size_t arena_used(void)
{
	return a.used;
}

#else

void arena_close(void)
{
}

size_t arena_used(void)
{
	return 0;
}

#endif
