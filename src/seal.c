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

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

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

static int sodium_ready(struct diag *d)
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
	if (sodium_ready(d) < 0)
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

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *public_key_line(const unsigned char *pk)
{
	char b64[KEY_B64_LEN + 1];
	sodium_bin2base64(b64, sizeof b64, pk, crypto_box_PUBLICKEYBYTES, B64);
	return xasprintf(SEAL_PUBLIC_PREFIX "%s\n", b64);
}

int seal_keygen(const char *path, char **pub, struct diag *d)
{
	*pub = NULL;
	if (sodium_ready(d) < 0)
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
	if (fchmod(fd, 0600) < 0 || write_all(fd, line, linelen) < 0 ||
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
static int load_public_key(const char *arg, unsigned char *pk,
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
static char *seal_to(const unsigned char *pk, const char *name,
		     const char *val, size_t len, struct diag *d)
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

static int check_name(const char *name, struct diag *d)
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
	if (check_name(name, d) < 0)
		return EXIT_USAGE;
	int status = load_public_key(pubkey, pk, d);
	if (status)
		return status;
	if (check_value(name, val, len, NULL, d) < 0 || sodium_ready(d) < 0)
		return EXIT_CONFIG;
	*out = seal_to(pk, name, val, len, d);
	return *out ? EXIT_OK : EXIT_CONFIG;
}

int seal_stream(const char *pubkey, const char *name, int fd, size_t cap,
		char **out, struct diag *d)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	*out = NULL;
	if (check_name(name, d) < 0)
		return EXIT_USAGE;
	int status = load_public_key(pubkey, pk, d); /* before reading stdin */
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
		 sodium_ready(d) == 0) {
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

/* ---- seal --in-place --------------------------------------------------- */

/* One replacement: bytes [s, e) of the file become TEXT. */
struct edit {
	size_t s, e;
	char *text;
	size_t len;
};

struct edits {
	struct edit *v;
	size_t n, cap;
};

/* The blanks the env-file parser skips before a value (Go's isSpace but
 * LF): their length at S, or 0. */
static size_t blank_len(const char *s, size_t n)
{
	switch (s[0]) {
	case '\t': case '\v': case '\f': case '\r': case ' ':
		return 1;
	case '\xC2': /* U+0085, U+00A0 */
		return n >= 2 && (s[1] == '\x85' || s[1] == '\xA0') ? 2 : 0;
	}
	return 0;
}

static size_t skip_sp(const char *buf, size_t i, size_t end)
{
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i;
}

/* Offset of line LINE (1-based) in BUF, or LEN. */
static size_t line_offset(const char *buf, size_t len, unsigned long line)
{
	size_t off = 0;
	while (--line && off < len) {
		const char *lf = memchr(buf + off, '\n', len - off);
		off = lf ? (size_t)(lf - buf) + 1 : len;
	}
	return off;
}

/*
 * Whether the line at S of BUF[0..END) begins the entry of NAME: blanks,
 * an optional `export ` and blanks, NAME, blanks, `=` or `:`. Sets *AT to
 * NAME's offset and *VAL to just after the separator.
 */
static int entry_head(const char *buf, size_t end, size_t s, const char *name,
		      size_t *at, size_t *val)
{
	size_t i = s, nl = strlen(name);
	if (s == 0 && end >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	i = skip_sp(buf, i, end);
	if (end - i > 6 && memcmp(buf + i, "export", 6) == 0 &&
	    (buf[i + 6] == ' ' || buf[i + 6] == '\t'))
		i = skip_sp(buf, i + 6, end);
	if (end - i < nl || memcmp(buf + i, name, nl) != 0)
		return 0;
	*at = i;
	i = skip_sp(buf, i + nl, end);
	if (i == end || (buf[i] != '=' && buf[i] != ':'))
		return 0;
	*val = i + 1;
	return 1;
}

/*
 * Whether the raw value S[0..N) (from just after the separator) would look
 * a variable up: sealing it would freeze that lookup. Single quotes never
 * interpolate; `$$` and, in double quotes, `\$` are literal `$`; a `$` is a
 * lookup when `{` or a name follows. An octal escape (`\0NNN`) in double
 * quotes could spell `$`, so it counts too. Conservative: a trailing
 * comment of a quoted value is scanned as well.
 */
static int has_lookup(const char *s, size_t n)
{
	size_t i = 0, w;
	while (i < n && (w = blank_len(s + i, n - i)))
		i += w;
	if (i < n && s[i] == '\'')
		return 0;
	int dq = i < n && s[i] == '"';
	if (!dq) {
		const char *lf = memchr(s + i, '\n', n - i);
		if (lf)
			n = (size_t)(lf - s);
		const char *cut = memmem(s + i, n - i, " #", 2);
		if (cut)
			n = (size_t)(cut - s);
	}
	for (; i < n; i++) {
		if (dq && s[i] == '\\' && i + 1 < n) {
			if (s[i + 1] == '0' && i + 2 < n && is_digit(s[i + 2]))
				return 1;
			i++;
			continue;
		}
		if (s[i] != '$' || i + 1 == n)
			continue;
		char c = s[i + 1];
		if (c == '$')
			i++;
		else if (c == '{' || c == '_' || (c >= 'A' && c <= 'Z') ||
			 (c >= 'a' && c <= 'z'))
			return 1;
	}
	return 0;
}

static const char shares[] = "shares its line with another entry: "
			     "put it on a line of its own to seal it";
static const char interp[] = "uses interpolation: seal the final value "
			     "with `envinit seal` instead";

/* What parsing BUF[0..LEN) alone gives for NAME. */
struct parsed {
	int errors;   /* parse errors */
	int has;      /* NAME was set */
	int others;   /* other keys were set */
	int sealed;   /* NAME's value is already sealed: 1 v1, 2 another version */
	char *val;    /* NAME's value (wipe_free) or NULL */
	size_t len;
	unsigned long line; /* the line where NAME's entry starts */
};

/* KEEP, when not NULL, receives the parse's problems. */
static void parse_alone(const char *path, const char *buf, size_t len,
			const char *name, struct parsed *p, struct diag *keep)
{
	struct envset set;
	struct diag d;
	envset_init(&set);
	diag_init(&d);
	memset(p, 0, sizeof *p);
	p->errors = envfile_parse(path, buf, len, NULL, &set, keep ? keep : &d);
	const struct envvar *v = envset_get(&set, name);
	p->others = (int)envset_count(&set) - (v != NULL);
	if (v) {
		p->has = 1;
		p->val = xstrndup(v->val, v->len);
		p->len = v->len;
		if (seal_is_sealed(v->val, v->len))
			p->sealed = memcmp(v->val, SEAL_PREFIX, PREFIX_LEN) == 0 ? 1 : 2;
		const char *colon = v->source ? strrchr(v->source, ':') : NULL;
		p->line = colon ? strtoul(colon + 1, NULL, 10) : 0;
	}
	envset_free(&set);
	diag_free(&d);
}

static void parsed_free(struct parsed *p)
{
	if (p->val)
		wipe_free(p->val, p->len + 1);
	p->val = NULL;
}

/*
 * The entry of NAME whose first line starts at S (of BUF[0..END)), VAL
 * being just after its separator: grow the span line by line until parsing
 * it alone sets NAME with no error (a quoted value may span lines). Sets
 * *E to the span's end and P to what it holds. Errors name the key and
 * WHERE ("FILE:LINE").
 */
static int entry_span(const char *path, const char *buf, size_t end, size_t s,
		      size_t val, const char *name, const char *where,
		      size_t *e, struct parsed *p, struct diag *d)
{
	/*
	 * The entry is the shortest run of whole lines from S that, parsed
	 * alone, sets NAME. "Sets NAME" is monotone in the number of lines
	 * (fewer lines leave its quoted value open; more cannot unset it), so
	 * a binary search over the line ends finds it in O(n log n): growing
	 * it line by line was quadratic in the lines of a quoted value.
	 */
	size_t nends = 0, cap = 0, *ends = NULL;
	for (size_t at = s; at < end;) {
		const char *lf = memchr(buf + at, '\n', end - at);
		at = lf ? (size_t)(lf - buf) + 1 : end;
		xgrow((void **)&ends, &cap, nends + 1, sizeof *ends);
		ends[nends++] = at;
	}
	size_t lo = 0, hi = nends; /* the answer is in [lo, hi); nends: none */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		parse_alone(path, buf + s, ends[mid] - s, name, p, NULL);
		int has = p->has;
		parsed_free(p);
		if (has)
			hi = mid;
		else
			lo = mid + 1;
	}
	int rc = -1;
	size_t at = lo < nends ? ends[lo] : (nends ? ends[0] : end);
	if (has_lookup(buf + val, at - val)) {
		diag_error(d, name, where, "%s", interp);
		goto out;
	}
	if (lo == nends) {
		diag_error(d, name, where, "cannot parse its entry alone");
		goto out;
	}
	parse_alone(path, buf + s, at - s, name, p, NULL);
	if (p->others)
		diag_error(d, name, where, "%s", shares);
	else if (p->errors)
		diag_error(d, name, where, "cannot parse its entry alone");
	else
		rc = 0;
	if (rc == 0)
		*e = at;
	else
		parsed_free(p);
out:
	free(ends);
	return rc;
}

/*
 * The line of the first reference to NAME ($NAME or ${NAME...}) anywhere in
 * BUF, or 0. Sealing a key another entry interpolates would hand that
 * entry the sealed text (interpolation runs before values are opened), so
 * such a key is refused. Conservative: quoting and comments are ignored.
 */
static unsigned long first_reference(const char *buf, size_t len,
				     const char *name)
{
	size_t n = strlen(name);
	unsigned long line = 1;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			line++;
			continue;
		}
		if (buf[i] != '$' || i + 1 >= len)
			continue;
		if (buf[i + 1] == '$') { /* $$ is a literal dollar */
			i++;
			continue;
		}
		size_t at = i + 1 + (buf[i + 1] == '{');
		if (at + n > len || memcmp(buf + at, name, n) != 0)
			continue;
		char next = '\0';
		if (at + n < len)
			next = buf[at + n];
		int namechar = (next >= 'A' && next <= 'Z') ||
			       (next >= 'a' && next <= 'z') ||
			       (next >= '0' && next <= '9') || next == '_';
		if (!namechar)
			return line;
	}
	return 0;
}

