/* Unit tests for secretdir.c: secret directories, including kubelet swaps. */
// OBJS: secretdir envset diag fileio xalloc
#include "preamble.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "secretdir.h"

/* ---- helpers ------------------------------------------------------------ */

/* Directories made and not yet removed: a failed assertion jumps out of
 * its test, so the teardown removes what the test could not. */
static char *made[8];

static char *track(char *dir)
{
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
		if (!made[i])
			return made[i] = dir;
	fail_msg("too many temporary directories");
	return NULL;
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/envinit-sd-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return track(xstrdup(tmpl));
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(path, 0700); /* so a chmod 000 test cannot leave litter */
	return remove(path);
}

static void rm_rf(char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
		if (made[i] == dir)
			made[i] = NULL;
	free(dir);
}

static int teardown(void **state)
{
	(void)state;
	secretdir_read_hook = NULL;
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
		if (made[i])
			rm_rf(made[i]);
	return 0;
}

static char *path_of(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void put_n(const char *dir, const char *name, const char *val,
		  size_t len)
{
	char *p = path_of(dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(val, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static void put(const char *dir, const char *name, const char *val)
{
	put_n(dir, name, val, strlen(val));
}

static void sub(const char *dir, const char *name)
{
	char *p = path_of(dir, name);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
}

static void link_to(const char *dir, const char *name, const char *target)
{
	char *p = path_of(dir, name);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static const struct secretdir_opts no_opts;

/* Load DIR into a fresh set and diag list. */
static int load(const char *dir, int missing_ok,
		const struct secretdir_opts *o, struct envset *s,
		struct diag *d)
{
	envset_init(s);
	diag_init(d);
	return secretdir_load(dir, missing_ok, o ? o : &no_opts, s, d);
}

static void assert_var(const struct envset *s, const char *key,
		       const char *val, const char *source)
{
	const struct envvar *v = envset_get(s, key);
	if (!v)
		fail_msg("key %s not loaded", key);
	assert_int_equal(v->len, strlen(val));
	assert_memory_equal(v->val, val, v->len);
	assert_int_equal(v->val[v->len], '\0');
	assert_int_equal(v->origin, ORIG_SECRETDIR);
	assert_true(v->flags & EV_SECRET);
	assert_string_equal(v->source, source);
}

/* Assert diag item I is LEVEL, SUBJECT (DIR/NAME when NAME), TEXT. */
static void assert_diag(const struct diag *d, size_t i, enum diag_level lvl,
			const char *dir, const char *name, const char *text)
{
	if (i >= d->n)
		fail_msg("diag %zu missing (have %zu)", i, d->n);
	char *subj = name ? path_of(dir, name) : xstrdup(dir);
	assert_int_equal(d->v[i].level, lvl);
	assert_string_equal(d->v[i].subject, subj);
	assert_string_equal(d->v[i].text, text);
	assert_null(d->v[i].source);
	free(subj);
}

static void done(struct envset *s, struct diag *d)
{
	envset_free(s);
	diag_free(d);
}

/* ---- plain directories -------------------------------------------------- */

static void plain_files_in_name_order(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put(dir, "B", "bee");
	put(dir, "A", "ay");
	put(dir, "c_1", "see one");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&s), 3);
	assert_string_equal(s.v[0].key, "A");
	assert_string_equal(s.v[1].key, "B");
	assert_string_equal(s.v[2].key, "c_1");
	char *pa = path_of(dir, "A"), *pb = path_of(dir, "B"),
	     *pc = path_of(dir, "c_1");
	assert_var(&s, "A", "ay", pa);
	assert_var(&s, "B", "bee", pb);
	assert_var(&s, "c_1", "see one", pc);
	done(&s, &d);

	/* a trailing slash does not double up in the source */
	char *slashed = xasprintf("%s//", dir);
	assert_int_equal(load(slashed, 0, NULL, &s, &d), 0);
	assert_var(&s, "A", "ay", pa);
	done(&s, &d);
	free(slashed);

	/* a secrets dir overrides an earlier layer in place */
	envset_init(&s);
	diag_init(&d);
	envset_set(&s, "B", "old", 3, ORIG_ENVFILE, "a.env:1");
	assert_int_equal(secretdir_load(dir, 0, &no_opts, &s, &d), 0);
	assert_string_equal(s.v[0].key, "B");
	assert_var(&s, "B", "bee", pb);
	assert_string_equal(envset_get(&s, "B")->overrode, "a.env:1");
	done(&s, &d);
	free(pa);
	free(pb);
	free(pc);
	rm_rf(dir);
}

static void one_trailing_newline_removed(void **state)
{
	(void)state;
	static const struct {
		const char *name, *content, *want;
	} cases[] = {
		{ "LF", "v\n", "v" },
		{ "CRLF", "v\r\n", "v" },
		{ "TWO_LF", "v\n\n", "v\n" },
		{ "TWO_CRLF", "v\r\n\r\n", "v\r\n" },
		{ "CR", "v\r", "v\r" },
		{ "INNER", "a\nb\n", "a\nb" },
		{ "LEADING", "\nv", "\nv" },
		{ "ONLY_LF", "\n", "" },
		{ "EMPTY", "", "" },
		{ "SPACES", " v \n", " v " },
	};
	char *dir = tmpdir();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		put(dir, cases[i].name, cases[i].content);
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 0);
	assert_int_equal(d.n, 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *p = path_of(dir, cases[i].name);
		assert_var(&s, cases[i].name, cases[i].want, p);
		free(p);
	}
	done(&s, &d);
	rm_rf(dir);
}

static void dot_entries_and_subdirs_skipped(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put(dir, "KEY", "v");
	put(dir, ".hidden", "h");
	put(dir, ".env", "h");
	sub(dir, "..2024_01_01_00_00_00.1");
	put(dir, "..2024_01_01_00_00_00.1/X", "x");
	link_to(dir, "..data_tmp", "..2024_01_01_00_00_00.1");
	sub(dir, "subdir");
	put(dir, "subdir/INNER", "i");
	sub(dir, "bad name dir"); /* skipped as a directory, no warning */
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&s), 1);
	char *p = path_of(dir, "KEY");
	assert_var(&s, "KEY", "v", p);
	free(p);
	done(&s, &d);
	rm_rf(dir);
}

