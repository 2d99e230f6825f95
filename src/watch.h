/*
 * watch.h - --watch: notice that a source changed, and say which keys
 * changed, without keeping a value.
 *
 * What is watched (a "plan", made from one configuration):
 *   - every env file, private key file, --require-from file, the manifest
 *     and every KEY_FILE target: by its DIRECTORY, filtered by the file's
 *     name (and "..data", the kubelet swap of a ConfigMap or Secret
 *     volume), so editors and kubelet, which rename a new file over the
 *     old one, are seen. When the file is a symlink, the directory of its
 *     final target is watched too (unless that is a kubelet ..TIMESTAMP
 *     directory, which the ..data swap already covers);
 *   - every secrets directory: any entry (the ..data_tmp -> ..data rename,
 *     per-key symlinks added or removed, files written, chmod).
 * A directory that does not exist (an optional source) is watched through
 * its nearest existing ancestor, filtered by the next path component, so
 * its creation is seen; the plan is applied again after every re-read.
 *
 * One inotify fd (IN_CLOEXEC | IN_NONBLOCK) and one timerfd for the
 * debounce: a relevant event (re-)arms the timer WATCH_DEBOUNCE_MS ahead,
 * so a burst is read once, when it has settled. Nothing is armed while
 * nothing happens: idle, neither fd ever becomes readable.
 *
 * Digests: a set is remembered as one BLAKE2b-256 digest per key over
 * "KEY\0VALUE", keyed with a random key made by watch_new (never
 * written anywhere), so two sets can be compared after their values
 * are wiped, and nothing derived from a value can be checked against a
 * guess from outside the process.
 */
#ifndef WATCH_H
#define WATCH_H

#include "config.h"
#include "diag.h"
#include "envset.h"

#define WATCH_DEBOUNCE_MS 250

/* What to watch, from one configuration (see above). */
struct watch_plan {
	struct strlist files; /* watched through their directory */
	struct strlist dirs;  /* secrets directories: every entry */
	int valid;            /* set by watch_plan_from */
};

void watch_plan_init(struct watch_plan *p);
void watch_plan_free(struct watch_plan *p);

/*
 * Fill P from config C and the set ENV assembled with it (for the
 * KEY_FILE targets: variables of origin ORIG_FILEREF; ENV may be NULL).
 */
void watch_plan_from(struct watch_plan *p, const struct config *c,
		     const struct envset *env);

struct watch;

/* The inotify fd, the debounce timer and a random digest key. NULL with
 * an error in D when the kernel refuses one of them. Needs sodium_init(). */
struct watch *watch_new(struct diag *d);
void watch_free(struct watch *w);

int watch_inotify_fd(const struct watch *w);
int watch_timer_fd(const struct watch *w);

/*
 * Watch what PLAN names instead of what was watched before (paths are
 * resolved against the current directory). A directory that cannot be
 * watched at all is a warning in D. Returns 1 when a directory is watched
 * now that was not before (what happened in it before this call was not
 * seen: read again), else 0.
 */
int watch_apply(struct watch *w, const struct watch_plan *plan,
		struct diag *d);

/* Read every pending event; returns how many concern a watched source
 * (a queue overflow counts as one). Never blocks. */
int watch_events(struct watch *w);

/* (Re-)arm the debounce timer WATCH_DEBOUNCE_MS from now. */
void watch_arm(struct watch *w);
/* Consume the timer's expiry; 1 when it had expired. */
int watch_expired(struct watch *w);

/* One digest per kept key, sorted by key. */
struct watch_digest {
	char *key;
	unsigned char h[32];
};
struct watch_set {
	struct watch_digest *v;
	size_t n;
};

/* The digests of ENVP ("KEY=value" strings) into OUT (freed first). */
void watch_digest(const struct watch *w, char *const *envp,
		  struct watch_set *out);
void watch_set_free(struct watch_set *s);

/*
 * What differs from OLD to NEW, by name only:
 * "changed: A B; added: C; removed: D" (empty parts left out), or NULL
 * when the sets are equal. Caller frees.
 */
char *watch_diff(const struct watch_set *old, const struct watch_set *new);

#endif
