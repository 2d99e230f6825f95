/*
 * sealfile.c - seal --in-place and --reseal: rewrite an env file's
 * entries; see sealfile.h. The crypto is seal.c's (seal_to, the keyring);
 * the file is replaced atomically by fileio_replace.
 *
 * An entry is found the way envinit reads the file: parsing the whole
 * file tells where NAME is last set, parsing the lines before that entry
 * where it was set before, and an entry's extent is the shortest run of
 * lines that, parsed alone, sets NAME. Nothing is written unless the
 * rewritten file parses to the same keys, in the same order, each with
 * its old value or (for the keys sealed) a sealed one.
 */
#include "sealfile.h"

#include "envfile.h"
#include "fileio.h"
#include "seal.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX_LEN (sizeof SEAL_PREFIX - 1)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Replace PATH with DATA (fileio_replace), saying what failed. */
static int replace(const char *path, const char *data, size_t n,
		   struct diag *d)
{
	const char *step;
	if (fileio_replace(path, data, n, &step) == 0)
		return 0;
	if (!step)
		diag_error(d, path, NULL, "cannot replace: %s", strerror(errno));
	else
		diag_error(d, path, NULL, "cannot %s: %s; the file is unchanged",
			   step, strerror(errno));
	return -1;
}

/* ---- seal --in-place --------------------------------------------------- */

/* One replacement: bytes [s, e) of the file become TEXT. */
struct edit {
	size_t s, e;
	char *text;
	size_t len;
};

struct edits {
	struct edit *v;
	size_t n, cap;
};

/* The blanks the env-file parser skips before a value (Go's isSpace but
 * LF): their length at S, or 0. */
static size_t blank_len(const char *s, size_t n)
{
	switch (s[0]) {
	case '\t': case '\v': case '\f': case '\r': case ' ':
		return 1;
	case '\xC2': /* U+0085, U+00A0 */
		return n >= 2 && (s[1] == '\x85' || s[1] == '\xA0') ? 2 : 0;
	}
	return 0;
}

static size_t skip_sp(const char *buf, size_t i, size_t end)
{
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i;
}

/* Offset of line LINE (1-based) in BUF, or LEN. */
static size_t line_offset(const char *buf, size_t len, unsigned long line)
{
	size_t off = 0;
	while (--line && off < len) {
		const char *lf = memchr(buf + off, '\n', len - off);
		off = lf ? (size_t)(lf - buf) + 1 : len;
	}
	return off;
}

/*
 * Whether the line at S of BUF[0..END) begins the entry of NAME: blanks,
 * an optional `export ` and blanks, NAME, blanks, `=` or `:`. Sets *AT to
 * NAME's offset and *VAL to just after the separator.
 */