static void name_mapping(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put(dir, "db-password", "pw");
	put(dir, "tls.crt", "cert");
	put(dir, "Mixed_Case", "m");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&s), 3);
	char *p1 = path_of(dir, "db-password"), *p2 = path_of(dir, "tls.crt"),
	     *p3 = path_of(dir, "Mixed_Case");
	assert_var(&s, "db_password", "pw", p1);
	assert_var(&s, "tls_crt", "cert", p2);
	assert_var(&s, "Mixed_Case", "m", p3);
	done(&s, &d);

	/* --secrets-upcase upper-cases every name, valid or mapped */
	struct secretdir_opts o = { .upcase = 1 };
	assert_int_equal(load(dir, 0, &o, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&s), 3);
	assert_string_equal(s.v[0].key, "MIXED_CASE");
	assert_string_equal(s.v[1].key, "DB_PASSWORD");
	assert_string_equal(s.v[2].key, "TLS_CRT");
	assert_var(&s, "DB_PASSWORD", "pw", p1);
	assert_var(&s, "TLS_CRT", "cert", p2);
	assert_var(&s, "MIXED_CASE", "m", p3);
	assert_null(envset_get(&s, "db_password"));
	done(&s, &d);
	free(p1);
	free(p2);
	free(p3);
	rm_rf(dir);
}

static void invalid_name_warns(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put(dir, "1abc", "x");
	put(dir, "a b", "x");
	put(dir, "caf\xc3\xa9", "x");
	put(dir, "OK", "v");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 0);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.n, 3);
	assert_diag(&d, 0, DIAG_WARNING, dir, "1abc",
		    "skipped: not a valid variable name");
	assert_diag(&d, 1, DIAG_WARNING, dir, "a b",
		    "skipped: not a valid variable name");
	assert_diag(&d, 2, DIAG_WARNING, dir, "caf\xc3\xa9",
		    "skipped: not a valid variable name");
	assert_int_equal(envset_count(&s), 1);
	assert_non_null(envset_get(&s, "OK"));
	done(&s, &d);
	rm_rf(dir);
}

