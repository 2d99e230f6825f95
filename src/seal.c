/*
 * seal.c - sealed values with libsodium's sealed box; see seal.h.
 *
 * Key material follows minisign's habits: secret keys and opened values
 * only in sodium_malloc memory, released with sodium_free (which wipes);
 * any other buffer that held a plaintext is wiped before it is freed.
 */
#include "seal.h"

#include "envfile.h"
#include "fileio.h"
#include "sealfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define B64 sodium_base64_VARIANT_ORIGINAL
#define KEY_B64_LEN 44 /* base64 of 32 bytes, with padding */
#define KEYFILE_MAX 4096 /* a key file or a public key file is one line */

#define PREFIX_LEN (sizeof SEAL_PREFIX - 1)
#define PUBLIC_PREFIX_LEN (sizeof SEAL_PUBLIC_PREFIX - 1)
#define PRIVATE_PREFIX_LEN (sizeof SEAL_PRIVATE_PREFIX - 1)

#define sealed_prefix_len seal_prefix_len

const char *seal_form_error(const char *val, size_t len)
{
	size_t plen = sealed_prefix_len(val, len);
	if (plen != PREFIX_LEN || val[5] != '1')
		return "unknown sealed-value version (this envinit opens v1)";
	const char *b64 = val + PREFIX_LEN;
	size_t blen = len - PREFIX_LEN, cmax = blen / 4 * 3 + 3, clen = 0;
	unsigned char *c = xmalloc(cmax);
	int bad = sodium_base642bin(c, cmax, b64, blen, NULL, &clen, NULL,
				    B64) != 0 || clen < crypto_box_SEALBYTES + 2;
	free(c); /* ciphertext: nothing secret */
	return bad ? "corrupt or truncated sealed value (bad base64 or too short)"
		   : NULL;
}

int seal_sodium_ready(struct diag *d)
{
	if (sodium_init() < 0) {
		diag_error(d, NULL, NULL, "cannot initialise libsodium");
		return -1;
	}
	return 0;
}

/* Decode exactly 32 bytes of strict padded base64 S (LEN bytes) into OUT. */
static int decode_key(const char *s, size_t len, unsigned char *out)
{
	size_t n;
	if (len != KEY_B64_LEN ||
	    sodium_base642bin(out, crypto_box_SECRETKEYBYTES, s, len, NULL, &n,
			      NULL, B64) != 0 ||
	    n != crypto_box_SECRETKEYBYTES)
		return -1;
	return 0;
}

/* ---- private keys ------------------------------------------------------ */

/* Each entry: the secret key, then its public key (needed by seal_open). */
#define ENTRY_BYTES (crypto_box_SECRETKEYBYTES + crypto_box_PUBLICKEYBYTES)

struct keyring {
	unsigned char *k; /* sodium_malloc: n entries of ENTRY_BYTES */
	size_t n;
	size_t borrowed; /* k is the caller's sodium memory of this size */
};

/* Read one private key file into ENTRY (sodium memory). */
static int load_private_key(const char *path, unsigned char *entry,
			    struct diag *d)
{
	char *buf;
	size_t len;
	enum fileio_err e = fileio_read(AT_FDCWD, path, KEYFILE_MAX, 0, &buf,
					&len);
	if (e) {
		diag_error(d, path, NULL, "cannot read private key file: %s",
			   e == FIO_TOOBIG ? "not a private key file (too large)"
					   : fileio_strerror(e));
		return e == FIO_TOOBIG || e == FIO_NOTREG ? -1 : -2;
	}
	size_t n = fileio_chomp(buf, len);
	int ok = n > PRIVATE_PREFIX_LEN &&
		 memcmp(buf, SEAL_PRIVATE_PREFIX, PRIVATE_PREFIX_LEN) == 0 &&
		 decode_key(buf + PRIVATE_PREFIX_LEN, n - PRIVATE_PREFIX_LEN,
			    entry) == 0;
	if (!ok) {
		if (n >= PUBLIC_PREFIX_LEN &&
		    memcmp(buf, SEAL_PUBLIC_PREFIX, PUBLIC_PREFIX_LEN) == 0)
			diag_error(d, path, NULL,
				   "holds a public key, not a private key file");
		else
			diag_error(d, path, NULL,
				   "malformed private key file (expected one line "
				   SEAL_PRIVATE_PREFIX "<base64>, as keygen writes)");
	}
	wipe_free(buf, len + 1);
	if (!ok)
		return -1;
	crypto_scalarmult_base(entry + crypto_box_SECRETKEYBYTES, entry);
	return 0;
}

