/*
 * bumpalloc - a what-if for the startup benchmark, never shipped: malloc
 * from 1 MiB mmap'd chunks, free() does nothing.
 *
 * musl's static malloc can be replaced by defining all of these. Linked
 * with envinit's own objects, it shows how much of envinit's start-up is
 * the allocator: mallocng maps and unmaps small groups as they fill and
 * empty, and every fresh mapping costs page faults. bench/run.sh checks
 * that the probe prints the same environment as build/envinit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <malloc.h>

#define CHUNK ((size_t)1 << 20)

struct hdr {
	size_t size;
	size_t pad; /* keeps the user pointer 16-aligned */
};

static char *cur, *end;

static void *grab(size_t n)
{
	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	n = (n + 15) & ~(size_t)15;
	size_t need = n + sizeof(struct hdr);
	if (!cur || (size_t)(end - cur) < need) {
		size_t len = need > CHUNK ? (need + 4095) & ~(size_t)4095 : CHUNK;
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		cur = p;
		end = cur + len;
	}
	struct hdr *h = (struct hdr *)(void *)cur;
	h->size = n;
	cur += need;
	return h + 1;
}

void *malloc(size_t n)
{
	return grab(n ? n : 1);
}

void free(void *p)
{
	(void)p;
}

/* Fresh mmap memory is zero and nothing is ever reused. */
void *calloc(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	size_t n = a * b;
	return grab(n ? n : 1);
}

size_t malloc_usable_size(void *p)
{
	return p ? ((struct hdr *)p - 1)->size : 0;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	size_t old = malloc_usable_size(p);
	if (n <= old)
		return p;
	void *q = malloc(n);
	if (q)
		memcpy(q, p, old);
	return q;
}

/* A header fits in front of any aligned pointer: both are 16-aligned. */
void *aligned_alloc(size_t a, size_t n)
{
	if (a < 16)
		a = 16;
	char *p = malloc(n + a);
	if (!p)
		return NULL;
	uintptr_t u = ((uintptr_t)p + a - 1) & ~(uintptr_t)(a - 1);
	((struct hdr *)u - 1)->size = n;
	return (void *)u;
}

int posix_memalign(void **r, size_t a, size_t n)
{
	void *p = aligned_alloc(a, n);
	if (!p)
		return ENOMEM;
	*r = p;
	return 0;
}

void *memalign(size_t a, size_t n)
{
	return aligned_alloc(a, n);
}
