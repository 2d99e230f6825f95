/*
 * secretdir.c - Kubernetes and Docker secret directories; see secretdir.h.
 *
 * Decisions the README's "Secret directories" leaves open:
 * - --secrets-upcase upper-cases every name, not only the ones that needed
 *   mapping: whoever asks for it expects db_password and db-password alike
 *   to become DB_PASSWORD. Without it a valid name is kept exactly.
 * - With the kubelet layout (DIR/..data exists) the keys are the regular
 *   files of the directory ..data points at. Top-level entries are ignored:
 *   the per-key symlinks lag behind ..data during an update (they may not
 *   exist yet or may dangle), and they name the same keys anyway.
 * - Two files mapping to one key are an error; the first in name order is
 *   kept, so the report does not also claim a required key is missing.
 * - Every entry is opened relative to the one directory fd read (DIR, or
 *   the directory ..data named when it was opened) with every component
 *   resolved beneath it (fileio_open_beneath): one lookup, so there is no
 *   window between a containment check and the open. A symlink that
 *   leads outside, or is absolute (even naming a file inside: the
 *   directory may be mounted elsewhere), is an error naming the entry; one to a directory is
 *   skipped like a directory. ..data itself must resolve beneath DIR.
 * - The open is non-blocking and what was opened is read only when fstat
 *   says it is a regular file, so a FIFO or a device is refused, and a
 *   regular file swapped for a symlink mid-read yields the file or an
 *   error, never what the link points at.
 * - An entry that disappears between listing and reading is skipped.
 */
#include "secretdir.h"

#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void (*secretdir_read_hook)(const char *name);

/* A kubelet update takes milliseconds; 50 tries with a short, growing
 * pause cover any sane update rate and still end within half a second. */
#define KUBELET_TRIES 50

/* One pass over the directory whose entries are the keys. */
struct pass {
	const char *given; /* DIR as given: the subject for DIR's problems */
	const char *dir;  /* DIR without trailing '/': "DIR/NAME" messages */
	int fd;           /* the directory read (DIR, or what ..data names) */
	const struct secretdir_opts *o;
	size_t cap;
	struct envset stage;   /* values read, in name order */
	struct envset claimed; /* key -> path of the file that claimed it */
	struct diag d;         /* problems; kept only if the pass is kept */
};

static void pass_reset(struct pass *p)
{
	envset_free(&p->stage);
	envset_free(&p->claimed);
	diag_free(&p->d);
}

/* A directory entry: its name, and its type as the listing gave it
 * (DT_UNKNOWN when the file system does not say). */
struct entry {
	char *name;
	unsigned char type;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
		      ((const struct entry *)b)->name);
}

static void free_names(struct entry *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
}

/*
 * getdents64(2)'s record, which no libc of ours declares the same way
 * (musl 1.2.3 has no getdents64): read field by field with memcpy.
 */
