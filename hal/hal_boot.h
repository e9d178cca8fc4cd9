/* Boot information contract: what the HAL hands the kernel at start.
 * Usable physical memory regions (excluding what the HAL and the kernel image
 * occupy), the virtual arena the kernel may hand out as pages (inside the
 * 2 GiB window shared with the nano_core, see DESIGN.md §3), and the cell
 * images available to load. Everything stays valid for the kernel's life. */
#ifndef HAL_BOOT_H
#define HAL_BOOT_H
#include "hal_types.h"

#define HAL_MAX_MEM_REGIONS 32
#define HAL_CELL_NAME_MAX 64

struct hal_mem_region {
	uint64_t base; /* page aligned */
	uint64_t size; /* page multiple */
};

/* The HAL fills file, addr and size; the kernel's image index
 * (kernel/cell/images.c) keeps its own copies and fills name from the
 * object's cell info record, so both HALs name cells the same way. */
struct hal_cell_image {
	char name[HAL_CELL_NAME_MAX]; /* the cell's name (kernel); "" from the HAL */
	char file[HAL_CELL_NAME_MAX]; /* the file or boot module name, "hello.o" */
	const void *addr;             /* read-only bytes of the object */
	size_t size;
};

struct hal_boot_info {
	struct hal_mem_region mem[HAL_MAX_MEM_REGIONS];
	size_t n_mem;
	uintptr_t arena_base; /* page aligned */
	size_t arena_size;    /* page multiple */
	const struct hal_cell_image *cells;
	size_t n_cells;
	const void *kernel_image; /* the nano_core's own ELF file (for its symbol table), or NULL */
	size_t kernel_image_size;
	/* Unwind information (.eh_frame) of code outside the kernel image that
	 * task stacks can hold frames of (hosted: libffi, under `call`). */
	struct {
		const void *start;
		size_t size;
	} eh_frames[4];
	size_t n_eh_frames;
	unsigned ncpus;          /* CPUs to run on (at least 1, at most hal_cpu_count()) */
	const char *scheduler;   /* the scheduler cell to boot with, or NULL for the default */
	const char *commands;    /* shell commands to run (";"/newline separated), or NULL */
	const char *script_path; /* informational: where commands came from, or NULL */
};

/* The kernel's entry point, called once by the HAL on the boot CPU.
 * Returns the exit status the machine powers off with. */
int kernel_main(const struct hal_boot_info *info);

#endif
