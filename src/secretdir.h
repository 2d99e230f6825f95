/*
 * secretdir.h - Kubernetes and Docker secret directories.
 *
 * Each regular file directly in the directory is one key; the README's
 * "Secret directories" and envinit(1) give the full contract (dot-entries,
 * name mapping, symlink containment, the kubelet ..data layout read
 * without torn sets).
 */
#ifndef SECRETDIR_H
#define SECRETDIR_H

#include "diag.h"
#include "envset.h"

#include <sys/stat.h>

struct secretdir_opts {
	int upcase;            /* --secrets-upcase: db-password -> DB_PASSWORD */
	size_t max_value_size; /* 0 means ENVINIT_MAX_VALUE_SIZE */
	/* Files never exported (private key files), matched by st_dev/st_ino. */
	const struct stat *exclude;
	size_t nexclude;
};

/*
 * Load every key of DIR into OUT (origin ORIG_SECRETDIR, flag EV_SECRET,
 * source "DIR/NAME"), in name order. A missing DIR is skipped silently
 * when MISSING_OK, else an error. Problems go to D (subject: the file's
 * path or the key); a value is never quoted. Returns the number of errors
 * added.
 */
int secretdir_load(const char *dir, int missing_ok,
		   const struct secretdir_opts *o, struct envset *out,
		   struct diag *d);

/*
 * A test seam: when set, called with the file's name after each secret
 * file is read (before the kubelet layout is checked for a swap), so unit
 * tests can change the directory mid-read. NULL in production.
 */
extern void (*secretdir_read_hook)(const char *name);

#endif
