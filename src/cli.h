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

/* The --help text. */
const char *cli_usage(void);

/* Parse a signal name ("TERM", "SIGTERM", "15"); -1 if unknown. */
int cli_signal_number(const char *name);

/* Parse --remap-exit's "FROM:TO" (statuses 0..255); 0, or -1 if bad. */
int cli_parse_remap(const char *arg, int *from, int *to);

#endif
