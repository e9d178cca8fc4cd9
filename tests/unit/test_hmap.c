/* kernel/lib: the string-keyed hash map on the kernel heap. */
#include <check.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "heap.h"
#include "hmap.h"
#include "klib.h"
#include "lib_support.h"
#include "tboot.h"

/* ---- hash map ---- */

#define NKEYS 10000
#define HMAP_TEST_MIN_CAP 8 /* hmap.c's first table size */
static char keys[NKEYS][16];

static void make_keys(void)
{
	for (int i = 0; i < NKEYS; i++)
		snprintf(keys[i], sizeof(keys[i]), "key%d", i);
}

static void *val(uintptr_t i)
{
	return (void *)(i + 1); /* never NULL, so a miss cannot pass for a hit */
}

/* Picks n keys whose home slot in a table of cap slots is the same, so they
 * share one probe chain. */
static void colliding_keys(const char *out[], size_t n, size_t cap)
{
	size_t found = 0;
	uint64_t home = hash_str(keys[0]) & (cap - 1);

	for (int i = 0; i < NKEYS && found < n; i++) {
		if ((hash_str(keys[i]) & (cap - 1)) == home)
			out[found++] = keys[i];
	}
	ck_assert_uint_eq(found, n);
}

START_TEST(test_hash_str_is_fnv1a_64)
{
	ck_assert_uint_eq(hash_str(""), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(hash_str("a"), 0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(hash_str("foobar"), 0x85944171f73967e8ULL);
	/* Bytes hash as unsigned, whatever the signedness of char. */
	ck_assert_uint_eq(hash_str("\xe9t\xe9"), 0x8072001b9fe5a1fbULL);
}
END_TEST

START_TEST(test_hmap_empty_map_finds_nothing_and_allocates_nothing)
{
	struct hmap m;
	struct hmap_iter it;
	const char *k;
	void *v;

	hmap_init(&m);
	ck_assert_ptr_null(hmap_get(&m, "a"));
	ck_assert(!hmap_contains(&m, "a"));
	ck_assert_ptr_null(hmap_remove(&m, "a"));
	hmap_iter_init(&it, &m);
	ck_assert(!hmap_iter_next(&it, &k, &v));
	ck_assert_uint_eq(hmap_count(&m), 0);
	ck_assert_uint_eq(m.cap, 0);
	ck_assert_ptr_null(m.slots);
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_insert_then_get_by_equal_string)
{
	struct hmap m;
	char lookup[8];

	hmap_init(&m);
	ck_assert_int_eq(hmap_insert(&m, "alpha", val(1)), E_OK);
	ck_assert_int_eq(hmap_insert(&m, "beta", NULL), E_OK);
	/* A different pointer to the same text finds the entry. */
	snprintf(lookup, sizeof(lookup), "alpha");
	ck_assert_ptr_eq(hmap_get(&m, lookup), val(1));
	/* A NULL value is stored and told apart from absence by contains. */
	ck_assert_ptr_null(hmap_get(&m, "beta"));
	ck_assert(hmap_contains(&m, "beta"));
	ck_assert(!hmap_contains(&m, "gamma"));
	ck_assert(!hmap_contains(&m, "alph"));
	ck_assert_uint_eq(hmap_count(&m), 2);
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_duplicate_insert_is_refused_and_changes_nothing)
{
	struct hmap m;

	hmap_init(&m);
	ck_assert_int_eq(hmap_insert(&m, "k", val(1)), E_OK);
	ck_assert_int_eq(hmap_insert(&m, "k", val(2)), E_EXISTS);
	ck_assert_ptr_eq(hmap_get(&m, "k"), val(1));
	ck_assert_uint_eq(hmap_count(&m), 1);
	ck_assert_uint_eq(m.used, 1);
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_put_inserts_or_replaces_and_returns_old_value)
{
	struct hmap m;
	char key2[4] = "k";
	void *old = val(99);
	const char *k;
	struct hmap_iter it;

	hmap_init(&m);
	ck_assert_int_eq(hmap_put(&m, "k", val(1), &old), E_OK);
	ck_assert_ptr_null(old);
	ck_assert_int_eq(hmap_put(&m, key2, val(2), &old), E_OK);
	ck_assert_ptr_eq(old, val(1));
	ck_assert_ptr_eq(hmap_get(&m, "k"), val(2));
	ck_assert_uint_eq(hmap_count(&m), 1);
	/* The replacing key pointer is the one kept. */
	hmap_iter_init(&it, &m);
	ck_assert(hmap_iter_next(&it, &k, NULL));
	ck_assert_ptr_eq(k, key2);
	ck_assert_int_eq(hmap_put(&m, "k", val(3), NULL), E_OK);
	ck_assert_ptr_eq(hmap_get(&m, "k"), val(3));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_remove_returns_value_and_forgets_key)
{
	struct hmap m;

	hmap_init(&m);
	ck_assert_int_eq(hmap_insert(&m, "a", val(1)), E_OK);
	ck_assert_int_eq(hmap_insert(&m, "b", val(2)), E_OK);
	ck_assert_ptr_eq(hmap_remove(&m, "a"), val(1));
	ck_assert(!hmap_contains(&m, "a"));
	ck_assert_ptr_null(hmap_remove(&m, "a"));
	ck_assert_ptr_eq(hmap_get(&m, "b"), val(2));
	ck_assert_uint_eq(hmap_count(&m), 1);
	/* A removed key may be inserted again. */
	ck_assert_int_eq(hmap_insert(&m, "a", val(3)), E_OK);
	ck_assert_ptr_eq(hmap_get(&m, "a"), val(3));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_remove_keeps_later_keys_on_the_chain_reachable)
{
	struct hmap m;
	const char *chain[4];

	hmap_init(&m);
	colliding_keys(chain, 4, HMAP_TEST_MIN_CAP);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(hmap_insert(&m, chain[i], val((uintptr_t)i)), E_OK);
	ck_assert_uint_eq(m.cap, HMAP_TEST_MIN_CAP);
	ck_assert_ptr_eq(hmap_remove(&m, chain[1]), val(1));
	ck_assert_ptr_eq(hmap_get(&m, chain[0]), val(0));
	ck_assert_ptr_eq(hmap_get(&m, chain[2]), val(2));
	ck_assert_ptr_eq(hmap_get(&m, chain[3]), val(3));
	ck_assert(!hmap_contains(&m, chain[1]));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_insert_reuses_the_tombstone_on_its_chain)
{
	struct hmap m;
	const char *chain[3];

	hmap_init(&m);
	colliding_keys(chain, 3, HMAP_TEST_MIN_CAP);
	ck_assert_int_eq(hmap_insert(&m, chain[0], val(0)), E_OK);
	ck_assert_int_eq(hmap_insert(&m, chain[1], val(1)), E_OK);
	ck_assert_uint_eq(m.cap, HMAP_TEST_MIN_CAP);
	ck_assert_ptr_eq(hmap_remove(&m, chain[0]), val(0));
	ck_assert_uint_eq(m.used, 2); /* the tombstone still counts */
	ck_assert_uint_eq(m.count, 1);
	ck_assert_int_eq(hmap_insert(&m, chain[2], val(2)), E_OK);
	ck_assert_uint_eq(m.used, 2);
	ck_assert_uint_eq(m.count, 2);
	ck_assert_ptr_eq(hmap_get(&m, chain[1]), val(1));
	ck_assert_ptr_eq(hmap_get(&m, chain[2]), val(2));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_grows_past_thousands_of_keys_keeping_every_entry)
{
	struct hmap m;

	hmap_init(&m);
	for (int i = 0; i < NKEYS; i++) {
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
		/* Load stays at or under 3/4 after every insert. */
		ck_assert_uint_le(m.used * 4, m.cap * 3);
	}
	ck_assert_uint_eq(hmap_count(&m), NKEYS);
	ck_assert_uint_eq(m.cap & (m.cap - 1), 0);
	for (int i = 0; i < NKEYS; i++)
		ck_assert_ptr_eq(hmap_get(&m, keys[i]), val((uintptr_t)i));
	ck_assert(!hmap_contains(&m, "key10000"));
	/* Remove the odd keys, then check both halves. */
	for (int i = 1; i < NKEYS; i += 2)
		ck_assert_ptr_eq(hmap_remove(&m, keys[i]), val((uintptr_t)i));
	ck_assert_uint_eq(hmap_count(&m), NKEYS / 2);
	for (int i = 0; i < NKEYS; i++) {
		if (i % 2)
			ck_assert(!hmap_contains(&m, keys[i]));
		else
			ck_assert_ptr_eq(hmap_get(&m, keys[i]), val((uintptr_t)i));
	}
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_insert_remove_churn_does_not_grow_the_table)
{
	struct hmap m;
	size_t cap;

	hmap_init(&m);
	ck_assert_int_eq(hmap_insert(&m, "resident", val(0)), E_OK);
	cap = m.cap;
	for (int i = 0; i < NKEYS; i++) {
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
		ck_assert_ptr_eq(hmap_remove(&m, keys[i]), val((uintptr_t)i));
	}
	/* Tombstones are cleared by rebuilding in place, not by doubling. */
	ck_assert_uint_eq(m.cap, cap);
	ck_assert_uint_lt(m.used, m.cap);
	ck_assert_uint_eq(hmap_count(&m), 1);
	ck_assert_ptr_eq(hmap_get(&m, "resident"), val(0));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_iteration_visits_each_live_key_once)
{
	enum { N = 1000 };
	static unsigned char seen[N];
	struct hmap m;
	struct hmap_iter it;
	const char *k;
	void *v;
	size_t visits = 0;

	hmap_init(&m);
	t_memset(seen, 0, sizeof(seen));
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
	for (int i = 0; i < N; i += 3)
		ck_assert_ptr_nonnull(hmap_remove(&m, keys[i]));
	hmap_iter_init(&it, &m);
	while (hmap_iter_next(&it, &k, &v)) {
		uintptr_t i = (uintptr_t)v - 1;

		ck_assert_uint_lt(i, N);
		ck_assert_ptr_eq(k, keys[i]);
		ck_assert_msg(i % 3 != 0, "removed key %s visited", k);
		ck_assert_int_eq(seen[i], 0);
		seen[i] = 1;
		visits++;
	}
	ck_assert_uint_eq(visits, hmap_count(&m));
	ck_assert(!hmap_iter_next(&it, &k, &v)); /* stays at the end */
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_removing_the_current_entry_while_iterating_is_safe)
{
	struct hmap m;
	struct hmap_iter it;
	const char *k;
	size_t visits = 0;

	hmap_init(&m);
	for (int i = 0; i < 500; i++)
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
	hmap_iter_init(&it, &m);
	while (hmap_iter_next(&it, &k, NULL)) {
		ck_assert_ptr_nonnull(hmap_remove(&m, k));
		visits++;
	}
	ck_assert_uint_eq(visits, 500);
	ck_assert_uint_eq(hmap_count(&m), 0);
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_destroy_frees_the_table_and_leaves_a_usable_map)
{
	struct heap_stats before, after;
	struct hmap m;

	heap_stats(&before);
	hmap_init(&m);
	for (int i = 0; i < 2000; i++)
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
	hmap_destroy(&m);
	heap_stats(&after);
	ck_assert_uint_eq(after.live_blocks, before.live_blocks);
	ck_assert_uint_eq(after.live_bytes, before.live_bytes);
	ck_assert_ptr_null(m.slots);
	ck_assert_uint_eq(m.cap, 0);
	ck_assert_uint_eq(hmap_count(&m), 0);
	/* Destroyed means empty, not broken: it can be used again. */
	ck_assert_int_eq(hmap_insert(&m, "again", val(7)), E_OK);
	ck_assert_ptr_eq(hmap_get(&m, "again"), val(7));
	hmap_destroy(&m);
}
END_TEST

static void hmap_setup(void)
{
	tboot_setup();
	make_keys();
}


static Suite *hmap_suite(void)
{
	Suite *s = suite_create("hmap");
	TCase *map = tcase_create("hmap");
	tcase_add_checked_fixture(map, hmap_setup, tboot_teardown);
	tcase_add_test(map, test_hash_str_is_fnv1a_64);
	tcase_add_test(map, test_hmap_empty_map_finds_nothing_and_allocates_nothing);
	tcase_add_test(map, test_hmap_insert_then_get_by_equal_string);
	tcase_add_test(map, test_hmap_duplicate_insert_is_refused_and_changes_nothing);
	tcase_add_test(map, test_hmap_put_inserts_or_replaces_and_returns_old_value);
	tcase_add_test(map, test_hmap_remove_returns_value_and_forgets_key);
	tcase_add_test(map, test_hmap_remove_keeps_later_keys_on_the_chain_reachable);
	tcase_add_test(map, test_hmap_insert_reuses_the_tombstone_on_its_chain);
	tcase_add_test(map, test_hmap_grows_past_thousands_of_keys_keeping_every_entry);
	tcase_add_test(map, test_hmap_insert_remove_churn_does_not_grow_the_table);
	tcase_add_test(map, test_hmap_iteration_visits_each_live_key_once);
	tcase_add_test(map, test_hmap_removing_the_current_entry_while_iterating_is_safe);
	tcase_add_test(map, test_hmap_destroy_frees_the_table_and_leaves_a_usable_map);
	tcase_set_timeout(map, 60);
	suite_add_tcase(s, map);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hmap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