static int entry_head(const char *buf, size_t end, size_t s, const char *name,
		      size_t *at, size_t *val)
{
	size_t i = s, nl = strlen(name);
	if (s == 0 && end >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	i = skip_sp(buf, i, end);
	if (end - i > 6 && memcmp(buf + i, "export", 6) == 0 &&
	    (buf[i + 6] == ' ' || buf[i + 6] == '\t'))
		i = skip_sp(buf, i + 6, end);
	if (end - i < nl || memcmp(buf + i, name, nl) != 0)
		return 0;
	*at = i;
	i = skip_sp(buf, i + nl, end);
	if (i == end || (buf[i] != '=' && buf[i] != ':'))
		return 0;
	*val = i + 1;
	return 1;
}

/*
 * Whether the raw value S[0..N) (from just after the separator) would look
 * a variable up: sealing it would freeze that lookup. Single quotes never
 * interpolate; `$$` and, in double quotes, `\$` are literal `$`; a `$` is a
 * lookup when `{` or a name follows. An octal escape (`\0NNN`) in double
 * quotes could spell `$`, so it counts too. Conservative: a trailing
 * comment of a quoted value is scanned as well.
 */
static int has_lookup(const char *s, size_t n)
{
	size_t i = 0, w;
	while (i < n && (w = blank_len(s + i, n - i)))
		i += w;
	if (i < n && s[i] == '\'')
		return 0;
	int dq = i < n && s[i] == '"';
	if (!dq) {
		const char *lf = memchr(s + i, '\n', n - i);
		if (lf)
			n = (size_t)(lf - s);
		const char *cut = memmem(s + i, n - i, " #", 2);
		if (cut)
			n = (size_t)(cut - s);
	}
	for (; i < n; i++) {
		if (dq && s[i] == '\\' && i + 1 < n) {
			if (s[i + 1] == '0' && i + 2 < n && is_digit(s[i + 2]))
				return 1;
			i++;
			continue;
		}
		if (s[i] != '$' || i + 1 == n)
			continue;
		char c = s[i + 1];
		if (c == '$')
			i++;
		else if (c == '{' || c == '_' || (c >= 'A' && c <= 'Z') ||
			 (c >= 'a' && c <= 'z'))
			return 1;
	}
	return 0;
}

static const char shares[] = "shares its line with another entry: "
			     "put it on a line of its own to seal it";
static const char interp[] = "uses interpolation: seal the final value "
			     "with `envinit seal` instead";

/* What parsing BUF[0..LEN) alone gives for NAME. */
struct parsed {
	int errors;   /* parse errors */
	int has;      /* NAME was set */
	int others;   /* other keys were set */
	int sealed;   /* NAME's value is already sealed: 1 v1, 2 another version */
	char *val;    /* NAME's value (wipe_free) or NULL */
	size_t len;
	unsigned long line; /* the line where NAME's entry starts */
};

/* KEEP, when not NULL, receives the parse's problems. */
static void parse_alone(const char *path, const char *buf, size_t len,
			const char *name, struct parsed *p, struct diag *keep)
{
	struct envset set;
	struct diag d;
	envset_init(&set);
	diag_init(&d);
	memset(p, 0, sizeof *p);
	p->errors = envfile_parse(path, buf, len, NULL, &set, keep ? keep : &d);
	const struct envvar *v = envset_get(&set, name);
	p->others = (int)envset_count(&set) - (v != NULL);
	if (v) {
		p->has = 1;
		p->val = xstrndup(v->val, v->len);
		p->len = v->len;
		if (seal_is_sealed(v->val, v->len))
			p->sealed = memcmp(v->val, SEAL_PREFIX, PREFIX_LEN) == 0 ? 1 : 2;
		const char *colon = v->source ? strrchr(v->source, ':') : NULL;
		p->line = colon ? strtoul(colon + 1, NULL, 10) : 0;
	}
	envset_free(&set);
	diag_free(&d);
}

static void parsed_free(struct parsed *p)
{
	if (p->val)
		wipe_free(p->val, p->len + 1);
	p->val = NULL;
}

/*
 * The entry of NAME whose first line starts at S (of BUF[0..END)), VAL
 * being just after its separator: grow the span line by line until parsing
 * it alone sets NAME with no error (a quoted value may span lines). Sets
 * *E to the span's end and P to what it holds. Errors name the key and
 * WHERE ("FILE:LINE").
 */
static int entry_span(const char *path, const char *buf, size_t end, size_t s,
		      size_t val, const char *name, const char *where,
		      size_t *e, struct parsed *p, struct diag *d)
{
	/*
	 * The entry is the shortest run of whole lines from S that, parsed
	 * alone, sets NAME. "Sets NAME" is monotone in the number of lines
	 * (fewer lines leave its quoted value open; more cannot unset it), so
	 * a binary search over the line ends finds it in O(n log n): growing
	 * it line by line was quadratic in the lines of a quoted value.
	 */
	size_t nends = 0, cap = 0, *ends = NULL;
	for (size_t at = s; at < end;) {
		const char *lf = memchr(buf + at, '\n', end - at);
		at = lf ? (size_t)(lf - buf) + 1 : end;
		xgrow((void **)&ends, &cap, nends + 1, sizeof *ends);
		ends[nends++] = at;
	}
	size_t lo = 0, hi = nends; /* the answer is in [lo, hi); nends: none */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		parse_alone(path, buf + s, ends[mid] - s, name, p, NULL);
		int has = p->has;
		parsed_free(p);
		if (has)
			hi = mid;
		else
			lo = mid + 1;
	}
	int rc = -1;
	size_t at = lo < nends ? ends[lo] : (nends ? ends[0] : end);
	if (has_lookup(buf + val, at - val)) {
		diag_error(d, name, where, "%s", interp);
		goto out;
	}
	if (lo == nends) {
		diag_error(d, name, where, "cannot parse its entry alone");
		goto out;
	}
	parse_alone(path, buf + s, at - s, name, p, NULL);
	if (p->others)
		diag_error(d, name, where, "%s", shares);
	else if (p->errors)
		diag_error(d, name, where, "cannot parse its entry alone");
	else
		rc = 0;
	if (rc == 0)
		*e = at;
	else
		parsed_free(p);
out:
	free(ends);
	return rc;
}

