/*
 * manifest.c - read the INI manifest with inih; see manifest.h.
 *
 * inih is fed by our own reader (ini_parse_stream), which hands it one
 * physical line at a time and so knows what inih does not tell us:
 *   - the line number (Debian builds inih without INI_HANDLER_LINENO);
 *   - whether a line fits inih's buffer: Debian's inih has a 200-byte
 *     buffer and hands a longer line to the handler in pieces, often with
 *     no error at all, which would silently truncate an allow list;
 *   - the section: inih copies section names into a 50-byte buffer and
 *     cuts longer ones, so the reader parses headers itself and the
 *     handler ignores inih's copy.
 * The reader also strips leading white space, which turns off inih's
 * continuation lines (an indented line would otherwise extend the value of
 * the line above, again silently). A line the reader rejects is reported
 * and replaced by an empty line, so parsing goes on and every problem is
 * reported at once.
 */
#include "manifest.h"

#include "fileio.h"
#include "options.h"

#include <ctype.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct section {
	char *name;       /* the service; NULL for [defaults] */
	struct config c;  /* its directives, as a command line would set them */
};

struct manifest {
	char *path;
	char *dir; /* for relative paths; NULL: the current directory */
	struct section defaults;
	struct section *svc;
	size_t nsvc, capsvc;
	struct rules *rules;
};

enum sec { SEC_NONE, SEC_BAD, SEC_DEFAULTS, SEC_KEYS, SEC_SERVICE };

struct parser {
	struct manifest *m;
	struct diag *d;
	const char *buf;
	size_t len, pos;
	int line;         /* the line last handed to inih */
	enum sec sec;     /* the section that line is in */
	size_t svc;       /* with SEC_SERVICE: index into m->svc */
	int errors;
};

/* ---- directives --------------------------------------------------------- */

/* The directives are the options.c rows with a directive name. */

/*
 * PATH cleaned lexically, in place, as compose (Go's filepath.Clean) does
 * for relative paths: no empty or "." component, and "x/.." removed, so
 * /config/../keys/wex.key is /keys/wex.key. A leading ".." of a relative
 * path stays; "/.." is "/".
 */
static char *clean_path(char *path)
{
	int abs = path[0] == '/';
	char *w = path + abs, *r = path + abs;
	size_t keep = 0; /* leading ".." components of a relative path */
	while (*r) {
		size_t n = strcspn(r, "/");
		if (n == 0 || (n == 1 && r[0] == '.')) {
			/* nothing to write */
		} else if (n == 2 && r[0] == '.' && r[1] == '.') {
			if (w > path + abs + keep) { /* drop the last component */
				while (w > path + abs + keep && w[-1] != '/')
					w--;
				if (w > path + abs + keep)
					w--; /* its '/' */
			} else if (!abs) {
				if (w > path)
					*w++ = '/';
				memcpy(w, "..", 2);
				w += 2;
				keep = (size_t)(w - path);
			}
		} else {
			if (w > path + abs)
				*w++ = '/';
			memmove(w, r, n);
			w += n;
		}
		r += n;
		while (*r == '/')
			r++;
	}
	if (w == path)
		*w++ = '.';
	*w = '\0';
	return path;
}

/* PATH relative to the manifest's directory, unless absolute. */
static char *resolve(const struct manifest *m, const char *path)
{
	if (path[0] == '/' || !m->dir)
		return xstrdup(path);
	size_t n = strlen(m->dir);
	return clean_path(xasprintf("%s%s%s", m->dir,
				    n && m->dir[n - 1] == '/' ? "" : "/", path));
}

static void unknown_directive(struct diag *d, const char *where,
			      const char *name)
{
	if (opt_cli_only(name)) {
		diag_error(d, where, NULL,
			   "%s: not allowed in a manifest (command line only)",
			   name);
		return;
	}
	char *alt = xstrdup(name);
	for (char *p = alt; *p; p++)
		if (*p == '-')
			*p = '_';
	if (strcmp(alt, name) != 0 && opt_by_directive(alt))
		diag_error(d, where, NULL, "unknown directive '%.64s' (did you mean %s?)",
			   name, alt);
	else
		diag_error(d, where, NULL, "unknown directive '%.64s'", name);
	free(alt);
}

