/*
 * manifest.h - the INI manifest (-c FILE, $ENVINIT_CONFIG), read with inih.
 *
 * Sections
 *   [defaults]        directives for every service
 *   [keys]            KEY = RULE... (see rules.h)
 *   [service NAME]    directives for one service (-s NAME, $ENVINIT_SERVICE);
 *                     NAME is letters, digits, '_', '.' and '-'. A section
 *                     given twice continues the first.
 *
 * Directives are the long options with '-' written '_' (the option table,
 * options.c, names each), each taking what the option takes: env_file,
 * env_file_optional, secrets_dir, secrets_dir_optional, file_suffix,
 * file_keys, private_key_file, max_value_size, wait, rename, require,
 * require_from, allow, deny, keep, user, rewrite, remap_exit, grace,
 * termination_log, format; the flags secrets_upcase, override, clear_env,
 * signal_group take a boolean (yes/no, true/false, on/off, 1/0, any case);
 * mode = exec|init; watch = restart|exit|signal:NAME|no. Only file_suffix
 * may be empty (it then turns KEY_FILE indirection off). reveal, config,
 * service and every other command-line-only option (all, explain,
 * verbose, quiet, help, version, public_key, in_place, exec, init, strict,
 * reseal, skip_unopened) are an error "not allowed in a manifest": a file
 * must never make print show secrets.
 *
 * Repeated directives add to lists (env_file, secrets_dir, require, allow,
 * deny, keep, rewrite, remap_exit, rename, file_keys, private_key_file,
 * require_from) and replace scalars.
 * Precedence: for scalars the command line wins over [service NAME], which
 * wins over [defaults], which wins over the built-in defaults; lists are
 * [defaults]' entries, then [service NAME]'s, then the command line's.
 * A service section strips by default: only its required, allowed and
 * kept keys reach the service. With no service, [defaults] and [keys]
 * apply and nothing is stripped unless allow is given.
 *
 * Relative paths (env_file*, secrets_dir*, require_from, private_key_file,
 * termination_log) are relative to the manifest's own directory, as
 * compose resolves paths against the compose file.
 *
 * Syntax (inih's, with these limits enforced by our line reader):
 *   - `;` or `#` starts a comment line; ` ;` (white space, then ;) starts
 *     a comment after a value, but `#` there does not; `NAME = VALUE` or
 *     `NAME: VALUE`; white space around names and values is trimmed.
 *   - leading white space is ignored, so there are no continuation lines:
 *     repeat the directive instead.
 *   - a line may hold at most 197 bytes (inih's 200-byte buffer less CR,
 *     LF and NUL; Debian's inih would silently split a longer line). A
 *     longer line is an error naming FILE:LINE, never a truncated list.
 *   - CRLF line ends and a UTF-8 BOM are accepted; a NUL byte is an error.
 * Every problem (unknown section, directive or rule word, a bad value,
 * number, boolean or regex, a line without '=') is reported at once as
 * `envinit: FILE:LINE: what` and makes the manifest unusable (exit 78).
 */
#ifndef MANIFEST_H
#define MANIFEST_H

#include "config.h"
#include "diag.h"
#include "rules.h"

/* Manifests larger than this are refused. */
#define MANIFEST_MAX_SIZE ((size_t)16 << 20)

struct manifest;

/*
 * Read and check the manifest PATH. Returns it, or NULL when PATH cannot
 * be read or holds any error (all of them added to D, subject "PATH:LINE"
 * or PATH). Free with manifest_free.
 */
struct manifest *manifest_load(const char *path, struct diag *d);

/* Same from the LEN bytes of BUF; NAME stands for the file in messages
 * and relative paths. */
struct manifest *manifest_parse(const char *name, const char *buf, size_t len,
				struct diag *d);

void manifest_free(struct manifest *m);

/* The [service NAME] sections, in the order they first appear. */
size_t manifest_nservices(const struct manifest *m);
const char *manifest_service(const struct manifest *m, size_t i);

/* The [keys] rules (owned by M). */
const struct rules *manifest_rules(const struct manifest *m);

/*
 * Put the manifest under the command-line config C (see "Precedence"):
 * [service SERVICE] when SERVICE is not NULL (which also sets C->strip),
 * then [defaults]; then point C->rules at M's rules and add the keys
 * [keys] requires (rules_require). An unknown SERVICE is an error naming
 * it and the file. Returns the number of errors added (0 or 1). Call once
 * per config; C must not outlive M.
 */
int manifest_apply(const struct manifest *m, const char *service,
		   struct config *c, struct diag *d);

#endif
