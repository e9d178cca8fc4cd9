/* floor: mm */
/* Patching live code (kernel/mm/patch.c). Private to the nano_core: a cell
 * patches code only through cell_text_patch (cell.h), which finds the
 * mapping from the cell that owns the range. */
#ifndef KERNEL_PRIVATE_MM_CODE_H
#define KERNEL_PRIVATE_MM_CODE_H
#include "mm.h"

/* Copies len bytes from src to offset off of the executable mapping m,
 * through a temporary writable, non-executable alias of its frames (the one
 * exception to one mapping per frame, gone before the call returns), then
 * announces the range with hal_code_patched. m stays executable and never
 * writable. src must not lie in m's frames. The caller makes sure no CPU
 * executes the range meanwhile (other CPUs paused, or the code not in use);
 * x86 keeps each CPU's instruction fetch coherent with the stores.
 * E_RANGE if [off, off+len) is outside m; E_INVAL if m is not executable;
 * E_STALE if m is not the live mapping of its frames (a stale copy, or a
 * struct made up to name someone else's frames); E_NOMEM/E_HAL if no alias.
 * Kernel only (not exported): cells patch through cell_text_patch. */
err_t mp_patch_code(struct mapped_pages_rx *m, size_t off, const void *src, size_t len) MUST_USE NONNULL(1, 3);

/* The same for a read-only mapping (a cell's rodata: its GOT, tables of
 * pointers a swap redirects); it stays read-only, nothing is announced. */
err_t mp_patch_readonly(struct mapped_pages *m, size_t off, const void *src, size_t len) MUST_USE NONNULL(1, 3);

/* A window: a writable, non-executable alias of all of m's frames (m the
 * live R or RX mapping: E_INVAL, E_STALE otherwise), for many writes with
 * one map and one unmap. Writes into an executable mapping are announced
 * with hal_code_patched one by one. The window must be closed before m is
 * unmapped or remapped. */
struct mm_window {
	const struct mapped_pages *m;
	struct allocated_pages alias;
};
err_t mp_window_open(const struct mapped_pages *m, struct mm_window *w) MUST_USE NONNULL(1, 2);
/* Copies len bytes to offset off of m, through the window. */
err_t mp_window_write(struct mm_window *w, size_t off, const void *src, size_t len) MUST_USE NONNULL(1, 3);
/* Removes the alias; a closed or never opened window is left as it is. */
void mp_window_close(struct mm_window *w) NONNULL(1);

#endif