/*
 * The new text of the entry [S, E): the original prefix (indentation,
 * `export `), NAME=SEALED, a trailing comment and the line end. The tail
 * after a quoted value must be blank or a comment (else it holds another
 * statement and must not be kept). Returns NULL after an error.
 */
static char *rewrite_entry(const char *buf, size_t s, size_t e, size_t at,
			   size_t val, const char *name, const char *sealed,
			   const char *where, size_t *outlen, struct diag *d)
{
	size_t eol = e, w;
	if (eol > s && buf[eol - 1] == '\n') {
		eol--;
		if (eol > s && buf[eol - 1] == '\r')
			eol--;
	}
	size_t i = val;
	while (i < eol && (w = blank_len(buf + i, eol - i)))
		i += w;

	size_t cs = eol, ce = eol; /* the comment, `#...`, if any */
	const char *gap = " ";    /* what goes between the value and it */
	size_t gaplen = 1;
	if (i < e && (buf[i] == '"' || buf[i] == '\'')) {
		/* the closing quote: the next one with no backslash before it */
		size_t j = i + 1;
		const char *q;
		while ((q = memchr(buf + j, buf[i], e - j)) && q[-1] == '\\')
			j = (size_t)(q - buf) + 1;
		size_t t = q ? (size_t)(q - buf) + 1 : eol, u = t;
		while (u < eol && (w = blank_len(buf + u, eol - u)))
			u += w;
		if (u < eol && buf[u] != '#') {
			diag_error(d, name, where, "%s", shares);
			return NULL;
		}
		if (u < eol) {
			cs = u;
			/* keep the blanks when they end with a space: unquoted,
			 * only " #" starts a comment */
			if (u > t && buf[u - 1] == ' ') {
				gap = buf + t;
				gaplen = u - t;
			}
		}
	} else {
		const char *cut = memmem(buf + i, eol - i, " #", 2);
		if (cut) {
			size_t c = (size_t)(cut - buf);
			cs = c + 1;
			while (c > i && (buf[c - 1] == ' ' || buf[c - 1] == '\t'))
				c--;
			gap = buf + c;
			gaplen = cs - c;
		}
	}
	size_t slen = strlen(sealed), nlen = strlen(name);
	size_t clen = ce - cs;
	size_t n = (at - s) + nlen + 1 + slen + (clen ? gaplen + clen : 0) +
		   (e - eol);
	char *out = xmalloc(n + 1), *o = out;
	memcpy(o, buf + s, at - s), o += at - s;
	memcpy(o, name, nlen), o += nlen;
	*o++ = '=';
	memcpy(o, sealed, slen), o += slen;
	if (clen) {
		memcpy(o, gap, gaplen), o += gaplen;
		memcpy(o, buf + cs, clen), o += clen;
	}
	memcpy(o, buf + eol, e - eol), o += e - eol;
	*o = '\0';
	*outlen = n;
	return out;
}