static void collision_is_error(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put(dir, "a-b", "dash");
	put(dir, "a_b", "under");
	put(dir, "a.b", "dot");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 2);
	assert_int_equal(d.n, 2);
	/* name order: '-' < '.' < '_'; the first keeps the key */
	char *first = path_of(dir, "a-b");
	char *want = xasprintf("maps to key a_b, as does %s", first);
	assert_diag(&d, 0, DIAG_ERROR, dir, "a.b", want);
	assert_diag(&d, 1, DIAG_ERROR, dir, "a_b", want);
	assert_int_equal(envset_count(&s), 1);
	assert_var(&s, "a_b", "dash", first);
	done(&s, &d);
	free(want);
	free(first);
	rm_rf(dir);

	/* with upcase, case alone can collide */
	dir = tmpdir();
	put(dir, "db_password", "lower");
	put(dir, "DB_PASSWORD", "upper");
	struct secretdir_opts o = { .upcase = 1 };
	assert_int_equal(load(dir, 0, &o, &s, &d), 1);
	first = path_of(dir, "DB_PASSWORD");
	want = xasprintf("maps to key DB_PASSWORD, as does %s", first);
	assert_diag(&d, 0, DIAG_ERROR, dir, "db_password", want);
	assert_var(&s, "DB_PASSWORD", "upper", first);
	done(&s, &d);
	free(want);
	free(first);
	rm_rf(dir);
}

/* ---- symbolic links ----------------------------------------------------- */

static void symlink_inside_followed(void **state)
{
	(void)state;
	char *dir = tmpdir();
	sub(dir, "store");
	put(dir, "store/real", "deep\n");
	put(dir, "A", "ay");
	link_to(dir, "REL", "store/real");
	link_to(dir, "ALIAS", "A");
	link_to(dir, "CHAIN", "REL");
	link_to(dir, "DOTS", "./store/../store/./real");
	link_to(dir, "TODIR", "store"); /* a directory inside: skipped */
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&s), 5);
	const char *names[] = { "A", "ALIAS", "CHAIN", "DOTS", "REL" };
	const char *vals[] = { "ay", "ay", "deep", "deep", "deep" };
	for (size_t i = 0; i < 5; i++) {
		char *p = path_of(dir, names[i]);
		assert_string_equal(s.v[i].key, names[i]);
		assert_var(&s, names[i], vals[i], p);
		free(p);
	}
	done(&s, &d);
	rm_rf(dir);
}

static void symlink_outside_is_error(void **state)
{
	(void)state;
	char *dir = tmpdir();
	char *other = tmpdir();
	put(other, "secret", "nope");
	/* a sibling whose name has DIR as a prefix is still outside */
	char *evil = xasprintf("%s-evil", dir);
	assert_int_equal(mkdir(evil, 0700), 0);
	track(evil);
	put(evil, "f", "nope");
	char *abs = path_of(other, "secret");
	char *pre = path_of(evil, "f");
	char *rel = xasprintf("../%s/secret", strrchr(other, '/') + 1);
	char *deep = xasprintf("store/../../%s/secret", strrchr(other, '/') + 1);
	char *inside = path_of(dir, "OK"); /* absolute, even naming DIR/OK */
	sub(dir, "store");
	link_to(dir, "ABS", abs);
	link_to(dir, "DEEP", deep);
	link_to(dir, "INSIDE_ABS", inside);
	link_to(dir, "PREFIX", pre);
	link_to(dir, "PROC", "/proc/self/root/etc/passwd");
	link_to(dir, "REL", rel);
	link_to(dir, "SHADOW", "/etc/passwd");
	link_to(dir, "UP", "../");
	link_to(dir, "VIA", "UP/x"); /* a chain that climbs on the way */
	link_to(dir, "ZERO", "/dev/zero");
	put(dir, "OK", "v");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 10);
	assert_int_equal(d.n, 10);
	char *want = xasprintf("symbolic link is absolute or leads outside %s",
			       dir);
	const char *names[] = { "ABS", "DEEP", "INSIDE_ABS", "PREFIX", "PROC",
				"REL", "SHADOW", "UP", "VIA", "ZERO" };
	for (size_t i = 0; i < 10; i++)
		assert_diag(&d, i, DIAG_ERROR, dir, names[i], want);
	assert_int_equal(envset_count(&s), 1);
	assert_non_null(envset_get(&s, "OK"));
	done(&s, &d);
	free(want);
	free(abs);
	free(pre);
	free(rel);
	free(deep);
	free(inside);
	rm_rf(evil);
	rm_rf(other);
	rm_rf(dir);
}

static void symlink_loop_and_dangling_are_errors(void **state)
{
	(void)state;
	char *dir = tmpdir();
	link_to(dir, "L1", "L2");
	link_to(dir, "L2", "L1");
	link_to(dir, "SELF", "SELF");
	link_to(dir, "GONE", "missing");
	link_to(dir, "GONE_DEEP", "nosuchdir/x");
	put(dir, "OK", "v");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 5);
	assert_int_equal(d.n, 5);
	assert_diag(&d, 0, DIAG_ERROR, dir, "GONE", "dangling symbolic link");
	assert_diag(&d, 1, DIAG_ERROR, dir, "GONE_DEEP",
		    "dangling symbolic link");
	assert_diag(&d, 2, DIAG_ERROR, dir, "L1", "symbolic link loop");
	assert_diag(&d, 3, DIAG_ERROR, dir, "L2", "symbolic link loop");
	assert_diag(&d, 4, DIAG_ERROR, dir, "SELF", "symbolic link loop");
	assert_int_equal(envset_count(&s), 1);
	done(&s, &d);
	rm_rf(dir);
}

