/* Unit tests for fileio.c: capped, non-blocking reads of regular files. */
// OBJS: fileio xalloc
#include "preamble.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fileio.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/envinit-fileio-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static int dfd(void)
{
	return open(dir, O_RDONLY | O_DIRECTORY);
}

static void write_file(const char *name, const char *s, size_t n)
{
	int d = dfd();
	int fd = openat(d, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
	close(d);
}

static void reads_whole_file(void **state)
{
	(void)state;
	write_file("a", "hello\n", 6);
	int d = dfd();
	char *buf;
	size_t len;
	assert_int_equal(fileio_read(d, "a", 100, 0, &buf, &len), FIO_OK);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n");
	wipe_free(buf, len + 1);
	/* exactly at the cap is fine, one byte over is not */
	assert_int_equal(fileio_read(d, "a", 6, 0, &buf, &len), FIO_OK);
	wipe_free(buf, len + 1);
	assert_int_equal(fileio_read(d, "a", 5, 0, &buf, &len), FIO_TOOBIG);
	assert_null(buf);
	close(d);
}

static void refuses_what_is_not_a_file(void **state)
{
	(void)state;
	int d = dfd();
	char *buf;
	size_t len;
	assert_int_equal(fileio_read(d, "missing", 100, 0, &buf, &len), FIO_NOENT);
	assert_int_equal(fileio_read(AT_FDCWD, "/dev/zero", 100, 0, &buf, &len), FIO_NOTREG);
	assert_int_equal(fileio_read(AT_FDCWD, dir, 100, 0, &buf, &len), FIO_NOTREG);
	assert_int_equal(mkfifoat(d, "fifo", 0600), 0);
	/* no writer: a blocking open would hang here */
	assert_int_equal(fileio_read(d, "fifo", 100, 0, &buf, &len), FIO_NOTREG);
	assert_int_equal(symlinkat("loop", d, "loop"), 0);
	assert_int_equal(fileio_read(d, "loop", 100, 0, &buf, &len), FIO_LOOP);
	write_file("target", "x", 1);
	assert_int_equal(symlinkat("target", d, "link"), 0);
	assert_int_equal(fileio_read(d, "link", 100, 1, &buf, &len), FIO_LOOP);
	assert_int_equal(fileio_read(d, "link", 100, 0, &buf, &len), FIO_OK);
	wipe_free(buf, len + 1);
	close(d);
}

static void sparse_file_over_cap(void **state)
{
	(void)state;
	int d = dfd();
	int fd = openat(d, "sparse", O_WRONLY | O_CREAT, 0600);
	assert_int_equal(ftruncate(fd, (off_t)65 << 20), 0);
	close(fd);
	char *buf;
	size_t len;
	assert_int_equal(fileio_read(d, "sparse", (size_t)64 << 20, 0, &buf, &len), FIO_TOOBIG);
	close(d);
}

static void chomp_one_newline(void **state)
{
	(void)state;
	assert_int_equal(fileio_chomp("a\n", 2), 1);
	assert_int_equal(fileio_chomp("a\r\n", 3), 1);
	assert_int_equal(fileio_chomp("a\n\n", 3), 2);
	assert_int_equal(fileio_chomp("a\r", 2), 2);
	assert_int_equal(fileio_chomp("", 0), 0);
	assert_int_equal(fileio_chomp("\n", 1), 0);
}

/* What fileio_open_beneath and the walk must agree on. */
static void beneath(int (*open_fn)(int, const char *, int))
{
	int d = dfd();
	assert_int_equal(mkdirat(d, "b", 0700), 0);
	assert_int_equal(mkdirat(d, "b/sub", 0700), 0);
	int fd = openat(d, "b/sub/f", O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	int root = openat(d, "b", O_RDONLY | O_DIRECTORY);
	assert_true(root >= 0);
	assert_int_equal(symlinkat("sub/f", root, "in"), 0);
	assert_int_equal(symlinkat("sub/../in", root, "chain"), 0);
	assert_int_equal(symlinkat("../a", root, "up"), 0);
	assert_int_equal(symlinkat("sub/../../a", root, "deepup"), 0);
	assert_int_equal(symlinkat("/etc/passwd", root, "abs"), 0);
	assert_int_equal(symlinkat("loop", root, "loop"), 0);
	assert_int_equal(symlinkat("sub", root, "dirlink"), 0);
	const char *ok[] = { "in", "chain", "sub/f", "./sub//f", "dirlink/f",
			     "sub/../sub/f" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		fd = open_fn(root, ok[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail_msg("%s: %s", ok[i], strerror(errno));
		close(fd);
	}
	const char *out[] = { "up", "deepup", "abs", "..", "../a", "sub/../../a",
			      "/etc/passwd" };
	for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
		errno = 0;
		assert_int_equal(open_fn(root, out[i], O_RDONLY), -1);
		if (errno != EXDEV)
			fail_msg("%s: %s", out[i], strerror(errno));
	}
	assert_int_equal(open_fn(root, "loop", O_RDONLY), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(open_fn(root, "nothing", O_RDONLY), -1);
	assert_int_equal(errno, ENOENT);
	fd = open_fn(root, "dirlink", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);
	close(root);
	close(d);
}

static void beneath_openat2(void **state)
{
	(void)state;
	fileio_beneath_walk_only = 0;
	beneath(fileio_open_beneath);
}

static void beneath_walk(void **state)
{
	(void)state;
	beneath(fileio_open_walk);
	/* the seam makes fileio_open_beneath take the walk */
	fileio_beneath_walk_only = 1;
	int d = dfd();
	errno = 0;
	assert_int_equal(fileio_open_beneath(d, "..", O_RDONLY), -1);
	assert_int_equal(errno, EXDEV);
	fileio_beneath_walk_only = 0;
	close(d);
}

static void messages(void **state)
{
	(void)state;
	assert_string_equal(fileio_strerror(FIO_NOTREG), "not a regular file");
	assert_string_equal(fileio_strerror(FIO_NOENT), "no such file");
}

static void counts_lines(void **state)
{
	(void)state;
	assert_int_equal(fileio_lines("", 0), 1);
	assert_int_equal(fileio_lines("a", 1), 1);
	assert_int_equal(fileio_lines("a\nb", 3), 2);
	assert_int_equal(fileio_lines("a\nb\n", 4), 3);
	assert_int_equal(fileio_lines("\n\n\nx", 3), 4); /* LEN bytes only */
}

/* fileio_replace: the new bytes under the old name, through a symlink,
 * with the old mode; no temporary file left; a path that does not
 * resolve fails with *STEP NULL and nothing written. */
static void replaces_atomically(void **state)
{
	(void)state;
	char path[128], link[128], cmd[160];
	write_file("f.env", "A=1\n", 4);
	snprintf(path, sizeof path, "%s/f.env", dir);
	snprintf(link, sizeof link, "%s/link.env", dir);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(symlink("f.env", link), 0);
	const char *step = "unset";
	assert_int_equal(fileio_replace(link, "B=2\n", 4, &step), 0);
	char *buf;
	size_t len;
	assert_int_equal(fileio_read(AT_FDCWD, path, 100, 1, &buf, &len), FIO_OK);
	assert_string_equal(buf, "B=2\n");
	free(buf);
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode)); /* the link stays a link */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) = 2", dir);
	assert_int_equal(system(cmd), 0); /* f.env and link.env only */

	snprintf(path, sizeof path, "%s/no/such.env", dir);
	assert_int_equal(fileio_replace(path, "x", 1, &step), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(step);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_whole_file),
		cmocka_unit_test(counts_lines),
		cmocka_unit_test(refuses_what_is_not_a_file),
		cmocka_unit_test(sparse_file_over_cap),
		cmocka_unit_test(chomp_one_newline),
		cmocka_unit_test(messages),
		cmocka_unit_test_setup_teardown(beneath_openat2, setup, teardown),
		cmocka_unit_test_setup_teardown(beneath_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(replaces_atomically, setup, teardown),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
