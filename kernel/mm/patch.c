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

/* Writes through a temporary RW alias of m's frames (prot is what m must
 * be: the live mapping, never a copy or a made-up struct). */
static err_t patch_through_alias(struct mapped_pages *m, unsigned prot, size_t off, const void *src, size_t len,
				 const char *who)
{
	if (m->pages.count == 0)
		return E_EMPTY;
	if (len == 0)
		return E_INVAL;
	if (off > mp_size(m) || len > mp_size(m) - off)
		return E_RANGE;
	/* Only memory the kernel mapped: the live mapping of its frames, never
	 * a copy that outlived it or a struct made up to name someone else's
	 * frames. */
	if (m->prot != prot)
		return E_INVAL;
	if (!mp_is_live(m, who))
		return E_STALE;
	size_t first = off / PAGE_SIZE, count = (off + len - 1) / PAGE_SIZE - first + 1;
	struct allocated_pages alias PAGES_AUTO = { 0 };
	err_t e = pages_alloc(count, &alias);
	if (e)
		return e;
	if (!hal_map(alias.start, m->frames.start + first * PAGE_SIZE, count * PAGE_SIZE, HAL_PROT_RW))
		return E_HAL;
	memcpy((void *)(alias.start + off % PAGE_SIZE), src, len);
	if (!hal_unmap(alias.start, count * PAGE_SIZE))
		panic("%s: HAL could not unmap the alias %#lx+%zu", who, (unsigned long)alias.start,
		      count * PAGE_SIZE);
	return E_OK;
}

err_t mp_patch_code(struct mapped_pages_rx *m, size_t off, const void *src, size_t len)
{
	err_t e = patch_through_alias(&m->m, HAL_PROT_RX, off, src, len, "mp_patch_code");
	if (!e)
		hal_code_patched((const void *)(mp_start(&m->m) + off), len);
	return e;
}

err_t mp_patch_readonly(struct mapped_pages *m, size_t off, const void *src, size_t len)
{
	return patch_through_alias(m, HAL_PROT_R, off, src, len, "mp_patch_readonly");
}

/* Not exported: cells patch code through cell_text_patch, which finds the
 * mapping from the cell that owns the range. */