/*
 * Load every key file that can be read; errors go to D, except that a file
 * that is missing or unreadable goes to GONE when GONE is not NULL (so the
 * caller can make it a warning). Returns the number of errors put in D.
 */
static int keyring_load_in(const struct strlist *files, struct keyring *kr,
			   unsigned char *mem, struct diag *d,
			   struct diag *gone)
{
	int errs = 0;
	kr->n = 0;
	kr->k = NULL;
	kr->borrowed = 0;
	if (!files->n)
		return 0;
	if (mem) {
		kr->k = mem;
		kr->borrowed = files->n * ENTRY_BYTES;
	} else {
		kr->k = sodium_malloc(files->n * ENTRY_BYTES);
	}
	if (!kr->k) {
		diag_error(d, NULL, NULL, "cannot allocate secure memory for keys");
		return 1;
	}
	for (size_t i = 0; i < files->n; i++) {
		struct diag one;
		diag_init(&one);
		int rc = load_private_key(files->v[i], kr->k + kr->n * ENTRY_BYTES,
					  &one);
		struct diag *to = rc == -2 && gone ? gone : d;
		for (size_t k = 0; k < one.n; k++)
			diag_add(to, one.v[k].level, one.v[k].subject,
				 one.v[k].source, "%s", one.v[k].text);
		diag_free(&one);
		if (rc == 0)
			kr->n++;
		else if (to == d)
			errs++;
	}
	return errs;
}

static int keyring_load_gone(const struct strlist *files, struct keyring *kr,
			     struct diag *d, struct diag *gone)
{
	return keyring_load_in(files, kr, NULL, d, gone);
}

static int keyring_load(const struct strlist *files, struct keyring *kr,
			struct diag *d)
{
	return keyring_load_gone(files, kr, d, NULL);
}

static void keyring_free(struct keyring *kr)
{
	if (kr->borrowed)
		sodium_memzero(kr->k, kr->borrowed);
	else
		sodium_free(kr->k); /* wipes; NULL is fine */
	kr->k = NULL;
	kr->n = 0;
	kr->borrowed = 0;
}

/* ---- opening ----------------------------------------------------------- */

/*
 * Where opened values go: one sodium_malloc'd region for all of them,
 * sized up front (one guarded mapping rather than one per value), or, if
 * there is none, a sodium_malloc per value.
 */
struct region {
	unsigned char *p;
	size_t used, size;
};

/* The most plaintext bytes (with a NUL) V's sealed value can open to. */
static size_t open_bound(const struct envvar *v)
{
	size_t blen = v->len > PREFIX_LEN ? v->len - PREFIX_LEN : 0;
	size_t cmax = blen / 4 * 3 + 3;
	return (cmax > crypto_box_SEALBYTES ? cmax - crypto_box_SEALBYTES : 0) + 1;
}

static unsigned char *plain_alloc(struct region *r, size_t n)
{
	if (r->p && n <= r->size - r->used) {
		unsigned char *m = r->p + r->used;
		r->used += n;
		return m;
	}
	return sodium_malloc(n);
}

static int in_region(const struct region *r, const unsigned char *m)
{
	return r->p && m >= r->p && m < r->p + r->size;
}

static void plain_drop(const struct region *r, unsigned char *m, size_t n)
{
	if (in_region(r, m))
		sodium_memzero(m, n);
	else
		sodium_free(m);
}

/*
 * Open V's sealed value with KR. KEYS_FAILED: some key file could not be
 * loaded (already reported), so "no key" is not repeated per value.
 */
static int open_one(const struct keyring *kr, int keys_failed,
		    struct region *r, struct envvar *v, struct diag *d)
{
	size_t plen = sealed_prefix_len(v->val, v->len);
	if (plen != PREFIX_LEN || v->val[5] != '1') {
		int nd = (int)(plen - 6 > 12 ? 12 : plen - 6);
		diag_error(d, v->key, v->source,
			   "unknown sealed-value version v%.*s%s (this envinit opens v1)",
			   nd, v->val + 5, plen - 6 > 12 ? "..." : "");
		return 1;
	}
	if (!kr->n) {
		if (keys_failed)
			return 0; /* the key files' own errors say why */
		diag_error(d, v->key, v->source,
			   "sealed value but no --private-key-file given");
		return 1;
	}

