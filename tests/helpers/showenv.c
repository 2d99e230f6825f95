/*
 * showenv - print the environment exactly as received, for the tests.
 *
 * Each entry is printed on its own line with \n, \r, \t and \\ escaped, so
 * a multi-line value stays one line and the output can be compared
 * exactly. Static, so it also runs in a root that holds nothing else.
 * With arguments, prints them (one per line, as "argv[N]=...") first.
 */
#include <stdio.h>

extern char **environ;

static void put(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		default: putchar(*s);
		}
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		printf("argv[%d]=", i);
		put(argv[i]);
	}
	for (char **e = environ; *e; e++)
		put(*e);
	return 0;
}