/* Whether the 1-based line LINE is one of LINES[0..N). */
static int line_in(const unsigned long *lines, size_t n, unsigned long line)
{
	for (size_t i = 0; i < n; i++)
		if (lines[i] == line)
			return 1;
	return 0;
}

/*
 * Add to ED the rewrite of every entry of NAME in BUF (LEN bytes of PATH).
 * Walks backwards: the last entry of NAME is where parsing the whole file
 * sets it; the one before, where parsing the bytes before that entry does.
 * Returns the number of errors added.
 */
static int seal_entries(const unsigned char *pk, const char *path,
			const char *buf, size_t len, const char *name,
			struct edits *ed, struct diag *d)
{
	struct diag whole; /* problems of the whole file, parsed alone */
	unsigned long *found = NULL;
	size_t nfound = 0, cap = 0, end = len;
	int errs = 0;
	unsigned long ref = first_reference(buf, len, name);
	if (ref) {
		char *where = xasprintf("%s:%lu", path, ref);
		diag_error(d, name, where,
			   "is interpolated by another entry: sealing it would hand that "
			   "entry the sealed text; seal the final values with envinit seal");
		free(where);
		return 1;
	}
	diag_init(&whole);

	for (;;) {
		struct parsed p;
		/* the whole file first, keeping its problems */
		parse_alone(path, buf, end, name, &p, end == len ? &whole : NULL);
		if (!p.has || !p.line) {
			parsed_free(&p);
			break;
		}
		xgrow((void **)&found, &cap, nfound + 1, sizeof *found);
		found[nfound++] = p.line;

		char *where = xasprintf("%s:%lu", path, p.line);
		size_t s = line_offset(buf, end, p.line), at, val, e;
		struct parsed q;
		if (!entry_head(buf, end, s, name, &at, &val)) {
			diag_error(d, name, where, "%s", shares);
			errs++;
		} else if (entry_span(path, buf, end, s, val, name, where, &e,
				      &q, d) < 0) {
			errs++;
		} else if (q.len != p.len || memcmp(q.val, p.val, p.len) != 0) {
			/* its line starts inside another entry (the end of a
			 * quoted value before NAME on the same line): alone,
			 * the line means something else */
			diag_error(d, name, where, "%s", shares);
			parsed_free(&q);
			errs++;
		} else {
			if (q.sealed == 2) {
				diag_error(d, name, where,
					   "holds a sealed value of an unknown version");
				errs++;
			} else if (!q.sealed) {
				char *sealed = seal_to(pk, name, q.val, q.len, d);
				size_t tlen;
				char *text = sealed ? rewrite_entry(buf, s, e, at, val,
						name, sealed, where, &tlen, d) : NULL;
				if (text) {
					xgrow((void **)&ed->v, &ed->cap, ed->n + 1,
					      sizeof *ed->v);
					ed->v[ed->n++] = (struct edit){ s, e, text, tlen };
				} else {
					errs++;
				}
				free(sealed);
			}
			parsed_free(&q);
		}
		free(where);
		parsed_free(&p);
		end = s;
	}

