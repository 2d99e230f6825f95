/*
 * fileio.h - read a whole file with a cap, never blocking.
 *
 * Every file envinit reads (env files, secret files, KEY_FILE targets,
 * manifests, key files) goes through here: opened O_NONBLOCK so a FIFO
 * cannot hang us, refused unless it is a regular file, and never read past
 * CAP bytes, so /dev/zero or a growing file cannot exhaust memory.
 */
#ifndef FILEIO_H
#define FILEIO_H

#include "envinit.h"

enum fileio_err {
	FIO_OK = 0,
	FIO_NOENT,   /* does not exist (or a dangling symlink) */
	FIO_ACCES,   /* permission denied */
	FIO_NOTREG,  /* a directory, FIFO, device or socket */
	FIO_TOOBIG,  /* larger than the cap */
	FIO_LOOP,    /* too many levels of symbolic links */
	FIO_IO,      /* any other open/read error */
};

/*
 * Read PATH (relative to DIRFD, or AT_FDCWD) into a new NUL-terminated
 * buffer *BUF of *LEN bytes. Follows symlinks unless NOFOLLOW. On error
 * *BUF is NULL. The caller frees the buffer with wipe_free(buf, len + 1).
 */
enum fileio_err fileio_read(int dirfd, const char *path, size_t cap,
			    int nofollow, char **buf, size_t *len);

/* Same, and the file's fstat (of the very file read) goes to *ST. */
struct stat;
enum fileio_err fileio_read_stat(int dirfd, const char *path, size_t cap,
				 int nofollow, char **buf, size_t *len,
				 struct stat *st);

/*
 * Read FD (a pipe, stdin, an open file) to its end into a new
 * NUL-terminated buffer, as fileio_read does; HINT is the first buffer
 * size (0: a default). More than CAP bytes is FIO_TOOBIG.
 */
enum fileio_err fileio_read_fd(int fd, size_t hint, size_t cap, char **buf,
			       size_t *len);

/* A short description of ERR for a message ("larger than CAP bytes"). */
const char *fileio_strerror(enum fileio_err err);

/* LEN without one trailing "\n" or "\r\n" (secret files, KEY_FILE). */
size_t fileio_chomp(const char *buf, size_t len);

#endif
