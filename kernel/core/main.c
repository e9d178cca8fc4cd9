/* kernel_main: the nano_core's boot sequence, called once by the HAL.
 * Brings up memory (frames, pages, heap), reports what it found, and
 * returns the exit status the HAL powers off with. */
#include "export.h"
#include "hal/boot.h"
#include "heap.h"
#include "klib.h"
#include "mm.h"

/* Below this the nano_core cannot hold its heap and a first cell. */
#define MIN_MEMORY (4UL << 20)

static uint64_t usable_bytes(const struct hal_boot_info *info)
{
	uint64_t total = 0;
	for (size_t i = 0; i < info->n_mem; i++)
		total += info->mem[i].size;
	return total;
}

static int boot_memory(const struct hal_boot_info *info)
{
	uint64_t bytes = usable_bytes(info);
	if (bytes < MIN_MEMORY) {
		kprintf("theseus: %lu KiB of memory is too small for the kernel (needs at least %lu KiB)\n",
			(unsigned long)(bytes >> 10), MIN_MEMORY >> 10);
		return 2;
	}
	err_t e = mm_init(info);
	if (!e)
		e = heap_init();
	if (e) {
		kprintf("theseus: memory setup failed: %s (%s)\n", err_name(e), err_text(e));
		return 2;
	}
	return 0;
}

int kernel_main(const struct hal_boot_info *info)
{
	int status = boot_memory(info);
	if (status)
		return status;
	kprintf("theseus-c nano_core: %lu MiB memory (%zu frames), %zu KiB arena, %zu exports, %zu cell images\n",
		(unsigned long)(usable_bytes(info) >> 20), frames_total(), info->arena_size >> 10,
		export_count(), info->n_cells);
	for (size_t i = 0; i < info->n_cells; i++)
		kprintf("  cell image %-24s %8zu bytes\n", info->cells[i].name, info->cells[i].size);
	return 0;
}
