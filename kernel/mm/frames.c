/* The frame allocator: physical memory in page-sized frames, handed out as
 * owned AllocatedFrames ranges. Set up by mm_init from the HAL's memory
 * regions; gaps between regions stay marked used forever. */
#include "bitmap.h"
#include "mm_internal.h"
#include "panic.h"
#include "spinlock.h"

#define MAX_FRAMES (4ULL << 30 >> 12) /* 4 GiB of physical memory */

static uint64_t frame_words[MAX_FRAMES / 64];
static struct bitmap frame_map;
static uint64_t frame_base; /* physical address of bit 0 */
static size_t frame_count;
static struct spinlock frame_lock;

err_t frames_init(const struct hal_mem_region *regions, size_t n)
{
	if (n == 0)
		return E_NOMEM;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (!IS_ALIGNED(regions[i].base | regions[i].size, PAGE_SIZE))
			return E_INVAL;
		lo = MIN(lo, regions[i].base);
		hi = MAX(hi, regions[i].base + regions[i].size);
	}
	if ((hi - lo) / PAGE_SIZE > MAX_FRAMES)
		return E_TOOBIG;
	frame_base = lo;
	bm_init(&frame_map, frame_words, (hi - lo) / PAGE_SIZE);
	frame_count = 0;
	for (size_t i = 0; i < n; i++) {
		size_t first = (regions[i].base - lo) / PAGE_SIZE;
		size_t count = regions[i].size / PAGE_SIZE;
		if (!bm_release(&frame_map, first, count))
			return E_INVAL; /* overlapping regions */
		frame_count += count;
	}
	return E_OK;
}

size_t frames_total(void) { return frame_count; }
size_t frames_free_count(void) { return frame_map.nfree; }

err_t frames_alloc(size_t count, struct allocated_frames *out)
{
	size_t index;
	irq_state_t s = spin_lock_irqsave(&frame_lock);
	bool ok = bm_alloc(&frame_map, count, 1, &index);
	spin_unlock_irqrestore(&frame_lock, s);
	if (!ok)
		return count ? E_NOMEM : E_INVAL;
	*out = (struct allocated_frames){ frame_base + index * PAGE_SIZE, count };
	return E_OK;
}

void frames_free(struct allocated_frames *f)
{
	if (f->count == 0)
		return;
	irq_state_t s = spin_lock_irqsave(&frame_lock);
	bool ok = bm_release(&frame_map, (f->start - frame_base) / PAGE_SIZE, f->count);
	spin_unlock_irqrestore(&frame_lock, s);
	if (!ok)
		panic("frames_free: frames %#lx+%zu were not allocated (double free?)",
		      (unsigned long)f->start, f->count);
	*f = (struct allocated_frames){ 0 };
}
