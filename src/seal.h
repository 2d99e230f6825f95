/*
 * seal.h - sealed values: keygen, seal, and opening (seal --in-place and
 * --reseal rewrite files in sealfile.c, with the crypto declared below).
 *
 * Crypto: libsodium's sealed box (crypto_box_seal: an ephemeral X25519 key,
 * XSalsa20-Poly1305), nothing else. The sealed plaintext is
 *
 *	NAME \0 VALUE
 *
 * so a value is bound to its key name: moved under another key it opens
 * but is refused ("sealed for key A, not B").
 *
 * Formats (all characters are safe unquoted in an env file):
 *   sealed value     enc:v1:<base64 of the sealed box>
 *                    standard base64 with padding (sodium_base64_VARIANT_
 *                    ORIGINAL), decoded strictly: no whitespace, no bad
 *                    padding. Any value matching enc:v<digits>: is taken
 *                    as sealed; only v1 exists.
 *   private key file one line "ENVINIT-PRIVATE-KEY-V1:<base64 of the
 *                    32-byte X25519 secret key>\n" (a missing final
 *                    newline or a CRLF is accepted); the public key is
 *                    derived with crypto_scalarmult_base.
 *   public key       "envinit-pk-v1:<base64 of the 32-byte public key>",
 *                    printed by keygen on one line. --public-key takes that
 *                    string, or the path of a file holding it.
 *
 * Memory: private keys and opened values live in sodium_malloc memory
 * (opened values are handed to the envset with EV_SODIUM, which frees them
 * with sodium_free); every other buffer that held a plaintext is wiped
 * with sodium_memzero before it is freed. sodium_init() costs about as
 * much as a whole exec, so it is called only when there is something to
 * do: keygen, seal, or at least one sealed value to open.
 *
 * Messages name a key, a file or FILE:LINE, never a value nor key bytes.
 */
#ifndef SEAL_H
#define SEAL_H

#include "config.h"
#include "diag.h"
#include "envset.h"

#define SEAL_PREFIX "enc:v1:"
#define SEAL_PUBLIC_PREFIX "envinit-pk-v1:"
#define SEAL_PRIVATE_PREFIX "ENVINIT-PRIVATE-KEY-V1:"

/* Length of the "enc:v<digits>:" prefix at VAL (LEN bytes), or 0. Inline
 * so that modules without libsodium (rules.c) can tell a sealed value. */
static inline size_t seal_prefix_len(const char *val, size_t len)
{
	if (len < 7 || val[0] != 'e' || val[1] != 'n' || val[2] != 'c' ||
	    val[3] != ':' || val[4] != 'v' || val[5] < '0' || val[5] > '9')
		return 0;
	size_t i = 6;
	while (i < len && val[i] >= '0' && val[i] <= '9')
		i++;
	return i < len && val[i] == ':' ? i + 1 : 0;
}

/* Whether VAL (LEN bytes) has the form of a sealed value, enc:v<digits>:. */
static inline int seal_is_sealed(const char *val, size_t len)
{
	return seal_prefix_len(val, len) != 0;
}

/*
 * Whether the sealed value VAL (LEN bytes) is well formed, without opening
 * it (lint): version 1, strict base64, long enough to hold a sealed box, a
 * key name and its NUL. Returns NULL, or what is wrong (a static string).
 */
const char *seal_form_error(const char *val, size_t len);

/*
 * Open every sealed live value of ENV in place, with the private key files
 * KEYFILES (tried in order: during a rotation a value opens with whichever
 * key fits). Run on the winning value of each key, after KEY_FILE
 * indirection. On success a value becomes its plaintext (sodium_malloc
 * memory, EV_SODIUM), origin ORIG_SEALED, flag EV_SECRET, its source kept.
 * A value that fails keeps its sealed form and adds one error with the key
 * as subject and its source in parentheses:
 *   "sealed value but no --private-key-file given"
 *   "unknown sealed-value version vN"
 *   "corrupt or truncated sealed value"
 *   "no private key opens it (another key's value, or altered)"
 *   "sealed for key OTHER, not KEY"
 *   "opened value contains a NUL byte"
 * Only kept keys are opened (call it after policy_apply): a value this
 * service never receives stays sealed, so a shared file may hold other
 * services' sealed values. Key files are read only when such a sealed
 * value is present; an unreadable or
 * malformed one is an error naming the file (subject: the path). Every
 * problem is reported. Returns the number of errors added.
 */
