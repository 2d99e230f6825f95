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

#include <stdint.h>

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
/* Append a copy of every item of FROM to TO, in order. */
void diag_append(struct diag *to, const struct diag *from);

/* Append an item. subject and source may be NULL. Subject, source and
 * the formatted text are stored escaped (diag_escape). */
void diag_add(struct diag *d, enum diag_level lvl, const char *subject,
	      const char *source, const char *fmt, ...) ATTR_PRINTF(5, 6);

#define diag_error(d, subj, src, ...) \
	diag_add((d), DIAG_ERROR, (subj), (src), __VA_ARGS__)
#define diag_warn(d, subj, src, ...) \
	diag_add((d), DIAG_WARNING, (subj), (src), __VA_ARGS__)
#define diag_info(d, subj, src, ...) \
	diag_add((d), DIAG_INFO, (subj), (src), __VA_ARGS__)

/*
 * A copy of the N bytes at S that is safe on one line of a terminal, a log
 * or the termination log: control bytes (C0, DEL and the C1 range U+0080
 * to U+009F) become \n, \r, \t or \xHH, and so does every byte that is not
 * part of valid UTF-8. A backslash is kept as is, so escaping an escaped
 * string changes nothing (messages are copied between lists). Caller frees.
 */
char *diag_escape(const char *s, size_t n);
/* The same escaping into OUT, which holds at least N * 4 + 1 bytes (no
 * heap: for the supervisor's loop). Returns OUT. */
char *diag_escape_to(char *out, const char *s, size_t n);
/* Same for a NUL-terminated string; NULL gives NULL. */
char *diag_escape_str(const char *s);
/*
 * Decode the UTF-8 sequence at S (N bytes available) into *CP. Returns its
 * length, or 0 when it is not valid UTF-8 (overlong, surrogate, too large,
 * truncated).
 */
size_t diag_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Whether the N bytes at S are printable as is (diag_escape changes nothing). */
int diag_printable(const char *s, size_t n);

/*
 * Format one item as "envinit: SUBJECT: TEXT (SOURCE)"; caller frees.
 * Items are escaped when added (diag_add), so no subject, source or text
 * can end the line or forge another one.
 */
char *diag_format(const struct diag_item *it);

#endif
