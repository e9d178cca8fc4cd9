/* Writing live code without breaking W^X: mp_patch_code copies bytes into
 * an executable mapping through a temporary writable, non-executable alias
 * of its frames, removes the alias and tells the HAL the code changed. The
 * alias is the one documented exception to "one mapping per frame"
 * (docs/memory.md): the frames stay claimed by the executable mapping, the
 * alias is owned by this call alone and gone before it returns. Above it,
 * cell_text_patch (kernel/cell/patch.c) finds the cell holding the range. */
#include "klib.h"
#include "mm_code.h"
#include "mm_internal.h"
#include "panic.h"

err_t mp_patch_code(struct mapped_pages_rx *m, size_t off, const void *src, size_t len)
{
	if (m->m.pages.count == 0)
		return E_EMPTY;
	if (len == 0)
		return E_INVAL;
	if (off > mp_size(&m->m) || len > mp_size(&m->m) - off)
		return E_RANGE;
	/* Only code the kernel mapped: the live, executable mapping of its
	 * frames, never a copy that outlived it or a struct made up to name
	 * someone else's frames. */
	if (m->m.prot != HAL_PROT_RX)
		return E_INVAL;
	if (!mp_is_live(&m->m, "mp_patch_code"))
		return E_STALE;
	size_t first = off / PAGE_SIZE, count = (off + len - 1) / PAGE_SIZE - first + 1;
	struct allocated_pages alias PAGES_AUTO = { 0 };
	err_t e = pages_alloc(count, &alias);
	if (e)
		return e;
	if (!hal_map(alias.start, m->m.frames.start + first * PAGE_SIZE, count * PAGE_SIZE, HAL_PROT_RW))
		return E_HAL;
	memcpy((void *)(alias.start + off % PAGE_SIZE), src, len);
	if (!hal_unmap(alias.start, count * PAGE_SIZE))
		panic("mp_patch_code: HAL could not unmap the alias %#lx+%zu", (unsigned long)alias.start,
		      count * PAGE_SIZE);
	hal_code_patched((const void *)(mp_start(&m->m) + off), len);
	return E_OK;
}

/* Not exported: cells patch code through cell_text_patch, which finds the
 * mapping from the cell that owns the range. */
