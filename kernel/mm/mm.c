/* mm_init: brings up frames and pages from the HAL's boot information.
 * Runs first in kernel_main; the heap (heap.c) comes right after. */
#include "export.h"
#include "mm_internal.h"

err_t mm_init(const struct hal_boot_info *info)
{
	err_t e = frames_init(info->mem, info->n_mem);
	if (!e)
		e = pages_init(info->arena_base, info->arena_size);
	if (!e)
		e = frames_table_init();
	return e;
}

void mm_fini(void)
{
	/* Only the frame table's mapping goes: the allocators live in static
	 * storage and the HAL owns the arena. A later mm_init starts afresh. */
	frames_table_fini();
}

EXPORT_KERNEL(frames_alloc);
EXPORT_KERNEL(frames_total);
EXPORT_KERNEL(frames_free);
EXPORT_KERNEL(pages_alloc);
EXPORT_KERNEL(pages_alloc_aligned);
EXPORT_KERNEL(pages_free);
EXPORT_KERNEL(mp_map);
EXPORT_KERNEL(mp_map_rw);
EXPORT_KERNEL(mp_alloc_rw);
EXPORT_KERNEL(mp_unmap);
EXPORT_KERNEL(mp_unmap_rw);
EXPORT_KERNEL(mp_unmap_rx);
EXPORT_KERNEL(mp_remap_rw_to_ro);
EXPORT_KERNEL(mp_remap_rw_to_rx);
EXPORT_KERNEL(mp_remap_ro_to_rw);
EXPORT_KERNEL(mp_remap_rx_to_rw);
EXPORT_KERNEL(mp_as_slice);
EXPORT_KERNEL(mp_as_slice_mut);
EXPORT_KERNEL(mp_as_code);
EXPORT_KERNEL(frames_free_count);
EXPORT_KERNEL(pages_free_count);