	const char *b64 = v->val + PREFIX_LEN;
	size_t blen = v->len - PREFIX_LEN;
	size_t cmax = blen / 4 * 3 + 3, clen = 0;
	unsigned char *c = xmalloc(cmax);
	if (sodium_base642bin(c, cmax, b64, blen, NULL, &clen, NULL, B64) != 0 ||
	    clen < crypto_box_SEALBYTES + 2) { /* at least a name and its NUL */
		free(c);
		diag_error(d, v->key, v->source, "corrupt or truncated sealed value");
		return 1;
	}

	size_t mlen = clen - crypto_box_SEALBYTES;
	unsigned char *m = plain_alloc(r, mlen + 1);
	if (!m) {
		free(c);
		diag_error(d, v->key, v->source, "cannot allocate secure memory");
		return 1;
	}
	int opened = 0;
	for (size_t i = 0; i < kr->n && !opened; i++) {
		const unsigned char *sk = kr->k + i * ENTRY_BYTES;
		opened = crypto_box_seal_open(m, c, clen,
					      sk + crypto_box_SECRETKEYBYTES,
					      sk) == 0;
	}
	free(c); /* ciphertext: nothing secret */
	if (!opened) {
		plain_drop(r, m, mlen + 1);
		diag_error(d, v->key, v->source,
			   "no private key opens it (sealed to another key, or altered)");
		return 1;
	}

	/* m = NAME \0 VALUE */
	const unsigned char *nul = memchr(m, '\0', mlen);
	const char *err = NULL;
	if (!nul)
		err = "corrupt sealed value: it holds no key name";
	else if (strcmp((const char *)m, v->key) != 0)
		err = "name";
	else if (memchr(nul + 1, '\0', mlen - (size_t)(nul + 1 - m)))
		err = "opened value contains a NUL byte";
	if (err) {
		if (strcmp(err, "name") != 0)
			diag_error(d, v->key, v->source, "%s", err);
		else if (envset_valid_name((const char *)m))
			diag_error(d, v->key, v->source, "sealed for key %s, not %s",
				   (const char *)m, v->key);
		else
			diag_error(d, v->key, v->source,
				   "sealed for another key, not %s", v->key);
		plain_drop(r, m, mlen + 1);
		return 1;
	}

	/* Slide the value to the front of the same sodium buffer. */
	size_t off = (size_t)(nul + 1 - m), vlen = mlen - off;
	memmove(m, m + off, vlen);
	sodium_memzero(m + vlen, mlen + 1 - vlen);
	envset_replace(v, (char *)m, vlen, ORIG_SEALED, in_region(r, m) ? 2 : 1);
	v->flags |= EV_SECRET;
	return 0;
}

/* A sealed value the service will receive: stripped ones stay sealed. */
static int to_open(const struct envvar *v)
{
	return envset_live(v) && !(v->flags & EV_STRIPPED) &&
	       seal_is_sealed(v->val, v->len);
}

int seal_open_all(const struct strlist *keyfiles, struct envset *env,
		  struct diag *d)
{
	size_t nsealed = 0;
	for (size_t i = 0; i < env->n; i++)
		nsealed += to_open(&env->v[i]);
	if (!nsealed)
		return 0; /* no sodium_init(), no key file read */
	if (seal_sodium_ready(d) < 0)
		return 1;

	/*
	 * One sodium_malloc region for the keys (wiped once every value is
	 * opened) and every opened value, sized up front.
	 */
	struct region r = { 0 };
	size_t keybytes = keyfiles->n * ENTRY_BYTES;
	if (keyfiles->n && !env->region) {
		r.size = keybytes;
		for (size_t i = 0; i < env->n; i++)
			if (to_open(&env->v[i]))
				r.size += open_bound(&env->v[i]);
		if ((r.p = sodium_malloc(r.size)))
			envset_set_region(env, r.p);
		r.used = keybytes;
	}