	/*
	 * An entry of NAME that does not parse (a NUL byte, a broken quote,
	 * a lookup that fails without the environment) sets nothing, so the
	 * walk above does not see it: look for its line among the problems.
	 */
	size_t plen = strlen(path);
	int named = 0;
	for (size_t i = 0; i < whole.n; i++) {
		const struct diag_item *it = &whole.v[i];
		if (it->level != DIAG_ERROR || !it->subject ||
		    strncmp(it->subject, path, plen) != 0 ||
		    it->subject[plen] != ':')
			continue;
		unsigned long line = strtoul(it->subject + plen + 1, NULL, 10);
		size_t at, val;
		if (line && !line_in(found, nfound, line) &&
		    entry_head(buf, len, line_offset(buf, len, line), name, &at,
			       &val)) {
			const char *lf = memchr(buf + val, '\n', len - val);
			size_t n = lf ? (size_t)(lf - buf) - val : len - val;
			if (has_lookup(buf + val, n))
				diag_error(d, name, it->subject, "%s", interp);
			else
				diag_error(d, name, it->subject,
					   "cannot seal its entry: %s", it->text);
			errs++;
			named = 1;
		}
	}
	if (!nfound && !named) {
		/* the file's own problems may be why (a syntax error stops it) */
		for (size_t i = 0; i < whole.n; i++)
			if (whole.v[i].level == DIAG_ERROR)
				diag_error(d, whole.v[i].subject, whole.v[i].source,
					   "%s", whole.v[i].text);
		diag_error(d, name, path, "no entry sets it in this file");
		errs++;
	}
	free(found);
	diag_free(&whole);
	return errs;
}

