/* The page allocator: the virtual arena the HAL reserved for the kernel,
 * in pages, handed out as owned AllocatedPages ranges. The arena lies in the
 * 2 GiB window shared with the nano_core, so cells placed in it can reach
 * the kernel with 32-bit relocations. */
#include "bitmap.h"
#include "mm_internal.h"
#include "panic.h"
#include "spinlock.h"

#define MAX_PAGES (2ULL << 30 >> 12) /* a 2 GiB arena */

static uint64_t page_words[MAX_PAGES / 64];
static struct bitmap page_map;
static uintptr_t page_base;
static struct spinlock page_lock;

err_t pages_init(uintptr_t base, size_t size)
{
	if (!IS_ALIGNED(base | size, PAGE_SIZE) || size == 0)
		return E_INVAL;
	if (size / PAGE_SIZE > MAX_PAGES)
		return E_TOOBIG;
	page_base = base;
	bm_init(&page_map, page_words, size / PAGE_SIZE);
	if (!bm_release(&page_map, 0, size / PAGE_SIZE))
		return E_INVAL;
	return E_OK;
}

size_t pages_total(void) { return page_map.nbits; }
uintptr_t pages_base(void) { return page_base; }
size_t pages_free_count(void) { return page_map.nfree; }

err_t pages_alloc_aligned(size_t count, size_t align_pages, struct allocated_pages *out)
{
	size_t index;
	irq_state_t s = spin_lock_irqsave(&page_lock);
	bool ok = bm_alloc(&page_map, count, align_pages, &index);
	spin_unlock_irqrestore(&page_lock, s);
	if (!ok)
		return (count && align_pages && !(align_pages & (align_pages - 1))) ? E_NOMEM : E_INVAL;
	*out = (struct allocated_pages){ page_base + index * PAGE_SIZE, count };
	return E_OK;
}

err_t pages_alloc(size_t count, struct allocated_pages *out)
{
	return pages_alloc_aligned(count, 1, out);
}

void pages_free(struct allocated_pages *p)
{
	if (p->count == 0)
		return;
	irq_state_t s = spin_lock_irqsave(&page_lock);
	bool ok = bm_release(&page_map, (p->start - page_base) / PAGE_SIZE, p->count);
	spin_unlock_irqrestore(&page_lock, s);
	if (!ok)
		panic("pages_free: pages %#lx+%zu were not allocated (double free?)",
		      (unsigned long)p->start, p->count);
	*p = (struct allocated_pages){ 0 };
}

err_t pages_split(struct allocated_pages *p, size_t at, struct allocated_pages *tail)
{
	if (p->count == 0)
		return E_EMPTY;
	if (at == 0 || at >= p->count)
		return E_RANGE;
	*tail = (struct allocated_pages){ p->start + at * PAGE_SIZE, p->count - at };
	p->count = at;
	return E_OK;
}