/*
 * The line of the first reference to NAME ($NAME or ${NAME...}) anywhere in
 * BUF, or 0. Sealing a key another entry interpolates would hand that
 * entry the sealed text (interpolation runs before values are opened), so
 * such a key is refused. Conservative: quoting and comments are ignored.
 */
static unsigned long first_reference(const char *buf, size_t len,
				     const char *name)
{
	size_t n = strlen(name);
	unsigned long line = 1;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			line++;
			continue;
		}
		if (buf[i] != '$' || i + 1 >= len)
			continue;
		if (buf[i + 1] == '$') { /* $$ is a literal dollar */
			i++;
			continue;
		}
		size_t at = i + 1 + (buf[i + 1] == '{');
		if (at + n > len || memcmp(buf + at, name, n) != 0)
			continue;
		char next = '\0';
		if (at + n < len)
			next = buf[at + n];
		int namechar = (next >= 'A' && next <= 'Z') ||
			       (next >= 'a' && next <= 'z') ||
			       (next >= '0' && next <= '9') || next == '_';
		if (!namechar)
			return line;
	}
	return 0;
}

/*
 * The new text of the entry [S, E): the original prefix (indentation,
 * `export `), NAME=SEALED, a trailing comment and the line end. The tail
 * after a quoted value must be blank or a comment (else it holds another
 * statement and must not be kept). Returns NULL after an error.
 */
static char *rewrite_entry(const char *buf, size_t s, size_t e, size_t at,
			   size_t val, const char *name, const char *sealed,
			   const char *where, size_t *outlen, struct diag *d)
{
	size_t eol = e, w;
	if (eol > s && buf[eol - 1] == '\n') {
		eol--;
		if (eol > s && buf[eol - 1] == '\r')
			eol--;
	}
	size_t i = val;
	while (i < eol && (w = blank_len(buf + i, eol - i)))
		i += w;

	size_t cs = eol, ce = eol; /* the comment, `#...`, if any */
	const char *gap = " ";    /* what goes between the value and it */
	size_t gaplen = 1;
	if (i < e && (buf[i] == '"' || buf[i] == '\'')) {
		/* the closing quote: the next one with no backslash before it */
		size_t j = i + 1;
		const char *q;
		while ((q = memchr(buf + j, buf[i], e - j)) && q[-1] == '\\')
			j = (size_t)(q - buf) + 1;
		size_t t = q ? (size_t)(q - buf) + 1 : eol, u = t;
		while (u < eol && (w = blank_len(buf + u, eol - u)))
			u += w;
		if (u < eol && buf[u] != '#') {
			diag_error(d, name, where, "%s", shares);
			return NULL;
		}
		if (u < eol) {
			cs = u;
			/* keep the blanks when they end with a space: unquoted,
			 * only " #" starts a comment */
			if (u > t && buf[u - 1] == ' ') {
				gap = buf + t;
				gaplen = u - t;
			}
		}
	} else {
		const char *cut = memmem(buf + i, eol - i, " #", 2);
		if (cut) {
			size_t c = (size_t)(cut - buf);
			cs = c + 1;
			while (c > i && (buf[c - 1] == ' ' || buf[c - 1] == '\t'))
				c--;
			gap = buf + c;
			gaplen = cs - c;
		}
	}
	size_t slen = strlen(sealed), nlen = strlen(name);
	size_t clen = ce - cs;
	size_t n = (at - s) + nlen + 1 + slen + (clen ? gaplen + clen : 0) +
		   (e - eol);
	char *out = xmalloc(n + 1), *o = out;
	memcpy(o, buf + s, at - s), o += at - s;
	memcpy(o, name, nlen), o += nlen;
	*o++ = '=';
	memcpy(o, sealed, slen), o += slen;
	if (clen) {
		memcpy(o, gap, gaplen), o += gaplen;
		memcpy(o, buf + cs, clen), o += clen;
	}
	memcpy(o, buf + eol, e - eol), o += e - eol;
	*o = '\0';
	*outlen = n;
	return out;
}

