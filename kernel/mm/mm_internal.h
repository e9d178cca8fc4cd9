/* Interfaces between the files of kernel/mm; not for other folders. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H
#include "mm_boot.h"
#include "hal_memory.h"
#include "mm.h"

_Static_assert(PAGE_SIZE == HAL_PAGE_SIZE, "mm.h names the HAL's page size");

err_t frames_init(const struct hal_mem_region *regions, size_t n) MUST_USE;
err_t pages_init(uintptr_t base, size_t size) MUST_USE;
uintptr_t pages_base(void); /* the arena's first address */

/* Maps the frame allocator's generation table (after pages_init); until
 * then nothing may be mapped. frames_table_fini unmaps it (mm_fini). */
err_t frames_table_init(void) MUST_USE;
void frames_table_fini(void);

/* One mapping per frame (frames.c). frames_claim records that the frames
 * of f are mapped by a new mapping whose generation it returns; E_MAPPED
 * if one is mapped already, E_INVAL if f names frames not allocated.
 * frames_unclaim ends mapping gen; E_STALE if it does not map all of f.
 * Both print a line naming the frame; any lock may be held but frame_lock. */
err_t frames_claim(const struct allocated_frames *f, uint32_t *gen) MUST_USE NONNULL(1, 2);
err_t frames_unclaim(const struct allocated_frames *f, uint32_t gen) MUST_USE NONNULL(1);
/* Whether paddr is a frame of the allocator; the generation of the mapping
 * that maps it, 0 if none or not a frame. */
bool frames_owned(uint64_t paddr);
uint32_t frames_mapping_of(uint64_t paddr);
/* Whether m is the live mapping of all its frames (its generation is the
 * one they are claimed by); says why not, naming who asked. A copy of a live
 * mapping is indistinguishable from it until one of them unmaps. */
bool mp_is_live(const struct mapped_pages *m, const char *who) NONNULL(1, 2);

#endif