/* One `NAME = VALUE` line of [defaults] or [service] (IN says which),
 * set by the option's own setter; its complaint becomes ours. Returns
 * errors added. */
static int directive(const struct manifest *m, struct section *s, unsigned in,
		     const char *name, const char *value, const char *where,
		     struct diag *d)
{
	const struct opt *o = opt_by_directive(name);
	if (!o) {
		unknown_directive(d, where, name);
		return 1;
	}
	if (!(o->flags & in)) {
		diag_error(d, where, NULL, "%s: not allowed in %s", name,
			   in == OPT_IN_DEFAULTS ? "[defaults]" : "[service NAME]");
		return 1;
	}
	if (!*value && !(o->flags & OPT_EMPTY)) {
		diag_error(d, where, NULL, "%s: expects a value", name);
		return 1;
	}
	char *path = o->flags & OPT_PATH ? resolve(m, value) : NULL;
	struct diag tmp;
	diag_init(&tmp);
	int rc = opt_set(o, path ? path : value, OPT_FROM_FILE, &s->c, &tmp);
	for (size_t i = 0; i < tmp.n; i++)
		diag_error(d, where, NULL, "%s: %s", name, tmp.v[i].text);
	if (rc < 0 && tmp.n == 0)
		diag_error(d, where, NULL, "%s: bad value", name);
	diag_free(&tmp);
	free(path);
	return rc < 0;
}

/* ---- the line reader ---------------------------------------------------- */

static void line_error(struct parser *x, const char *fmt, ...) ATTR_PRINTF(2, 3);

/* An error about the line last read. */
static void line_error(struct parser *x, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t wcap = 0;
	char *where = NULL;
	pathline(&where, &wcap, x->m->path, (unsigned long)x->line);
	diag_error(x->d, where, NULL, "%s", msg);
	free(where);
	x->errors++;
}

/* Like inih's find_chars_or_comment: the first of CHARS in P[0..N), or
 * N when an inline comment (white space, then ';') or the end comes first. */
static size_t find_or_comment(const char *p, size_t n, const char *chars)
{
	size_t at = n;
	for (const char *c = chars; *c; c++) { /* memchr: no byte loop of ours */
		const char *f = memchr(p, *c, at);
		if (f)
			at = (size_t)(f - p);
	}
	for (const char *s = p; (s = memchr(s, ';', at - (size_t)(s - p))); s++)
		if (s > p && isspace((unsigned char)s[-1]))
			return n; /* an inline comment comes first */
	return at;
}

static int valid_service_name(const char *s)
{
	size_t n = strlen(s);
	return n && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789_.-") == n;
}

static size_t add_service(struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nsvc; i++)
		if (strcmp(m->svc[i].name, name) == 0)
			return i;
	xgrow((void **)&m->svc, &m->capsvc, m->nsvc + 1, sizeof *m->svc);
	struct section *s = &m->svc[m->nsvc];
	s->name = xstrdup(name);
	config_init(&s->c);
	return m->nsvc++;
}

