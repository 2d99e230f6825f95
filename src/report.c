/*
 * report.c - every byte envinit writes goes through here; see report.h.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TERMLOG_MAX 4096
#define DEFAULT_TERMLOG "/dev/termination-log"

/*
 * The termination log as Kubernetes makes it: a file that already exists.
 * As root, following a symlink or creating a file would let whoever can
 * write the path (the manifest sets it) aim us at any file; truncating a
 * FIFO or device is meaningless. So: no O_CREAT, O_NOFOLLOW, non-blocking
 * (a FIFO with no reader fails rather than hangs), and truncated only when
 * fstat says it is a regular file. -1 when it cannot be used.
 */
static int open_termlog(const char *path)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC |
				    O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct stat st;
	errno = 0;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode) ||
	    (S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void write_termlog(const struct diag *d, const char *path)
{
	int fd;
	if (path)
		fd = open_termlog(path);
	else if (access(DEFAULT_TERMLOG, W_OK) == 0)
		fd = open_termlog(DEFAULT_TERMLOG);
	else
		return;
	if (fd < 0) {
		int e = errno;
		report_msg("cannot write termination log %s: %s",
			   path ? path : DEFAULT_TERMLOG,
			   e == ELOOP ? "a symbolic link (not followed)"
			   : e == ENOENT ? "no such file (it is not created)"
			   : e == EISDIR || e == 0 ? "not a file"
			   : strerror(e));
		return;
	}
	char buf[TERMLOG_MAX];
	size_t used = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].level != DIAG_ERROR)
			continue;
		char *line = diag_format(&d->v[i]);
		size_t n = strlen(line);
		/* whole lines only: a cut line could mislead */
		if (used + n + 1 <= sizeof buf) {
			memcpy(buf + used, line, n);
			buf[used + n] = '\n';
			used += n + 1;
		}
		free(line);
	}
	ssize_t w = write(fd, buf, used);
	(void)w;
	close(fd);
}

void report_diag(const struct diag *d, int verbose, const char *termlog)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->v[i];
		if (it->level == DIAG_WARNING && verbose < 0)
			continue;
		if (it->level == DIAG_INFO && verbose < 1)
			continue;
		char *line = diag_format(it);
		fprintf(stderr, "%s\n", line);
		free(line);
	}
	if (d->nerrors)
		write_termlog(d, termlog);
	fflush(stderr);
}

/*
 * The supervisor calls this past its point of no return (supervise.c), so
 * it needs no heap: a message is formatted on the stack; only a longer one
 * takes heap memory, and without it is cut rather than lost.
 */
void report_msg(const char *fmt, ...)
{
	char msg[1024], safe[sizeof msg * 4 + 1];
	char *m = msg, *e = safe, *big = NULL, *bigsafe = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n;
	if (len >= sizeof msg) {
		big = malloc(len + 1);
		if (big && len < ((size_t)-1 - 1) / 4)
			bigsafe = malloc(len * 4 + 1);
		if (big && bigsafe) {
			va_start(ap, fmt);
			vsnprintf(big, len + 1, fmt, ap);
			va_end(ap);
			m = big;
			e = bigsafe;
		} else {
			len = sizeof msg - 1;
		}
	}
	diag_escape_to(e, m, len); /* one line, always */
	fprintf(stderr, "envinit: %s\n", e);
	free(bigsafe);
	free(big);
}

static int plain_char(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || strchr("_-.,/:@%+=", ch);
}

/* A double-quoted env-file value that reads back byte for byte. */
static void put_env_value(FILE *out, const char *s, size_t n)
{
	int plain = n > 0;
	for (size_t i = 0; i < n && plain; i++)
		plain = plain_char((unsigned char)s[i]);
	if (plain) {
		fwrite(s, 1, n, out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
			/* A '"' right after a backslash never closes a value
			 * (compose), so a final backslash is written in octal. */
			fputs(i + 1 == n ? "\\0134" : "\\\\", out);
			break;
		case '"': fputs("\\\"", out); break;
		case '$': fputs("\\$", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default: fputc(s[i], out);
		}
	}
	fputc('"', out);
}

/* A single-quoted shell word: ' becomes '\''. */
static void put_shell_value(FILE *out, const char *s, size_t n)
{
	fputc('\'', out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'')
			fputs("'\\''", out);
		else
			fputc(s[i], out);
	}
	fputc('\'', out);
}

void report_json_string(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				fprintf(out, "\\u%04x", ch);
			else
				fputc(ch, out);
		}
	}
	fputc('"', out);
}

/* Whether scheme character C may appear in "scheme://". */
static int scheme_char(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.';
}

