/*
 * fileio.c - capped, non-blocking whole-file reads; see fileio.h.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static enum fileio_err from_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return FIO_NOENT;
	case EACCES:
	case EPERM:
		return FIO_ACCES;
	case ELOOP:
		return FIO_LOOP;
	case ENXIO: /* a FIFO or socket with nobody on the other end */
		return FIO_NOTREG;
	default:
		return FIO_IO;
	}
}

enum fileio_err fileio_read_fd(int fd, size_t hint, size_t cap, char **buf,
			       size_t *len)
{
	/* Read up to cap + 1 bytes, so a larger input is seen as too big. */
	size_t size = hint ? hint : 4096, n = 0;
	/* a short read that ends at the size fstat gave (HINT - 1) is the
	 * end of a regular file: no read just to see 0 */
	size_t expect = hint ? hint - 1 : (size_t)-1;
	enum fileio_err err = FIO_OK;
	char *p = xmalloc(size + 1);
	*buf = NULL;
	*len = 0;
	for (;;) {
		if (n == size) {
			if (size > cap)
				break;
			size_t nsize = size * 2 > cap + 1 ? cap + 1 : size * 2;
			char *q = xmalloc(nsize + 1);
			memcpy(q, p, n);
			wipe_free(p, size + 1); /* it may hold a value: never leave a copy */
			p = q;
			size = nsize;
		}
		ssize_t r = read(fd, p + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = from_errno(errno);
			break;
		}
		if (r == 0)
			break;
		int shortread = (size_t)r < size - n;
		n += (size_t)r;
		if (shortread && n == expect)
			break;
	}
	if (!err && n > cap)
		err = FIO_TOOBIG;
	if (err) {
		wipe_free(p, size + 1);
		return err;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return FIO_OK;
}

enum fileio_err fileio_read_statted(int fd, const struct stat *st, size_t cap,
				    char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (!S_ISREG(st->st_mode))
		return FIO_NOTREG;
	if ((unsigned long long)st->st_size > cap)
		return FIO_TOOBIG;
	/* The size may have changed since fstat: read to the end anyway. */
	return fileio_read_fd(fd, (size_t)st->st_size + 1, cap, buf, len);
}

enum fileio_err fileio_read(int dirfd, const char *path, size_t cap,
			    int nofollow, char **buf, size_t *len)
{
	struct stat st;
	return fileio_read_stat(dirfd, path, cap, nofollow, buf, len, &st);
}

enum fileio_err fileio_read_stat(int dirfd, const char *path, size_t cap,
				 int nofollow, char **buf, size_t *len,
				 struct stat *st_out)
{
	*buf = NULL;
	*len = 0;
	int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	if (nofollow)
		flags |= O_NOFOLLOW;
	int fd = openat(dirfd, path, flags);
	if (fd < 0)
		return from_errno(errno);
	enum fileio_err err = fstat(fd, st_out) < 0
				      ? from_errno(errno)
				      : fileio_read_statted(fd, st_out, cap, buf, len);
	fileio_close(fd);
	return err;
}

static struct {
	int on;
	size_t n;
	int fd[FILEIO_DEFER_MAX];
} deferred;

void fileio_close(int fd)
{
	if (fd < 0)
		return;
	if (deferred.on && deferred.n < FILEIO_DEFER_MAX) {
		deferred.fd[deferred.n++] = fd;
		return;
	}
	close(fd);
}

void fileio_defer_closes(int on)
{
	deferred.on = on;
	if (!on)
		while (deferred.n)
			close(deferred.fd[--deferred.n]);
}

/* ---- opening beneath a directory ---------------------------------------- */

/*
 * openat2(2) arrived in Linux 5.6 and musl has no wrapper: the call and
 * its argument are declared here (the same layout as <linux/openat2.h>,
 * which the static build cannot see).
 */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define BENEATH_RESOLVE_NO_MAGICLINKS 0x02ULL
#define BENEATH_RESOLVE_BENEATH 0x08ULL

struct beneath_how {
	unsigned long long flags;
	unsigned long long mode;
	unsigned long long resolve;
};

#define WALK_MAX_HOPS 40   /* the kernel's own symlink limit */
#define WALK_MAX_DEPTH 256 /* directories held open at once */

int fileio_beneath_walk_only;

/* The target of symlink NAME in DIRFD as a new string, or NULL (errno). */
static char *link_target(int dirfd, const char *name)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof buf);
	if (n < 0)
		return NULL;
	if ((size_t)n >= sizeof buf) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return xstrndup(buf, (size_t)n);
}

/*
 * Open component NAME of directory DIRFD without following a symlink:
 * the fd, or -1 with errno, or -2 with *TARGET set when NAME is a
 * symlink (the walk then resolves TARGET itself). LAST: NAME ends the
 * path and is opened with FLAGS; otherwise it must be a directory.
 */
static int open_component(int dirfd, const char *name, int last, int flags,
			  char **target)
{
	int f = last ? flags | O_NOFOLLOW
		     : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, name, f);
	if (fd >= 0) {
		struct stat st;
		/* O_PATH | O_NOFOLLOW opens a symlink itself */
		if (!(f & O_PATH) || (fstat(fd, &st) == 0 && !S_ISLNK(st.st_mode)))
			return fd;
		close(fd);
	} else if (errno != ELOOP && errno != ENOTDIR) {
		return -1;
	}
	int e = errno;
	*target = link_target(dirfd, name);
	if (*target)
		return -2;
	/* not a symlink (EINVAL): the open's own error stands */
	errno = errno == EINVAL ? e : errno;
	return -1;
}