/* A "[...]" line (P[0] is '['). Sets the section; 0 if the line is bad. */
static int section_line(struct parser *x, const char *p, size_t n)
{
	size_t close = 1 + find_or_comment(p + 1, n - 1, "]");
	if (close >= n) {
		line_error(x, "expected ']' to close the section header");
		x->sec = SEC_BAD;
		return 0;
	}
	size_t rest = close + 1;
	while (rest < n && isspace((unsigned char)p[rest]))
		rest++;
	if (rest < n && p[rest] != ';' && p[rest] != '#') {
		line_error(x, "unexpected text after ']'");
		x->sec = SEC_BAD;
		return 0;
	}
	size_t a = 1, b = close;
	while (a < b && isspace((unsigned char)p[a]))
		a++;
	while (b > a && isspace((unsigned char)p[b - 1]))
		b--;
	char *name = xstrndup(p + a, b - a);
	int ok = 1;
	if (strcmp(name, "defaults") == 0) {
		x->sec = SEC_DEFAULTS;
	} else if (strcmp(name, "keys") == 0) {
		x->sec = SEC_KEYS;
	} else if (strncmp(name, "service", 7) == 0 &&
		   (!name[7] || isspace((unsigned char)name[7]))) {
		const char *svc = name + 7;
		while (isspace((unsigned char)*svc))
			svc++;
		if (!*svc) {
			line_error(x, "[service] needs a name: [service NAME]");
			ok = 0;
		} else if (!valid_service_name(svc)) {
			line_error(x, "[service NAME]: a name holds only letters, digits, '_', '.' and '-'");
			ok = 0;
		} else {
			x->svc = add_service(x->m, svc);
			x->sec = SEC_SERVICE;
		}
	} else {
		line_error(x, "unknown section [%.64s] (expects [defaults], [keys] or [service NAME])",
			   name);
		ok = 0;
	}
	if (!ok)
		x->sec = SEC_BAD;
	free(name);
	return ok;
}

/*
 * Whether the stripped line P[0..N) may go to inih: a comment, a blank
 * line, a good section header or a NAME = VALUE line.
 */
static int check_line(struct parser *x, const char *p, size_t n)
{
	if (n == 0 || p[0] == ';' || p[0] == '#')
		return 1;
	if (p[0] == '[')
		return section_line(x, p, n);
	if (find_or_comment(p, n, "=:") == n) {
		line_error(x, "expected NAME = VALUE, a [section] or a comment (missing '=')");
		return 0;
	}
	return 1;
}

/* ini_reader: the next physical line, or an empty one in place of a bad
 * line. NUM is inih's buffer size. */