char *report_redact_urls(const char *s, size_t n, size_t *outlen)
{
	static const char red[] = "<redacted>";
	char *out = NULL;
	size_t olen = 0, run = 0;
	FILE *f = open_memstream(&out, &olen);
	if (!f) {
		fputs("envinit: out of memory\n", stderr);
		exit(EXIT_SOFTWARE);
	}
	for (size_t i = 0; i + 3 <= n; i++) {
		if (memcmp(s + i, "://", 3) != 0 || i == 0 ||
		    !scheme_char((unsigned char)s[i - 1]))
			continue;
		/* the authority runs to the first / ? # or white space, as a
		 * client parses it; the user info is what precedes its last @ */
		size_t a = i + 3, e = a, at = n, colon = n;
		for (; e < n && !strchr("/?#", s[e]) &&
		       (unsigned char)s[e] > ' '; e++)
			if (s[e] == '@')
				at = e;
		for (size_t k = a; at < n && k < at; k++)
			if (s[k] == ':') {
				colon = k;
				break;
			}
		/* go on inside the authority: it may hold the next URL's
		 * scheme (a,b://...) but never its "://" */
		if (at == n || colon == n || colon + 1 == at)
			continue;
		fwrite(s + run, 1, colon + 1 - run, f);
		fputs(red, f);
		run = at;
		i = at;
	}
	fwrite(s + run, 1, n - run, f);
	fclose(f);
	*outlen = olen;
	return out;
}

int report_print_name_ok(const char *key, enum format fmt)
{
	if (fmt == FMT_SHELL)
		return envset_valid_name(key);
	/* env: one line "KEY=..." that reads back; json escapes anything */
	if (fmt == FMT_ENV)
		return *key && *key != '#' && !strpbrk(key, "=\"'$ ") &&
		       diag_printable(key, strlen(key));
	return 1;
}

void report_print_warnings(const struct envset *env, enum format fmt,
			   struct diag *d)
{
	for (size_t i = 0; i < env->n; i++) {
		const struct envvar *v = &env->v[i];
		if (envset_live(v) && !(v->flags & EV_STRIPPED) &&
		    !report_print_name_ok(v->key, fmt))
			diag_warn(d, v->key, NULL, fmt == FMT_SHELL
				  ? "not a shell identifier: left out of --format shell"
				  : "cannot be written in --format env: left out");
	}
}

void report_print(FILE *out, const struct envset *env, enum format fmt,
		  int reveal)
{
	static const char redacted[] = "<redacted>";
	int first = 1;
	if (fmt == FMT_JSON)
		fputc('{', out);
	for (size_t i = 0; i < env->n; i++) {
		const struct envvar *v = &env->v[i];
		if (!envset_live(v) || (v->flags & EV_STRIPPED) ||
		    !report_print_name_ok(v->key, fmt))
			continue;
		int hide = (v->flags & EV_SECRET) && !reveal;
		const char *val = hide ? redacted : v->val;
		size_t len = hide ? sizeof redacted - 1 : v->len;
		char *scrub = NULL; /* a URL's password, whatever the key */
		if (!hide && !reveal && memmem(val, len, "://", 3)) {
			scrub = report_redact_urls(val, len, &len);
			val = scrub;
		}
		switch (fmt) {
		case FMT_ENV:
			fprintf(out, "%s=", v->key);
			if (hide)
				fputs(redacted, out);
			else
				put_env_value(out, val, len);
			fputc('\n', out);
			break;
		case FMT_SHELL:
			fprintf(out, "export %s=", v->key);
			put_shell_value(out, val, len);
			fputc('\n', out);
			break;
		case FMT_JSON:
			fputs(first ? "\n  " : ",\n  ", out);
			report_json_string(out, v->key, strlen(v->key));
			fputs(": ", out);
			report_json_string(out, val, len);
			break;
		}
		free(scrub);
		first = 0;
	}
	if (fmt == FMT_JSON)
		fputs(first ? "}\n" : "\n}\n", out);
	fflush(out);
}

static const char *origin_name(enum origin o)
{
	switch (o) {
	case ORIG_ENVFILE: return "env file";
	case ORIG_SECRETDIR: return "secret file";
	case ORIG_INHERITED: return "inherited";
	case ORIG_FILEREF: return "_FILE path";
	case ORIG_SEALED: return "sealed";
	case ORIG_DEFAULT: return "manifest default";
	case ORIG_NONE: break;
	}
	return "unknown";
}

/* Names, paths and globs are data: escaped (diag_escape), so none of them
 * can end a line or forge one. S may be NULL (nothing is written). */
static void put_name(FILE *out, const char *s)
{
	char *e = diag_escape_str(s);
	if (e)
		fputs(e, out);
	free(e);
}

static void explain_key(FILE *out, const struct envvar *v, const char *why)
{
	put_name(out, v->key);
	fprintf(out, ": %s", origin_name(v->origin));
	if (v->source && v->origin != ORIG_INHERITED) {
		fputc(' ', out);
		put_name(out, v->source);
	}
	if (v->overrode) {
		fputs(", overrode ", out);
		put_name(out, v->overrode);
	}
	if (v->from) {
		fputs(", built from ", out);
		put_name(out, v->from);
	}
	if (v->flags & EV_SECRET)
		fputs(", secret", out);
	fputs("; ", out);
	put_name(out, why ? why : "kept");
	fputc('\n', out);
}

void report_explain(FILE *out, const struct envset *env)
{
	for (size_t i = 0; i < env->n; i++)
		if (envset_live(&env->v[i]))
			explain_key(out, &env->v[i], env->v[i].why);
	fflush(out);
}