struct dirent64_rec {
	unsigned long long ino;
	long long off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/*
 * The entries of directory FD, dot-entries left out, sorted by name.
 * FD must be freshly opened (it is read from where it stands) and stays
 * open. Read with getdents64 on FD itself: readdir would need a dup of
 * FD and five more system calls for each secrets directory. Returns -1
 * with errno set on failure.
 */
static int list_names(int fd, struct entry **names, size_t *n)
{
	union {
		unsigned long long align;
		char b[8192];
	} buf;
	size_t cap = 0;
	long got;

	*names = NULL;
	*n = 0;
	while ((got = syscall(SYS_getdents64, fd, buf.b, sizeof buf.b)) > 0) {
		for (size_t at = 0; at < (size_t)got;) {
			const char *rec = buf.b + at;
			unsigned short reclen;
			memcpy(&reclen, rec + offsetof(struct dirent64_rec, reclen),
			       sizeof reclen);
			const char *name = rec + offsetof(struct dirent64_rec, name);
			at += reclen;
			if (name[0] == '.')
				continue;
			xgrow((void **)names, &cap, *n + 1, sizeof **names);
			(*names)[*n].type = (unsigned char)
				rec[offsetof(struct dirent64_rec, type)];
			(*names)[(*n)++].name = xstrdup(name);
		}
	}
	if (got < 0) {
		int e = errno;
		free_names(*names, *n);
		*names = NULL;
		*n = 0;
		errno = e;
		return -1;
	}
	if (*n)
		qsort(*names, *n, sizeof **names, cmp_names);
	return 0;
}

/* The key for file NAME, or NULL when even the mapped name is invalid. */
static char *map_name(const char *name, int upcase)
{
	char *key = xstrdup(name);
	for (char *c = key; *c; c++) {
		if (*c == '-' || *c == '.')
			*c = '_';
		else if (upcase && *c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	}
	if (!envset_valid_name(key)) {
		free(key);
		return NULL;
	}
	return key;
}

static int excluded(const struct secretdir_opts *o, const struct stat *st)
{
	for (size_t i = 0; i < o->nexclude; i++)
		if (o->exclude[i].st_dev == st->st_dev &&
		    o->exclude[i].st_ino == st->st_ino)
			return 1;
	return 0;
}

static const char *link_error(int e)
{
	switch (e) {
	case ELOOP:
		return "symbolic link loop";
	case ENOENT:
	case ENOTDIR:
		return "dangling symbolic link";
	case EACCES:
		return "permission denied";
	default:
		return "cannot resolve symbolic link";
	}
}

/* Read the regular file FD (entry NAME, fstat ST) as KEY into the stage. */
static void read_value(struct pass *p, int fd, const struct stat *st,
		       const char *name, const char *key, const char *path)
{
	char *buf;
	size_t len;
	enum fileio_err err = fileio_read_statted(fd, st, p->cap, &buf, &len);
	switch (err) {
	case FIO_OK:
		break;
	case FIO_TOOBIG:
		diag_error(&p->d, path, NULL,
			   "larger than %zu bytes (--max-value-size)", p->cap);
		return;
	case FIO_LOOP:
		diag_error(&p->d, path, NULL, "symbolic link loop");
		return;
	default:
		diag_error(&p->d, path, NULL, "%s", fileio_strerror(err));
		return;
	}
	if (memchr(buf, '\0', len)) {
		diag_error(&p->d, path, NULL, "value contains a NUL byte");
		wipe_free(buf, len + 1);
		return;
	}
	/* one trailing "\n" or "\r\n", as echo and editors add it; zero
	 * what is dropped, as the set wipes only the value's length */
	size_t n = fileio_chomp(buf, len);
	memset(buf + n, 0, len - n);
	struct envvar *v =
		envset_set_owned(&p->stage, key, buf, n, ORIG_SECRETDIR, path);
	v->flags |= EV_SECRET;
	if (secretdir_read_hook)
		secretdir_read_hook(name);
}

/* Why entry PATH (a symlink, or reached through one) could not be
 * opened beneath the directory: the link is named, never its target. */
static void link_failed(struct pass *p, const char *path, int e)
{
	if (e == EXDEV)
		diag_error(&p->d, path, NULL,
			   "symbolic link is absolute or leads outside %s",
			   p->dir);
	else
		diag_error(&p->d, path, NULL, "%s", link_error(e));
}

/* A non-blocking, read-only open of NAME beneath DIRFD. */
static int open_entry(int dirfd, const char *name, int flags)
{
	return fileio_open_beneath(dirfd, name, O_RDONLY | O_NONBLOCK |
				   O_NOCTTY | O_CLOEXEC | flags);
}

/* Entry E of the directory read: open it beneath the directory,
 * classify what was opened, map the name, then read it. The listing's
 * type only skips directories and words errors; what is read is judged
 * by the fstat of what was opened. */
static void load_entry(struct pass *p, const struct entry *e)
{
	const char *name = e->name;
	char *path = xasprintf("%s/%s", p->dir, name);
	char *key = NULL;
	int fd = -1;
	struct stat st;
	unsigned char type = e->type;
	if (type == DT_UNKNOWN) {
		if (fstatat(p->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				diag_error(&p->d, path, NULL, "%s",
					   strerror(errno));
			goto out;
		}
		type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK
										 : DT_REG;
	}
	if (type == DT_DIR)
		goto out;
	int link = type == DT_LNK;
	fd = open_entry(p->fd, name, 0);
	if (fd < 0) {
		if (errno == ENOENT && !link) /* removed since it was listed */
			goto out;
		if (link || errno == EXDEV || errno == ELOOP)
			link_failed(p, path, errno);
		else if (errno == ENXIO) /* a socket */
			diag_error(&p->d, path, NULL, "not a regular file");
		else if (errno == EACCES || errno == EPERM)
			diag_error(&p->d, path, NULL, "permission denied");
		else
			diag_error(&p->d, path, NULL, "%s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		diag_error(&p->d, path, NULL, "%s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode) || excluded(p->o, &st))
		goto out;
	key = map_name(name, p->o->upcase);
	if (!key) {
		diag_warn(&p->d, path, NULL,
			  "skipped: not a valid variable name");
		goto out;
	}
	/* a FIFO or device: opened without blocking, never read */
	if (!S_ISREG(st.st_mode)) {
		diag_error(&p->d, path, NULL, "not a regular file");
		goto out;
	}
	struct envvar *other = envset_get(&p->claimed, key);
	if (other) {
		diag_error(&p->d, path, NULL, "maps to key %s, as does %s",
			   key, other->source);
		goto out;
	}
	envset_set(&p->claimed, key, "", 0, ORIG_SECRETDIR, path);
	read_value(p, fd, &st, name, key, path);
out:
	fileio_close(fd);
	free(key);
	free(path);
}

/* Every entry of p->fd into the stage. */
static void load_pass(struct pass *p)
{
	struct entry *names;
	size_t n;
	if (list_names(p->fd, &names, &n) < 0) {
		diag_error(&p->d, p->given, NULL, "secrets directory: %s",
			   strerror(errno));
		return;
	}
	for (size_t i = 0; i < n; i++)
		load_entry(p, &names[i]);
	free_names(names, n);
}

static void pause_before_try(int try)
{
	if (try < 2)
		return;
	long ms = try - 1 > 10 ? 10 : try - 1;
	struct timespec ts = { 0, ms * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * One read of the kubelet layout: open ..data once (the kernel resolves
 * the symlink at that instant), read every key relative to that fd, then
 * check ..data still names the same directory. Returns 0 when the pass
 * holds one consistent version, 1 when ..data changed, 2 when it
 * dangled, -1 on an error already reported. FD is ..data opened already,
 * or -1 to open it here.
 */
static int kubelet_try(struct pass *p, int dirfd, int fd)
{
	/* ..data and what it names resolve beneath DIR, like every key */
	if (fd < 0)
		fd = open_entry(dirfd, "..data", O_DIRECTORY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 2;
		int e = errno;
		char *path = xasprintf("%s/..data", p->dir);
		if (e == EXDEV || e == ELOOP)
			link_failed(p, path, e);
		else
			diag_error(&p->d, path, NULL, "%s", strerror(e));
		free(path);
		return -1;
	}
	struct stat before, now;
	int ret = 1;
	if (fstat(fd, &before) < 0)
		goto out;
	p->fd = fd;
	load_pass(p);
	/*
	 * kubelet makes a new directory for every version, and the one we
	 * hold open cannot be freed and its inode reused while we do, so
	 * equal dev/ino means no swap happened while we read.
	 */
	int again = open_entry(dirfd, "..data", O_DIRECTORY);
	if (again >= 0 && fstat(again, &now) == 0 &&
	    now.st_dev == before.st_dev && now.st_ino == before.st_ino)
		ret = 0;
	fileio_close(again);
out:
	fileio_close(fd);
	p->fd = -1;
	return ret;
}

/* FIRST: ..data as opened to tell the layout (-1: not opened). */
static int load_kubelet(struct pass *p, int dirfd, int first)
{
	char *via = xasprintf("%s/..data", p->dir);
	int r = 1;
	for (int try = 0; try < KUBELET_TRIES && r > 0; try++) {
		pass_reset(p);
		pause_before_try(try);
		r = kubelet_try(p, dirfd, try == 0 ? first : -1);
	}
	if (r > 0) {
		/* never a partial set: what the last try read is dropped */
		pass_reset(p);
		if (r == 2)
			diag_error(&p->d, via, NULL, "dangling symbolic link");
		else
			diag_error(&p->d, p->given, NULL, "secrets directory "
				   "kept changing while read");
	}
	free(via);
	return r;
}

/* The pass's values into OUT and its problems into D. */
static void commit(struct pass *p, struct envset *out, struct diag *d)
{
	for (size_t i = 0; i < p->stage.n; i++) {
		const struct envvar *s = &p->stage.v[i];
		struct envvar *v = envset_set(out, s->key, s->val, s->len,
					      ORIG_SECRETDIR, s->source);
		v->flags |= EV_SECRET;
	}
	for (size_t i = 0; i < p->d.n; i++) {
		const struct diag_item *it = &p->d.v[i];
		diag_add(d, it->level, it->subject, it->source, "%s", it->text);
	}
}

static int open_dir(const char *dir, int missing_ok, struct diag *d)
{
	int fd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
		if (!missing_ok)
			diag_error(d, dir, NULL,
				   "secrets directory: no such directory");
		break;
	case ENOTDIR:
		diag_error(d, dir, NULL, "secrets directory: not a directory");
		break;
	default:
		diag_error(d, dir, NULL, "secrets directory: %s",
			   strerror(errno));
		break;
	}
	return -1;
}

int secretdir_load(const char *dir, int missing_ok,
		   const struct secretdir_opts *o, struct envset *out,
		   struct diag *d)
{
	size_t errors = d->nerrors;
	/* "/run/secrets/" names files "/run/secrets/KEY", not ".../KEY" */
	size_t dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	char *shown = dlen == 1 && dir[0] == '/' ? xstrdup("")
						 : xstrndup(dir, dlen);
	struct pass p = {
		.given = dir, .dir = shown, .fd = -1, .o = o,
	};
	p.cap = o->max_value_size ? o->max_value_size : ENVINIT_MAX_VALUE_SIZE;
	envset_init(&p.stage);
	envset_init(&p.claimed);
	diag_init(&p.d);
	int dirfd = open_dir(dir, missing_ok, d);
	if (dirfd < 0)
		goto out;

	/* the kubelet layout has ..data; opening it is the test (a dangling
	 * one is the kubelet layout too) */
	struct stat st;
	int data = open_entry(dirfd, "..data", O_DIRECTORY);
	if (data >= 0 || errno != ENOENT ||
	    fstatat(dirfd, "..data", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		load_kubelet(&p, dirfd, data);
	} else {
		p.fd = dirfd;
		load_pass(&p);
	}
	commit(&p, out, d);
out:
	pass_reset(&p);
	fileio_close(dirfd);
	free(shown);
	return (int)(d->nerrors - errors);
}
