/* kernel/mm: frames, pages and MappedPages on the hosted HAL. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "hosted.h"
#include "hal_memory.h"
#include "mm.h"
#include "tboot.h"

START_TEST(test_frames_alloc_to_exhaustion_and_back)
{
	size_t total = frames_free_count();
	ck_assert_uint_eq(frames_total(), TBOOT_MEMORY / PAGE_SIZE);
	/* the frame table (4 bytes a frame, docs/memory.md) has frames of its own */
	ck_assert_uint_eq(total, frames_total() - frames_total() * 4 / PAGE_SIZE);
	struct allocated_frames *all = calloc(total, sizeof *all);
	for (size_t i = 0; i < total; i++)
		ck_assert_int_eq(frames_alloc(1, &all[i]), E_OK);
	ck_assert_uint_eq(frames_free_count(), 0);
	struct allocated_frames extra = { 0 };
	ck_assert_int_eq(frames_alloc(1, &extra), E_NOMEM);
	ck_assert_uint_eq(extra.count, 0);
	for (size_t i = 1; i < total; i++)
		ck_assert_uint_ne(all[i].start, all[i - 1].start);
	for (size_t i = 0; i < total; i++) {
		frames_free(&all[i]);
		ck_assert_uint_eq(all[i].count, 0);
	}
	ck_assert_uint_eq(frames_free_count(), total);
	free(all);
}
END_TEST

START_TEST(test_pages_alloc_to_exhaustion_and_back)
{
	size_t total = pages_free_count();
	struct allocated_pages big, one;
	ck_assert_int_eq(pages_alloc(total, &big), E_OK);
	ck_assert_uint_eq(pages_free_count(), 0);
	ck_assert_int_eq(pages_alloc(1, &one), E_NOMEM);
	pages_free(&big);
	ck_assert_uint_eq(big.count, 0);
	ck_assert_uint_eq(pages_free_count(), total);
	ck_assert_int_eq(pages_alloc(total + 1, &big), E_NOMEM);
	ck_assert_int_eq(pages_alloc(0, &big), E_INVAL);
}
END_TEST

START_TEST(test_pages_alloc_aligned)
{
	struct allocated_pages a, b;
	ck_assert_int_eq(pages_alloc(1, &a), E_OK);
	ck_assert_int_eq(pages_alloc_aligned(3, 16, &b), E_OK);
	ck_assert_uint_eq(b.start % (16 * PAGE_SIZE), 0);
	ck_assert_int_eq(pages_alloc_aligned(1, 3, &b), E_INVAL);
	pages_free(&a);
	pages_free(&b);
}
END_TEST

START_TEST(test_multi_frame_ranges_are_contiguous_and_disjoint)
{
	struct allocated_frames a, b, c;
	ck_assert_int_eq(frames_alloc(5, &a), E_OK);
	ck_assert_int_eq(frames_alloc(7, &b), E_OK);
	frames_free(&a);
	ck_assert_int_eq(frames_alloc(3, &c), E_OK);
	bool disjoint = c.start + 3 * PAGE_SIZE <= b.start || b.start + 7 * PAGE_SIZE <= c.start;
	ck_assert(disjoint);
	frames_free(&b);
	frames_free(&c);
}
END_TEST

START_TEST(test_map_consumes_pages_and_frames)
{
	size_t f0 = frames_free_count(), p0 = pages_free_count();
	struct allocated_pages pages;
	struct allocated_frames frames;
	ck_assert_int_eq(pages_alloc(2, &pages), E_OK);
	ck_assert_int_eq(frames_alloc(2, &frames), E_OK);
	struct mapped_pages_rw rw;
	ck_assert_int_eq(mp_map_rw(&pages, &frames, &rw), E_OK);
	ck_assert_uint_eq(pages.count, 0);
	ck_assert_uint_eq(frames.count, 0);
	/* The same frames cannot be mapped a second time: the API holds no more of them. */
	struct allocated_pages pages2;
	ck_assert_int_eq(pages_alloc(2, &pages2), E_OK);
	struct mapped_pages again;
	ck_assert_int_eq(mp_map(&pages2, &frames, &again), E_EMPTY);
	ck_assert_uint_eq(pages2.count, 2); /* a failed map consumes nothing */
	pages_free(&pages2);
	mp_unmap_rw(&rw);
	ck_assert_uint_eq(rw.m.pages.count, 0);
	ck_assert_uint_eq(frames_free_count(), f0);
	ck_assert_uint_eq(pages_free_count(), p0);
}
END_TEST