static int edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	return x->s < y->s ? -1 : x->s > y->s;
}

/*
 * Replace PATH (symlinks followed) with DATA atomically: a temporary file
 * in the same directory with PATH's mode and owner, fsync'd, renamed over
 * it, then the directory fsync'd. On error PATH is untouched.
 */
static int replace_file(const char *path, const char *data, size_t n,
			struct diag *d)
{
	char *real = realpath(path, NULL);
	struct stat st;
	if (!real || stat(real, &st) < 0) {
		diag_error(d, path, NULL, "cannot replace: %s", strerror(errno));
		free(real);
		return -1;
	}
	char *slash = strrchr(real, '/');
	char *dir = xstrndup(real, slash == real ? 1 : (size_t)(slash - real));
	char *tmp = xasprintf("%s/.%s.envinit-XXXXXX", dir, slash + 1);
	int rc = -1, fd = mkostemp(tmp, O_CLOEXEC);
	struct stat ts;
	const char *step = "create a temporary file";
	if (fd < 0)
		goto fail;
	step = "write";
	if (write_all(fd, data, n) < 0)
		goto fail;
	step = "keep the owner";
	if (fstat(fd, &ts) < 0 ||
	    ((ts.st_uid != st.st_uid || ts.st_gid != st.st_gid) &&
	     fchown(fd, st.st_uid, st.st_gid) < 0))
		goto fail;
	step = "keep the mode"; /* after fchown, which may clear set-id bits */
	if (fchmod(fd, st.st_mode & 07777) < 0)
		goto fail;
	step = "write";
	if (fsync(fd) < 0)
		goto fail;
	int cr = close(fd);
	fd = -1;
	if (cr < 0)
		goto fail;
	step = "rename over it";
	if (rename(tmp, real) < 0)
		goto fail;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* the rename itself durable; best effort */
		close(dfd);
	}
	rc = 0;
	goto out;
fail:
	diag_error(d, path, NULL, "cannot %s: %s; the file is unchanged", step,
		   strerror(errno));
	if (fd >= 0)
		close(fd);
	if (fd >= 0 || strcmp(step, "create a temporary file") != 0)
		unlink(tmp);
