/* Writing live code without breaking W^X: a window is a temporary
 * writable, non-executable alias of an executable (or read-only) mapping's
 * frames; each write through it into code is announced to the HAL, and
 * closing it removes the alias. The alias is the one documented exception
 * to "one mapping per frame" (docs/memory.md): the frames stay claimed by
 * the mapping, the window's owner holds the alias only while it writes.
 * mp_patch_code and mp_patch_readonly open one for a single write; a swap
 * opens its windows before it pauses the other CPUs, so the pause holds no
 * map or unmap. Above it, cell_text_patch (kernel/cell/patch.c) finds the
 * cell holding the range. */
#include "klib.h"
#include "mm_code.h"
#include "mm_internal.h"
#include "panic.h"

err_t mp_window_open(const struct mapped_pages *m, struct mm_window *w)
{
	*w = (struct mm_window){ 0 };
	if (m->pages.count == 0)
		return E_EMPTY;
	/* Only memory the kernel mapped read-only or executable, through the
	 * live mapping of its frames: never a copy that outlived it or a
	 * struct made up to name someone else's frames. */
	if (m->prot != HAL_PROT_RX && m->prot != HAL_PROT_R)
		return E_INVAL;
	if (!mp_is_live(m, "mp_window_open"))
		return E_STALE;
	struct allocated_pages alias = { 0 };
	err_t e = pages_alloc(m->pages.count, &alias);
	if (e)
		return e;
	if (!hal_map(alias.start, m->frames.start, m->pages.count * PAGE_SIZE, HAL_PROT_RW)) {
		pages_free(&alias);
		return E_HAL;
	}
	w->m = m;
	w->alias = alias;
	return E_OK;
}

err_t mp_window_write(struct mm_window *w, size_t off, const void *src, size_t len)
{
	if (!w->m)
		return E_EMPTY;
	if (len == 0)
		return E_INVAL;
	if (off > mp_size(w->m) || len > mp_size(w->m) - off)
		return E_RANGE;
	memcpy((void *)(w->alias.start + off), src, len);
	if (w->m->prot == HAL_PROT_RX)
		hal_code_patched((const void *)(mp_start(w->m) + off), len);
	return E_OK;
}

void mp_window_close(struct mm_window *w)
{
	if (!w->m)
		return;
	if (!hal_unmap(w->alias.start, w->alias.count * PAGE_SIZE))
		panic("mp_window_close: HAL could not unmap the alias %#lx+%zu", (unsigned long)w->alias.start,
		      w->alias.count * PAGE_SIZE);
	pages_free(&w->alias);
	*w = (struct mm_window){ 0 };
}

/* One write through a window of its own. */
static err_t patch_once(const struct mapped_pages *m, unsigned prot, size_t off, const void *src, size_t len)
{
	if (m->pages.count && m->prot != prot)
		return E_INVAL;
	if (len == 0)
		return E_INVAL;
	if (off > mp_size(m) || len > mp_size(m) - off)
		return m->pages.count ? E_RANGE : E_EMPTY;
	struct mm_window w;
	err_t e = mp_window_open(m, &w);
	if (!e)
		e = mp_window_write(&w, off, src, len);
	mp_window_close(&w);
	return e;
}

err_t mp_patch_code(struct mapped_pages_rx *m, size_t off, const void *src, size_t len)
{
	return patch_once(&m->m, HAL_PROT_RX, off, src, len);
}

err_t mp_patch_readonly(struct mapped_pages *m, size_t off, const void *src, size_t len)
{
	return patch_once(m, HAL_PROT_R, off, src, len);
}

/* Not exported: cells patch code through cell_text_patch, which finds the
 * mapping from the cell that owns the range. */