START_TEST(test_map_refuses_mismatched_counts)
{
	struct allocated_pages pages;
	struct allocated_frames frames;
	ck_assert_int_eq(pages_alloc(2, &pages), E_OK);
	ck_assert_int_eq(frames_alloc(1, &frames), E_OK);
	struct mapped_pages m;
	ck_assert_int_eq(mp_map(&pages, &frames, &m), E_INVAL);
	ck_assert_uint_eq(pages.count, 2);
	ck_assert_uint_eq(frames.count, 1);
	pages_free(&pages);
	frames_free(&frames);
}
END_TEST

START_TEST(test_mapping_is_backed_by_its_frames)
{
	struct mapped_pages_rw a;
	ck_assert_int_eq(mp_alloc_rw(PAGE_SIZE, &a), E_OK);
	uint64_t *w;
	ck_assert_int_eq(mp_as_type_mut(&a, 8, uint64_t, &w), E_OK);
	*w = 0x1122334455667788ull;
	/* Remap read-only: the same frame, so the same contents. */
	struct mapped_pages ro;
	ck_assert_int_eq(mp_remap_rw_to_ro(&a, &ro), E_OK);
	ck_assert_uint_eq(a.m.pages.count, 0);
	const uint64_t *r;
	ck_assert_int_eq(mp_as_type(&ro, 8, uint64_t, &r), E_OK);
	ck_assert_uint_eq(*r, 0x1122334455667788ull);
	mp_unmap(&ro);
	mp_unmap(&ro); /* releasing twice is a no-op on the emptied owner */
}
END_TEST

START_TEST(test_release_unmaps_and_returns_everything)
{
	size_t f0 = frames_free_count(), p0 = pages_free_count();
	uintptr_t where;
	{
		struct mapped_pages_rw m MP_RW_AUTO = { 0 };
		ck_assert_int_eq(mp_alloc_rw(3 * PAGE_SIZE + 1, &m), E_OK);
		ck_assert_uint_eq(mp_size(&m.m), 4 * PAGE_SIZE);
		ck_assert_uint_eq(frames_free_count(), f0 - 4);
		where = mp_start(&m.m);
	}
	ck_assert_uint_eq(frames_free_count(), f0);
	ck_assert_uint_eq(pages_free_count(), p0);
	/* The range is reserved but unmapped: the pages can be mapped again. */
	struct mapped_pages_rw again;
	ck_assert_int_eq(mp_alloc_rw(PAGE_SIZE, &again), E_OK);
	ck_assert(mp_start(&again.m) >= HOSTED_ARENA_BASE);
	(void)where;
	mp_unmap_rw(&again);
}
END_TEST

