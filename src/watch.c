/*
 * watch.c - inotify, the debounce timer and per-key digests; see watch.h.
 *
 * Decisions:
 *   - IN_MODIFY is not watched: IN_CLOSE_WRITE ends every write that
 *     matters, and a file someone keeps appending to would otherwise
 *     postpone the debounce for as long as they write.
 *   - The name filter of a file's directory always lets "..data" through:
 *     a ConfigMap or Secret volume changes every file by swapping it, and
 *     the per-key names may change only later (or never, for the same key).
 *   - IN_IGNORED for a directory we still watch (it was deleted or
 *     unmounted) counts as a change and drops the watch: the next
 *     watch_apply watches the path again, or its nearest existing
 *     ancestor. IN_IGNORED for a watch we removed ourselves is not one.
 */
#include "watch.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define DIR_EVENTS (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
		    IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
		    IN_ONLYDIR)

/* One watched directory. */
struct wdir {
	int wd;
	char *path;          /* as watched, for messages */
	int any;             /* every entry counts */
	struct strlist names; /* else only these */
};

struct wtable {
	struct wdir *v;
	size_t n, cap;
};

struct watch {
	int ifd, tfd;
	struct wtable tab;
	unsigned char key[crypto_generichash_KEYBYTES];
};

/* ---- the plan ----------------------------------------------------------- */

void watch_plan_init(struct watch_plan *p)
{
	memset(p, 0, sizeof *p);
}

void watch_plan_free(struct watch_plan *p)
{
	strlist_free(&p->files);
	strlist_free(&p->dirs);
	watch_plan_init(p);
}

static void add_file(struct watch_plan *p, const char *path)
{
	if (path && *path && !strlist_has(&p->files, path))
		strlist_add(&p->files, path);
}

void watch_plan_from(struct watch_plan *p, const struct config *c,
		     const struct envset *env)
{
	for (size_t i = 0; i < c->env_files.n; i++)
		add_file(p, c->env_files.v[i].path);
	for (size_t i = 0; i < c->secret_dirs.n; i++)
		if (!strlist_has(&p->dirs, c->secret_dirs.v[i].path))
			strlist_add(&p->dirs, c->secret_dirs.v[i].path);
	for (size_t i = 0; i < c->private_keys.n; i++)
		add_file(p, c->private_keys.v[i]);
	for (size_t i = 0; i < c->require_from.n; i++)
		add_file(p, c->require_from.v[i]);
	add_file(p, c->config_file);
	for (size_t i = 0; env && i < env->n; i++)
		if (envset_live(&env->v[i]) && env->v[i].origin == ORIG_FILEREF)
			add_file(p, env->v[i].source);
	p->valid = 1;
}

/* ---- the watch table ---------------------------------------------------- */

static void wtable_free(struct wtable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		strlist_free(&t->v[i].names);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}

static struct wdir *wtable_find(const struct wtable *t, int wd)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].wd == wd)
			return &t->v[i];
	return NULL;
}

/* The directory part of PATH ("." when it has none) and its last name. */
static void split(const char *path, char **dir, char **base)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t slash = n;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	*base = xstrndup(path + slash, n - slash);
	if (slash == 0)
		*dir = xstrdup(".");
	else if (slash == 1)
		*dir = xstrdup("/");
	else
		*dir = xstrndup(path, slash - 1);
}

/*
 * Watch directory DIR for NAME (NULL: every entry) in T. A missing DIR is
 * watched through its nearest existing ancestor, for the component that
 * leads to it.
 */