	/*
	 * During a rotation a key file may be gone already: with several
	 * key files, one missing or unreadable is only a warning when the
	 * others open every sealed value the service receives.
	 */
	struct keyring kr;
	struct diag gone, opened;
	diag_init(&gone);
	diag_init(&opened);
	int errs = keyring_load_in(keyfiles, &kr, r.p, d,
				   keyfiles->n > 1 ? &gone : NULL);
	int keys_failed = errs != 0 || gone.n != 0;
	for (size_t i = 0; i < env->n; i++) {
		struct envvar *v = &env->v[i];
		if (!to_open(v))
			continue;
		open_one(&kr, keys_failed, &r, v, &opened);
		if (v->origin != ORIG_SEALED) /* still sealed: rules skip it */
			v->flags |= EV_UNOPENED;
	}
	int spare = !errs && kr.n && !opened.nerrors;
	for (size_t i = 0; i < gone.n; i++)
		diag_add(d, spare ? DIAG_WARNING : DIAG_ERROR, gone.v[i].subject,
			 gone.v[i].source, "%s%s", gone.v[i].text,
			 spare ? " (the other keys open every sealed value)" : "");
	errs += spare ? 0 : (int)gone.n;
	for (size_t i = 0; i < opened.n; i++)
		diag_add(d, opened.v[i].level, opened.v[i].subject,
			 opened.v[i].source, "%s", opened.v[i].text);
	errs += (int)opened.nerrors;
	diag_free(&gone);
	diag_free(&opened);
	keyring_free(&kr);
	return errs;
}

/* ---- keygen ------------------------------------------------------------ */

static char *public_key_line(const unsigned char *pk)
{
	char b64[KEY_B64_LEN + 1];
	sodium_bin2base64(b64, sizeof b64, pk, crypto_box_PUBLICKEYBYTES, B64);
	return xasprintf(SEAL_PUBLIC_PREFIX "%s\n", b64);
}

int seal_keygen(const char *path, char **pub, struct diag *d)
{
	*pub = NULL;
	if (seal_sodium_ready(d) < 0)
		return EXIT_CONFIG;

	size_t linelen = PRIVATE_PREFIX_LEN + KEY_B64_LEN + 1;
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	unsigned char *sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	char *line = sodium_malloc(linelen + 1);
	int status = EXIT_CONFIG;
	if (!sk || !line) {
		diag_error(d, path, NULL, "cannot allocate secure memory");
		goto out;
	}
	crypto_box_keypair(pk, sk);
	memcpy(line, SEAL_PRIVATE_PREFIX, PRIVATE_PREFIX_LEN);
	sodium_bin2base64(line + PRIVATE_PREFIX_LEN, KEY_B64_LEN + 1, sk,
			  crypto_box_SECRETKEYBYTES, B64);
	line[linelen - 1] = '\n';
	line[linelen] = '\0';

	/* O_EXCL: never overwrite a key (nor follow a planted symlink). */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
		      0600);
	if (fd < 0) {
		if (errno == EEXIST)
			diag_error(d, path, NULL,
				   "already exists: refusing to overwrite a private key");
		else
			diag_error(d, path, NULL, "cannot create private key file: %s",
				   strerror(errno));
		goto out;
	}
	/* exactly 0600, whatever the umask took away */
	if (fchmod(fd, 0600) < 0 || fileio_write_all(fd, line, linelen) < 0 ||
	    fsync(fd) < 0) {
		diag_error(d, path, NULL, "cannot write private key file: %s",
			   strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd) < 0) {
		diag_error(d, path, NULL, "cannot write private key file: %s",
			   strerror(errno));
		unlink(path);
		goto out;
	}
	*pub = public_key_line(pk);
	status = EXIT_OK;
out:
	sodium_free(sk);
	sodium_free(line);
	return status;
}

/* ---- sealing ----------------------------------------------------------- */

/*
 * --public-key ARG: the "envinit-pk-v1:..." string itself, or the path of
 * a file holding it on one line.
 */
int seal_load_public_key(const char *arg, unsigned char *pk,
			 struct diag *d)
{
	static const char what[] =
		"expected " SEAL_PUBLIC_PREFIX "<base64>, the line keygen printed";
	if (!arg) {
		diag_error(d, "seal", NULL,
			   "needs --public-key KEY (the line keygen printed, or a file holding it)");
		return EXIT_USAGE;
	}
	size_t alen = strlen(arg);
	if (alen >= PUBLIC_PREFIX_LEN &&
	    memcmp(arg, SEAL_PUBLIC_PREFIX, PUBLIC_PREFIX_LEN) == 0) {
		if (decode_key(arg + PUBLIC_PREFIX_LEN, alen - PUBLIC_PREFIX_LEN,
			       pk) == 0)
			return 0;
		diag_error(d, "--public-key", NULL, "malformed public key (%s)", what);
		return EXIT_CONFIG;
	}
	if (strncmp(arg, SEAL_PRIVATE_PREFIX, PRIVATE_PREFIX_LEN) == 0) {
		/* never echo it */
		diag_error(d, "--public-key", NULL,
			   "this is a private key: pass the public key (%s)", what);
		return EXIT_USAGE;
	}