START_TEST(test_access_out_of_bounds_is_an_error)
{
	struct mapped_pages_rw m;
	ck_assert_int_eq(mp_alloc_rw(PAGE_SIZE, &m), E_OK);
	uint64_t *w = (uint64_t *)1;
	ck_assert_int_eq(mp_as_type_mut(&m, PAGE_SIZE - 8, uint64_t, &w), E_OK);
	ck_assert_int_eq(mp_as_type_mut(&m, PAGE_SIZE - 7, uint64_t, &w), E_RANGE);
	ck_assert_ptr_null(w);
	ck_assert_int_eq(mp_as_type_mut(&m, 4, uint64_t, &w), E_INVAL); /* misaligned */
	const void *s;
	ck_assert_int_eq(mp_as_slice(&m.m, 0, 8, PAGE_SIZE / 8, 8, &s), E_OK);
	ck_assert_int_eq(mp_as_slice(&m.m, 8, 8, PAGE_SIZE / 8, 8, &s), E_RANGE);
	ck_assert_int_eq(mp_as_slice(&m.m, 0, SIZE_MAX / 2, 4, 1, &s), E_RANGE); /* size overflow */
	ck_assert_int_eq(mp_as_slice(&m.m, SIZE_MAX, 1, 1, 1, &s), E_RANGE);
	mp_unmap_rw(&m);
	ck_assert_int_eq(mp_as_slice(&m.m, 0, 1, 1, 1, &s), E_EMPTY);
}
END_TEST

START_TEST(test_remap_rx_and_back)
{
	struct mapped_pages_rw rw;
	ck_assert_int_eq(mp_alloc_rw(PAGE_SIZE, &rw), E_OK);
	uint8_t *code;
	ck_assert_int_eq(mp_as_type_mut(&rw, 0, uint8_t, &code), E_OK);
	code[0] = 0xb8; /* mov eax, 42; ret */
	code[1] = 42;
	code[2] = code[3] = code[4] = 0;
	code[5] = 0xc3;
	struct mapped_pages_rx rx;
	ck_assert_int_eq(mp_remap_rw_to_rx(&rw, &rx), E_OK);
	const void *entry;
	ck_assert_int_eq(mp_as_code(&rx, 0, &entry), E_OK);
	int (*fn)(void) = (int (*)(void))entry;
	ck_assert_int_eq(fn(), 42);
	ck_assert_int_eq(mp_remap_rx_to_rw(&rx, &rw), E_OK);
	ck_assert_int_eq(mp_remap_rw_to_rx(&rw, &rx), E_OK);
	ck_assert_int_eq(mp_remap_rw_to_rx(&rw, &rx), E_EMPTY);
	mp_unmap_rx(&rx);
}
END_TEST

/* Forcing a write through a read-only mapping (by casting const away) faults. */
START_TEST(test_write_through_readonly_mapping_faults)
{
	struct mapped_pages_rw rw;
	ck_assert_int_eq(mp_alloc_rw(PAGE_SIZE, &rw), E_OK);
	struct mapped_pages ro;
	ck_assert_int_eq(mp_remap_rw_to_ro(&rw, &ro), E_OK);
	const int *p;
	ck_assert_int_eq(mp_as_type(&ro, 0, int, &p), E_OK);
	*(volatile int *)p = 1;
	ck_abort_msg("the write did not fault");
}
END_TEST

START_TEST(test_frames_beyond_memory_cannot_be_mapped)
{
	struct allocated_pages pages;
	ck_assert_int_eq(pages_alloc(1, &pages), E_OK);
	struct allocated_frames fake = { TBOOT_MEMORY, 1 }; /* forged, not from frames_alloc */
	struct mapped_pages m;
	ck_assert_int_eq(mp_map(&pages, &fake, &m), E_INVAL);
	pages_free(&pages);
}
END_TEST

/* One mapping per frame: C copies structs, so the frame allocator checks it. */
START_TEST(test_copied_frames_mapped_twice_refused_nothing_leaked)
{
	size_t frames0 = frames_free_count(), pages0 = pages_free_count();
	struct allocated_pages p1, p2;
	struct allocated_frames f;
	ck_assert_int_eq(pages_alloc(2, &p1), E_OK);
	ck_assert_int_eq(pages_alloc(2, &p2), E_OK);
	ck_assert_int_eq(frames_alloc(2, &f), E_OK);
	struct allocated_frames copy = f;
	struct mapped_pages_rw m1, m2 = { 0 };
	ck_assert_int_eq(mp_map_rw(&p1, &f, &m1), E_OK);
	ck_assert_int_eq(mp_map_rw(&p2, &copy, &m2), E_MAPPED);
	ck_assert_uint_eq(copy.count, 0); /* the copy owned nothing: emptied, a cleanup frees nothing */
	ck_assert_uint_eq(p2.count, 2);   /* the pages were not consumed */
	ck_assert_uint_eq(m2.m.pages.count, 0);
	int *v;
	ck_assert_int_eq(mp_as_type_mut(&m1, 0, int, &v), E_OK);
	*v = 41; /* the first mapping is intact */
	ck_assert_int_eq(*v, 41);
	pages_free(&p2);
	ck_assert_int_eq(mp_unmap_rw(&m1), E_OK);
	ck_assert_uint_eq(frames_free_count(), frames0);
	ck_assert_uint_eq(pages_free_count(), pages0);
}
END_TEST

