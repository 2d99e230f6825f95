/* Unit tests for envset.c: ordered map with provenance. */
// OBJS: envset xalloc
#include "preamble.h"


#include "envset.h"

static void set_get_keeps_order_and_overrode(void **state)
{
	(void)state;
	struct envset s;
	envset_init(&s);
	envset_set(&s, "A", "1", 1, ORIG_ENVFILE, "a.env:1");
	envset_set(&s, "B", "2", 1, ORIG_ENVFILE, "a.env:2");
	struct envvar *v = envset_set(&s, "A", "xyz", 3, ORIG_SECRETDIR, "/s/A");
	assert_string_equal(v->val, "xyz");
	assert_int_equal(v->len, 3);
	assert_string_equal(v->source, "/s/A");
	assert_string_equal(v->overrode, "a.env:1");
	assert_int_equal(v->origin, ORIG_SECRETDIR);
	assert_string_equal(s.v[0].key, "A");
	assert_string_equal(s.v[1].key, "B");
	assert_int_equal(envset_count(&s), 2);
	assert_null(envset_get(&s, "C"));
	envset_free(&s);
}

static void delete_and_revive(void **state)
{
	(void)state;
	struct envset s;
	envset_init(&s);
	envset_set(&s, "A", "1", 1, ORIG_ENVFILE, NULL);
	assert_true(envset_del(&s, "A"));
	assert_false(envset_del(&s, "A"));
	assert_null(envset_get(&s, "A"));
	assert_int_equal(envset_count(&s), 0);
	struct envvar *v = envset_set(&s, "A", "2", 1, ORIG_INHERITED, NULL);
	assert_string_equal(v->val, "2");
	assert_null(v->overrode);
	assert_int_equal(envset_count(&s), 1);
	envset_free(&s);
}

static void many_keys_rehash(void **state)
{
	(void)state;
	struct envset s;
	envset_init(&s);
	char k[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "K%d", i);
		envset_set(&s, k, k, strlen(k), ORIG_ENVFILE, NULL);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "K%d", i);
		struct envvar *v = envset_get(&s, k);
		assert_non_null(v);
		assert_string_equal(v->val, k);
	}
	assert_int_equal(envset_count(&s), 5000);
	envset_free(&s);
}

/* envset_take moves SRC's variables over DST, as the layers of assemble
 * need: provenance, taint and secrecy travel, SRC keeps nothing live. */
static void take_moves_layers(void **state)
{
	(void)state;
	struct envset dst, src;
	envset_init(&dst);
	envset_init(&src);
	envset_set(&dst, "A", "low", 3, ORIG_ENVFILE, "a.env:1");
	envset_set(&dst, "K", "kept", 4, ORIG_ENVFILE, "a.env:2")->flags |= EV_REQUIRED;
	envset_set(&src, "B", "b0", 2, ORIG_SECRETDIR, "/s/B0");
	struct envvar *b = envset_set(&src, "B", "new", 3, ORIG_SECRETDIR, "/s/B");
	b->flags |= EV_SECRET;
	b->from = xstrdup("X,Y");
	envset_set(&src, "A", "high", 4, ORIG_SECRETDIR, "/s/A");
	envset_set(&src, "K", "over", 4, ORIG_SECRETDIR, "/s/K");
	envset_set(&src, "GONE", "x", 1, ORIG_SECRETDIR, "/s/G");
	envset_del(&src, "GONE");
	envset_take(&dst, &src);

	assert_int_equal(envset_count(&dst), 3);
	assert_string_equal(dst.v[0].key, "A"); /* DST's order, then SRC's */
	assert_string_equal(dst.v[1].key, "K");
	assert_string_equal(dst.v[2].key, "B");
	const struct envvar *a = envset_get(&dst, "A");
	assert_string_equal(a->val, "high");
	assert_string_equal(a->source, "/s/A");
	assert_string_equal(a->overrode, "a.env:1"); /* the layer below */
	assert_int_equal(a->origin, ORIG_SECRETDIR);
	assert_int_equal(envset_get(&dst, "K")->flags & EV_REQUIRED, EV_REQUIRED);
	const struct envvar *nb = envset_get(&dst, "B");
	assert_string_equal(nb->val, "new");
	assert_int_equal(nb->len, 3);
	assert_string_equal(nb->overrode, "/s/B0"); /* inside its own layer */
	assert_string_equal(nb->from, "X,Y");
	assert_int_equal(nb->flags & EV_SECRET, EV_SECRET);
	assert_null(envset_get(&dst, "GONE"));
	assert_int_equal(envset_count(&src), 0);
	envset_free(&src);
	envset_free(&dst);
}

