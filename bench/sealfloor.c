/*
 * sealfloor - the smallest program that does what envinit needs from its
 * libraries: sodium_init, a key pair, sealing and opening a sealed box,
 * base64 both ways, guarded memory, and inih's stream parser. Linked the
 * way build/envinit is, its size is the floor envinit's own code sits on:
 * bench/run.sh reports it beside the real binary. Never run.
 */
#include <ini.h>
#include <sodium.h>
#include <stdio.h>

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	(void)user;
	return section && name && value;
}

int main(int argc, char **argv)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES];
	unsigned char c[crypto_box_SEALBYTES + 16], m[16] = { 0 };
	char b64[128];
	size_t n;

	if (sodium_init() < 0)
		return 1;
	unsigned char *sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (!sk)
		return 1;
	crypto_box_keypair(pk, sk);
	crypto_scalarmult_base(pk, sk);
	crypto_box_seal(c, m, sizeof m, pk);
	sodium_bin2base64(b64, sizeof b64, c, sizeof c,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_base642bin(c, sizeof c, b64, sizeof b64 - 1, NULL, &n, NULL,
			  sodium_base64_VARIANT_ORIGINAL);
	int r = crypto_box_seal_open(m, c, sizeof c, pk, sk);
	sodium_free(sk);
	if (argc > 1)
		r |= ini_parse_stream((ini_reader)fgets, stdin, handler, argv);
	return r != 0;
}
