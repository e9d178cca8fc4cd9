/* A first-fit bitmap range allocator, private to kernel/mm: the frame and
 * the page allocators are two instances of it. A set bit is a used unit. */
#ifndef MM_BITMAP_H
#define MM_BITMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct bitmap {
	uint64_t *words;
	size_t nbits;
	size_t nfree;
	size_t hint; /* word index where the last single-unit search succeeded */
};

/* All units start used; bm_release marks the usable ones free. */
void bm_init(struct bitmap *bm, uint64_t *words, size_t nbits);
/* Finds count free units starting at a multiple of align, marks them used. */
bool bm_alloc(struct bitmap *bm, size_t count, size_t align, size_t *index) MUST_USE;
/* Marks [index, index+count) free; false (nothing changed) if any unit was
 * already free or out of range: a double release. */
bool bm_release(struct bitmap *bm, size_t index, size_t count) MUST_USE;

/* True if every unit of [index, index+count) is in range and used. */
bool bm_all_used(const struct bitmap *bm, size_t index, size_t count) MUST_USE;

#endif
