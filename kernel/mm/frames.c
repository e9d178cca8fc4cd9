/* The frame allocator: physical memory in page-sized frames, handed out as
 * owned AllocatedFrames ranges. Set up by mm_init from the HAL's memory
 * regions; gaps between regions stay marked used forever.
 * It also knows which mapping maps each frame (one mapping per frame,
 * docs/memory.md): frame_gen holds the generation of the live mapping that
 * maps the frame, 0 if none. mp_map claims frames here (refused if one is
 * mapped already), mp_unmap releases them (refused if the generation it
 * names is not the live one: a stale copy of a mapped_pages). The table
 * lives in frames of its own, sized to the memory there is (as Linux's
 * mem_map), mapped by frames_table_init right after the page allocator
 * exists; its frames are claimed by its own mapping. */
#include "bitmap.h"
#include "klib.h"
#include "mm_internal.h"
#include "panic.h"
#include "spinlock.h"

#define MAX_FRAMES (4ULL << 30 >> 12) /* 4 GiB of physical memory */

static uint64_t frame_words[MAX_FRAMES / 64];
static uint32_t *frame_gen; /* one entry per bit of frame_map; NULL until frames_table_init */
static struct mapped_pages gen_table; /* frame_gen's own mapping, for the life of the allocator */
static uint32_t last_gen;
static struct bitmap frame_map;
static uint64_t frame_base; /* physical address of bit 0 */
static size_t frame_count;
static struct hal_mem_region frame_regions[HAL_MAX_MEM_REGIONS];
static size_t n_frame_regions;
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
	if ((hi - lo) / PAGE_SIZE > MAX_FRAMES || n > HAL_MAX_MEM_REGIONS)
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
		frame_regions[i] = regions[i];
	}
	n_frame_regions = n;
	frame_gen = NULL;
	return E_OK;
}

err_t frames_table_init(void)
{
	size_t bytes = frame_map.nbits * sizeof *frame_gen, count = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
	struct allocated_pages pages PAGES_AUTO = { 0 };
	struct allocated_frames frames FRAMES_AUTO = { 0 };
	err_t e = pages_alloc(count, &pages);
	if (!e)
		e = frames_alloc(count, &frames);
	if (e)
		return e;
	if (!hal_map(pages.start, frames.start, count * PAGE_SIZE, HAL_PROT_RW))
		return E_HAL;
	uint32_t *table = (uint32_t *)pages.start;
	memset(table, 0, bytes);
	last_gen = 1;
	for (size_t i = 0; i < count; i++)
		table[(frames.start - frame_base) / PAGE_SIZE + i] = last_gen;
	gen_table = (struct mapped_pages){ pages, frames, HAL_PROT_RW, last_gen };
	pages = (struct allocated_pages){ 0 };
	frames = (struct allocated_frames){ 0 };
	frame_gen = table;
	return E_OK;
}

void frames_table_fini(void)
{
	if (gen_table.pages.count && !hal_unmap(gen_table.pages.start, mp_size(&gen_table)))
		panic("frames_table_fini: HAL could not unmap the frame table");
	gen_table = (struct mapped_pages){ 0 };
	frame_gen = NULL;
}

/* The index of the allocator region holding paddr, or SIZE_MAX. */
static size_t region_of(uint64_t paddr)
{
	for (size_t i = 0; i < n_frame_regions; i++)
		if (paddr >= frame_regions[i].base && paddr - frame_regions[i].base < frame_regions[i].size)
			return i;
	return SIZE_MAX;
}

bool frames_owned(uint64_t paddr) { return region_of(paddr) != SIZE_MAX; }

/* Index of f's first frame if every frame of f is an allocated frame of
 * one region of this allocator; SIZE_MAX otherwise (a forged range). Called
 * with frame_lock held. */