/* ---- special files, caps, exclusion ------------------------------------- */

static void fifo_socket_device_are_errors(void **state)
{
	(void)state;
	char *dir = tmpdir();
	char *fifo = path_of(dir, "FIFO");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	link_to(dir, "TO_FIFO", "FIFO");

	char *sock = path_of(dir, "SOCK");
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	assert_true(strlen(sock) < sizeof sa.sun_path);
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);

	/* a character device like /dev/zero, made inside DIR (needs root) */
	char *dev = path_of(dir, "ZERO");
	int have_dev = mknod(dev, S_IFCHR | 0600, makedev(1, 5)) == 0;

	alarm(10); /* a hang on the FIFO fails the test instead of stalling */
	struct envset s;
	struct diag d;
	int n = load(dir, 0, NULL, &s, &d);
	alarm(0);
	assert_int_equal(n, 3 + have_dev);
	assert_int_equal(d.n, 3 + have_dev);
	size_t i = 0;
	assert_diag(&d, i++, DIAG_ERROR, dir, "FIFO", "not a regular file");
	assert_diag(&d, i++, DIAG_ERROR, dir, "SOCK", "not a regular file");
	assert_diag(&d, i++, DIAG_ERROR, dir, "TO_FIFO", "not a regular file");
	if (have_dev)
		assert_diag(&d, i++, DIAG_ERROR, dir, "ZERO",
			    "not a regular file");
	else
		fprintf(stderr, "note: no mknod; device case not run\n");
	assert_int_equal(envset_count(&s), 0);
	done(&s, &d);
	close(fd);
	free(fifo);
	free(sock);
	free(dev);
	rm_rf(dir);
}

/* Whether D holds exactly one item: the error "permission denied" for
 * DIR/NAME (no cmocka assertion: it runs in a forked child too). */
static int one_permission_error(const struct diag *d, const char *dir,
				const char *name)
{
	char *subj = path_of(dir, name);
	int ok = d->n == 1 && d->v[0].level == DIAG_ERROR &&
		 d->v[0].subject && strcmp(d->v[0].subject, subj) == 0 &&
		 strcmp(d->v[0].text, "permission denied") == 0 &&
		 d->v[0].source == NULL;
	free(subj);
	return ok;
}

static void unreadable_is_error(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put(dir, "LOCKED", "x");
	char *p = path_of(dir, "LOCKED");
	assert_int_equal(chmod(p, 0), 0);
	struct envset s;
	struct diag d;
	if (geteuid() != 0) {
		assert_int_equal(load(dir, 0, NULL, &s, &d), 1);
		assert_true(one_permission_error(&d, dir, "LOCKED"));
		done(&s, &d);
	} else {
		/* root reads a mode-000 file anyway (CAP_DAC_OVERRIDE): read
		 * it in a child that dropped the two capabilities that bypass
		 * file modes, still root, so /tmp (maybe 0700) stays reachable */
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct __user_cap_header_struct h = {
				.version = _LINUX_CAPABILITY_VERSION_3 };
			struct __user_cap_data_struct c[2];
			if (syscall(SYS_capget, &h, c) < 0)
				_exit(2);
			c[0].effective &= ~((1u << CAP_DAC_OVERRIDE) |
					    (1u << CAP_DAC_READ_SEARCH));
			if (syscall(SYS_capset, &h, c) < 0)
				_exit(2);
			int n = load(dir, 0, NULL, &s, &d);
			_exit(n == 1 && one_permission_error(&d, dir, "LOCKED") ? 0 : 1);
		}
		int st = 0;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	free(p);
	rm_rf(dir);
}

