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
 * size (0: a default). More than CAP bytes is FIO_TOOBIG. A HINT of a
 * regular file's fstat size + 1 also ends the read when a read comes back
 * short at exactly that size (the end, without a read that returns 0).
 */
enum fileio_err fileio_read_fd(int fd, size_t hint, size_t cap, char **buf,
			       size_t *len);

/*
 * Read the open file FD, whose fstat ST the caller took, as fileio_read
 * does: refused unless a regular file, never more than CAP bytes. FD
 * stays open.
 */
enum fileio_err fileio_read_statted(int fd, const struct stat *st, size_t cap,
				    char **buf, size_t *len);

/*
 * Close FD, a descriptor opened O_CLOEXEC to read a file, or -1 (nothing).
 * Between fileio_defer_closes(1) and fileio_defer_closes(0), FD is left
 * open instead (up to FILEIO_DEFER_MAX of them): main turns this on for a
 * start that ends in execve or exit, which close them all at once. Each
 * secret file would otherwise cost a close(), a quarter of its system
 * calls. fileio_defer_closes(0) closes what was left, for the paths that
 * go on running (a supervisor, --watch, --wait).
 */
#define FILEIO_DEFER_MAX 64
void fileio_close(int fd);
void fileio_defer_closes(int on);

/*
 * Open PATH relative to DIRFD with FLAGS (no O_CREAT) so that every
 * component, symlinks included, resolves beneath DIRFD: ".." never climbs
 * above it, an absolute symlink is refused, and so is a /proc magic link.
 * An escape fails with EXDEV, too many links with ELOOP. Uses
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS); where the kernel or a
 * seccomp filter refuses openat2 (ENOSYS, EPERM), fileio_open_walk.
 */
int fileio_open_beneath(int dirfd, const char *path, int flags);

/*
 * The fallback: one component at a time, each opened O_NOFOLLOW relative
 * to the directory before it, symlinks resolved here (at most 40) and
 * ".." popped off the directories held open, never past DIRFD.
 */
int fileio_open_walk(int dirfd, const char *path, int flags);

/* A test seam: nonzero makes fileio_open_beneath use the walk only. */
extern int fileio_beneath_walk_only;

/* A short description of ERR for a message ("larger than CAP bytes"). */
const char *fileio_strerror(enum fileio_err err);

/* LEN without one trailing "\n" or "\r\n" (secret files, KEY_FILE). */
size_t fileio_chomp(const char *buf, size_t len);

/* Write all N bytes at P to FD (retrying EINTR): 0, or -1 with errno. */
int fileio_write_all(int fd, const void *p, size_t n);

/*
 * Replace PATH (symlinks followed) with DATA (N bytes) atomically: a
 * temporary file in the same directory with PATH's mode and owner,
 * fsync'd, renamed over it, then the directory fsync'd. Returns 0, or -1
 * with errno and *STEP naming what failed ("write", "rename over it"...),
 * or NULL when PATH itself could not be resolved; PATH is then untouched.
 */
int fileio_replace(const char *path, const char *data, size_t n,
		   const char **step);

/* How many lines BUF (LEN bytes) holds: its LFs, plus one. */
size_t fileio_lines(const char *buf, size_t len);

#endif
