/*
 * fileio.c - capped, non-blocking whole-file reads; see fileio.h.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
		n += (size_t)r;
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

	enum fileio_err err = FIO_OK;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		err = from_errno(errno);
		goto out;
	}
	*st_out = st;
	if (!S_ISREG(st.st_mode)) {
		err = FIO_NOTREG;
		goto out;
	}
	if ((unsigned long long)st.st_size > cap) {
		err = FIO_TOOBIG;
		goto out;
	}

	/* The size may have changed since fstat: read to the end anyway. */
	err = fileio_read_fd(fd, (size_t)st.st_size + 1, cap, buf, len);
out:
	close(fd);
	return err;
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
