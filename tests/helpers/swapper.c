/*
 * swapper DIR TARGET NAME... - swap each DIR/NAME between a regular file
 * and a symlink to TARGET as fast as it can, until killed: an attacker
 * racing a reader between its check and its open. Each swap renames a
 * ready-made entry (a hard link of DIR/.swap-keep, or a fresh symlink;
 * dot-names, which a secrets directory skips) over NAME, so NAME always
 * exists, in one version or the other.
 */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fputs("usage: swapper DIR TARGET NAME...\n", stderr);
		return 2;
	}
	if (chdir(argv[1]) < 0) {
		perror(argv[1]);
		return 2;
	}
	const char *target = argv[2];
	for (;;) {
		for (int i = 3; i < argc; i++) {
			unlink(".swap-file");
			if (link(".swap-keep", ".swap-file") == 0)
				rename(".swap-file", argv[i]);
		}
		for (int i = 3; i < argc; i++) {
			unlink(".swap-link");
			if (symlink(target, ".swap-link") == 0)
				rename(".swap-link", argv[i]);
		}
	}
}
