/* MappedPages: the owner of one mapping. mp_map consumes pages and frames,
 * claims the frames (frames.c: refused if one is mapped already) and
 * installs the translation through the HAL; remapping changes the
 * protection and the type; unmapping checks that it names the live mapping,
 * removes the translation exactly once and returns both ranges to their
 * allocators. */
#include "klib.h"
#include "mm_internal.h"
#include "panic.h"

static err_t map_with(struct allocated_pages *pages, struct allocated_frames *frames,
		      unsigned prot, struct mapped_pages *out)
{
	if (pages->count == 0 || frames->count == 0)
		return E_EMPTY;
	if (pages->count != frames->count)
		return E_INVAL;
	uint32_t gen;
	err_t e = frames_claim(frames, &gen);
	if (e == E_MAPPED)
		*frames = (struct allocated_frames){ 0 }; /* a copy: it owns nothing */
	if (e)
		return e;
	if (!hal_map(pages->start, frames->start, pages->count * PAGE_SIZE, prot)) {
		if (frames_unclaim(frames, gen))
			panic("mp_map: lost the claim on frames %#lx+%zu", (unsigned long)frames->start,
			      frames->count);
		return E_HAL;
	}
	*out = (struct mapped_pages){ *pages, *frames, prot, gen };
	*pages = (struct allocated_pages){ 0 };
	*frames = (struct allocated_frames){ 0 };
	return E_OK;
}

err_t mp_map(struct allocated_pages *pages, struct allocated_frames *frames, struct mapped_pages *out)
{
	return map_with(pages, frames, HAL_PROT_R, out);
}

err_t mp_map_rw(struct allocated_pages *pages, struct allocated_frames *frames,
		struct mapped_pages_rw *out)
{
	return map_with(pages, frames, HAL_PROT_RW, &out->m);
}

err_t mp_alloc_rw(size_t bytes, struct mapped_pages_rw *out)
{
	size_t count = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
	if (count == 0 || bytes > SIZE_MAX - PAGE_SIZE)
		return E_INVAL;
	struct allocated_pages pages PAGES_AUTO = { 0 };
	struct allocated_frames frames FRAMES_AUTO = { 0 };
	err_t e = pages_alloc(count, &pages);
	if (!e)
		e = frames_alloc(count, &frames);
	if (!e)
		e = mp_map_rw(&pages, &frames, out);
	return e; /* on error the cleanups return whatever was allocated */
}

/* Ends the live mapping *m names, or refuses a stale one; *m is emptied
 * either way. The claim is checked before the translation goes: a stale
 * copy must not unmap pages someone else maps now. */
static err_t unmap(struct mapped_pages *m, const char *who)
{
	err_t e = frames_unclaim(&m->frames, m->gen);
	if (!e && !hal_unmap(m->pages.start, mp_size(m)))
		panic("%s: HAL could not unmap %#lx+%zu", who, (unsigned long)m->pages.start, mp_size(m));
	if (e)
		*m = (struct mapped_pages){ 0 };
	return e;
}

err_t mp_unmap(struct mapped_pages *m)
{
	if (m->pages.count == 0)
		return E_OK;
	err_t e = unmap(m, "mp_unmap");
	if (e)
		return e;
	pages_free(&m->pages);
	frames_free(&m->frames);
	*m = (struct mapped_pages){ 0 };
	return E_OK;
}

err_t mp_unmap_keep_pages(struct mapped_pages *m, struct allocated_pages *pages)
{
	if (m->pages.count == 0)
		return E_OK;
	err_t e = unmap(m, "mp_unmap_keep_pages");
	if (e)
		return e;
	*pages = m->pages;
	frames_free(&m->frames);
	*m = (struct mapped_pages){ 0 };
	return E_OK;
}

err_t mp_unmap_rw(struct mapped_pages_rw *m) { return mp_unmap(&m->m); }
err_t mp_unmap_rx(struct mapped_pages_rx *m) { return mp_unmap(&m->m); }

bool mp_is_live(const struct mapped_pages *m, const char *who)
{
	for (size_t i = 0; i < m->frames.count; i++) {
		uint64_t frame = m->frames.start + i * PAGE_SIZE;
		if (frames_mapping_of(frame) != m->gen) {
			kprintf("mm: %s: mapping #%u of frames %#lx+%zu is not live (frame %#lx): refused\n", who, m->gen,
				(unsigned long)m->frames.start, m->frames.count, (unsigned long)frame);
			return false;
		}
	}
	return true;
}

/* Moves src to dst with a new protection; src is emptied only on success.
 * Only the live mapping may change its pages' rights: a stale copy, or one
 * made up, is refused (E_STALE). */
static err_t remap(struct mapped_pages *src, unsigned prot, struct mapped_pages *dst)
{
	if (src->pages.count == 0)
		return E_EMPTY;
	if (!mp_is_live(src, "remap"))
		return E_STALE;
	if (!hal_protect(src->pages.start, mp_size(src), prot))
		return E_HAL;
	*dst = *src;
	dst->prot = prot;
	*src = (struct mapped_pages){ 0 };
	return E_OK;
}

err_t mp_remap_rw_to_ro(struct mapped_pages_rw *src, struct mapped_pages *out)
{
	return remap(&src->m, HAL_PROT_R, out);
}

err_t mp_remap_rw_to_rx(struct mapped_pages_rw *src, struct mapped_pages_rx *out)
{
	return remap(&src->m, HAL_PROT_RX, &out->m);
}

err_t mp_remap_ro_to_rw(struct mapped_pages *src, struct mapped_pages_rw *out)
{
	return remap(src, HAL_PROT_RW, &out->m);
}

err_t mp_remap_rx_to_rw(struct mapped_pages_rx *src, struct mapped_pages_rw *out)
{
	return remap(&src->m, HAL_PROT_RW, &out->m);
}

static err_t check_bounds(const struct mapped_pages *m, size_t off, size_t elem,
			  size_t count, size_t align)
{
	if (m->pages.count == 0)
		return E_EMPTY;
	if (align == 0 || (align & (align - 1)))
		return E_INVAL;
	if (elem && count > SIZE_MAX / elem)
		return E_RANGE;
	size_t len = elem * count;
	if (off > mp_size(m) || len > mp_size(m) - off)
		return E_RANGE;
	if (!IS_ALIGNED(m->pages.start + off, align))
		return E_INVAL;
	return E_OK;
}

err_t mp_as_slice(const struct mapped_pages *m, size_t off, size_t elem, size_t count,
		  size_t align, const void **out)
{
	err_t e = check_bounds(m, off, elem, count, align);
	*out = e ? NULL : (const void *)(m->pages.start + off);
	return e;
}

err_t mp_as_slice_mut(struct mapped_pages_rw *m, size_t off, size_t elem, size_t count,
		      size_t align, void **out)
{
	err_t e = check_bounds(&m->m, off, elem, count, align);
	*out = e ? NULL : (void *)(m->m.pages.start + off);
	return e;
}

err_t mp_as_code(const struct mapped_pages_rx *m, size_t off, const void **out)
{
	err_t e = check_bounds(&m->m, off, 1, 1, 1);
	*out = e ? NULL : (const void *)(m->m.pages.start + off);
	return e;
}
