/* Physical memory and page mapping contract.
 * The kernel owns all policy (which frame goes where); the HAL only installs
 * and removes translations. Addresses and lengths are page aligned; a range
 * passed to hal_map must be unmapped, one passed to hal_unmap/hal_protect
 * mapped. Errors are reported as false, never by crashing. */
#ifndef HAL_MEMORY_H
#define HAL_MEMORY_H
#include "hal_types.h"

enum hal_prot {
	HAL_PROT_NONE = 0,
	HAL_PROT_R = 1,
	HAL_PROT_W = 2,
	HAL_PROT_X = 4,
	HAL_PROT_RW = HAL_PROT_R | HAL_PROT_W,
	HAL_PROT_RX = HAL_PROT_R | HAL_PROT_X,
};

/* W^X: no prot is both writable and executable; hal_map and hal_protect
 * refuse one that is. */
#define HAL_PROT_IS_WX(prot) (((prot) & (HAL_PROT_W | HAL_PROT_X)) == (HAL_PROT_W | HAL_PROT_X))

/* Maps len bytes of physical memory at paddr to vaddr with prot. */
bool hal_map(uintptr_t vaddr, uint64_t paddr, size_t len, unsigned prot)
	__attribute__((warn_unused_result));

/* Removes the translations of [vaddr, vaddr+len); the range stays reserved. */
bool hal_unmap(uintptr_t vaddr, size_t len) __attribute__((warn_unused_result));

/* Changes the protection of a mapped range. */
bool hal_protect(uintptr_t vaddr, size_t len, unsigned prot)
	__attribute__((warn_unused_result));

/* One mapped range: [vaddr, vaddr+len) translates to [paddr, paddr+len)
 * with prot (the effective rights). paddr is HAL_NO_PHYS where the range
 * is not backed by the kernel's physical memory (hosted: the simulator's
 * own image). */
#define HAL_NO_PHYS UINT64_MAX
struct hal_mapping {
	uintptr_t vaddr;
	uint64_t paddr;
	size_t len;
	unsigned prot;
};
typedef void (*hal_mapping_fn)(const struct hal_mapping *m, void *ctx);

/* Calls fn for every range the kernel's code can reach, lowest address
 * first, merging neighbours with contiguous frames and equal rights:
 * bare metal walks the live page tables; hosted reads /proc/self/maps for
 * the arena and the simulator's own image. False if the walk could not be
 * completed (the ranges reported so far are still true). */
bool hal_walk_mappings(hal_mapping_fn fn, void *ctx) __attribute__((warn_unused_result));

/* Announces that code in [addr, addr+len) was rewritten after it may have
 * run, so instruction caches / translators (valgrind) drop stale copies. */
void hal_code_patched(const void *addr, size_t len);

#endif
