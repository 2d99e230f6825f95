/*
 * interp.c - compose-style interpolation; see interp.h and docs/envfile.md R7.
 *
 * One pass over the template. Every byte is visited once: a WORD is
 * scanned exactly once, either expanding it (when its operator uses it) or
 * only checking its syntax (when it does not), and the scan of a WORD ends
 * at the `}` that balances it, so no text is rescanned to find that brace.
 */
#include "interp.h"

#include <stdlib.h>
#include <string.h>

void interp_buf_add(struct interp_buf *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		/* Not xrealloc: it would leave the old bytes in freed memory. */
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n) {
			if (cap > ((size_t)-1) / 2)
				cap = b->len + n;
			else
				cap *= 2;
		}
		char *p = xmalloc(cap);
		if (b->len)
			memcpy(p, b->p, b->len);
		wipe_free(b->p, b->cap);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void interp_buf_wipe(struct interp_buf *b)
{
	wipe_free(b->p, b->cap);
	b->p = NULL;
	b->len = b->cap = 0;
}

struct ictx {
	const char *s;
	size_t n;
	const struct envset *env, *out;
	struct interp_buf *res;
	struct interp_error *err;
	char *name; /* NUL-terminated copy of the name being looked up */
	size_t namecap;
	int too_big; /* the result passed INTERP_MAX_VALUE: stop adding */
	struct interp_trace *trace; /* may be NULL */
};

void interp_trace_free(struct interp_trace *t)
{
	free(t->from.p);
	free(t->unset.p);
	memset(t, 0, sizeof *t);
}

/* Whether the ','-separated LIST holds NAME (N bytes). */
static int list_has(const struct interp_buf *list, const char *name, size_t n)
{
	for (size_t i = 0; i < list->len;) {
		const char *e = memchr(list->p + i, ',', list->len - i);
		size_t k = e ? (size_t)(e - list->p) - i : list->len - i;
		if (k == n && memcmp(list->p + i, name, n) == 0)
			return 1;
		i += k + 1;
	}
	return 0;
}

/* Add NAME to LIST (of *COUNT names) unless there or LIST is full; the
 * marker "*" always goes in. Returns 0, or -1 when LIST is full. */
static int list_add(struct interp_buf *list, size_t *count, const char *name,
		    size_t n)
{
	int star = n == 1 && *name == '*';
	if (n == 0 || list_has(list, name, n))
		return 0;
	if (*count >= INTERP_TRACE_MAX && !star)
		return -1;
	if (list->len)
		interp_buf_add(list, ",", 1);
	interp_buf_add(list, name, n);
	++*count;
	return 0;
}

static void from_add(struct interp_trace *t, const char *name, size_t n)
{
	if (list_add(&t->from, &t->nfrom, name, n) < 0)
		list_add(&t->from, &t->nfrom, "*", 1);
}

/* V's value goes into the result: record V and what V was built from. */
static void trace_used(struct ictx *c, const struct envvar *v)
{
	if (!c->trace)
		return;
	from_add(c->trace, v->key, strlen(v->key));
	for (const char *f = v->from; f && *f;) {
		size_t k = strcspn(f, ",");
		from_add(c->trace, f, k);
		f += k + (f[k] == ',');
	}
}

static int name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static enum interp_status invalid(struct ictx *c, const char *why)
{
	c->err->status = INTERP_INVALID;
	c->err->why = why;
	return INTERP_INVALID;
}

/* The variable named by N bytes at NAME: ENV first, then OUT (R7.4). */
static const struct envvar *lookup(struct ictx *c, const char *name, size_t n)
{
	xgrow((void **)&c->name, &c->namecap, n + 1, 1);
	memcpy(c->name, name, n);
	c->name[n] = '\0';
	const struct envvar *v = c->env ? envset_get(c->env, c->name) : NULL;
	if (!v && c->out)
		v = envset_get(c->out, c->name);
	return v;
}