	char *buf;
	size_t len;
	enum fileio_err e = fileio_read(AT_FDCWD, arg, KEYFILE_MAX, 0, &buf,
					&len);
	if (e) {
		/* never echo ARG: it may be a private key pasted by mistake */
		diag_error(d, "--public-key", NULL, "not a public key and %s",
			   e == FIO_NOENT ? "no such file"
			   : e == FIO_TOOBIG ? "too large to be a public key file"
			   : fileio_strerror(e));
		return EXIT_CONFIG;
	}
	size_t n = fileio_chomp(buf, len);
	int status = EXIT_OK;
	if (n >= PRIVATE_PREFIX_LEN &&
	    memcmp(buf, SEAL_PRIVATE_PREFIX, PRIVATE_PREFIX_LEN) == 0) {
		diag_error(d, "--public-key", NULL,
			   "the file holds a private key: pass the public key (%s)", what);
		status = EXIT_CONFIG;
	} else if (n < PUBLIC_PREFIX_LEN ||
		   memcmp(buf, SEAL_PUBLIC_PREFIX, PUBLIC_PREFIX_LEN) != 0 ||
		   decode_key(buf + PUBLIC_PREFIX_LEN, n - PUBLIC_PREFIX_LEN,
			      pk) != 0) {
		diag_error(d, "--public-key", NULL, "not a public key file (%s)",
			   what);
		status = EXIT_CONFIG;
	}
	wipe_free(buf, len + 1);
	return status;
}

/*
 * Seal VAL for NAME to PK into a new "enc:v1:..." string. The caller has
 * called sodium_init() and checked NAME and VAL.
 */
char *seal_to(const unsigned char *pk, const char *name, const char *val,
	      size_t len, struct diag *d)
{
	size_t nlen = strlen(name), mlen = nlen + 1 + len;
	unsigned char *m = sodium_malloc(mlen);
	if (!m) {
		diag_error(d, name, NULL, "cannot allocate secure memory");
		return NULL;
	}
	memcpy(m, name, nlen + 1);
	memcpy(m + nlen + 1, val, len);

	size_t clen = crypto_box_SEALBYTES + mlen;
	unsigned char *c = xmalloc(clen);
	char *out = NULL;
	if (crypto_box_seal(c, m, mlen, pk) != 0) {
		diag_error(d, name, NULL, "cannot seal to this public key");
	} else {
		size_t b64len = sodium_base64_ENCODED_LEN(clen, B64);
		out = xmalloc(PREFIX_LEN + b64len);
		memcpy(out, SEAL_PREFIX, PREFIX_LEN);
		sodium_bin2base64(out + PREFIX_LEN, b64len, c, clen, B64);
	}
	sodium_free(m);
	free(c);
	return out;
}

int seal_check_name(const char *name, struct diag *d)
{
	if (envset_valid_name(name))
		return 0;
	/* not echoed: a value typed in the wrong place must not be shown */
	diag_error(d, "seal", NULL,
		   "NAME must be a variable name ([A-Za-z_][A-Za-z0-9_]*)");
	return -1;
}

/* Checks shared by seal_value and seal_stream. */
static int check_value(const char *name, const char *val, size_t len,
		       const char *source, struct diag *d)
{
	if (memchr(val, '\0', len)) {
		diag_error(d, name, source, "value contains a NUL byte");
		return -1;
	}
	if (seal_is_sealed(val, len)) {
		diag_error(d, name, source, "value is already sealed");
		return -1;
	}
	return 0;
}

int seal_value(const char *pubkey, const char *name, const char *val,
	       size_t len, char **out, struct diag *d)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	*out = NULL;
	if (seal_check_name(name, d) < 0)
		return EXIT_USAGE;
	int status = seal_load_public_key(pubkey, pk, d);
	if (status)
		return status;
	if (check_value(name, val, len, NULL, d) < 0 || seal_sodium_ready(d) < 0)
		return EXIT_CONFIG;
	*out = seal_to(pk, name, val, len, d);
	return *out ? EXIT_OK : EXIT_CONFIG;
}

