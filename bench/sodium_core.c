/*
 * sodium_core - a stand-in for libsodium's core.o, for the size probes
 * only (never shipped, never run).
 *
 * libsodium 1.0.18's sodium_init() (core.o) calls every implementation
 * picker, so any program that calls it links argon2, chacha20 and their
 * SIMD variants whether it uses them or not. bench/run.sh links envinit's
 * own objects with this file in front of libsodium.a: since it defines
 * every symbol core.o does, the archive's core.o is never pulled in, and
 * the size difference is exactly what the unused pickers cost.
 *
 *   -DPICKERS=1   sodium_init() keeps the pickers sealed boxes use
 *                 (curve25519, salsa20, poly1305, blake2b)
 *   -DPICKERS=0   no picker at all: the portable implementations
 */
#include <stdlib.h>

#ifndef PICKERS
#define PICKERS 1
#endif

int _sodium_runtime_get_cpu_features(void);
int _sodium_alloc_init(void);
void randombytes_stir(void);
#if PICKERS
int _crypto_generichash_blake2b_pick_best_implementation(void);
int _crypto_onetimeauth_poly1305_pick_best_implementation(void);
int _crypto_scalarmult_curve25519_pick_best_implementation(void);
int _crypto_stream_salsa20_pick_best_implementation(void);
#endif

int sodium_init(void);
int sodium_crit_enter(void);
int sodium_crit_leave(void);
void sodium_misuse(void);
int sodium_set_misuse_handler(void (*handler)(void));

static int initialized;

int sodium_init(void)
{
	if (initialized)
		return 1;
#if PICKERS
	_sodium_runtime_get_cpu_features();
	_crypto_generichash_blake2b_pick_best_implementation();
	_crypto_onetimeauth_poly1305_pick_best_implementation();
	_crypto_scalarmult_curve25519_pick_best_implementation();
	_crypto_stream_salsa20_pick_best_implementation();
#endif
	randombytes_stir();
	_sodium_alloc_init();
	initialized = 1;
	return 0;
}

int sodium_crit_enter(void)
{
	return 0;
}

int sodium_crit_leave(void)
{
	return 0;
}

void sodium_misuse(void)
{
	abort();
}

int sodium_set_misuse_handler(void (*handler)(void))
{
	(void)handler;
	return 0;
}