/* Into an empty DST, SRC's array and table become DST's as they are
 * (no second copy of a 280-key layer), with what a move keeps. */
static void take_into_empty_adopts(void **state)
{
	(void)state;
	struct envset dst, src;
	envset_init(&dst);
	envset_init(&src);
	envset_set(&src, "A", "a0", 2, ORIG_ENVFILE, "a.env:1");
	struct envvar *a = envset_set(&src, "A", "a1", 2, ORIG_ENVFILE, "a.env:2");
	a->flags |= EV_SECRET | EV_STRIPPED | EV_REQUIRED;
	a->from = xstrdup("X");
	envset_set(&src, "B", "b", 1, ORIG_ENVFILE, "a.env:3");
	const struct envvar *array = src.v;
	envset_take(&dst, &src);
	assert_ptr_equal(dst.v, array);
	assert_int_equal(envset_count(&dst), 2);
	assert_int_equal(envset_count(&src), 0);
	const struct envvar *na = envset_get(&dst, "A");
	assert_string_equal(na->val, "a1");
	assert_string_equal(na->source, "a.env:2");
	assert_string_equal(na->overrode, "a.env:1");
	assert_string_equal(na->from, "X");
	assert_int_equal(na->flags & (EV_SECRET | EV_STRIPPED | EV_REQUIRED), EV_SECRET);
	assert_string_equal(envset_get(&dst, "B")->val, "b");
	envset_free(&src);

	/* a deleted variable in SRC: moved one by one, the deleted one left */
	struct envset more;
	envset_init(&more);
	envset_set(&more, "C", "c", 1, ORIG_SECRETDIR, "/s/C");
	envset_set(&more, "GONE", "g", 1, ORIG_SECRETDIR, "/s/G");
	envset_del(&more, "GONE");
	struct envset fresh;
	envset_init(&fresh);
	array = more.v;
	envset_take(&fresh, &more);
	assert_ptr_not_equal(fresh.v, array);
	assert_int_equal(fresh.n, 1);
	assert_string_equal(envset_get(&fresh, "C")->val, "c");
	envset_free(&more);
	envset_free(&fresh);
	envset_free(&dst);
}

/* envset_reserve: filled to what was reserved, the set neither grows its
 * array nor its table; a reserve past ENVSET_RESERVE_MAX stops there. */
static void reserve_allocates_once(void **state)
{
	(void)state;
	struct envset s;
	envset_init(&s);
	envset_set(&s, "FIRST", "1", 1, ORIG_ENVFILE, "a.env:1");
	envset_reserve(&s, 300);
	const struct envvar *array = s.v;
	size_t nslots = s.nslots;
	assert_int_equal(s.cap, 300);
	assert_int_equal(nslots, 1024); /* 301 keys at most half full */
	char key[16];
	for (int i = 1; i < 300; i++) {
		snprintf(key, sizeof key, "K%d", i);
		envset_set(&s, key, "v", 1, ORIG_ENVFILE, "a.env:2");
	}
	assert_int_equal(envset_count(&s), 300);
	assert_ptr_equal(s.v, array);
	assert_int_equal(s.nslots, nslots);
	assert_string_equal(envset_get(&s, "FIRST")->val, "1");
	assert_non_null(envset_get(&s, "K299"));
	/* a lookup with a hash the caller keeps finds the same variable */
	assert_ptr_equal(envset_get_hashed(&s, "K7", envset_hash("K7")),
			 envset_get(&s, "K7"));
	assert_null(envset_get_hashed(&s, "NOPE", envset_hash("NOPE")));
	envset_set(&s, "ONE_MORE", "x", 1, ORIG_ENVFILE, "a.env:3"); /* still grows */
	assert_int_equal(envset_count(&s), 301);
	envset_free(&s);

	envset_reserve(&s, (size_t)1 << 40);
	assert_int_equal(s.cap, ENVSET_RESERVE_MAX);
	envset_free(&s);
}

static void valid_names(void **state)
{
	(void)state;
	assert_true(envset_valid_name("A_1"));
	assert_true(envset_valid_name("_x"));
	assert_false(envset_valid_name("1A"));
	assert_false(envset_valid_name("db-password"));
	assert_false(envset_valid_name(""));
	assert_false(envset_valid_name("a.b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_get_keeps_order_and_overrode),
		cmocka_unit_test(delete_and_revive),
		cmocka_unit_test(many_keys_rehash),
		cmocka_unit_test(take_moves_layers),
		cmocka_unit_test(take_into_empty_adopts),
		cmocka_unit_test(reserve_allocates_once),
		cmocka_unit_test(valid_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