int fileio_open_walk(int dirfd, const char *path, int flags)
{
	int stack[WALK_MAX_DEPTH];
	size_t depth = 0;
	int hops = 0, ret = -1, e = 0;
	if (*path == '/') {
		errno = EXDEV;
		return -1;
	}
	char *rest = xstrdup(path);
	const char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (!len) { /* "" or a trailing '/' */
			e = ENOENT;
			break;
		}
		char *name = xstrndup(p, len);
		p += len;
		while (*p == '/')
			p++;
		int last = !*p;
		int cur = depth ? stack[depth - 1] : dirfd;
		char *target = NULL;
		int fd;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			if (name[1] == '.') {
				if (!depth) { /* above the root: never */
					free(name);
					e = EXDEV;
					break;
				}
				close(stack[--depth]);
				cur = depth ? stack[depth - 1] : dirfd;
			}
			free(name);
			if (!last)
				continue;
			ret = openat(cur, ".", flags);
			e = errno;
			break;
		}
		fd = open_component(cur, name, last, flags, &target);
		free(name);
		if (fd == -1) {
			e = errno;
			break;
		}
		if (fd == -2) { /* a symlink: its target, then what followed */
			if (++hops > WALK_MAX_HOPS || *target == '/' || !*target) {
				e = hops > WALK_MAX_HOPS ? ELOOP
				    : *target ? EXDEV : ENOENT;
				free(target);
				break;
			}
			char *next = xasprintf("%s/%s", target, p);
			free(target);
			free(rest);
			rest = next;
			p = rest;
			continue;
		}
		if (last) {
			ret = fd;
			break;
		}
		if (depth == WALK_MAX_DEPTH) {
			close(fd);
			e = ENAMETOOLONG;
			break;
		}
		stack[depth++] = fd;
	}
	while (depth)
		close(stack[--depth]);
	free(rest);
	if (ret < 0)
		errno = e;
	return ret;
}

int fileio_open_beneath(int dirfd, const char *path, int flags)
{
	static int no_openat2;
	if (!no_openat2 && !fileio_beneath_walk_only) {
		struct beneath_how how = {
			.flags = (unsigned long long)(unsigned)flags,
			.resolve = BENEATH_RESOLVE_BENEATH |
				   BENEATH_RESOLVE_NO_MAGICLINKS,
		};
		for (int try = 0; try < 16; try++) {
			long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
			if (fd >= 0)
				return (int)fd;
			/* EAGAIN: a rename raced a ".." lookup; try again */
			if (errno != EAGAIN)
				break;
		}
		/* missing (old kernel) or refused by a seccomp filter */
		if (errno != ENOSYS && errno != EPERM)
			return -1;
		no_openat2 = 1;
	}
	return fileio_open_walk(dirfd, path, flags);
}

const char *fileio_strerror(enum fileio_err err)
{
	switch (err) {
	case FIO_OK:
		return "ok";
	case FIO_NOENT:
		return "no such file";
	case FIO_ACCES:
		return "permission denied";
	case FIO_NOTREG:
		return "not a regular file";
	case FIO_TOOBIG:
		return "file too large";
	case FIO_LOOP:
		return "too many levels of symbolic links";
	case FIO_IO:
		break;
	}
	return "read error";
}

size_t fileio_chomp(const char *buf, size_t len)
{
	if (len && buf[len - 1] == '\n') {
		len--;
		if (len && buf[len - 1] == '\r')
			len--;
	}
	return len;
}

size_t fileio_lines(const char *buf, size_t len)
{
	size_t n = 1;
	for (const char *p = buf, *end = buf + len;
	     p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
		n++;
	return n;
}

int fileio_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int fileio_replace(const char *path, const char *data, size_t n,
		   const char **step)
{
	*step = NULL;
	char *real = realpath(path, NULL);
	struct stat st;
	if (!real || stat(real, &st) < 0) {
		int e = errno;
		free(real);
		errno = e;
		return -1;
	}
	char *slash = strrchr(real, '/');
	char *dir = xstrndup(real, slash == real ? 1 : (size_t)(slash - real));
	char *tmp = xasprintf("%s/.%s.envinit-XXXXXX", dir, slash + 1);
	int rc = -1, fd = mkostemp(tmp, O_CLOEXEC), made = fd >= 0;
	struct stat ts;
	*step = "create a temporary file";
	if (!made)
		goto fail;
	*step = "write";
	if (fileio_write_all(fd, data, n) < 0)
		goto fail;
	*step = "keep the owner";
	if (fstat(fd, &ts) < 0 ||
	    ((ts.st_uid != st.st_uid || ts.st_gid != st.st_gid) &&
	     fchown(fd, st.st_uid, st.st_gid) < 0))
		goto fail;
	*step = "keep the mode"; /* after fchown, which may clear set-id bits */
	if (fchmod(fd, st.st_mode & 07777) < 0)
		goto fail;
	*step = "write";
	if (fsync(fd) < 0)
		goto fail;
	int cr = close(fd);
	fd = -1;
	if (cr < 0)
		goto fail;
	*step = "rename over it";
	if (rename(tmp, real) < 0)
		goto fail;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* the rename itself durable; best effort */
		close(dfd);
	}
	rc = 0;
	goto out;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);
	errno = e;
out:
	free(tmp);
	free(dir);
	free(real);
	return rc;
}