static void value_size_cap(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put(dir, "AT_CAP", "12345678");
	put(dir, "OVER", "123456789");
	put(dir, "OVER_BY_LF", "12345678\n"); /* the cap is on the file */
	struct secretdir_opts o = { .max_value_size = 8 };
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, &o, &s, &d), 2);
	assert_diag(&d, 0, DIAG_ERROR, dir, "OVER",
		    "larger than 8 bytes (--max-value-size)");
	assert_diag(&d, 1, DIAG_ERROR, dir, "OVER_BY_LF",
		    "larger than 8 bytes (--max-value-size)");
	char *p = path_of(dir, "AT_CAP");
	assert_var(&s, "AT_CAP", "12345678", p);
	assert_int_equal(envset_count(&s), 1);
	done(&s, &d);
	free(p);
	rm_rf(dir);

	/* 0 means the 1 MiB default */
	dir = tmpdir();
	size_t big = ENVINIT_MAX_VALUE_SIZE;
	char *buf = xmalloc(big + 1);
	memset(buf, 'x', big + 1);
	put_n(dir, "MAX", buf, big);
	put_n(dir, "TOO_BIG", buf, big + 1);
	free(buf);
	assert_int_equal(load(dir, 0, NULL, &s, &d), 1);
	assert_diag(&d, 0, DIAG_ERROR, dir, "TOO_BIG",
		    "larger than 1048576 bytes (--max-value-size)");
	assert_int_equal(envset_get(&s, "MAX")->len, big);
	assert_null(envset_get(&s, "TOO_BIG"));
	done(&s, &d);
	rm_rf(dir);
}

static void nul_byte_is_error(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put_n(dir, "NUL", "ab\0cd", 5);
	put_n(dir, "NUL_END", "ab\0", 3);
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 2);
	assert_diag(&d, 0, DIAG_ERROR, dir, "NUL", "value contains a NUL byte");
	assert_diag(&d, 1, DIAG_ERROR, dir, "NUL_END",
		    "value contains a NUL byte");
	assert_int_equal(envset_count(&s), 0);
	done(&s, &d);
	rm_rf(dir);
}

static void excluded_files_never_exported(void **state)
{
	(void)state;
	char *dir = tmpdir();
	put(dir, "private.key", "KEYMATERIAL");
	put(dir, "other.key", "K2");
	link_to(dir, "KEY_LINK", "private.key");
	put(dir, "OK", "v");
	struct stat ex[2];
	char *p1 = path_of(dir, "private.key"), *p2 = path_of(dir, "other.key");
	assert_int_equal(stat(p1, &ex[0]), 0);
	assert_int_equal(stat(p2, &ex[1]), 0);
	struct secretdir_opts o = { .exclude = ex, .nexclude = 2 };
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, &o, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&s), 1);
	assert_non_null(envset_get(&s, "OK"));
	done(&s, &d);

	/* without the exclusion they would have been loaded */
	assert_int_equal(load(dir, 0, NULL, &s, &d), 0);
	assert_int_equal(envset_count(&s), 4);
	assert_var(&s, "private_key", "KEYMATERIAL", p1);
	done(&s, &d);
	free(p1);
	free(p2);
	rm_rf(dir);
}

static void missing_or_not_a_directory(void **state)
{
	(void)state;
	char *dir = tmpdir();
	char *missing = path_of(dir, "nope");
	struct envset s;
	struct diag d;
	assert_int_equal(load(missing, 1, NULL, &s, &d), 0);
	assert_int_equal(d.n, 0);
	done(&s, &d);

	assert_int_equal(load(missing, 0, NULL, &s, &d), 1);
	assert_int_equal(d.n, 1);
	assert_diag(&d, 0, DIAG_ERROR, missing, NULL,
		    "secrets directory: no such directory");
	done(&s, &d);

	/* a dangling symlink as DIR counts as missing */
	char *dl = path_of(dir, "dangling");
	assert_int_equal(symlink(missing, dl), 0);
	assert_int_equal(load(dl, 1, NULL, &s, &d), 0);
	assert_int_equal(d.n, 0);
	done(&s, &d);

	put(dir, "file", "x");
	char *file = path_of(dir, "file");
	assert_int_equal(load(file, 1, NULL, &s, &d), 1);
	assert_diag(&d, 0, DIAG_ERROR, file, NULL,
		    "secrets directory: not a directory");
	assert_int_equal(envset_count(&s), 0);
	done(&s, &d);
	free(dl);
	free(file);
	free(missing);
	rm_rf(dir);
}

/* ---- the kubelet atomic-writer layout ----------------------------------- */

/* What kubelet does for one update: a new timestamped directory, then
 * ..data_tmp pointing at it renamed over ..data. */