/*
 * Every byte of the result goes through here: past INTERP_MAX_VALUE the
 * expansion fails, so a chain of lines that each repeat the one before
 * ("billion laughs") cannot exhaust memory.
 */
static void add(struct ictx *c, const char *s, size_t n)
{
	if (c->too_big || n > INTERP_MAX_VALUE - c->res->len) {
		c->too_big = 1;
		return;
	}
	interp_buf_add(c->res, s, n);
}

static void emit(struct ictx *c, int eval, const char *s, size_t n)
{
	if (eval)
		add(c, s, n);
}

static void emit_var(struct ictx *c, int eval, const char *name, size_t n)
{
	if (!eval)
		return;
	const struct envvar *v = lookup(c, name, n);
	/* unset expands to "" (compose only logs a warning) */
	if (v) {
		trace_used(c, v);
		add(c, v->val, v->len);
	} else if (c->trace) {
		(void)list_add(&c->trace->unset, &c->trace->nunset, name, n);
	}
}

static enum interp_status scan(struct ictx *c, size_t *pos, int in_word,
			       int eval, int depth);

/*
 * ${NAME}, ${NAME<op>WORD}: c->s[*pos] is the `$` of "${". The character
 * right after the (longest) name decides the operator, which is why the
 * earliest operator wins: `${A-x:-y}` is `-` with WORD `x:-y`.
 */
static enum interp_status braced(struct ictx *c, size_t *pos, int eval,
				 int depth)
{
	const char *s = c->s;
	size_t n = c->n, name = *pos + 2, k = name;

	if (depth >= INTERP_MAX_DEPTH)
		return invalid(c, "'${' nested too deeply");
	if (k < n && name_start(s[k]))
		for (k++; k < n && name_char(s[k]); k++)
			;
	if (k == n)
		return invalid(c, "missing '}'");
	if (k == name)
		return invalid(c, "'${' is not followed by a variable name");
	size_t namelen = k - name;
	if (s[k] == '}') {
		emit_var(c, eval, s + name, namelen);
		*pos = k + 1;
		return INTERP_OK;
	}

	int colon = s[k] == ':';
	if (colon && ++k == n)
		return invalid(c, "missing '}'");
	char op = s[k];
	if (op != '-' && op != '+' && op != '?')
		return invalid(c, colon ? "unsupported operator after ':'"
				   : "unexpected character after the variable name");

	/* Decide before scanning WORD whether it is used: it is expanded
	 * only then (lazy), otherwise merely checked. */
	const struct envvar *v = eval ? lookup(c, s + name, namelen) : NULL;
	int cond = colon ? v && v->len : v != NULL;
	int use_val = eval && op != '+' && cond;
	int use_word = eval && op != '?' && (op == '+' ? cond : !cond);
	int missing = eval && op == '?' && !cond;

	size_t word = k + 1, w = word;
	enum interp_status st = scan(c, &w, 1, use_word, depth + 1);
	if (st)
		return st;
	if (missing) {
		/* m is not expanded: it is never shown expanded (interp.h),
		 * and a nested failure inside m must not mask this one. */
		c->err->status = INTERP_REQUIRED;
		c->err->name = s + name;
		c->err->namelen = namelen;
		c->err->msg = s + word;
		c->err->msglen = w - word;
		return INTERP_REQUIRED;
	}
	if (use_val) {
		trace_used(c, v);
		add(c, v->val, v->len);
	}
	*pos = w + 1; /* past the closing brace */
	return INTERP_OK;
}

/* c->s[*pos] is a `$`: handle what it starts and move past it. */
static enum interp_status dollar(struct ictx *c, size_t *pos, int eval,
				 int depth)
{
	const char *s = c->s;
	size_t j = *pos + 1;

	if (j < c->n && s[j] == '{')
		return braced(c, pos, eval, depth);
	if (j < c->n && s[j] == '$') {
		emit(c, eval, "$", 1);
		*pos = j + 1;
		return INTERP_OK;
	}
	if (j < c->n && name_start(s[j])) {
		size_t k = j + 1;
		while (k < c->n && name_char(s[k]))
			k++;
		emit_var(c, eval, s + j, k - j);
		*pos = k;
		return INTERP_OK;
	}
	/* `$1`, `$-`, `$ `, a final `$`: literal. What follows is scanned
	 * normally, so the `}` of `$}` still counts as a brace in a WORD. */
	emit(c, eval, "$", 1);
	*pos = j;
	return INTERP_OK;
}