/* Whether the 1-based line LINE is one of LINES[0..N). */
static int line_in(const unsigned long *lines, size_t n, unsigned long line)
{
	for (size_t i = 0; i < n; i++)
		if (lines[i] == line)
			return 1;
	return 0;
}

/*
 * Add to ED the rewrite of every entry of NAME in BUF (LEN bytes of PATH).
 * Walks backwards: the last entry of NAME is where parsing the whole file
 * sets it; the one before, where parsing the bytes before that entry does.
 * Returns the number of errors added.
 */
static int seal_entries(const unsigned char *pk, const char *path,
			const char *buf, size_t len, const char *name,
			struct edits *ed, struct diag *d)
{
	struct diag whole; /* problems of the whole file, parsed alone */
	unsigned long *found = NULL;
	size_t nfound = 0, cap = 0, end = len;
	int errs = 0;
	unsigned long ref = first_reference(buf, len, name);
	if (ref) {
		char *where = xasprintf("%s:%lu", path, ref);
		diag_error(d, name, where,
			   "is interpolated by another entry: sealing it would hand that "
			   "entry the sealed text; seal the final values with envinit seal");
		free(where);
		return 1;
	}
	diag_init(&whole);

	for (;;) {
		struct parsed p;
		/* the whole file first, keeping its problems */
		parse_alone(path, buf, end, name, &p, end == len ? &whole : NULL);
		if (!p.has || !p.line) {
			parsed_free(&p);
			break;
		}
		xgrow((void **)&found, &cap, nfound + 1, sizeof *found);
		found[nfound++] = p.line;

		char *where = xasprintf("%s:%lu", path, p.line);
		size_t s = line_offset(buf, end, p.line), at, val, e;
		struct parsed q;
		if (!entry_head(buf, end, s, name, &at, &val)) {
			diag_error(d, name, where, "%s", shares);
			errs++;
		} else if (entry_span(path, buf, end, s, val, name, where, &e,
				      &q, d) < 0) {
			errs++;
		} else if (q.len != p.len ||
			   (p.len && memcmp(q.val, p.val, p.len) != 0)) {
			/* its line starts inside another entry (the end of a
			 * quoted value before NAME on the same line): alone,
			 * the line means something else */
			diag_error(d, name, where, "%s", shares);
			parsed_free(&q);
			errs++;
		} else {
			if (q.sealed == 2) {
				diag_error(d, name, where,
					   "holds a sealed value of an unknown version");
				errs++;
			} else if (!q.sealed) {
				char *sealed = seal_to(pk, name, q.val, q.len, d);
				size_t tlen;
				char *text = sealed ? rewrite_entry(buf, s, e, at, val,
						name, sealed, where, &tlen, d) : NULL;
				if (text) {
					xgrow((void **)&ed->v, &ed->cap, ed->n + 1,
					      sizeof *ed->v);
					ed->v[ed->n++] = (struct edit){ s, e, text, tlen };
				} else {
					errs++;
				}
				free(sealed);
			}
			parsed_free(&q);
		}
		free(where);
		parsed_free(&p);
		end = s;
	}