out:
	free(tmp);
	free(dir);
	free(real);
	return rc;
}

/* Whether NAME is one of NAMES[0..N). */
static int name_in(const char *name, char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* Which entries of the old file a rewrite may change, and how: their new
 * value need only be sealed (RESEALED says which). */
typedef int resealed_fn(const struct envvar *old, const void *ctx);

/*
 * The last check before writing: OLD and NEW (the rewritten file), parsed
 * the way envinit parses them, set the same keys in the same order with no
 * new error (a failing ${X:?} counts in both), every entry RESEALED names to
 * a sealed value and every other key to what it held. A rewrite that would
 * change another entry is never written.
 */
static int same_rewrite(const char *path, const char *old, size_t olen,
			const char *new, size_t nlen, resealed_fn *resealed,
			const void *ctx)
{
	struct envset a, b;
	struct diag da, db;
	envset_init(&a);
	envset_init(&b);
	diag_init(&da);
	diag_init(&db);
	int ea = envfile_parse(path, old, olen, NULL, &a, &da);
	int eb = envfile_parse(path, new, nlen, NULL, &b, &db);
	int same = eb <= ea && a.n == b.n;
	for (size_t i = 0; same && i < a.n; i++) {
		const struct envvar *v = &a.v[i], *w = &b.v[i];
		if (envset_live(v) != envset_live(w) || strcmp(v->key, w->key) != 0)
			same = 0;
		else if (!envset_live(v))
			continue;
		else if (resealed(v, ctx))
			same = seal_is_sealed(w->val, w->len);
		else
			same = v->len == w->len && !memcmp(v->val, w->val, v->len);
	}
	envset_free(&a);
	envset_free(&b);
	diag_free(&da);
	diag_free(&db);
	return same;
}

struct name_list {
	char *const *v;
	int n;
};

/* seal --in-place: the named keys whose value was plaintext. */
static int named_plaintext(const struct envvar *v, const void *ctx)
{
	const struct name_list *l = ctx;
	return name_in(v->key, l->v, l->n) && !seal_is_sealed(v->val, v->len);
}

/* --reseal: every value that was sealed. */
static int was_sealed(const struct envvar *v, const void *ctx)
{
	(void)ctx;
	return seal_is_sealed(v->val, v->len);
}

int seal_in_place(const char *pubkey, const char *path, char *const *names,
		  int n, struct diag *d)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	for (int i = 0; i < n; i++)
		if (check_name(names[i], d) < 0)
			return EXIT_USAGE;
	int status = load_public_key(pubkey, pk, d);
	if (status)
		return status;

	char *buf;
	size_t len;
	if (envfile_read(path, 0, &buf, &len, NULL, d))
		return EXIT_CONFIG;
	if (sodium_ready(d) < 0) {
		wipe_free(buf, len + 1);
		return EXIT_CONFIG;
	}

	struct edits ed = { 0 };
	int errs = 0;
	for (int i = 0; i < n; i++) {
		if (!name_in(names[i], names, i)) /* a name given twice: once */
			errs += seal_entries(pk, path, buf, len, names[i], &ed, d);
	}

	status = errs ? EXIT_CONFIG : EXIT_OK;
	if (!errs && ed.n) {
		qsort(ed.v, ed.n, sizeof *ed.v, edit_cmp);
		size_t total = len, pos = 0;
		for (size_t i = 0; i < ed.n; i++)
			total += ed.v[i].len - (ed.v[i].e - ed.v[i].s);
		char *out = xmalloc(total + 1), *o = out;
		for (size_t i = 0; i < ed.n; i++) {
			memcpy(o, buf + pos, ed.v[i].s - pos);
			o += ed.v[i].s - pos;
			memcpy(o, ed.v[i].text, ed.v[i].len);
			o += ed.v[i].len;
			pos = ed.v[i].e;
		}
		memcpy(o, buf + pos, len - pos);
		struct name_list nl = { names, n };
		if (!same_rewrite(path, buf, len, out, total, named_plaintext, &nl)) {
			diag_error(d, path, NULL, "sealing in place would change "
				   "another entry; the file is unchanged: put each "
				   "key to seal on a line of its own");
			status = EXIT_CONFIG;
		} else if (replace_file(path, out, total, d) < 0) {
			status = EXIT_CONFIG;
		}
		wipe_free(out, total + 1); /* other keys' values are in it */
	} else if (!errs) {
		diag_info(d, path, NULL, "nothing to seal: already sealed");
	}
	for (size_t i = 0; i < ed.n; i++)
		free(ed.v[i].text);
	free(ed.v);
	wipe_free(buf, len + 1);
	return status;
}

