/*
 * arena.c - the start-up arena of the static binary; see arena.h.
 *
 * Blocks are handed out in order from mappings of 1 MiB doubling to
 * 4 MiB (at most ARENA_MAPS of them; past that, libc). Each block has a
 * 16-byte header holding its size, so realloc can copy it and free can
 * wipe it. Nothing is ever handed out twice: a freed block is wiped and
 * left where it is, and the process's end (execve or exit) returns the
 * mappings. The newest block grows in place (xgrow's doubling arrays).
 * Each mapping counts its live blocks: once the arena is closed, a
 * mapping whose last block is freed is unmapped, so a supervisor that
 * frees what the start-up built gives that memory back.
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

static struct {
	char *map[ARENA_MAPS]; /* NULL: unmapped */
	uintptr_t base[ARENA_MAPS], end[ARENA_MAPS]; /* map's bounds, to compare */
	size_t live[ARENA_MAPS]; /* blocks not freed */
	size_t nmaps;
	char *cur, *lim; /* the free part of the newest mapping */
	char *last;      /* the newest block: it can grow in place */
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
		if (u >= a.base[i] && u < a.end[i])
			return (int)i;
	return -1;
}

/* One block of mapping I is freed: once closed, an empty one goes. */
static void release(int i)
{
	if (--a.live[i] || !a.closed)
		return;
	munmap(a.map[i], a.end[i] - a.base[i]);
	a.map[i] = NULL;
	a.base[i] = a.end[i] = 0;
}

static size_t *header(void *p)
{
	return (size_t *)(void *)((char *)p - HDR);
}

/* A new mapping big enough for NEED bytes, or 0. */
static int map_more(size_t need)
{
	if (a.nmaps == ARENA_MAPS)
		return 0;
	size_t size = a.nmaps ? (a.end[a.nmaps - 1] - a.base[a.nmaps - 1]) * 2
			      : MAP_FIRST;
	if (size > MAP_LAST)
		size = MAP_LAST;
	if (size < need)
		size = need;
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	a.map[a.nmaps] = m;
	a.base[a.nmaps] = (uintptr_t)m;
	a.end[a.nmaps] = (uintptr_t)m + size;
	a.live[a.nmaps++] = 0;
	a.cur = m;
	a.lim = (char *)m + size;
	return 1;
}

/* N bytes from the arena, or NULL when libc must serve them. */
static void *grab(size_t n)
{
	if (a.closed || n > ARENA_MAX_BLOCK)
		return NULL;
	size_t need = HDR + round16(n);
	if ((size_t)(a.lim - a.cur) < need && !map_more(need))
		return NULL;
	char *b = a.cur + HDR;
	*header(b) = n;
	a.cur += need;
	a.used += need;
	a.last = b;
	a.live[a.nmaps - 1]++;
	return b;
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
	/* no memset: the bytes past the last block were never handed out,
	 * so they are still the zeros the mapping came with */
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
	explicit_bzero(p, *header(p)); /* wiped, never reused */
	release(i);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (!p)
		return __wrap_malloc(n);
	int i = mapping_of(p);
	if (i < 0)
		return __real_realloc(p, n);
	size_t old = *header(p);
	if (n <= old)
		return p; /* shrinking keeps the block */
	if (p == a.last && !a.closed && n <= ARENA_MAX_BLOCK &&
	    (size_t)(a.lim - (char *)p) >= round16(n)) {
		a.used += round16(n) - round16(old);
		a.cur = (char *)p + round16(n);
		*header(p) = n;
		return p;
	}
	void *q = __wrap_malloc(n);
	if (q) {
		memcpy(q, p, old);
		explicit_bzero(p, old); /* no stale copy of what it held */
		release(i);
	}
	return q;
}

void arena_close(void)
{
	if (a.closed)
		return;
	a.closed = 1;
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
