/*
 * cli.h - the command line.
 */
#ifndef CLI_H
#define CLI_H

#include "config.h"
#include "diag.h"

/*
 * Parse ARGV into C (which must be config_init'ed). Problems are added to
 * D as usage errors. The command (and its arguments) is never parsed:
 * getopt_long stops at "--" or the first non-option word. Returns 0, or
 * EXIT_USAGE.
 */
int cli_parse(int argc, char **argv, struct config *c, struct diag *d);

/*
 * Apply the long option NAME ("env-file", "clear-env") with ARG (NULL for
 * an option that takes none) to C, exactly as the command line would: the
 * manifest sets its directives through here. A bad ARG adds an error to D
 * with the option as subject. Returns 0, or -1 for a bad ARG or an unknown
 * NAME (which adds nothing to D).
 */
int cli_apply_long(const char *name, const char *arg, struct config *c,
		   struct diag *d);

/* The --help text. */
const char *cli_usage(void);

/* Parse a signal name ("TERM", "SIGTERM", "15"); -1 if unknown. */
int cli_signal_number(const char *name);

/* Parse --remap-exit's "FROM:TO" (statuses 0..255); 0, or -1 if bad. */
int cli_parse_remap(const char *arg, int *from, int *to);

#endif
