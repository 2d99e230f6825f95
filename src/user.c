/*
 * user.c - resolve USER[:GROUP] from the container's files; drop
 * privileges in su-exec's order. See user.h.
 */
#include "user.h"

#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DB_CAP ((size_t)16 << 20) /* /etc/passwd and /etc/group */
#define MAX_FIELDS 7

/* One line of /etc/passwd or /etc/group split at ':' (in place). */
struct entry {
	char *f[MAX_FIELDS];
	int n;
};

struct db {
	char *buf;
	size_t len;
	char *path;
	enum fileio_err err;
};

static void db_open(struct db *db, const char *root, const char *name)
{
	db->path = xasprintf("%s/etc/%s", root, name);
	db->err = fileio_read(AT_FDCWD, db->path, DB_CAP, 0, &db->buf,
			      &db->len);
}

static void db_close(struct db *db)
{
	if (db->buf)
		wipe_free(db->buf, db->len + 1);
	free(db->path);
	db->buf = NULL;
	db->path = NULL;
}

/*
 * The next line of DB from *POS, split into E. Comments, blank lines and
 * NIS "+"/"-" lines are skipped. Returns 0 at the end.
 */
static int db_next(struct db *db, size_t *pos, struct entry *e)
{
	while (db->buf && *pos < db->len) {
		char *line = db->buf + *pos;
		char *nl = memchr(line, '\n', db->len - *pos);
		size_t n = nl ? (size_t)(nl - line) : db->len - *pos;
		*pos += n + 1;
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!n || *line == '#' || *line == '+' || *line == '-')
			continue;
		e->n = 0;
		for (char *p = line; e->n < MAX_FIELDS;) {
			e->f[e->n++] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = '\0';
		}
		return 1;
	}
	return 0;
}

/* A uid or gid: decimal digits, 0 .. 2^32-2 ((uid_t)-1 means "none"). */
static int parse_id(const char *s, unsigned *out)
{
	unsigned long long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 0xfffffffeull)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int is_number(const char *s)
{
	unsigned ignored;
	return parse_id(s, &ignored) == 0;
}

static void add_group(struct user_ids *u, size_t *cap, gid_t g)
{
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] == g)
			return;
	xgrow((void **)&u->groups, cap, u->ngroups + 1, sizeof *u->groups);
	u->groups[u->ngroups++] = g;
}

static int member_of(char *members, const char *name)
{
	for (char *m = strtok(members, ","); m; m = strtok(NULL, ","))
		if (strcmp(m, name) == 0)
			return 1;
	return 0;
}

static void unknown(struct diag *d, const char *what, const char *name,
		    const struct db *db)
{
	if (db->err == FIO_OK)
		diag_error(d, name, db->path, "unknown %s", what);
	else
		diag_error(d, name, NULL, "unknown %s: cannot read %s (%s)", what,
			   db->path, fileio_strerror(db->err));
}

int user_resolve(const char *spec, const char *root, struct user_ids *out,
		 struct diag *d)
{
	struct db pw = { 0 }, gr = { 0 };
	struct entry e;
	size_t pos, cap = 0;
	char *name = NULL;
	int ret = -1;

	memset(out, 0, sizeof *out);
	const char *colon = strchr(spec, ':');
	char *user = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	const char *group = colon ? colon + 1 : NULL;
	if (!*user || (group && (!*group || strchr(group, ':')))) {
		diag_error(d, "--user", NULL, "expects USER[:GROUP], a name or a number each");
		goto out;
	}

	/* The user: by name, or by number with its entry when there is one. */
	unsigned id = 0;
	int by_number = parse_id(user, &id) == 0;
	int found = 0;
	out->uid = by_number ? (uid_t)id : 0;
	out->gid = getgid();
	db_open(&pw, root, "passwd");
	for (pos = 0; db_next(&pw, &pos, &e);) {
		unsigned uid, gid;
		if (e.n < 4 || parse_id(e.f[2], &uid) || parse_id(e.f[3], &gid))
			continue;
		if (by_number ? uid != out->uid : strcmp(e.f[0], user) != 0)
			continue;
		out->uid = uid;
		out->gid = gid;
		name = xstrdup(e.f[0]);
		if (e.n >= 6 && *e.f[5])
			out->home = xstrdup(e.f[5]);
		found = 1;
		break;
	}
	if (!found && !by_number) {
		unknown(d, "user", user, &pw);
		goto out;
	}
	if (!out->home)
		out->home = xstrdup("/");

	/* The group, then the supplementary groups (see user.h). */
	if (group && is_number(group)) {
		parse_id(group, &id);
		out->gid = (gid_t)id;
	} else if (group) {
		db_open(&gr, root, "group");
		found = 0;
		for (pos = 0; db_next(&gr, &pos, &e);) {
			if (e.n >= 3 && strcmp(e.f[0], group) == 0 &&
			    parse_id(e.f[2], &id) == 0) {
				out->gid = (gid_t)id;
				found = 1;
				break;
			}
		}
		if (!found) {
			unknown(d, "group", group, &gr);
			goto out;
		}
	}
	add_group(out, &cap, out->gid);
	if (!group && name) {
		db_open(&gr, root, "group");
		for (pos = 0; db_next(&gr, &pos, &e);)
			if (e.n >= 4 && parse_id(e.f[2], &id) == 0 &&
			    member_of(e.f[3], name))
				add_group(out, &cap, (gid_t)id);
	}
	ret = 0;
out:
	if (ret)
		user_free(out);
	db_close(&pw);
	db_close(&gr);
	free(name);
	free(user);
	return ret;
}

void user_free(struct user_ids *u)
{
	free(u->groups);
	free(u->home);
	memset(u, 0, sizeof *u);
}

int user_set_home(char ***envp, const struct user_ids *u)
{
	size_t n = 0;
	for (char **p = *envp; *p; p++, n++)
		if (strncmp(*p, "HOME=", 5) == 0)
			return 0;
	*envp = xrealloc(*envp, (n + 2) * sizeof **envp);
	(*envp)[n] = xasprintf("HOME=%s", u->home);
	(*envp)[n + 1] = NULL;
	return 1;
}

int user_drop(const struct user_ids *u, const char *spec, struct diag *d)
{
	const char *step;
	if (setgroups(u->ngroups, u->groups) < 0) {
		step = "setgroups";
		goto fail;
	}
	if (setgid(u->gid) < 0) {
		step = "setgid";
		goto fail;
	}
	if (setuid(u->uid) < 0) {
		step = "setuid";
		goto fail;
	}
	return 0;
fail:
	diag_error(d, spec, NULL, "cannot switch to this user: %s: %s", step,
		   strerror(errno));
	return -1;
}
