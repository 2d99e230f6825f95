/*
 * envinit.h - project-wide constants and attributes.
 *
 * Exit statuses are a documented contract (README "Exit status", envinit.1):
 * 0 success, 64 usage (EX_USAGE), 78 configuration or check failure
 * (EX_CONFIG), 126 command not executable, 127 command not found, 128+N
 * when the child died of signal N.
 */
#ifndef ENVINIT_H
#define ENVINIT_H

#include <setjmp.h>
#include <stddef.h>

#define ENVINIT_VERSION "0.1.0"

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 64,   /* EX_USAGE */
	EXIT_SOFTWARE = 70, /* EX_SOFTWARE: internal error (out of memory) */
	EXIT_CONFIG = 78,  /* EX_CONFIG */
	EXIT_NOEXEC = 126,
	EXIT_NOTFOUND = 127,
};

#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ATTR_NORETURN __attribute__((noreturn))
#define ATTR_UNUSED __attribute__((unused))

/* Default caps. */
#define ENVINIT_MAX_VALUE_SIZE ((size_t)1 << 20)   /* secret files, _FILE */
#define ENVINIT_MAX_ENVFILE_SIZE ((size_t)64 << 20) /* env files */

/* Allocation helpers: out of memory is the one failure envinit cannot
 * report through diagnostics; they print one line and exit 70 (xalloc_oom),
 * except past the supervisor's point of no return (below). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) ATTR_PRINTF(1, 2);
/*
 * "PATH:LINE" into *BUF (grown as needed; *BUF may be NULL), without the
 * printf machinery: it is built for every key of every file. Returns *BUF.
 */
char *pathline(char **buf, size_t *cap, const char *path, unsigned long line);

/* Grow *v (of *cap elements of size sz) so that it holds at least need. */
void xgrow(void **v, size_t *cap, size_t need, size_t sz);
/* Reserve for a table of the sets' kind (envset, rules): the array *V of
 * *CAP elements of SZ grown to N exactly if it is smaller, and the slots
 * N keys need at most half full, at least CUR (64 when CUR is 0). */
size_t xreserve(void **v, size_t *cap, size_t n, size_t sz, size_t cur);

/*
 * The supervisor's point of no return (supervise.c): xalloc_no_return(1)
 * marks it. Past it envinit is the init that keeps the service running,
 * and exiting would end the container, so an allocation failure does not
 * exit: it longjmps to the recovery point set with xalloc_catch, whose
 * owner drops the step that failed. xalloc_catch(AT) returns the point it
 * replaces (restore it when done; NULL: none). A failure clears the point
 * before jumping there, so one made while recovering is not caught again.
 * A failure past the point with no recovery point set is a bug (nothing
 * there may allocate): it still exits, naming the point.
 */
void xalloc_no_return(int on);
int xalloc_past_no_return(void);
jmp_buf *xalloc_catch(jmp_buf *at);
/* Out of memory: jump to the recovery point, else print one line and exit
 * 70 (for code that rethrows after its own cleanup). */
void xalloc_oom(void) ATTR_NORETURN;

/* Overwrite then free a buffer that may have held a value. */
void wipe_free(void *p, size_t n);
/* Same for a NUL-terminated string. */
void wipe_free_str(char *s);

#endif