	/*
	 * An entry of NAME that does not parse (a NUL byte, a broken quote,
	 * a lookup that fails without the environment) sets nothing, so the
	 * walk above does not see it: look for its line among the problems.
	 */
	size_t plen = strlen(path);
	int named = 0;
	for (size_t i = 0; i < whole.n; i++) {
		const struct diag_item *it = &whole.v[i];
		if (it->level != DIAG_ERROR || !it->subject ||
		    strncmp(it->subject, path, plen) != 0 ||
		    it->subject[plen] != ':')
			continue;
		unsigned long line = strtoul(it->subject + plen + 1, NULL, 10);
		size_t at, val;
		if (line && !line_in(found, nfound, line) &&
		    entry_head(buf, len, line_offset(buf, len, line), name, &at,
			       &val)) {
			const char *lf = memchr(buf + val, '\n', len - val);
			size_t n = lf ? (size_t)(lf - buf) - val : len - val;
			if (has_lookup(buf + val, n))
				diag_error(d, name, it->subject, "%s", interp);
			else
				diag_error(d, name, it->subject,
					   "cannot seal its entry: %s", it->text);
			errs++;
			named = 1;
		}
	}
	if (!nfound && !named) {
		/* the file's own problems may be why (a syntax error stops it) */
		for (size_t i = 0; i < whole.n; i++)
			if (whole.v[i].level == DIAG_ERROR)
				diag_error(d, whole.v[i].subject, whole.v[i].source,
					   "%s", whole.v[i].text);
		diag_error(d, name, path, "no entry sets it in this file");
		errs++;
	}
	free(found);
	diag_free(&whole);
	return errs;
}

static int edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	return x->s < y->s ? -1 : x->s > y->s;
}

/* Whether NAME is one of NAMES[0..N). */
static int name_in(const char *name, char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* Which entries of the old file a rewrite may change, and how: their new
 * value need only be sealed (RESEALED says which). */
typedef int resealed_fn(const struct envvar *old, const void *ctx);

/*
 * The last check before writing: OLD and NEW (the rewritten file), parsed
 * the way envinit parses them, set the same keys in the same order with no
 * new error (a failing ${X:?} counts in both), every entry RESEALED names to
 * a sealed value and every other key to what it held. A rewrite that would
 * change another entry is never written.
 */
static int same_rewrite(const char *path, const char *old, size_t olen,
			const char *new, size_t nlen, resealed_fn *resealed,
			const void *ctx)
{
	struct envset a, b;
	struct diag da, db;
	envset_init(&a);
	envset_init(&b);
	diag_init(&da);
	diag_init(&db);
	int ea = envfile_parse(path, old, olen, NULL, &a, &da);
	int eb = envfile_parse(path, new, nlen, NULL, &b, &db);
	int same = eb <= ea && a.n == b.n;
	for (size_t i = 0; same && i < a.n; i++) {
		const struct envvar *v = &a.v[i], *w = &b.v[i];
		if (envset_live(v) != envset_live(w) || strcmp(v->key, w->key) != 0)
			same = 0;
		else if (!envset_live(v))
			continue;
		else if (resealed(v, ctx))
			same = seal_is_sealed(w->val, w->len);
		else
			same = v->len == w->len && !memcmp(v->val, w->val, v->len);
	}
	envset_free(&a);
	envset_free(&b);
	diag_free(&da);
	diag_free(&db);
	return same;
}

struct name_list {
	char *const *v;
	int n;
};

/* seal --in-place: the named keys whose value was plaintext. */
static int named_plaintext(const struct envvar *v, const void *ctx)
{
	const struct name_list *l = ctx;
	return name_in(v->key, l->v, l->n) && !seal_is_sealed(v->val, v->len);
}

/* --reseal: every value that was sealed. */
static int was_sealed(const struct envvar *v, const void *ctx)
{
	(void)ctx;
	return seal_is_sealed(v->val, v->len);
}

/* BUF (LEN bytes) with the edits of ED applied; *TOTAL gets its length. */
static char *apply_edits(const char *buf, size_t len, struct edits *ed,
			 size_t *total)
{
	qsort(ed->v, ed->n, sizeof *ed->v, edit_cmp);
	size_t n = len, pos = 0;
	for (size_t i = 0; i < ed->n; i++)
		n += ed->v[i].len - (ed->v[i].e - ed->v[i].s);
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < ed->n; i++) {
		memcpy(o, buf + pos, ed->v[i].s - pos);
		o += ed->v[i].s - pos;
		memcpy(o, ed->v[i].text, ed->v[i].len);
		o += ed->v[i].len;
		pos = ed->v[i].e;
	}
	memcpy(o, buf + pos, len - pos);
	out[n] = '\0';
	*total = n;
	return out;
}

