/* First-fit bitmap range allocator behind frames.c and pages.c.
 * Single units use a word scan from a rotating hint (the common case: one
 * page, one frame); ranges scan bit runs from the start. */
#include "bitmap.h"

#define WORD_BITS 64

static bool bit_used(const struct bitmap *bm, size_t i)
{
	return bm->words[i / WORD_BITS] >> (i % WORD_BITS) & 1;
}

static void set_range(struct bitmap *bm, size_t i, size_t n, bool used)
{
	for (size_t end = i + n; i < end; i++) {
		uint64_t mask = 1ULL << (i % WORD_BITS);
		if (used)
			bm->words[i / WORD_BITS] |= mask;
		else
			bm->words[i / WORD_BITS] &= ~mask;
	}
}

void bm_init(struct bitmap *bm, uint64_t *words, size_t nbits)
{
	size_t nwords = (nbits + WORD_BITS - 1) / WORD_BITS;
	for (size_t w = 0; w < nwords; w++)
		words[w] = ~0ULL;
	bm->words = words;
	bm->nbits = nbits;
	bm->nfree = 0;
	bm->hint = 0;
}

static bool alloc_one(struct bitmap *bm, size_t *index)
{
	size_t nwords = (bm->nbits + WORD_BITS - 1) / WORD_BITS;
	for (size_t k = 0; k < nwords; k++) {
		size_t w = (bm->hint + k) % nwords;
		uint64_t free_bits = ~bm->words[w];
		if (!free_bits)
			continue;
		size_t i = w * WORD_BITS + (size_t)__builtin_ctzll(free_bits);
		if (i >= bm->nbits)
			continue;
		bm->words[w] |= 1ULL << (i % WORD_BITS);
		bm->hint = w;
		*index = i;
		return true;
	}
	return false;
}

static bool alloc_run(struct bitmap *bm, size_t count, size_t align, size_t *index)
{
	size_t i = 0;
	while (i + count <= bm->nbits) {
		if (bm->words[i / WORD_BITS] == ~0ULL && i % WORD_BITS == 0) {
			i += WORD_BITS;
			continue;
		}
		size_t run = 0;
		while (run < count && !bit_used(bm, i + run))
			run++;
		if (run == count) {
			set_range(bm, i, count, true);
			*index = i;
			return true;
		}
		i = ALIGN_UP(i + run + 1, align);
	}
	return false;
}

bool bm_alloc(struct bitmap *bm, size_t count, size_t align, size_t *index)
{
	if (count == 0 || count > bm->nfree || align == 0 || (align & (align - 1)))
		return false;
	bool ok = (count == 1 && align == 1) ? alloc_one(bm, index)
					     : alloc_run(bm, count, align, index);
	if (ok)
		bm->nfree -= count;
	return ok;
}

bool bm_all_used(const struct bitmap *bm, size_t index, size_t count)
{
	if (index > bm->nbits || count > bm->nbits - index)
		return false;
	for (size_t i = index; i < index + count; i++)
		if (!bit_used(bm, i))
			return false;
	return true;
}

bool bm_release(struct bitmap *bm, size_t index, size_t count)
{
	if (!bm_all_used(bm, index, count))
		return false;
	set_range(bm, index, count, false);
	bm->nfree += count;
	return true;
}