static int publish(const char *dir, const char *ts, const char *a,
		   const char *b)
{
	char p[256], q[512];
	snprintf(p, sizeof p, "%s/%s", dir, ts);
	if (mkdir(p, 0755) < 0)
		return -1;
	const char *vals[2] = { a, b };
	for (int i = 0; i < 2; i++) {
		snprintf(q, sizeof q, "%s/%s", p, i ? "B" : "A");
		int fd = open(q, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return -1;
		ssize_t len = (ssize_t)strlen(vals[i]);
		if (write(fd, vals[i], (size_t)len) != len || close(fd) < 0)
			return -1;
	}
	snprintf(q, sizeof q, "%s/..data_tmp", dir);
	if (symlink(ts, q) < 0)
		return -1;
	snprintf(p, sizeof p, "%s/..data", dir);
	return rename(q, p);
}

/* kubelet removes the previous version after the swap. */
static int retire(const char *dir, const char *ts)
{
	char p[512];
	int r = 0;
	snprintf(p, sizeof p, "%s/%s/A", dir, ts);
	r |= unlink(p);
	snprintf(p, sizeof p, "%s/%s/B", dir, ts);
	r |= unlink(p);
	snprintf(p, sizeof p, "%s/%s", dir, ts);
	r |= rmdir(p);
	return r;
}

static char *kubelet_dir(const char *a, const char *b)
{
	char *dir = tmpdir();
	assert_int_equal(publish(dir, "..2024_01_01_00_00_00.1", a, b), 0);
	link_to(dir, "A", "..data/A");
	link_to(dir, "B", "..data/B");
	return dir;
}

static void kubelet_layout(void **state)
{
	(void)state;
	char *dir = kubelet_dir("alpha\n", "beta");
	/* mid-update leftovers at the top level must not matter */
	link_to(dir, "OLD", "..data/OLD");
	link_to(dir, "STALE", "..2023_12_31_00_00_00.9/STALE");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&s), 2);
	assert_string_equal(s.v[0].key, "A");
	assert_string_equal(s.v[1].key, "B");
	char *pa = path_of(dir, "A"), *pb = path_of(dir, "B");
	assert_var(&s, "A", "alpha", pa);
	assert_var(&s, "B", "beta", pb);
	done(&s, &d);
	free(pa);
	free(pb);
	rm_rf(dir);
}

static void kubelet_keys_come_from_data_dir(void **state)
{
	(void)state;
	char *dir = kubelet_dir("a", "b");
	/* a key already in ..data whose top-level symlink is not made yet */
	put(dir, "..2024_01_01_00_00_00.1/NEW-KEY", "n");
	struct secretdir_opts o = { .upcase = 1 };
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, &o, &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(envset_count(&s), 3);
	char *p = path_of(dir, "NEW-KEY");
	assert_var(&s, "NEW_KEY", "n", p);
	free(p);
	done(&s, &d);
	rm_rf(dir);
}

static void kubelet_dangling_data_is_error(void **state)
{
	(void)state;
	char *dir = tmpdir();
	link_to(dir, "..data", "..2024_gone");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 1);
	assert_diag(&d, 0, DIAG_ERROR, dir, "..data", "dangling symbolic link");
	done(&s, &d);
	rm_rf(dir);
}

/* A ..data that leads out of DIR exports nothing of the other directory. */
static void kubelet_data_outside_is_error(void **state)
{
	(void)state;
	char *dir = tmpdir();
	char *other = tmpdir();
	put(other, "ROOT_ONLY", "canary");
	char *rel = xasprintf("../%s", strrchr(other, '/') + 1);
	link_to(dir, "..data", rel);
	link_to(dir, "ROOT_ONLY", "..data/ROOT_ONLY");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 1);
	assert_int_equal(d.n, 1);
	char *want = xasprintf("symbolic link is absolute or leads outside %s",
			       dir);
	assert_diag(&d, 0, DIAG_ERROR, dir, "..data", want);
	assert_int_equal(envset_count(&s), 0);
	done(&s, &d);
	/* the same through a timestamped directory that itself escapes */
	rm_rf(dir);
	dir = tmpdir();
	link_to(dir, "..2024_x", rel);
	link_to(dir, "..data", "..2024_x");
	assert_int_equal(load(dir, 0, NULL, &s, &d), 1);
	free(want);
	want = xasprintf("symbolic link is absolute or leads outside %s", dir);
	assert_diag(&d, 0, DIAG_ERROR, dir, "..data", want);
	assert_int_equal(envset_count(&s), 0);
	done(&s, &d);
	free(want);
	free(rel);
	rm_rf(other);
	rm_rf(dir);
}