int seal_stream(const char *pubkey, const char *name, int fd, size_t cap,
		char **out, struct diag *d)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	*out = NULL;
	if (seal_check_name(name, d) < 0)
		return EXIT_USAGE;
	int status = seal_load_public_key(pubkey, pk, d); /* before reading stdin */
	if (status)
		return status;

	char *buf;
	size_t len;
	/* room for the line end removed below */
	size_t room = cap > SIZE_MAX - 2 ? cap : cap + 2;
	enum fileio_err e = fileio_read_fd(fd, 0, room, &buf, &len);
	if (e == FIO_TOOBIG) {
		diag_error(d, name, "stdin",
			   "value larger than %zu bytes (--max-value-size)", cap);
		return EXIT_CONFIG;
	}
	if (e) {
		diag_error(d, name, "stdin", "cannot read the value: %s",
			   fileio_strerror(e));
		return EXIT_CONFIG;
	}
	size_t vlen = fileio_chomp(buf, len);
	status = EXIT_CONFIG;
	if (vlen > cap)
		diag_error(d, name, "stdin",
			   "value larger than %zu bytes (--max-value-size)", cap);
	else if (check_value(name, buf, vlen, "stdin", d) == 0 &&
		 seal_sodium_ready(d) == 0) {
		char *s = seal_to(pk, name, buf, vlen, d);
		if (s) {
			*out = xasprintf("%s\n", s);
			free(s);
			status = EXIT_OK;
		}
	}
	wipe_free(buf, len + 1);
	return status;
}

/* ---- for sealfile.c ------------------------------------------------------ */

struct keyring *seal_keyring_load(const struct strlist *files, struct diag *d)
{
	struct keyring *kr = xmalloc(sizeof *kr);
	if (keyring_load(files, kr, d)) {
		keyring_free(kr);
		free(kr);
		return NULL;
	}
	return kr;
}

void seal_keyring_free(struct keyring *kr)
{
	if (kr) {
		keyring_free(kr);
		free(kr);
	}
}

int seal_keyring_public(const struct keyring *kr, int i, const unsigned char *pk)
{
	return i >= 0 && (size_t)i < kr->n &&
	       sodium_memcmp(kr->k + (size_t)i * ENTRY_BYTES +
				     crypto_box_SECRETKEYBYTES,
			     pk, crypto_box_PUBLICKEYBYTES) == 0;
}

int seal_open_with(const struct keyring *kr, const char *val, size_t len,
		   unsigned char **m, size_t *mlen)
{
	if (seal_form_error(val, len))
		return -2;
	size_t blen = len - PREFIX_LEN, cmax = blen / 4 * 3 + 3, clen = 0;
	unsigned char *c = xmalloc(cmax);
	sodium_base642bin(c, cmax, val + PREFIX_LEN, blen, NULL, &clen, NULL, B64);
	*mlen = clen - crypto_box_SEALBYTES;
	*m = sodium_malloc(*mlen + 1);
	int which = -1;
	for (size_t i = 0; *m && i < kr->n && which < 0; i++) {
		const unsigned char *sk = kr->k + i * ENTRY_BYTES;
		if (crypto_box_seal_open(*m, c, clen, sk + crypto_box_SECRETKEYBYTES,
					 sk) == 0)
			which = (int)i;
	}
	free(c);
	if (which < 0 && *m) {
		sodium_free(*m);
		*m = NULL;
	}
	return which;
}


int seal_command(const struct config *c, int in, char **out, struct diag *d)
{
	*out = NULL;
	if (c->cmd == CMD_KEYGEN) {
		if (c->private_keys.n != 1) {
			diag_error(d, "keygen", NULL, c->private_keys.n
				   ? "takes exactly one --private-key-file"
				   : "needs --private-key-file FILE");
			return EXIT_USAGE;
		}
		return seal_keygen(c->private_keys.v[0], out, d);
	}
	if (c->reseal)
		return seal_reseal(&c->private_keys, c->public_key, c->in_place,
				   c->argv, c->argc, c->skip_unopened, out, d);
	if (c->in_place)
		return seal_in_place(c->public_key, c->in_place, c->argv,
				     c->argc, d);
	return seal_stream(c->public_key, c->argv[0], in,
			   config_max_value_size(c), out, d);
}
