/*
 * diag.c - collect problems; see diag.h.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
	d->v = NULL;
	d->n = d->cap = d->nerrors = 0;
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].subject);
		free(d->v[i].text);
		free(d->v[i].source);
	}
	free(d->v);
	diag_init(d);
}

void diag_append(struct diag *to, const struct diag *from)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct diag_item *it = &from->v[i];
		diag_add(to, it->level, it->subject, it->source, "%s", it->text);
	}
}

size_t diag_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, c = s[0] & 0x1Fu, min = 0x80;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, c = s[0] & 0x0Fu, min = 0x800;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, c = s[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Length of the printable character at S (N bytes left), or 0 when the
 * byte at S must be escaped: not UTF-8, or a C0, DEL or C1 control. */
static size_t printable_len(const unsigned char *s, size_t n)
{
	uint32_t c;
	size_t len = diag_utf8_decode(s, n, &c);
	if (!len || c < 0x20 || (c >= 0x7f && c <= 0x9F))
		return 0;
	return len;
}

int diag_printable(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0, w; i < n; i += w)
		if (!(w = printable_len(u + i, n - i)))
			return 0;
	return 1;
}

char *diag_escape(const char *s, size_t n)
{
	return diag_escape_to(xmalloc(n * 4 + 1), s, n);
}

char *diag_escape_to(char *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *o = out;
	for (size_t i = 0, w; i < n; i += w) {
		w = printable_len(u + i, n - i);
		if (w) {
			memcpy(o, s + i, w);
			o += w;
			continue;
		}
		w = 1;
		*o++ = '\\';
		switch (u[i]) {
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'x';
			*o++ = "0123456789abcdef"[u[i] >> 4];
			*o++ = "0123456789abcdef"[u[i] & 15];
		}
	}
	*o = '\0';
	return out;
}

char *diag_escape_str(const char *s)
{
	return s ? diag_escape(s, strlen(s)) : NULL;
}

void diag_add(struct diag *d, enum diag_level lvl, const char *subject,
	      const char *source, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *text = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	va_start(ap, fmt);
	vsnprintf(text, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
	va_end(ap);

	xgrow((void **)&d->v, &d->cap, d->n + 1, sizeof *d->v);
	struct diag_item *it = &d->v[d->n++];
	it->level = lvl;
	it->subject = diag_escape_str(subject);
	it->source = diag_escape_str(source);
	it->text = diag_escape(text, strlen(text));
	free(text);
	if (lvl == DIAG_ERROR)
		d->nerrors++;
}

char *diag_format(const struct diag_item *it)
{
	const char *lvl = it->level == DIAG_WARNING ? "warning: " : "";
	if (it->subject && it->source)
		return xasprintf("envinit: %s%s: %s (%s)", lvl, it->subject,
				 it->text, it->source);
	if (it->subject)
		return xasprintf("envinit: %s%s: %s", lvl, it->subject, it->text);
	if (it->source)
		return xasprintf("envinit: %s%s (%s)", lvl, it->text, it->source);
	return xasprintf("envinit: %s%s", lvl, it->text);
}