/*
 * Expand (EVAL) or only check c->s from *pos. At top level this runs to the
 * end. In a WORD it stops at the `}` that closes the enclosing "${",
 * counting plain braces so `${A:-{"k":1}}` gives `{"k":1}`; *pos is left
 * on that brace. A nested "${...}" is consumed whole by braced().
 */
static enum interp_status scan(struct ictx *c, size_t *pos, int in_word,
			       int eval, int depth)
{
	size_t i = *pos, run = i, open = 0;
	enum interp_status st = INTERP_OK;

	while (i < c->n) {
		char ch = c->s[i];
		if (in_word && ch == '{') {
			open++;
		} else if (in_word && ch == '}') {
			if (open == 0)
				break;
			open--;
		} else if (ch == '$') {
			emit(c, eval, c->s + run, i - run);
			st = dollar(c, &i, eval, depth);
			if (st)
				goto out;
			run = i;
			continue;
		}
		i++;
	}
	if (in_word && i == c->n) {
		st = invalid(c, "missing '}'");
		goto out;
	}
	emit(c, eval, c->s + run, i - run);
out:
	*pos = i;
	return st;
}

enum interp_status interp_expand(const char *text, size_t len,
				 const struct envset *env,
				 const struct envset *out, struct interp_buf *res,
				 struct interp_error *err)
{
	return interp_expand_traced(text, len, env, out, res, err, NULL);
}

enum interp_status interp_expand_traced(const char *text, size_t len,
					const struct envset *env,
					const struct envset *out,
					struct interp_buf *res,
					struct interp_error *err,
					struct interp_trace *t)
{
	struct ictx c = {
		.s = text, .n = len, .env = env, .out = out, .res = res,
		.err = err, .trace = t,
	};
	size_t pos = 0;

	memset(err, 0, sizeof *err);
	enum interp_status st = scan(&c, &pos, 0, 1, 0);
	free(c.name); /* names are not secret */
	if (st == INTERP_OK && c.too_big)
		return invalid(&c, "the value grows beyond 1 MiB through interpolation");
	return st;
}

/* Copy M (LEN bytes) for a message: at most INTERP_MSG_MAX bytes, cut on
 * a UTF-8 boundary, control bytes as '?' so it cannot forge lines. */
static char *clean_msg(const char *m, size_t len)
{
	int cut = len > INTERP_MSG_MAX;
	if (cut) {
		len = INTERP_MSG_MAX;
		while (len && ((unsigned char)m[len] & 0xC0) == 0x80)
			len--;
	}
	char *p = xmalloc(len + 4);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)m[i];
		if (ch < 0x20 || ch == 0x7f)
			p[i] = '?';
		else
			p[i] = m[i];
	}
	strcpy(p + len, cut ? "..." : "");
	return p;
}

char *interp_strerror(const struct interp_error *err, const char *key)
{
	const char *in = key ? " in the value of " : "";
	if (!key)
		key = "";
	if (err->status == INTERP_INVALID)
		return xasprintf("invalid interpolation syntax%s%s: %s", in, key,
				 err->why);
	if (err->status != INTERP_REQUIRED)
		return xstrdup("no error");

	char *m = clean_msg(err->msg, err->msglen);
	char *s = xasprintf("required variable %.*s is missing a value%s%s%s%s%s",
			    (int)err->namelen, err->name, *key ? " (in " : "",
			    key, *key ? ")" : "", *m ? ": " : "", m);
	free(m);
	return s;
}