static size_t allocated_index(const struct allocated_frames *f)
{
	if (f->count == 0 || f->start % PAGE_SIZE || f->count > MAX_FRAMES)
		return SIZE_MAX;
	size_t region = region_of(f->start);
	if (region == SIZE_MAX || region != region_of(f->start + (f->count - 1) * PAGE_SIZE))
		return SIZE_MAX;
	size_t first = (f->start - frame_base) / PAGE_SIZE;
	return bm_all_used(&frame_map, first, f->count) ? first : SIZE_MAX;
}

/* The index (from 0) of the first of count frames from first that a
 * mapping claims, count if none. Called with frame_lock held. */
static size_t first_mapped(size_t first, size_t count)
{
	size_t i = 0;
	while (frame_gen && i < count && !frame_gen[first + i])
		i++;
	return frame_gen ? i : count;
}

err_t frames_claim(const struct allocated_frames *f, uint32_t *gen)
{
	if (!frame_gen)
		panic("mm: mapping frames %#lx+%zu before the frame table exists", (unsigned long)f->start,
		      f->count);
	irq_state_t s = spin_lock_irqsave(&frame_lock);
	size_t first = allocated_index(f), i = first == SIZE_MAX ? 0 : first_mapped(first, f->count);
	bool ok = first != SIZE_MAX && i == f->count;
	uint32_t owner = first != SIZE_MAX && i < f->count ? frame_gen[first + i] : 0;
	if (ok) {
		if (++last_gen == 0) /* wrapped: 0 means "not mapped" */
			last_gen = 1;
		*gen = last_gen;
		for (i = 0; i < f->count; i++)
			frame_gen[first + i] = last_gen;
	}
	spin_unlock_irqrestore(&frame_lock, s);
	if (first == SIZE_MAX)
		kprintf("mm: frames %#lx+%zu are not allocated frames: mapping refused\n",
			(unsigned long)f->start, f->count);
	else if (!ok)
		kprintf("mm: frame %#lx is mapped already (mapping #%u): a second mapping is refused\n",
			(unsigned long)(f->start + i * PAGE_SIZE), owner);
	return ok ? E_OK : first == SIZE_MAX ? E_INVAL : E_MAPPED;
}

err_t frames_unclaim(const struct allocated_frames *f, uint32_t gen)
{
	irq_state_t s = spin_lock_irqsave(&frame_lock);
	size_t first = allocated_index(f), i = 0;
	while (first != SIZE_MAX && frame_gen && i < f->count && frame_gen[first + i] == gen)
		i++;
	bool ok = first != SIZE_MAX && gen && i == f->count;
	if (ok)
		for (i = 0; i < f->count; i++)
			frame_gen[first + i] = 0;
	spin_unlock_irqrestore(&frame_lock, s);
	if (!ok)
		kprintf("mm: mapping #%u of frames %#lx+%zu is not live (frame %#lx): stale unmap refused\n",
			gen, (unsigned long)f->start, f->count, (unsigned long)(f->start + i * PAGE_SIZE));
	return ok ? E_OK : E_STALE;
}

uint32_t frames_mapping_of(uint64_t paddr)
{
	if (!frames_owned(paddr))
		return 0;
	irq_state_t s = spin_lock_irqsave(&frame_lock);
	uint32_t gen = frame_gen ? frame_gen[(paddr - frame_base) / PAGE_SIZE] : 0;
	spin_unlock_irqrestore(&frame_lock, s);
	return gen;
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
	size_t first = allocated_index(f), i = first == SIZE_MAX ? 0 : first_mapped(first, f->count);
	bool mapped = first != SIZE_MAX && i < f->count;
	bool ok = first != SIZE_MAX && !mapped && bm_release(&frame_map, first, f->count);
	spin_unlock_irqrestore(&frame_lock, s);
	if (mapped)
		panic("frames_free: frame %#lx is mapped (a copy of its owner's frames?)",
		      (unsigned long)(f->start + i * PAGE_SIZE));
	if (!ok)
		panic("frames_free: frames %#lx+%zu were not allocated (double free?)",
		      (unsigned long)f->start, f->count);
	*f = (struct allocated_frames){ 0 };
}