START_TEST(test_stale_copy_unmapped_after_original_refused_live_mapping_intact)
{
	size_t frames0 = frames_free_count(), pages0 = pages_free_count();
	struct mapped_pages_rw m, live;
	ck_assert_int_eq(mp_alloc_rw(PAGE_SIZE, &m), E_OK);
	struct mapped_pages_rw stale = m;
	ck_assert_int_eq(mp_unmap_rw(&m), E_OK);
	ck_assert_int_eq(mp_alloc_rw(PAGE_SIZE, &live), E_OK);
	/* The allocators hand the same page and frame out again: the stale copy
	 * now names someone else's mapping, but not its generation. */
	ck_assert_uint_eq(live.m.pages.start, stale.m.pages.start);
	ck_assert_uint_eq(live.m.frames.start, stale.m.frames.start);
	ck_assert_uint_ne(live.m.gen, stale.m.gen);
	int *v;
	ck_assert_int_eq(mp_as_type_mut(&live, 0, int, &v), E_OK);
	*v = 42;
	ck_assert_int_eq(mp_unmap_rw(&stale), E_STALE);
	ck_assert_uint_eq(stale.m.pages.count, 0); /* emptied: a cleanup does nothing */
	ck_assert_int_eq(mp_unmap_rw(&stale), E_OK);
	ck_assert_int_eq(*v, 42); /* still mapped, still its memory */
	*v = 43;
	ck_assert_uint_eq(frames_free_count(), frames0 - 1);
	ck_assert_uint_eq(pages_free_count(), pages0 - 1);
	ck_assert_int_eq(mp_unmap_rw(&live), E_OK);
	ck_assert_uint_eq(frames_free_count(), frames0);
	ck_assert_uint_eq(pages_free_count(), pages0);
}
END_TEST

START_TEST(test_stale_copy_of_a_remapped_mapping_refused)
{
	struct mapped_pages_rw m;
	ck_assert_int_eq(mp_alloc_rw(2 * PAGE_SIZE, &m), E_OK);
	struct mapped_pages_rw stale = m;
	struct mapped_pages ro;
	ck_assert_int_eq(mp_remap_rw_to_ro(&m, &ro), E_OK); /* same mapping, new rights */
	ck_assert_int_eq(mp_unmap(&ro), E_OK);
	ck_assert_int_eq(mp_unmap_rw(&stale), E_STALE);
}
END_TEST

START_TEST(test_unallocated_frames_cannot_be_mapped)
{
	struct allocated_frames f;
	ck_assert_int_eq(frames_alloc(1, &f), E_OK);
	struct allocated_frames forged = f;
	frames_free(&f); /* allocated no more: a forged range */
	struct allocated_pages pages;
	ck_assert_int_eq(pages_alloc(1, &pages), E_OK);
	struct mapped_pages m;
	ck_assert_int_eq(mp_map(&pages, &forged, &m), E_INVAL);
	ck_assert_uint_eq(pages.count, 1);
	pages_free(&pages);
}
END_TEST

/* The audit sees every mapping made through mp_map with its rights, and a
 * frame mapped behind mp_map's back (straight through the HAL) as an alias. */