/* ---- seal --in-place --reseal ----------------------------------------- */

struct reseal {
	const char *buf;
	size_t len;
	char *const *names;
	int n;
	const struct keyring *kr;
	const unsigned char *pk; /* NEW */
	struct edits ed;
	struct diag *d;
	struct diag unopened; /* one item per value no key opens */
	size_t same;          /* already sealed to NEW */
	int errs;
	struct envset seen;   /* the NAMEs that have a sealed entry */
};

/*
 * Open the sealed value VAL (LEN bytes) of KEY with the keys of KR. Returns
 * the index of the key that opened it and sets *M, *MLEN to NAME \0 VALUE
 * (sodium_malloc; the caller sodium_frees it), or -1 (none opens it) or -2
 * (it is not a well-formed v1 value).
 */
static int open_with(const struct keyring *kr, const char *val, size_t len,
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

/* envfile_parse_each: one entry of the file to re-seal. */
static void reseal_entry(void *ctx, const char *key, const char *where,
			 const struct envvar *v, unsigned flags)
{
	struct reseal *r = ctx;
	(void)flags;
	if (!v || !seal_is_sealed(v->val, v->len) ||
	    (r->n && !name_in(key, r->names, r->n)))
		return;
	envset_set(&r->seen, key, "", 0, ORIG_NONE, NULL);

	/* the value as written: on the entry's first line (base64 needs no
	 * quoting or escapes) */
	const char *colon = strrchr(where, ':');
	size_t s = line_offset(r->buf, r->len, strtoul(colon + 1, NULL, 10));
	const char *lf = memchr(r->buf + s, '\n', r->len - s);
	size_t eol = lf ? (size_t)(lf - r->buf) : r->len;
	const char *at = memmem(r->buf + s, eol - s, v->val, v->len);
	if (!at) {
		diag_error(r->d, key, where,
			   "cannot find its sealed value on the entry's line: write it unquoted, on one line");
		r->errs++;
		return;
	}

	unsigned char *m = NULL;
	size_t mlen = 0;
	int which = open_with(r->kr, v->val, v->len, &m, &mlen);
	if (which == -2) {
		diag_error(r->d, key, where, "%s", seal_form_error(v->val, v->len));
		r->errs++;
		return;
	}
	if (which < 0) {
		diag_add(&r->unopened, DIAG_ERROR, key, where,
			 "no given private key opens it");
		return;
	}
	size_t nlen = strlen(key);
	if (mlen <= nlen || memcmp(m, key, nlen + 1) != 0) {
		diag_error(r->d, key, where, "sealed for another key, not %s", key);
		r->errs++;
	} else if (sodium_memcmp(r->kr->k + (size_t)which * ENTRY_BYTES +
				 crypto_box_SECRETKEYBYTES, r->pk,
				 crypto_box_PUBLICKEYBYTES) == 0) {
		r->same++; /* opened by NEW's own private key: already rotated */
	} else {
		char *text = seal_to(r->pk, key, (const char *)m + nlen + 1,
				     mlen - nlen - 1, r->d);
		if (!text) {
			r->errs++;
		} else {
			size_t off = (size_t)(at - r->buf);
			xgrow((void **)&r->ed.v, &r->ed.cap, r->ed.n + 1,
			      sizeof *r->ed.v);
			r->ed.v[r->ed.n++] =
				(struct edit){ off, off + v->len, text, strlen(text) };
		}
	}
	sodium_free(m);
}

/* BUF (LEN bytes) with the edits of ED applied; *TOTAL gets its length. */
static char *apply_edits(const char *buf, size_t len, struct edits *ed,
			 size_t *total)
{
	qsort(ed->v, ed->n, sizeof *ed->v, edit_cmp);
	size_t n = len, pos = 0;
	for (size_t i = 0; i < ed->n; i++)
		n += ed->v[i].len - (ed->v[i].e - ed->v[i].s);
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < ed->n; i++) {
		memcpy(o, buf + pos, ed->v[i].s - pos);
		o += ed->v[i].s - pos;
		memcpy(o, ed->v[i].text, ed->v[i].len);
		o += ed->v[i].len;
		pos = ed->v[i].e;
	}
	memcpy(o, buf + pos, len - pos);
	out[n] = '\0';
	*total = n;
	return out;
}