int seal_in_place(const char *pubkey, const char *path, char *const *names,
		  int n, struct diag *d)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	for (int i = 0; i < n; i++)
		if (seal_check_name(names[i], d) < 0)
			return EXIT_USAGE;
	int status = seal_load_public_key(pubkey, pk, d);
	if (status)
		return status;

	char *buf;
	size_t len;
	if (envfile_read(path, 0, &buf, &len, NULL, d))
		return EXIT_CONFIG;
	if (seal_sodium_ready(d) < 0) {
		wipe_free(buf, len + 1);
		return EXIT_CONFIG;
	}

	struct edits ed = { 0 };
	int errs = 0;
	for (int i = 0; i < n; i++) {
		if (!name_in(names[i], names, i)) /* a name given twice: once */
			errs += seal_entries(pk, path, buf, len, names[i], &ed, d);
	}

	status = errs ? EXIT_CONFIG : EXIT_OK;
	if (!errs && ed.n) {
		size_t total;
		char *out = apply_edits(buf, len, &ed, &total);
		struct name_list nl = { names, n };
		if (!same_rewrite(path, buf, len, out, total, named_plaintext, &nl)) {
			diag_error(d, path, NULL, "sealing in place would change "
				   "another entry; the file is unchanged: put each "
				   "key to seal on a line of its own");
			status = EXIT_CONFIG;
		} else if (replace(path, out, total, d) < 0) {
			status = EXIT_CONFIG;
		}
		wipe_free(out, total + 1); /* other keys' values are in it */
	} else if (!errs) {
		diag_info(d, path, NULL, "nothing to seal: already sealed");
	}
	for (size_t i = 0; i < ed.n; i++)
		free(ed.v[i].text);
	free(ed.v);
	wipe_free(buf, len + 1);
	return status;
}

/* ---- seal --in-place --reseal ----------------------------------------- */

struct reseal {
	const char *buf;
	size_t len;
	char *const *names;
	int n;
	const struct keyring *kr;
	const unsigned char *pk; /* NEW */
	struct edits ed;
	struct diag *d;
	struct diag unopened; /* one item per value no key opens */
	size_t same;          /* already sealed to NEW */
	int errs;
	struct envset seen;   /* the NAMEs that have a sealed entry */
};

/* envfile_parse_each: one entry of the file to re-seal. */
static void reseal_entry(void *ctx, const char *key, const char *where,
			 const struct envvar *v, unsigned flags)
{
	struct reseal *r = ctx;
	(void)flags;
	if (!v || !seal_is_sealed(v->val, v->len) ||
	    (r->n && !name_in(key, r->names, r->n)))
		return;
	envset_set(&r->seen, key, "", 0, ORIG_NONE, NULL);

	/* the value as written: on the entry's first line (base64 needs no
	 * quoting or escapes) */
	const char *colon = strrchr(where, ':');
	size_t s = line_offset(r->buf, r->len, strtoul(colon + 1, NULL, 10));
	const char *lf = memchr(r->buf + s, '\n', r->len - s);
	size_t eol = lf ? (size_t)(lf - r->buf) : r->len;
	const char *at = memmem(r->buf + s, eol - s, v->val, v->len);
	if (!at) {
		diag_error(r->d, key, where,
			   "cannot find its sealed value on the entry's line: write it unquoted, on one line");
		r->errs++;
		return;
	}

	unsigned char *m = NULL;
	size_t mlen = 0;
	int which = seal_open_with(r->kr, v->val, v->len, &m, &mlen);
	if (which == -2) {
		diag_error(r->d, key, where, "%s", seal_form_error(v->val, v->len));
		r->errs++;
		return;
	}
	if (which < 0) {
		diag_add(&r->unopened, DIAG_ERROR, key, where,
			 "no given private key opens it");
		return;
	}
	size_t nlen = strlen(key);
	if (mlen <= nlen || memcmp(m, key, nlen + 1) != 0) {
		diag_error(r->d, key, where, "sealed for another key, not %s", key);
		r->errs++;
	} else if (seal_keyring_public(r->kr, which, r->pk)) {
		r->same++; /* opened by NEW's own private key: already rotated */
	} else {
		char *text = seal_to(r->pk, key, (const char *)m + nlen + 1,
				     mlen - nlen - 1, r->d);
		if (!text) {
			r->errs++;
		} else {
			size_t off = (size_t)(at - r->buf);
			xgrow((void **)&r->ed.v, &r->ed.cap, r->ed.n + 1,
			      sizeof *r->ed.v);
			r->ed.v[r->ed.n++] =
				(struct edit){ off, off + v->len, text, strlen(text) };
		}
	}
	sodium_free(m);
}

