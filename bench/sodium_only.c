/*
 * sodium_only - a static program that calls sodium_init() and exits.
 *
 * Its startup minus noop's is what sodium_init() costs on this machine
 * (CPU feature probes, the random device, the guarded-memory setup): the
 * price envinit pays on every start that opens a sealed value.
 */
#include <sodium.h>

int main(void)
{
	return sodium_init() < 0;
}