/* A key of the ..data directory must stay beneath that directory. */
static void kubelet_key_link_outside_is_error(void **state)
{
	(void)state;
	char *dir = tmpdir();
	sub(dir, "..2024_v");
	put(dir, "..2024_v/A", "a");
	link_to(dir, "..2024_v/B", "/etc/passwd");
	link_to(dir, "..data", "..2024_v");
	struct envset s;
	struct diag d;
	assert_int_equal(load(dir, 0, NULL, &s, &d), 1);
	char *want = xasprintf("symbolic link is absolute or leads outside %s",
			       dir);
	assert_diag(&d, 0, DIAG_ERROR, dir, "B", want);
	assert_int_equal(envset_count(&s), 1);
	done(&s, &d);
	free(want);
	rm_rf(dir);
}

static const char *hook_dir;
static int hook_calls, hook_swaps;

/* After the first A is read, kubelet publishes a new version. */
static void swap_after_a(const char *name)
{
	hook_calls++;
	if (strcmp(name, "A") != 0 || hook_swaps)
		return;
	hook_swaps++;
	assert_int_equal(publish(hook_dir, "..2024_01_01_00_01_00.2", "new-a",
				 "new-b"),
			 0);
	assert_int_equal(retire(hook_dir, "..2024_01_01_00_00_00.1"), 0);
}

