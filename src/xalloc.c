/*
 * xalloc.c - allocation that cannot fail silently, and wiping frees.
 */
#include "envinit.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static jmp_buf *recover; /* xalloc_catch */
static int no_return;    /* xalloc_no_return */

void xalloc_no_return(int on)
{
	no_return = on;
}

int xalloc_past_no_return(void)
{
	return no_return;
}

jmp_buf *xalloc_catch(jmp_buf *at)
{
	jmp_buf *was = recover;
	recover = at;
	return was;
}

/* The hook of envinit.h's point of no return: no heap, no stdio here. */
static ATTR_NORETURN void oom(void)
{
	static const char msg[] = "envinit: out of memory\n";
	static const char bug[] = "envinit: out of memory past the supervisor's "
				  "point of no return, outside a recovery point\n";
	jmp_buf *at = recover;
	if (at) {
		recover = NULL;
		longjmp(*at, 1);
	}
	ssize_t r = no_return ? write(STDERR_FILENO, bug, sizeof bug - 1)
			      : write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)r;
	_exit(EXIT_SOFTWARE);
}

void xalloc_oom(void)
{
	oom();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	char *p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *pathline(char **buf, size_t *cap, const char *path, unsigned long line)
{
	char digits[24], *d = digits + sizeof digits;
	do
		*--d = (char)('0' + line % 10);
	while ((line /= 10) != 0);
	size_t n = strlen(path), nd = (size_t)(digits + sizeof digits - d);
	xgrow((void **)buf, cap, n + nd + 2, 1);
	memcpy(*buf, path, n);
	(*buf)[n] = ':';
	memcpy(*buf + n + 1, d, nd);
	(*buf)[n + 1 + nd] = '\0';
	return *buf;
}

void xgrow(void **v, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 8;
	while (c < need) {
		if (c > ((size_t)-1) / 2 / sz)
			oom();
		c *= 2;
	}
	*v = xrealloc(*v, c * sz);
	*cap = c;
}

size_t xreserve(void **v, size_t *cap, size_t n, size_t sz, size_t cur)
{
	if (n > *cap) {
		if (n > ((size_t)-1) / sz)
			oom();
		*v = xrealloc(*v, n * sz);
		*cap = n;
	}
	size_t nslots = cur ? cur : 64;
	while ((n + 1) * 2 > nslots)
		nslots *= 2;
	return nslots;
}

void wipe_free(void *p, size_t n)
{
	if (!p)
		return;
	sodium_memzero(p, n);
	free(p);
}

void wipe_free_str(char *s)
{
	if (s)
		wipe_free(s, strlen(s));
}
