/* The fuzz build's link-time shims: keeps the hosted arena out of ASan's
 * low shadow (arena_shim.h), and lets ASan track kernel heap blocks
 * (asan-heap/valgrind/memcheck.h). */
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "arena_shim.h"
#include "hal_memory.h"
#include "hosted.h"

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);

/* len, cut so that [addr, addr+len) ends at FUZZ_ARENA_END if it starts in
 * the arena below it and would run past it. */
static size_t clamp(void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;
	if (a >= HOSTED_ARENA_BASE && a < FUZZ_ARENA_END && len > FUZZ_ARENA_END - a)
		return FUZZ_ARENA_END - a;
	return len;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return __real_mmap(addr, clamp(addr, len), prot, flags, fd, off);
}

int __wrap_munmap(void *addr, size_t len) { return __real_munmap(addr, clamp(addr, len)); }

/* --wrap=hal_map: a newly mapped page is addressable, whatever its virtual
 * address held before (a slab's poisoned free blocks, say). */
bool __real_hal_map(uintptr_t vaddr, uint64_t paddr, size_t len, unsigned prot);

bool __wrap_hal_map(uintptr_t vaddr, uint64_t paddr, size_t len, unsigned prot)
{
	bool ok = __real_hal_map(vaddr, paddr, len, prot);
	if (ok)
		ASAN_UNPOISON_MEMORY_REGION((void *)vaddr, len);
	return ok;
}

/* VALGRIND_FREELIKE_BLOCK(p) in kfree, called with the block header open:
 * the header (16 bytes before p) holds the requested size in its second
 * 32-bit word (kernel/mm/heap.c, struct block_hdr; for a large block its low
 * 32 bits, ample here). Poisons the block so later uses are reported. */
void fuzz_heap_freelike(const void *p)
{
	const uint32_t *hdr = (const uint32_t *)((const char *)p - 16);
	ASAN_POISON_MEMORY_REGION(p, hdr[1]);
}