static void kubelet_swap_mid_read(void **state)
{
	(void)state;
	char *dir = kubelet_dir("old-a", "old-b");
	hook_dir = dir;
	hook_calls = hook_swaps = 0;
	secretdir_read_hook = swap_after_a;
	struct envset s;
	struct diag d;
	int n = load(dir, 0, NULL, &s, &d);
	secretdir_read_hook = NULL;
	assert_int_equal(n, 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(hook_swaps, 1);
	assert_int_equal(hook_calls, 3); /* A (discarded), then A, B */
	char *pa = path_of(dir, "A"), *pb = path_of(dir, "B");
	assert_var(&s, "A", "new-a", pa);
	assert_var(&s, "B", "new-b", pb);
	assert_int_equal(envset_count(&s), 2);
	done(&s, &d);
	free(pa);
	free(pb);
	rm_rf(dir);
}

/* Without retiring the old directory the torn read would succeed. */
static void swap_keep_old(const char *name)
{
	hook_calls++;
	if (strcmp(name, "A") != 0 || hook_swaps)
		return;
	hook_swaps++;
	assert_int_equal(publish(hook_dir, "..2024_01_01_00_01_00.2", "new-a",
				 "new-b"),
			 0);
}

static void kubelet_swap_old_dir_kept(void **state)
{
	(void)state;
	char *dir = kubelet_dir("old-a", "old-b");
	hook_dir = dir;
	hook_calls = hook_swaps = 0;
	secretdir_read_hook = swap_keep_old;
	struct envset s;
	struct diag d;
	int n = load(dir, 0, NULL, &s, &d);
	secretdir_read_hook = NULL;
	assert_int_equal(n, 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(hook_calls, 4); /* A, B (discarded), then A, B */
	char *pa = path_of(dir, "A"), *pb = path_of(dir, "B");
	assert_var(&s, "A", "new-a", pa);
	assert_var(&s, "B", "new-b", pb);
	done(&s, &d);
	free(pa);
	free(pb);
	rm_rf(dir);
}

/* kubelet updating faster than anyone can read: a swap after every A. */
static void swap_always(const char *name)
{
	char ts[64];
	hook_calls++;
	if (strcmp(name, "A") != 0)
		return;
	snprintf(ts, sizeof ts, "..2024_01_01_00_00_00.%d", hook_swaps + 2);
	assert_int_equal(publish(hook_dir, ts, "a", "b"), 0);
	hook_swaps++;
}

static void kubelet_endless_swaps_is_error(void **state)
{
	(void)state;
	char *dir = kubelet_dir("old-a", "old-b");
	hook_dir = dir;
	hook_calls = hook_swaps = 0;
	secretdir_read_hook = swap_always;
	struct envset s;
	struct diag d;
	int n = load(dir, 0, NULL, &s, &d);
	secretdir_read_hook = NULL;
	assert_int_equal(n, 1);
	assert_int_equal(d.n, 1);
	assert_diag(&d, 0, DIAG_ERROR, dir, NULL,
		    "secrets directory kept changing while read");
	assert_int_equal(hook_swaps, 50);
	/* never a partial or torn set */
	assert_int_equal(envset_count(&s), 0);
	done(&s, &d);
	rm_rf(dir);
}

/* The child: SWAPS kubelet updates alternating "old"/"new", as fast as
 * it can. Only syscalls; reports through its exit status. */
static void ATTR_NORETURN swapper(const char *dir, int ready, int swaps)
{
	char prev[64], ts[64];
	snprintf(prev, sizeof prev, "..2024_01_01_00_00_00.1");
	if (write(ready, "x", 1) != 1)
		_exit(2);
	close(ready);
	for (int i = 0; i < swaps; i++) {
		const char *v = i % 2 ? "old" : "new";
		snprintf(ts, sizeof ts, "..2024_01_01_00_00_00.%d", i + 2);
		if (publish(dir, ts, v, v) < 0 || retire(dir, prev) < 0)
			_exit(1);
		memcpy(prev, ts, sizeof prev);
	}
	_exit(0);
}

static void kubelet_concurrent_swaps_never_torn(void **state)
{
	(void)state;
	char *dir = kubelet_dir("old", "old");
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		swapper(dir, pfd[1], 2000);
	}
	close(pfd[1]);
	char c;
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);

	int loads = 0, mixed = 0, errors = 0, seen_old = 0, seen_new = 0;
	/* load until the swapper is done: every read overlaps updates */
	int status = 0;
	pid_t w;
	do {
		w = waitpid(pid, &status, WNOHANG);
		struct envset s;
		struct diag d;
		errors += load(dir, 0, NULL, &s, &d);
		const struct envvar *a = envset_get(&s, "A");
		const struct envvar *b = envset_get(&s, "B");
		if (!a || !b || strcmp(a->val, b->val) != 0)
			mixed++;
		else if (strcmp(a->val, "old") == 0)
			seen_old++;
		else if (strcmp(a->val, "new") == 0)
			seen_new++;
		done(&s, &d);
		loads++;
	} while (w == 0);
	assert_int_equal(w, pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(errors, 0);
	assert_int_equal(mixed, 0);
	assert_int_equal(seen_old + seen_new, loads);
	/* the reads really overlapped the updates */
	assert_true(seen_old > 0);
	assert_true(seen_new > 0);
	rm_rf(dir);
}

/* every test twice: through openat2, then through the O_NOFOLLOW walk
 * that stands in where openat2 is missing */
static int openat2_setup(void **state)
{
	(void)state;
	fileio_beneath_walk_only = 0;
	return 0;
}

static int walk_setup(void **state)
{
	(void)state;
	fileio_beneath_walk_only = 1;
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, openat2_setup, teardown)
#define W(f) cmocka_unit_test_setup_teardown(f, walk_setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(plain_files_in_name_order),
		T(one_trailing_newline_removed),
		T(dot_entries_and_subdirs_skipped),
		T(name_mapping),
		T(invalid_name_warns),
		T(collision_is_error),
		T(symlink_inside_followed),
		T(symlink_outside_is_error),
		T(symlink_loop_and_dangling_are_errors),
		T(fifo_socket_device_are_errors),
		T(unreadable_is_error),
		T(value_size_cap),
		T(nul_byte_is_error),
		T(excluded_files_never_exported),
		T(missing_or_not_a_directory),
		T(kubelet_layout),
		T(kubelet_keys_come_from_data_dir),
		T(kubelet_dangling_data_is_error),
		T(kubelet_data_outside_is_error),
		T(kubelet_key_link_outside_is_error),
		T(kubelet_swap_mid_read),
		T(kubelet_swap_old_dir_kept),
		T(kubelet_endless_swaps_is_error),
		T(kubelet_concurrent_swaps_never_torn),
		W(plain_files_in_name_order),
		W(one_trailing_newline_removed),
		W(dot_entries_and_subdirs_skipped),
		W(name_mapping),
		W(invalid_name_warns),
		W(collision_is_error),
		W(symlink_inside_followed),
		W(symlink_outside_is_error),
		W(symlink_loop_and_dangling_are_errors),
		W(fifo_socket_device_are_errors),
		W(unreadable_is_error),
		W(value_size_cap),
		W(nul_byte_is_error),
		W(excluded_files_never_exported),
		W(missing_or_not_a_directory),
		W(kubelet_layout),
		W(kubelet_keys_come_from_data_dir),
		W(kubelet_dangling_data_is_error),
		W(kubelet_data_outside_is_error),
		W(kubelet_key_link_outside_is_error),
		W(kubelet_swap_mid_read),
		W(kubelet_swap_old_dir_kept),
		W(kubelet_endless_swaps_is_error),
		W(kubelet_concurrent_swaps_never_torn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