int seal_reseal(const struct strlist *keyfiles, const char *pubkey,
		const char *path, char *const *names, int n, int skip_unopened,
		char **summary, struct diag *d)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	*summary = NULL;
	for (int i = 0; i < n; i++)
		if (check_name(names[i], d) < 0)
			return EXIT_USAGE;
	if (!keyfiles->n) {
		diag_error(d, "--reseal", NULL,
			   "needs --private-key-file OLD (the key the values are sealed to)");
		return EXIT_USAGE;
	}
	int status = load_public_key(pubkey, pk, d);
	if (status)
		return status;
	if (sodium_ready(d) < 0)
		return EXIT_CONFIG;
	struct keyring kr;
	if (keyring_load(keyfiles, &kr, d)) {
		keyring_free(&kr);
		return EXIT_CONFIG;
	}

	char *buf;
	size_t len;
	if (envfile_read(path, 0, &buf, &len, NULL, d)) {
		keyring_free(&kr);
		return EXIT_CONFIG;
	}

	struct reseal r = { .buf = buf, .len = len, .names = names, .n = n,
			    .kr = &kr, .pk = pk, .d = d };
	struct envset set;
	envset_init(&set);
	envset_init(&r.seen);
	diag_init(&r.unopened);
	r.errs = envfile_parse_each(path, buf, len, &set, d, reseal_entry, &r);
	envset_free(&set);
	for (int i = 0; i < n; i++)
		if (!name_in(names[i], names, i) && !envset_get(&r.seen, names[i])) {
			diag_error(d, names[i], path, "no sealed entry sets it in this file");
			r.errs++;
		}

	size_t nun = r.unopened.n;
	for (size_t i = 0; i < nun; i++) {
		const struct diag_item *it = &r.unopened.v[i];
		diag_add(d, skip_unopened ? DIAG_WARNING : DIAG_ERROR, it->subject,
			 it->source, "%s%s", it->text,
			 skip_unopened ? "; left as it is (--skip-unopened)" : "");
	}
	status = EXIT_CONFIG;
	if (r.errs) {
		diag_error(d, path, NULL, "nothing re-sealed; the file is unchanged");
	} else if (nun && !skip_unopened) {
		diag_error(d, path, NULL,
			   "nothing re-sealed; the file is unchanged (--skip-unopened re-seals the others)");
	} else if (!r.ed.n) {
		status = EXIT_OK;
	} else {
		size_t total;
		char *out = apply_edits(buf, len, &r.ed, &total);
		if (!same_rewrite(path, buf, len, out, total, was_sealed, NULL))
			diag_error(d, path, NULL, "re-sealing in place would change "
				   "another entry; the file is unchanged");
		else if (replace_file(path, out, total, d) == 0)
			status = EXIT_OK;
		wipe_free(out, total + 1);
	}
	if (status == EXIT_OK)
		*summary = xasprintf("envinit: %s: re-sealed %zu, already sealed "
				     "to the new key %zu, left unopened %zu\n",
				     path, r.ed.n, r.same, nun);
	for (size_t i = 0; i < r.ed.n; i++)
		free(r.ed.v[i].text);
	free(r.ed.v);
	envset_free(&r.seen);
	diag_free(&r.unopened);
	wipe_free(buf, len + 1);
	keyring_free(&kr);
	return status;
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