int seal_open_all(const struct strlist *keyfiles, struct envset *env,
		  struct diag *d);

/*
 * keygen: create PATH (O_EXCL, mode 0600; refused if it exists) holding a
 * new private key, and set *PUB to the public key line (with "\n"; caller
 * frees). Returns 0, or EXIT_CONFIG with an error naming PATH (PATH is
 * removed again when writing fails).
 */
int seal_keygen(const char *path, char **pub, struct diag *d);

/*
 * Seal VAL (LEN bytes, no NUL) for key NAME to the public key PUBKEY (the
 * string or a file holding it, see --public-key). Sets *OUT to
 * "enc:v1:...", NUL-terminated, no newline (caller frees). Refuses an
 * invalid NAME, a NUL byte, and a value that is already sealed. Returns 0,
 * EXIT_USAGE or EXIT_CONFIG.
 */
int seal_value(const char *pubkey, const char *name, const char *val,
	       size_t len, char **out, struct diag *d);

/*
 * seal NAME from the file descriptor FD (stdin): read at most CAP bytes
 * (plus one line end), remove ONE trailing "\n" or "\r\n" (so
 * `echo secret | envinit seal ...` seals "secret"), then seal_value. *OUT
 * gets the sealed value plus "\n".
 */
int seal_stream(const char *pubkey, const char *name, int fd, size_t cap,
		char **out, struct diag *d);

/* ---- for sealfile.c: the crypto of seal --in-place and --reseal -------- */

/* 0 when NAME is a variable name; else an error (never echoing it), -1. */
int seal_check_name(const char *name, struct diag *d);
/* --public-key ARG (the string or a file holding it) into PK (32 bytes):
 * 0, EXIT_USAGE or EXIT_CONFIG with an error. */
int seal_load_public_key(const char *arg, unsigned char *pk, struct diag *d);
/* sodium_init(): 0, or -1 with an error. */
int seal_sodium_ready(struct diag *d);
/* VAL (LEN bytes) of NAME sealed to PK: a new "enc:v1:..." string, or
 * NULL after an error. NAME and VAL checked, libsodium ready. */
char *seal_to(const unsigned char *pk, const char *name, const char *val,
	      size_t len, struct diag *d);

/* The private keys of --private-key-file FILES, in sodium memory. */
struct keyring;
/* NULL after an error naming the file that cannot be used. */
struct keyring *seal_keyring_load(const struct strlist *files,
				  struct diag *d);
void seal_keyring_free(struct keyring *kr); /* wipes; NULL is fine */
/* Whether key I of KR is the private key of the public key PK. */
int seal_keyring_public(const struct keyring *kr, int i,
			const unsigned char *pk);
/*
 * Open the sealed value VAL (LEN bytes) with the keys of KR. Returns the
 * index of the key that opened it and sets *M, *MLEN to NAME \0 VALUE
 * (sodium_malloc; the caller sodium_frees it), or -1 (none opens it) or -2
 * (it is not a well-formed v1 value).
 */
int seal_open_with(const struct keyring *kr, const char *val, size_t len,
		   unsigned char **m, size_t *mlen);

/*
 * The keygen and seal commands as configured in C (--private-key-file,
 * --public-key, --in-place, --max-value-size, the NAMEs in c->argv), with
 * the value read from IN for `seal NAME`. *OUT gets what to print on
 * stdout, or NULL. Returns the exit status.
 */
int seal_command(const struct config *c, int in, char **out, struct diag *d);

#endif
