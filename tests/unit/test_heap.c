/* kernel heap: size classes, large blocks, randomized stress with content
 * checks, counters back to zero, exhaustion as NULL. */
#include <check.h>
#include <stdlib.h>

#include "heap.h"
#include "klib.h"
#include "mm.h"
#include "tboot.h"

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7);
}

static bool intact(const uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(seed * 131 + i * 7))
			return false;
	return true;
}

START_TEST(test_every_size_class_round_trips)
{
	size_t f0 = frames_free_count();
	for (size_t size = 1; size <= 5000; size += (size < 64 ? 1 : 37)) {
		uint8_t *p = kmalloc(size);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		fill(p, size, (unsigned)size);
		ck_assert(intact(p, size, (unsigned)size));
		kfree(p);
	}
	struct heap_stats st;
	heap_stats(&st);
	ck_assert_uint_eq(st.live_blocks, 0);
	ck_assert_uint_eq(st.live_bytes, 0);
	ck_assert_uint_eq(st.large_blocks, 0);
	heap_trim();
	heap_stats(&st);
	ck_assert_uint_eq(st.slabs, 0);
	ck_assert_uint_eq(frames_free_count(), f0);
}
END_TEST

START_TEST(test_randomized_stress_keeps_contents)
{
	enum { SLOTS = 512, ROUNDS = 20000 };
	static uint8_t *slot[SLOTS];
	static size_t len[SLOTS];
	size_t f0 = frames_free_count(), p0 = pages_free_count();
	srand(1234);
	for (int r = 0; r < ROUNDS; r++) {
		int i = rand() % SLOTS;
		if (slot[i]) {
			ck_assert_msg(intact(slot[i], len[i], (unsigned)i), "block %d corrupted", i);
			kfree(slot[i]);
			slot[i] = NULL;
		} else {
			len[i] = rand() % 8 == 0 ? (size_t)(rand() % 40000) + 2049 : (size_t)(rand() % 2048) + 1;
			slot[i] = kmalloc(len[i]);
			ck_assert_ptr_nonnull(slot[i]);
			fill(slot[i], len[i], (unsigned)i);
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		if (slot[i]) {
			ck_assert(intact(slot[i], len[i], (unsigned)i));
			kfree(slot[i]);
		}
	}
	struct heap_stats st;
	heap_stats(&st);
	ck_assert_uint_eq(st.live_blocks, 0);
	ck_assert_uint_eq(st.live_bytes, 0);
	ck_assert_uint_eq(st.large_blocks, 0);
	heap_trim();
	ck_assert_uint_eq(frames_free_count(), f0);
	ck_assert_uint_eq(pages_free_count(), p0);
}
END_TEST

START_TEST(test_kzalloc_krealloc_kstrdup)
{
	uint8_t *z = kzalloc(300);
	ck_assert_ptr_nonnull(z);
	for (int i = 0; i < 300; i++)
		ck_assert_uint_eq(z[i], 0);
	fill(z, 300, 9);
	uint8_t *g = krealloc(z, 10000);
	ck_assert_ptr_nonnull(g);
	ck_assert(intact(g, 300, 9));
	uint8_t *s = krealloc(g, 100);
	ck_assert(intact(s, 100, 9));
	kfree(s);
	char *d = kstrdup("theseus");
	ck_assert_str_eq(d, "theseus");
	char *n = kstrndup("theseus", 3);
	ck_assert_str_eq(n, "the");
	kfree(d);
	kfree(n);
	struct heap_stats st;
	heap_stats(&st);
	ck_assert_uint_eq(st.live_blocks, 0);
}
END_TEST

START_TEST(test_cleanup_frees_on_scope_exit)
{
	{
		char *p KFREE = kmalloc(64);
		ck_assert_ptr_nonnull(p);
		struct heap_stats st;
		heap_stats(&st);
		ck_assert_uint_eq(st.live_blocks, 1);
	}
	struct heap_stats st;
	heap_stats(&st);
	ck_assert_uint_eq(st.live_blocks, 0);
}
END_TEST

START_TEST(test_exhaustion_returns_null)
{
	size_t n = 0;
	void **blocks = calloc(TBOOT_MEMORY / (1 << 20) + 8, sizeof *blocks);
	void *p;
	while ((p = kmalloc(1 << 20)) != NULL)
		blocks[n++] = p;
	ck_assert_uint_gt(n, 10);
	struct heap_stats st;
	heap_stats(&st);
	ck_assert_uint_eq(st.failed, 1);
	ck_assert_ptr_null(kmalloc(SIZE_MAX - 4096)); /* absurd sizes too */
	ck_assert_ptr_nonnull(p = kmalloc(16 + 0 * n)); /* small blocks still fit */
	kfree(p);
	while (n)
		kfree(blocks[--n]);
	free(blocks);
	heap_stats(&st);
	ck_assert_uint_eq(st.live_blocks, 0);
}
END_TEST

static Suite *heap_suite(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("heap");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, tboot_setup, tboot_teardown);
	tcase_add_test(tc, test_every_size_class_round_trips);
	tcase_add_test(tc, test_randomized_stress_keeps_contents);
	tcase_add_test(tc, test_kzalloc_krealloc_kstrdup);
	tcase_add_test(tc, test_cleanup_frees_on_scope_exit);
	tcase_add_test(tc, test_exhaustion_returns_null);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(heap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
