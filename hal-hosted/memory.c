/* Hosted physical memory and paging. "Physical memory" is a memfd; a frame
 * is an offset in it. The arena is reserved PROT_NONE once; mapping a page
 * is mmap(MAP_FIXED|MAP_SHARED) of the frame's offset, unmapping puts the
 * PROT_NONE reservation back. The walk of the mappings reads /proc/self/maps. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "hal_irq.h"
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
	if (!in_arena(vaddr, len) || paddr > mem_size || len > mem_size - paddr || HAL_PROT_IS_WX(prot))
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
	return in_arena(vaddr, len) && !HAL_PROT_IS_WX(prot) && mprotect((void *)vaddr, len, host_prot(prot)) == 0;
}

void hal_code_patched(const void *addr, size_t len)
{
	VALGRIND_DISCARD_TRANSLATIONS(addr, len);
}

/* --- the walk: /proc/self/maps, restricted to what the kernel can reach ------------ */

extern char __executable_start[], _end[];

static bool overlaps(uintptr_t lo, uintptr_t hi, uintptr_t a, uintptr_t b) { return lo < b && a < hi; }

/* One line of /proc/self/maps as a hal_mapping; false if it is outside the
 * arena and the simulator's image, or maps nothing (PROT_NONE). */
static bool parse_maps_line(const char *line, struct hal_mapping *m)
{
	unsigned long lo, hi, off;
	char perms[5];
	int path_at = 0;
	if (sscanf(line, "%lx-%lx %4s %lx %*s %*s%n", &lo, &hi, perms, &off, &path_at) != 4)
		return false;
	bool in_image = overlaps(lo, hi, (uintptr_t)__executable_start, (uintptr_t)_end);
	bool in_mem = arena && overlaps(lo, hi, HOSTED_ARENA_BASE, HOSTED_ARENA_BASE + HOSTED_ARENA_SIZE);
	unsigned prot = (perms[0] == 'r' ? HAL_PROT_R : 0) | (perms[1] == 'w' ? HAL_PROT_W : 0) |
			(perms[2] == 'x' ? HAL_PROT_X : 0);
	if ((!in_image && !in_mem) || prot == HAL_PROT_NONE)
		return false;
	bool physmem = strstr(line + path_at, "/memfd:theseus-physmem") != NULL;
	*m = (struct hal_mapping){ lo, physmem ? off : HAL_NO_PHYS, hi - lo, prot };
	return true;
}

/* Ticks are held off while stdio runs: a task preempted inside it would
 * keep its lock from the next task that prints (docs/tasks.md). */
bool hal_walk_mappings(hal_mapping_fn fn, void *ctx)
{
	hal_irq_state_t irq = hal_irq_save();
	FILE *f = fopen("/proc/self/maps", "re");
	char line[PATH_MAX + 128]; /* a line is at most ~80 characters and a path */
	struct hal_mapping m;
	while (f && fgets(line, sizeof line, f))
		if (parse_maps_line(line, &m))
			fn(&m, ctx);
	if (f)
		fclose(f);
	hal_irq_restore(irq);
	return f != NULL;
}