static char *reader(char *str, int num, void *stream)
{
	struct parser *x = stream;
	if (x->pos >= x->len)
		return NULL;
	const char *p = x->buf + x->pos;
	size_t rest = x->len - x->pos;
	const char *nl = memchr(p, '\n', rest);
	size_t n = nl ? (size_t)(nl - p) : rest;
	x->pos += n + (nl != NULL);
	x->line++;
	if (n && p[n - 1] == '\r')
		n--;
	if (x->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
	}

	/* room for the line, CR, LF and NUL, as ini.h asks */
	size_t max = num > 3 ? (size_t)num - 3 : 0;
	strcpy(str, num > 1 ? "\n" : "");
	if (n > max) {
		line_error(x, "line longer than %zu bytes (split it: directives repeat)",
			   max);
		return str;
	}
	if (memchr(p, '\0', n)) {
		line_error(x, "line holds a NUL byte");
		return str;
	}
	while (n && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (!check_line(x, p, n))
		return str;
	memcpy(str, p, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

/* ini_handler: one NAME = VALUE line, in the section the reader saw. */
static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parser *x = user;
	struct manifest *m = x->m;
	(void)section; /* inih's copy may be cut short; see the top */
	if (!value)    /* only if someone turned on ini_allow_no_value */
		value = "";
	size_t wcap = 0;
	char *where = NULL;
	pathline(&where, &wcap, m->path, (unsigned long)x->line);
	int errs = 0;
	if (!*name) {
		diag_error(x->d, where, NULL, "expected NAME = VALUE (no name before '=')");
		errs = 1;
	} else {
		switch (x->sec) {
		case SEC_NONE:
			diag_error(x->d, where, NULL,
				   "%.64s: outside a section (start with [defaults], [keys] or [service NAME])",
				   name);
			errs = 1;
			break;
		case SEC_BAD:
			break; /* the header was reported */
		case SEC_KEYS:
			errs = rules_add(m->rules, name, value, where, x->d);
			break;
		case SEC_DEFAULTS:
			errs = directive(m, &m->defaults, OPT_IN_DEFAULTS, name,
					 value, where, x->d);
			break;
		case SEC_SERVICE:
			errs = directive(m, &m->svc[x->svc], OPT_IN_SERVICE, name,
					 value, where, x->d);
			break;
		}
	}
	free(where);
	x->errors += errs;
	return errs == 0;
}

/* ---- loading ------------------------------------------------------------ */

struct manifest *manifest_parse(const char *name, const char *buf, size_t len,
				struct diag *d)
{
	struct manifest *m = xcalloc(1, sizeof *m);
	m->path = xstrdup(name);
	const char *slash = strrchr(name, '/');
	if (slash)
		m->dir = slash == name ? xstrdup("/")
				       : xstrndup(name, (size_t)(slash - name));
	config_init(&m->defaults.c);
	m->rules = rules_new();
	rules_reserve(m->rules, fileio_lines(buf, len)); /* a rule per line at most */

	struct parser x = {
		.m = m, .d = d, .buf = buf, .len = len, .sec = SEC_NONE,
	};
	int rc = ini_parse_stream(reader, &x, handler, &x);
	if (rc != 0 && x.errors == 0) {
		/* inih saw a problem our reader did not: say where */
		char *where = rc > 0 ? xasprintf("%s:%d", name, rc) : xstrdup(name);
		diag_error(d, where, NULL, rc > 0 ? "syntax error" : "cannot parse");
		free(where);
		x.errors++;
	}
	if (x.errors) {
		manifest_free(m);
		return NULL;
	}
	return m;
}

struct manifest *manifest_load(const char *path, struct diag *d)
{
	char *buf;
	size_t len;
	enum fileio_err e = fileio_read(AT_FDCWD, path, MANIFEST_MAX_SIZE, 0,
					&buf, &len);
	if (e) {
		if (e == FIO_TOOBIG)
			diag_error(d, path, NULL, "manifest larger than %zu bytes",
				   MANIFEST_MAX_SIZE);
		else
			diag_error(d, path, NULL, "cannot read manifest: %s",
				   fileio_strerror(e));
		return NULL;
	}
	struct manifest *m = manifest_parse(path, buf, len, d);
	wipe_free(buf, len + 1); /* it may hold defaults */
	return m;
}

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	config_free(&m->defaults.c);
	for (size_t i = 0; i < m->nsvc; i++) {
		free(m->svc[i].name);
		config_free(&m->svc[i].c);
	}
	free(m->svc);
	rules_free(m->rules);
	free(m->path);
	free(m->dir);
	free(m);
}

size_t manifest_nservices(const struct manifest *m)
{
	return m->nsvc;
}

const char *manifest_service(const struct manifest *m, size_t i)
{
	return i < m->nsvc ? m->svc[i].name : NULL;
}

const struct rules *manifest_rules(const struct manifest *m)
{
	return m->rules;
}

/* ---- applying ----------------------------------------------------------- */

/* "-s NAME" with no [service NAME]: name both, and list what there is. */
static void no_service(const struct manifest *m, const char *service,
		       struct diag *d)
{
	char list[256] = "";
	size_t used = 0;
	for (size_t i = 0; i < m->nsvc && used < sizeof list; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s",
				 i ? ", " : "", m->svc[i].name);
		used += w > 0 ? (size_t)w : 0;
	}
	if (used >= sizeof list)
		strcpy(list + sizeof list - 5, "...");
	diag_error(d, m->path, NULL, "no [service %.64s] in this manifest (%s%s)",
		   service, m->nsvc ? "services: " : "it has no [service] section",
		   list);
}

int manifest_apply(const struct manifest *m, const char *service,
		   struct config *c, struct diag *d)
{
	const struct section *s = NULL;
	if (service) {
		for (size_t i = 0; i < m->nsvc && !s; i++)
			if (strcmp(m->svc[i].name, service) == 0)
				s = &m->svc[i];
		if (!s) {
			no_service(m, service, d);
			return 1;
		}
	}
	/* the command line over [service NAME] over [defaults] */
	if (s) {
		opt_merge_under(c, &s->c);
		c->strip = 1;
	}
	opt_merge_under(c, &m->defaults.c);
	c->rules = m->rules;
	rules_require(m->rules, c);
	return 0;
}
