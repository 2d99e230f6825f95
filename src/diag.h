/*
 * diag.h - the list of problems found while assembling and checking.
 *
 * Modules never print: they append to a struct diag and return. Only
 * report.c writes the list out, so every problem is reported at once.
 * An item says WHERE and WHAT, never a value: subject is a key or
 * "FILE:LINE", source names where it came from. Callers must not pass a
 * value through the format arguments; the API has no value parameter.
 */
#ifndef DIAG_H
#define DIAG_H

#include "envinit.h"

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_INFO };

struct diag_item {
	enum diag_level level;
	char *subject; /* key or FILE:LINE; may be NULL */
	char *text;    /* what is wrong */
	char *source;  /* where it came from; may be NULL */
};

struct diag {
	struct diag_item *v;
	size_t n, cap;
	size_t nerrors;
};

void diag_init(struct diag *d);
void diag_free(struct diag *d);

/* Append an item. subject and source may be NULL. */
void diag_add(struct diag *d, enum diag_level lvl, const char *subject,
	      const char *source, const char *fmt, ...) ATTR_PRINTF(5, 6);

#define diag_error(d, subj, src, ...) \
	diag_add((d), DIAG_ERROR, (subj), (src), __VA_ARGS__)
#define diag_warn(d, subj, src, ...) \
	diag_add((d), DIAG_WARNING, (subj), (src), __VA_ARGS__)
#define diag_info(d, subj, src, ...) \
	diag_add((d), DIAG_INFO, (subj), (src), __VA_ARGS__)

/* Format one item as "envinit: SUBJECT: TEXT (SOURCE)"; caller frees. */
char *diag_format(const struct diag_item *it);

#endif
