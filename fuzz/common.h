/*
 * common.h - helpers shared by the libFuzzer targets.
 *
 * A target aborts (which libFuzzer reports as a crash and saves the input)
 * when an invariant of envinit's contract is broken: a canary value shows up
 * in a diagnostic, a stored value is malformed, and so on. ASan/UBSan catch
 * the memory errors themselves.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "envset.h"

/* A value no diagnostic may ever contain. Targets put it only in values
 * (never in names or the file's own text) and skip the check when the
 * fuzzed input itself holds it. */
#define CANARY "CANARY-9f3b1c7d"

#define FUZZ_CHECK(cond, what)                                              \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", \
				(what), __FILE__, __LINE__);                \
			abort();                                            \
		}                                                           \
	} while (0)

static inline int fuzz_has(const void *hay, size_t n, const char *needle)
{
	return hay && memmem(hay, n, needle, strlen(needle)) != NULL;
}

/*
 * Whether the input could hold a regex that makes libc's regcomp/regexec
 * blow up (bounded repeats like {255}{255}, stacked quantifiers like
 * a?+?+?+, or more than 16 of * + ?). The
 * regex engine is libc's (glibc here, musl in the static binary), not
 * envinit's: such inputs are skipped so the fuzzer spends its time on our
 * code. How envinit bounds match= is tested by tests/bad instead.
 */
static inline int fuzz_regex_bomb(const void *data, size_t n)
{
	const unsigned char *s = data;
	size_t reps = 0;
	for (size_t i = 0; i < n; i++) {
		int rep = s[i] == '*' || s[i] == '+' || s[i] == '?';
		reps += rep;
		/* stacked quantifiers (a+++, a?+?+): glibc is exponential */
		if (rep && i > 0 && (s[i - 1] == '*' || s[i - 1] == '+' ||
				     s[i - 1] == '?' || s[i - 1] == '}'))
			return 1;
		if (s[i] == '{' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
			return 1;
	}
	return reps > 16;
}

/*
 * Every text of every item of D: no NEEDLE, nothing unset, and (unless
 * NEWLINE_OK) no line break, which would let an input forge report lines.
 */
static inline void fuzz_diag_lacks(const struct diag *d, const char *needle,
				   int newline_ok)
{
	size_t errors = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->v[i];
		FUZZ_CHECK(it->text != NULL, "diag item without text");
		if (it->level == DIAG_ERROR)
			errors++;
		const char *parts[3] = { it->subject, it->text, it->source };
		for (int k = 0; k < 3; k++)
			if (parts[k] && strstr(parts[k], needle)) {
				fprintf(stderr, "leaked into a message: %s\n",
					parts[k]);
				abort();
			}
		char *line = diag_format(it);
		FUZZ_CHECK(!strstr(line, needle), "canary in a formatted line");
		if (!newline_ok && strchr(line, '\n')) {
			fprintf(stderr, "a message holds a newline: %s\n", line);
			abort();
		}
		free(line);
	}
	FUZZ_CHECK(errors == d->nerrors, "diag error count is wrong");
}

/* Every live variable of S: a valid C string of its length, with a key. */
static inline void fuzz_envset_sane(const struct envset *s)
{
	size_t live = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct envvar *v = &s->v[i];
		if (!envset_live(v))
			continue;
		live++;
		FUZZ_CHECK(v->key && *v->key, "empty key stored");
		FUZZ_CHECK(v->val != NULL, "NULL value stored");
		FUZZ_CHECK(v->val[v->len] == '\0', "value not NUL-terminated");
		FUZZ_CHECK(memchr(v->val, '\0', v->len) == NULL,
			   "value holds a NUL byte");
		FUZZ_CHECK(envset_get(s, v->key) == v, "lookup disagrees");
	}
	FUZZ_CHECK(live == envset_count(s), "envset_count disagrees");
}

#endif
