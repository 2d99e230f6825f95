/*
 * noopenat2 CMD ARGS... - exec CMD where openat2(2) fails with ENOSYS,
 * as on a kernel older than 5.6 or under a container runtime's seccomp
 * profile that does not know the call. A seccomp filter (inherited by
 * CMD and its children) answers openat2 with ENOSYS and allows the rest;
 * the tests use it to run envinit's O_NOFOLLOW walk, its fallback.
 * The kernel's BPF and seccomp constants are spelled out: the static
 * musl build cannot see <linux/filter.h> or <linux/seccomp.h>.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NR_OPENAT2 437 /* the same on every architecture */
#define LD_W_ABS 0x20  /* BPF_LD | BPF_W | BPF_ABS */
#define JEQ_K 0x15     /* BPF_JMP | BPF_JEQ | BPF_K */
#define RET_K 0x06     /* BPF_RET | BPF_K */
#define RET_ALLOW 0x7fff0000u
#define RET_ERRNO 0x00050000u
#define MODE_FILTER 2

struct insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct prog {
	unsigned short len;
	const struct insn *filter;
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: noopenat2 CMD ARGS...\n", stderr);
		return 2;
	}
	static const struct insn filter[] = {
		{ LD_W_ABS, 0, 0, 0 },            /* seccomp_data.nr */
		{ JEQ_K, 0, 1, NR_OPENAT2 },
		{ RET_K, 0, 0, RET_ERRNO | ENOSYS },
		{ RET_K, 0, 0, RET_ALLOW },
	};
	struct prog p = { sizeof filter / sizeof filter[0], filter };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, MODE_FILTER, &p, 0, 0) < 0) {
		perror("noopenat2: seccomp");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
