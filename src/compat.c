/*
 * compat.c - the one symbol Debian's libsodium.a needs that musl lacks.
 *
 * Debian builds libsodium with _FORTIFY_SOURCE, so sodium_memzero calls
 * glibc's __explicit_bzero_chk. musl has explicit_bzero but not the
 * fortified variant; forward to it (the size check is the compiler's job
 * at the call site, which already passed). Only linked into musl builds.
 */
#include <stddef.h>
#include <string.h>

void __explicit_bzero_chk(void *p, size_t n, size_t dstlen);

void __explicit_bzero_chk(void *p, size_t n, size_t dstlen)
{
	(void)dstlen;
	explicit_bzero(p, n);
}
