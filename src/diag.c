/*
 * diag.c - collect problems; see diag.h.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
	it->subject = subject ? xstrdup(subject) : NULL;
	it->source = source ? xstrdup(source) : NULL;
	it->text = text;
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
