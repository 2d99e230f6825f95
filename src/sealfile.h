/*
 * sealfile.h - seal --in-place and --reseal: an env file's entries sealed,
 * or sealed again to a new key, in place, every other byte kept.
 */
#ifndef SEALFILE_H
#define SEALFILE_H

#include "config.h"
#include "diag.h"

/*
 * seal --in-place: seal the values of the keys NAMES (N of them) in the env
 * file PATH. Each entry of NAME (every one, if it is set several times) is
 * found with envfile_parse, so multi-line quoted values work, and is
 * rewritten as "[export ]NAME=enc:v1:..." keeping its indentation, its
 * `export `, a trailing comment and its line end; every other byte of the
 * file is kept. A value already sealed is left alone, so running twice
 * changes nothing (and a file with nothing to seal is not rewritten).
 * Refused, naming the key and FILE:LINE: a NAME with no entry, an entry
 * that shares its line with another one, and a value using interpolation
 * (sealing would freeze a lookup). The new file is written beside PATH
 * (symlinks followed), given PATH's mode and owner, fsync'd and renamed
 * over it; on any error PATH is left untouched. Returns 0 or EXIT_CONFIG
 * (EXIT_USAGE for an invalid NAME).
 */
int seal_in_place(const char *pubkey, const char *path, char *const *names,
		  int n, struct diag *d);

/*
 * seal --in-place PATH --reseal: every sealed value of PATH (or of the keys
 * NAMES, N of them) that one of the private key files KEYFILES opens is
 * sealed again to PUBKEY (NEW), in place, keeping every other byte, with
 * the same atomic replace as seal_in_place. Plaintext lives only in
 * sodium_malloc memory. A value opened by the private key of NEW itself
 * (give new.key among KEYFILES) is already rotated and left alone, so
 * running the command twice changes nothing. A value no key opens is
 * reported by name and FILE:LINE, and then nothing is changed, unless
 * SKIP_UNOPENED (a warning each; the others are re-sealed). *SUMMARY gets
 * a line for stdout on success. Returns 0, EXIT_USAGE or EXIT_CONFIG.
 */
int seal_reseal(const struct strlist *keyfiles, const char *pubkey,
		const char *path, char *const *names, int n, int skip_unopened,
		char **summary, struct diag *d);

#endif