static void watch_dir(struct watch *w, struct wtable *t, const char *dir,
		      const char *name, struct diag *d)
{
	char *path = xstrdup(dir);
	char *want = name ? xstrdup(name) : NULL;
	int wd;
	while ((wd = inotify_add_watch(w->ifd, path, DIR_EVENTS)) < 0 &&
	       (errno == ENOENT || errno == ENOTDIR) &&
	       strcmp(path, "/") != 0 && strcmp(path, ".") != 0) {
		char *parent, *base;
		split(path, &parent, &base);
		free(path);
		free(want);
		path = parent;
		want = base;
	}
	if (wd < 0) {
		diag_warn(d, dir, NULL, "watch: cannot watch this directory: %s; "
			  "its changes are not seen", strerror(errno));
		goto out;
	}
	struct wdir *e = wtable_find(t, wd);
	if (!e) {
		xgrow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v);
		e = &t->v[t->n++];
		memset(e, 0, sizeof *e);
		e->wd = wd;
		e->path = xstrdup(path);
	}
	if (!want)
		e->any = 1;
	else if (!strlist_has(&e->names, want))
		strlist_add(&e->names, want);
out:
	free(path);
	free(want);
}

static int kubelet_version_dir(const char *dir)
{
	const char *last = strrchr(dir, '/');
	last = last ? last + 1 : dir;
	return strncmp(last, "..", 2) == 0 && last[2];
}

static void watch_file(struct watch *w, struct wtable *t, const char *file,
		       struct diag *d)
{
	char *dir, *base;
	split(file, &dir, &base);
	watch_dir(w, t, dir, base, d);
	watch_dir(w, t, dir, "..data", d);
	struct stat st;
	if (lstat(file, &st) == 0 && S_ISLNK(st.st_mode)) {
		char *real = realpath(file, NULL);
		if (real) {
			char *rdir, *rbase;
			split(real, &rdir, &rbase);
			if (!kubelet_version_dir(rdir))
				watch_dir(w, t, rdir, rbase, d);
			free(rdir);
			free(rbase);
			free(real);
		}
	}
	free(dir);
	free(base);
}

int watch_apply(struct watch *w, const struct watch_plan *plan,
		struct diag *d)
{
	struct wtable t = { 0 };
	for (size_t i = 0; i < plan->files.n; i++)
		watch_file(w, &t, plan->files.v[i], d);
	for (size_t i = 0; i < plan->dirs.n; i++)
		watch_dir(w, &t, plan->dirs.v[i], NULL, d);

	int grew = 0;
	for (size_t i = 0; i < t.n; i++)
		if (!wtable_find(&w->tab, t.v[i].wd))
			grew = 1;
	for (size_t i = 0; i < w->tab.n; i++)
		if (!wtable_find(&t, w->tab.v[i].wd))
			inotify_rm_watch(w->ifd, w->tab.v[i].wd);
	wtable_free(&w->tab);
	w->tab = t;
	return grew;
}

/* ---- events and the timer ----------------------------------------------- */

struct watch *watch_new(struct diag *d)
{
	struct watch *w = xcalloc(1, sizeof *w);
	w->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	w->tfd = w->ifd < 0 ? -1
			    : timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (w->ifd < 0 || w->tfd < 0) {
		diag_error(d, "--watch", NULL, "cannot create %s: %s",
			   w->ifd < 0 ? "an inotify instance" : "a timer",
			   strerror(errno));
		watch_free(w);
		return NULL;
	}
	randombytes_buf(w->key, sizeof w->key);
	return w;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	if (w->ifd >= 0)
		close(w->ifd);
	if (w->tfd >= 0)
		close(w->tfd);
	wtable_free(&w->tab);
	sodium_memzero(w->key, sizeof w->key);
	free(w);
}

int watch_inotify_fd(const struct watch *w)
{
	return w->ifd;
}

int watch_timer_fd(const struct watch *w)
{
	return w->tfd;
}

/* Whether EV concerns a source; drops the entry of a watch that ended. */
static int relevant(struct watch *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		return 1;
	struct wdir *e = wtable_find(&w->tab, ev->wd);
	if (!e)
		return 0; /* a watch we removed */
	if (ev->mask & IN_IGNORED) {
		free(e->path);
		strlist_free(&e->names);
		*e = w->tab.v[--w->tab.n];
		return 1;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT))
		return 1;
	if (e->any)
		return 1;
	return ev->len && strlist_has(&e->names, ev->name);
}