START_TEST(test_audit_counts_rights_and_aliases)
{
	struct mm_audit a0, a;
	ck_assert_int_eq(mm_audit(&a0, false), E_OK);
	ck_assert_uint_eq(a0.wx_pages, 0);
	ck_assert_uint_eq(a0.alias_pages, 0);
	struct mapped_pages_rw rw, rw2;
	struct mapped_pages_rx rx;
	ck_assert_int_eq(mp_alloc_rw(3 * PAGE_SIZE, &rw), E_OK);
	ck_assert_int_eq(mp_alloc_rw(PAGE_SIZE, &rw2), E_OK);
	ck_assert_int_eq(mp_remap_rw_to_rx(&rw2, &rx), E_OK);
	ck_assert_int_eq(mm_audit(&a, false), E_OK);
	ck_assert_uint_eq(a.pages, a0.pages + 4);
	ck_assert_uint_eq(a.write_pages, a0.write_pages + 3);
	ck_assert_uint_eq(a.exec_pages, a0.exec_pages + 1);
	ck_assert_uint_eq(a.wx_pages + a.alias_pages, 0);
	struct allocated_pages p;
	struct allocated_frames f;
	ck_assert_int_eq(pages_alloc(1, &p), E_OK);
	ck_assert_int_eq(frames_alloc(1, &f), E_OK);
	ck_assert(!hal_map(p.start, f.start, PAGE_SIZE, HAL_PROT_RW | HAL_PROT_X)); /* W^X in the HAL */
	ck_assert(hal_map(p.start, f.start, PAGE_SIZE, HAL_PROT_RW));
	ck_assert(!hal_protect(p.start, PAGE_SIZE, HAL_PROT_RW | HAL_PROT_X));
	/* behind the HAL's back: the audit must still see it */
	ck_assert_int_eq(mprotect((void *)p.start, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
	ck_assert_int_eq(mm_audit(&a, true), E_OK);
	ck_assert_uint_eq(a.wx_pages, 1);
	ck_assert_uint_eq(a.alias_pages, 1);
	ck_assert(hal_unmap(p.start, PAGE_SIZE));
	pages_free(&p);
	frames_free(&f);
	ck_assert_int_eq(mp_unmap_rw(&rw), E_OK);
	ck_assert_int_eq(mp_unmap_rx(&rx), E_OK);
}
END_TEST

static Suite *mm_suite(void)
{
	Suite *s = suite_create("mm");
	TCase *tc = tcase_create("mm");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tboot_setup, tboot_teardown);
	tcase_add_test(tc, test_frames_alloc_to_exhaustion_and_back);
	tcase_add_test(tc, test_pages_alloc_to_exhaustion_and_back);
	tcase_add_test(tc, test_pages_alloc_aligned);
	tcase_add_test(tc, test_multi_frame_ranges_are_contiguous_and_disjoint);
	tcase_add_test(tc, test_map_consumes_pages_and_frames);
	tcase_add_test(tc, test_map_refuses_mismatched_counts);
	tcase_add_test(tc, test_mapping_is_backed_by_its_frames);
	tcase_add_test(tc, test_release_unmaps_and_returns_everything);
	tcase_add_test(tc, test_access_out_of_bounds_is_an_error);
	tcase_add_test(tc, test_remap_rx_and_back);
	tcase_add_test(tc, test_frames_beyond_memory_cannot_be_mapped);
	tcase_add_test(tc, test_copied_frames_mapped_twice_refused_nothing_leaked);
	tcase_add_test(tc, test_stale_copy_unmapped_after_original_refused_live_mapping_intact);
	tcase_add_test(tc, test_stale_copy_of_a_remapped_mapping_refused);
	tcase_add_test(tc, test_unallocated_frames_cannot_be_mapped);
	tcase_add_test(tc, test_audit_counts_rights_and_aliases);
	tcase_add_test_raise_signal(tc, test_write_through_readonly_mapping_faults, SIGSEGV);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mm_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
