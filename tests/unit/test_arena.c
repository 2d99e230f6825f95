/* Unit tests for arena.c, the start-up arena of the static binary: built
 * here with ENVINIT_ARENA and malloc & co. wrapped, as the release link
 * does. The tests share the one arena and run in order (closing is for
 * good, so it comes last). */
// OBJS:
// LDWRAP: -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
#include "preamble.h"

#include <errno.h>
#include <sys/mman.h>

#define ENVINIT_ARENA
#include "../../src/arena.c"

/* Whether the page holding P is mapped. */
static int mapped(const void *p)
{
	unsigned char v;
	uintptr_t page = (uintptr_t)p & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
	return mincore((void *)page, 1, &v) == 0 || errno != ENOMEM;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void small_blocks_come_from_the_arena(void **state)
{
	(void)state;
	size_t before = arena_used();
	char *p = malloc(10), *q = malloc(100);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
	assert_int_equal((uintptr_t)q % 16, 0);
	assert_int_equal(arena_used(), before + 16 + 16 + 16 + 112);
	assert_true(q >= p + 10); /* in order, not overlapping */
	free(p);
	free(q);
}

static void big_blocks_come_from_libc(void **state)
{
	(void)state;
	size_t before = arena_used();
	char *p = malloc(ARENA_MAX_BLOCK + 1);
	assert_non_null(p);
	memset(p, 'x', ARENA_MAX_BLOCK + 1);
	assert_int_equal(arena_used(), before);
	assert_int_equal(mapping_of(p), -1);
	free(p); /* libc's free: ASan would see a bad one */
}

static void free_wipes_the_block(void **state)
{
	(void)state;
	unsigned char *p = malloc(64);
	memset(p, 0xA5, 64);
	__wrap_free(p); /* by its own name: the compiler knows free's */
	assert_true(all_zero(p, 64)); /* still mapped: the arena keeps it */
}

static void calloc_gives_zeros(void **state)
{
	(void)state;
	unsigned char *p = calloc(33, 3);
	assert_non_null(p);
	assert_true(all_zero(p, 99));
	free(p);
}

static void the_newest_block_grows_in_place(void **state)
{
	(void)state;
	char *p = malloc(8);
	memcpy(p, "abcdefg", 8);
	char *q = __wrap_realloc(p, 4000);
	assert_ptr_equal(q, p);
	assert_string_equal(q, "abcdefg");
	assert_ptr_equal(__wrap_realloc(q, 4), q); /* shrinking keeps it */
	free(q);
}

static void an_older_block_moves_and_is_wiped(void **state)
{
	(void)state;
	char *p = malloc(16);
	memcpy(p, "secret-value-xy", 16);
	char *other = __wrap_malloc(16); /* p is no longer the newest */
	char *q = __wrap_realloc(p, 200);
	assert_ptr_not_equal(q, p);
	assert_string_equal(q, "secret-value-xy");
	assert_true(all_zero((unsigned char *)p, 16)); /* no stale copy */
	free(q);
	free(other);
}

/* Forget the holes earlier tests left, so that a test sees only its own. */
static void no_holes(void)
{
	a.nholes = 0;
}

static void the_newest_block_freed_gives_its_bytes_back(void **state)
{
	(void)state;
	unsigned char *p = malloc(64), *q;
	size_t used = arena_used();
	memset(p, 0xA5, 64);
	__wrap_free(p);
	q = __wrap_calloc(1, 64); /* the same bytes, wiped header and all */
	assert_ptr_equal(q, p);
	assert_true(all_zero(q, 64));
	assert_int_equal(arena_used(), used);
	__wrap_free(q);
}

static void a_freed_big_block_is_used_again(void **state)
{
	(void)state;
	no_holes();
	unsigned char *p = malloc(2000), *guard = malloc(16), *q, *r;
	memset(p, 0x5A, 2000);
	__wrap_free(p); /* not the newest: kept as a hole */
	assert_true(all_zero(p, 2000));
	q = __wrap_calloc(1, 1000); /* the hole's front... */
	assert_ptr_equal(q, p);
	assert_true(all_zero(q, 1000));
	r = __wrap_malloc(700); /* ...and its rest, 1008 + 16 bytes on */
	assert_ptr_equal(r, p + 1024);
	assert_int_equal(a.nholes, 0); /* what is left is too small to keep */
	/* the rest of the hole (288 bytes) came with r: it grows in place */
	assert_ptr_equal(__wrap_realloc(r, 900), r);
	__wrap_free(q);
	__wrap_free(r);
	__wrap_free(guard);
}

static void neighbouring_holes_merge(void **state)
{
	(void)state;
	no_holes();
	char *p = malloc(600), *q = malloc(600), *guard = malloc(16);
	__wrap_free(p);
	__wrap_free(q);
	assert_int_equal(a.nholes, 1);
	char *r = __wrap_malloc(1200); /* fits only in the two together */
	assert_ptr_equal(r, p);
	__wrap_free(r);
	__wrap_free(guard);
}

static void small_requests_leave_the_holes_alone(void **state)
{
	(void)state;
	no_holes();
	char *p = malloc(1000), *guard = malloc(16);
	__wrap_free(p);
	char *small = __wrap_malloc(32);
	assert_true(small > guard); /* from the free part, not the hole */
	assert_int_equal(a.nholes, 1);
	__wrap_free(small);
	__wrap_free(guard);
}

/* Whether the page holding P is resident. */
static int resident(const void *p)
{
	unsigned char v = 0;
	uintptr_t page = (uintptr_t)p & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
	return mincore((void *)page, 1, &v) == 0 && (v & 1);
}

static void the_free_part_is_made_resident_ahead(void **state)
{
	(void)state;
	char *p = malloc(16);
	if (a.no_prefault) { /* a kernel before 5.14: nothing to see */
		__wrap_free(p);
		skip();
	}
	assert_true(a.ready > p);
	assert_int_equal((uintptr_t)a.ready % PREFAULT, (uintptr_t)a.map[a.nmaps - 1] % PREFAULT);
	assert_true(resident(a.cur)); /* never touched, yet there */
	assert_true(resident(a.ready - 1));
	if (a.ready < a.lim)
		assert_false(resident(a.ready)); /* no more than asked */
	char *big = malloc(PREFAULT); /* past what was ready */
	assert_true(resident(big + PREFAULT - 1));
	__wrap_free(big);
	__wrap_free(p);
}

static void closed_arena_gives_back_empty_mappings(void **state)
{
	(void)state;
	/* fill the current mapping's rest and a new one with live blocks */
	char *keep = malloc(32);
	size_t n = 0;
	char *blocks[64];
	int first = mapping_of(keep);
	while (n < 64) {
		blocks[n] = malloc(ARENA_MAX_BLOCK);
		if (mapping_of(blocks[n++]) != first)
			break;
	}
	char *later = blocks[n - 1];
	int second = mapping_of(later);
	assert_int_not_equal(second, first);
	arena_close();
	size_t used = arena_used();
	char *after = malloc(10); /* libc's now */
	assert_int_equal(arena_used(), used);
	assert_int_equal(mapping_of(after), -1);
	free(after);
	uintptr_t gone = (uintptr_t)later;
	__wrap_free(later); /* the newer mapping's only block: unmapped */
	assert_false(mapped((const void *)gone));
	for (size_t i = 0; i + 1 < n; i++)
		free(blocks[i]);
	assert_true(mapped(keep)); /* a live block keeps its mapping */
	memcpy(keep, "still usable", 13);
	assert_string_equal(keep, "still usable");
	free(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_blocks_come_from_the_arena),
		cmocka_unit_test(big_blocks_come_from_libc),
		cmocka_unit_test(free_wipes_the_block),
		cmocka_unit_test(calloc_gives_zeros),
		cmocka_unit_test(the_newest_block_grows_in_place),
		cmocka_unit_test(an_older_block_moves_and_is_wiped),
		cmocka_unit_test(the_newest_block_freed_gives_its_bytes_back),
		cmocka_unit_test(a_freed_big_block_is_used_again),
		cmocka_unit_test(neighbouring_holes_merge),
		cmocka_unit_test(small_requests_leave_the_holes_alone),
		cmocka_unit_test(the_free_part_is_made_resident_ahead),
		cmocka_unit_test(closed_arena_gives_back_empty_mappings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