int watch_events(struct watch *w)
{
	_Alignas(struct inotify_event) char buf[4096];
	int n = 0;
	for (;;) {
		ssize_t got = read(w->ifd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return n;
		for (char *p = buf; p < buf + got;) {
			const struct inotify_event *ev = (const void *)p;
			n += relevant(w, ev);
			p += sizeof *ev + ev->len;
		}
	}
}

void watch_arm(struct watch *w)
{
	struct itimerspec its = {
		.it_value = { WATCH_DEBOUNCE_MS / 1000,
			      (WATCH_DEBOUNCE_MS % 1000) * 1000000L },
	};
	timerfd_settime(w->tfd, 0, &its, NULL);
}

int watch_expired(struct watch *w)
{
	unsigned long long ticks;
	return read(w->tfd, &ticks, sizeof ticks) == (ssize_t)sizeof ticks;
}

/* ---- digests ------------------------------------------------------------ */

static int cmp_digest(const void *a, const void *b)
{
	return strcmp(((const struct watch_digest *)a)->key,
		      ((const struct watch_digest *)b)->key);
}

void watch_digest(const struct watch *w, char *const *envp,
		  struct watch_set *out)
{
	watch_set_free(out);
	size_t n = 0;
	while (envp && envp[n])
		n++;
	out->v = xcalloc(n ? n : 1, sizeof *out->v);
	for (size_t i = 0; i < n; i++) {
		const char *s = envp[i];
		size_t klen = strcspn(s, "=");
		crypto_generichash_state st;
		crypto_generichash_init(&st, w->key, sizeof w->key,
					sizeof out->v[i].h);
		crypto_generichash_update(&st, (const unsigned char *)s, klen);
		crypto_generichash_update(&st, (const unsigned char *)"", 1);
		if (s[klen])
			crypto_generichash_update(&st,
						  (const unsigned char *)s + klen + 1,
						  strlen(s + klen + 1));
		crypto_generichash_final(&st, out->v[i].h, sizeof out->v[i].h);
		sodium_memzero(&st, sizeof st); /* its buffer held value bytes */
		out->v[i].key = xstrndup(s, klen);
	}
	out->n = n;
	if (n > 1)
		qsort(out->v, n, sizeof *out->v, cmp_digest);
}

void watch_set_free(struct watch_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

struct buf {
	char *s;
	size_t n, cap;
};

static void put(struct buf *b, const char *s)
{
	size_t len = strlen(s);
	xgrow((void **)&b->s, &b->cap, b->n + len + 1, 1);
	memcpy(b->s + b->n, s, len + 1);
	b->n += len;
}

/* Append part LABEL: the keys of KIND (0 changed, 1 added, 2 removed). */
static void part(struct buf *b, const char *label, int kind,
		 const struct watch_set *old, const struct watch_set *new)
{
	size_t i = 0, j = 0;
	int first = 1;
	while (i < old->n || j < new->n) {
		int c = i == old->n ? 1 : j == new->n ? -1
				     : strcmp(old->v[i].key, new->v[j].key);
		const char *key = NULL;
		if (c == 0) {
			if (kind == 0 && sodium_memcmp(old->v[i].h, new->v[j].h,
						       sizeof old->v[i].h) != 0)
				key = new->v[j].key;
			i++;
			j++;
		} else if (c < 0) {
			if (kind == 2)
				key = old->v[i].key;
			i++;
		} else {
			if (kind == 1)
				key = new->v[j].key;
			j++;
		}
		if (!key)
			continue;
		if (first) {
			put(b, b->n ? "; " : "");
			put(b, label);
			first = 0;
		}
		put(b, " ");
		put(b, key);
	}
}

char *watch_diff(const struct watch_set *old, const struct watch_set *new)
{
	struct buf b = { 0 };
	part(&b, "changed:", 0, old, new);
	part(&b, "added:", 1, old, new);
	part(&b, "removed:", 2, old, new);
	return b.s;
}
