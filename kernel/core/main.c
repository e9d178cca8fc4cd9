/* kernel_main: the nano_core's boot sequence, called once by the HAL.
 * Brings up memory (frames, pages, heap), then the cell system (the
 * nano_core's own cells and the index of cell images), then loads the
 * shell cell and hands it the console or the boot commands. Returns the
 * exit status the HAL powers off with. */
#include "cell.h"
#include "export.h"
#include "fault_report.h"
#include "hal/boot.h"
#include "heap.h"
#include "klib.h"
#include "mm.h"

/* Below this the nano_core cannot hold its heap and a first cell. */
#define MIN_MEMORY (4UL << 20)
#define EXIT_BOOT_FAILED 2

static uint64_t usable_bytes(const struct hal_boot_info *info)
{
	uint64_t total = 0;
	for (size_t i = 0; i < info->n_mem; i++)
		total += info->mem[i].size;
	return total;
}

static err_t boot_memory(const struct hal_boot_info *info)
{
	uint64_t bytes = usable_bytes(info);
	if (bytes < MIN_MEMORY) {
		kprintf("theseus: %lu KiB of memory is too small for the kernel (needs at least %lu KiB)\n",
			(unsigned long)(bytes >> 10), MIN_MEMORY >> 10);
		return E_NOMEM;
	}
	err_t e = mm_init(info);
	if (!e)
		e = heap_init();
	if (e)
		kprintf("theseus: memory setup failed: %s (%s)\n", err_name(e), err_text(e));
	return e;
}

static void banner(const struct hal_boot_info *info)
{
	kprintf("theseus-c nano_core: %lu MiB memory (%zu frames), %zu MiB arena, %zu exports, %zu cell images\n",
		(unsigned long)(usable_bytes(info) >> 20), frames_total(), info->arena_size >> 20,
		export_count(), info->n_cells);
}

/* Loads the shell cell and runs it; its status is the machine's. */
static int run_shell(const char *commands)
{
	struct cell_diag diag;
	struct cell *shell;
	err_t e = cell_load(ns_root(), "shell", &shell, &diag);
	const struct cell_symbol *entry = e ? NULL : ns_resolve(ns_root(), "shell_main");
	if (!entry || !entry->is_func) {
		char line[320];
		if (!e)
			diag = (struct cell_diag){ .err = E_UNDEF_SYMBOL, .symbol = "shell_main" };
		cell_diag_format(&diag, line, sizeof line);
		kprintf("theseus: cannot start the shell: %s\n", line);
		return EXIT_BOOT_FAILED;
	}
	int (*shell_main)(const char *) = (int (*)(const char *))entry->addr;
	return shell_main(commands);
}

int kernel_main(const struct hal_boot_info *info)
{
	if (boot_memory(info))
		return EXIT_BOOT_FAILED;
	banner(info);
	err_t e = cells_init(info);
	if (e) {
		kprintf("theseus: cell system setup failed: %s (%s)\n", err_name(e), err_text(e));
		return EXIT_BOOT_FAILED;
	}
	fault_report_init();
	int status = run_shell(info->commands);
	cells_fini();
	return status;
}
