/* Hosted physical memory and paging. "Physical memory" is a memfd; a frame
 * is an offset in it. The arena is reserved PROT_NONE once; mapping a page
 * is mmap(MAP_FIXED|MAP_SHARED) of the frame's offset, unmapping puts the
 * PROT_NONE reservation back. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "hal_memory.h"
#include "hosted.h"

static int mem_fd = -1;
static uint64_t mem_size;
static void *arena;

static bool in_arena(uintptr_t va, size_t len)
{
	uintptr_t base = (uintptr_t)arena;
	return arena && va >= base && len <= HOSTED_ARENA_SIZE && va - base <= HOSTED_ARENA_SIZE - len;
}

static bool reserve(uintptr_t va, size_t len)
{
	void *p = mmap((void *)va, len, PROT_NONE,
		       MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == (void *)va;
}

bool hosted_mem_init(uint64_t phys_bytes, struct hal_boot_info *info)
{
	if (phys_bytes % HAL_PAGE_SIZE || phys_bytes > HOSTED_MAX_MEMORY) {
		fprintf(stderr, "theseus: memory size %llu is not a page multiple of at most %lu MiB\n",
			(unsigned long long)phys_bytes, HOSTED_MAX_MEMORY >> 20);
		return false;
	}
	mem_fd = memfd_create("theseus-physmem", MFD_CLOEXEC);
	if (mem_fd < 0 || ftruncate(mem_fd, (off_t)phys_bytes) < 0) {
		fprintf(stderr, "theseus: cannot create %llu bytes of physical memory: %s\n",
			(unsigned long long)phys_bytes, strerror(errno));
		return false;
	}
	arena = mmap((void *)HOSTED_ARENA_BASE, HOSTED_ARENA_SIZE, PROT_NONE,
		     MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena != (void *)HOSTED_ARENA_BASE) {
		fprintf(stderr, "theseus: cannot reserve the arena at %#lx: %s\n",
			HOSTED_ARENA_BASE, arena == MAP_FAILED ? strerror(errno) : "address taken");
		if (arena != MAP_FAILED)
			munmap(arena, HOSTED_ARENA_SIZE);
		arena = NULL;
		close(mem_fd);
		mem_fd = -1;
		return false;
	}
	mem_size = phys_bytes;
	info->n_mem = phys_bytes ? 1 : 0;
	info->mem[0] = (struct hal_mem_region){ 0, phys_bytes };
	info->arena_base = HOSTED_ARENA_BASE;
	info->arena_size = HOSTED_ARENA_SIZE;
	return true;
}

void hosted_mem_fini(void)
{
	if (arena)
		munmap(arena, HOSTED_ARENA_SIZE);
	if (mem_fd >= 0)
		close(mem_fd);
	arena = NULL;
	mem_fd = -1;
}

static int host_prot(unsigned prot)
{
	return (prot & HAL_PROT_R ? PROT_READ : 0) | (prot & HAL_PROT_W ? PROT_WRITE : 0) |
	       (prot & HAL_PROT_X ? PROT_EXEC : 0);
}

bool hal_map(uintptr_t vaddr, uint64_t paddr, size_t len, unsigned prot)
{
	if (!in_arena(vaddr, len) || paddr > mem_size || len > mem_size - paddr)
		return false;
	void *p = mmap((void *)vaddr, len, host_prot(prot), MAP_FIXED | MAP_SHARED, mem_fd, (off_t)paddr);
	return p == (void *)vaddr;
}

bool hal_unmap(uintptr_t vaddr, size_t len)
{
	return in_arena(vaddr, len) && reserve(vaddr, len);
}

bool hal_protect(uintptr_t vaddr, size_t len, unsigned prot)
{
	return in_arena(vaddr, len) && mprotect((void *)vaddr, len, host_prot(prot)) == 0;
}

void hal_code_patched(const void *addr, size_t len)
{
	VALGRIND_DISCARD_TRANSLATIONS(addr, len);
}