int seal_reseal(const struct strlist *keyfiles, const char *pubkey,
		const char *path, char *const *names, int n, int skip_unopened,
		char **summary, struct diag *d)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	*summary = NULL;
	for (int i = 0; i < n; i++)
		if (seal_check_name(names[i], d) < 0)
			return EXIT_USAGE;
	if (!keyfiles->n) {
		diag_error(d, "--reseal", NULL,
			   "needs --private-key-file OLD (the key the values are sealed to)");
		return EXIT_USAGE;
	}
	int status = seal_load_public_key(pubkey, pk, d);
	if (status)
		return status;
	if (seal_sodium_ready(d) < 0)
		return EXIT_CONFIG;
	struct keyring *kr = seal_keyring_load(keyfiles, d);
	if (!kr)
		return EXIT_CONFIG;

	char *buf;
	size_t len;
	if (envfile_read(path, 0, &buf, &len, NULL, d)) {
		seal_keyring_free(kr);
		return EXIT_CONFIG;
	}

	struct reseal r = { .buf = buf, .len = len, .names = names, .n = n,
			    .kr = kr, .pk = pk, .d = d };
	struct envset set;
	envset_init(&set);
	envset_init(&r.seen);
	diag_init(&r.unopened);
	r.errs = envfile_parse_each(path, buf, len, &set, d, reseal_entry, &r);
	envset_free(&set);
	for (int i = 0; i < n; i++)
		if (!name_in(names[i], names, i) && !envset_get(&r.seen, names[i])) {
			diag_error(d, names[i], path, "no sealed entry sets it in this file");
			r.errs++;
		}

	size_t nun = r.unopened.n;
	for (size_t i = 0; i < nun; i++) {
		const struct diag_item *it = &r.unopened.v[i];
		diag_add(d, skip_unopened ? DIAG_WARNING : DIAG_ERROR, it->subject,
			 it->source, "%s%s", it->text,
			 skip_unopened ? "; left as it is (--skip-unopened)" : "");
	}
	status = EXIT_CONFIG;
	if (r.errs) {
		diag_error(d, path, NULL, "nothing re-sealed; the file is unchanged");
	} else if (nun && !skip_unopened) {
		diag_error(d, path, NULL,
			   "nothing re-sealed; the file is unchanged (--skip-unopened re-seals the others)");
	} else if (!r.ed.n) {
		status = EXIT_OK;
	} else {
		size_t total;
		char *out = apply_edits(buf, len, &r.ed, &total);
		if (!same_rewrite(path, buf, len, out, total, was_sealed, NULL))
			diag_error(d, path, NULL, "re-sealing in place would change "
				   "another entry; the file is unchanged");
		else if (replace(path, out, total, d) == 0)
			status = EXIT_OK;
		wipe_free(out, total + 1);
	}
	if (status == EXIT_OK)
		*summary = xasprintf("envinit: %s: re-sealed %zu, already sealed "
				     "to the new key %zu, left unopened %zu\n",
				     path, r.ed.n, r.same, nun);
	for (size_t i = 0; i < r.ed.n; i++)
		free(r.ed.v[i].text);
	free(r.ed.v);
	envset_free(&r.seen);
	diag_free(&r.unopened);
	wipe_free(buf, len + 1);
	seal_keyring_free(kr);
	return status;
}