void report_explain_all(FILE *out, const struct config *c,
			const struct envset *env, const struct envset *dropped,
			const struct envset *consumed, report_why_fn *why_of)
{
	for (size_t i = 0; i < env->n; i++) {
		if (!envset_live(&env->v[i]))
			continue;
		char *why = why_of(c, &env->v[i]);
		explain_key(out, &env->v[i], why);
		free(why);
	}
	for (size_t i = 0; dropped && i < dropped->n; i++) {
		if (!envset_live(&dropped->v[i]))
			continue;
		put_name(out, dropped->v[i].key);
		fputs(": inherited; dropped: --clear-env, and matches no --keep glob\n",
		      out);
	}
	for (size_t i = 0; consumed && i < consumed->n; i++) {
		const struct envvar *v = &consumed->v[i];
		if (!envset_live(v))
			continue;
		put_name(out, v->key);
		fprintf(out, ": %s", origin_name(v->origin));
		if (v->source && v->origin != ORIG_INHERITED) {
			fputc(' ', out);
			put_name(out, v->source);
		}
		fputs("; consumed: names the file ", out);
		put_name(out, v->val); /* KEY's name, not a value */
		fputs(" is read from; it never reaches the service\n", out);
	}
	fflush(out);
}

/* ---- --format json ------------------------------------------------------ */

void report_json_begin(struct report_json *j)
{
	memset(j, 0, sizeof *j);
	j->ok = 1;
	j->f = open_memstream(&j->buf, &j->len);
	if (!j->f) {
		fputs("envinit: out of memory\n", stderr);
		exit(EXIT_SOFTWARE);
	}
}

static void json_str_or_null(FILE *f, const char *s)
{
	if (s)
		report_json_string(f, s, strlen(s));
	else
		fputs("null", f);
}

/* A subject that is a place (FILE:LINE, a path, a file name) rather
 * than a key. */
static int is_place(const char *s)
{
	return strpbrk(s, ":/.") != NULL;
}

/* The rule word a message starts with ("min: shorter than..."), or NULL. */
static const char *rule_of(const char *text, char *word, size_t cap)
{
	static const char *const rules[] = {
		"min", "max", "int", "port", "bool", "url", "one-of", "match",
		"no-placeholder", "sealed",
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		size_t n = strlen(rules[i]);
		if (strncmp(text, rules[i], n) == 0 && text[n] == ':' &&
		    n < cap) {
			memcpy(word, rules[i], n + 1);
			return word;
		}
	}
	if (strncmp(text, "required", 8) == 0)
		return "required";
	return NULL;
}

static void json_problem(FILE *f, const struct diag_item *it, int first)
{
	const char *key = it->subject, *src = it->source;
	char word[32];
	if (key && is_place(key)) { /* "FILE:LINE: bad syntax" */
		if (!src)
			src = key;
		key = NULL;
	}
	fputs(first ? "" : ", ", f);
	fprintf(f, "{\"level\": \"%s\", \"key\": ",
		it->level == DIAG_ERROR ? "error" : "warning");
	json_str_or_null(f, key);
	fputs(", \"source\": ", f);
	json_str_or_null(f, src);
	fputs(", \"rule\": ", f);
	json_str_or_null(f, rule_of(it->text, word, sizeof word));
	fputs(", \"message\": ", f);
	report_json_string(f, it->text, strlen(it->text));
	fputc('}', f);
}

static void json_names(FILE *f, const struct envset *env, int stripped)
{
	int first = 1;
	fputc('[', f);
	for (size_t i = 0; env && i < env->n; i++) {
		const struct envvar *v = &env->v[i];
		if (!envset_live(v) || !!(v->flags & EV_STRIPPED) != stripped)
			continue;
		fputs(first ? "" : ", ", f);
		report_json_string(f, v->key, strlen(v->key));
		first = 0;
	}
	fputc(']', f);
}

void report_json_service(struct report_json *j, const char *name,
			 const struct diag *d, const struct envset *env,
			 int strict)
{
	FILE *f = j->f;
	int ok = 1, first = 1;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == DIAG_ERROR ||
		    (d->v[i].level == DIAG_WARNING && strict))
			ok = 0;
	fputs(j->n++ ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
	json_str_or_null(f, name);
	fprintf(f, ", \"ok\": %s, \"problems\": [", ok ? "true" : "false");
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].level == DIAG_INFO)
			continue;
		json_problem(f, &d->v[i], first);
		first = 0;
	}
	fputs("], \"kept\": ", f);
	json_names(f, env, 0);
	fputs(", \"stripped\": ", f);
	json_names(f, env, 1);
	fputc('}', f);
	j->ok &= ok;
}

void report_json_end(struct report_json *j, FILE *out)
{
	fclose(j->f);
	fprintf(out, "{\"ok\": %s, \"services\": [", j->ok ? "true" : "false");
	fwrite(j->buf, 1, j->len, out);
	fputs(j->n ? "\n]}\n" : "]}\n", out);
	fflush(out);
	free(j->buf);
	memset(j, 0, sizeof *j);
}
