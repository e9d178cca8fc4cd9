/* floor: mm */
/* Memory management: frames, pages and MappedPages (DESIGN.md §4).
 *
 * Frames (physical) and pages (virtual) are handed out as owned ranges.
 * mp_map consumes one of each and returns a MappedPages that owns both;
 * releasing it unmaps exactly once and frees both. C copies structs, so the
 * frame allocator checks both at run time: a frame is mapped at most once
 * (a second mp_map of a copied allocated_frames is E_MAPPED), and an unmap
 * must name the live mapping (a stale copy's mp_unmap is E_STALE).
 *
 * Rights are types: struct mapped_pages is readable, struct mapped_pages_rw
 * is also writable, struct mapped_pages_rx is executable. Only the rw type
 * yields writable pointers and only the rx type yields code pointers, so
 * misuse does not compile (tests/compile_fail). Every function that takes
 * ownership leaves its source zeroed ("empty"); releasing an empty object is
 * a no-op, using one is E_EMPTY. */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"

#define PAGE_SIZE 4096 /* the HAL's page size (checked in kernel/mm/mm_internal.h) */

struct allocated_frames {
	uint64_t start; /* physical address */
	size_t count;   /* frames; 0 = empty */
};

struct allocated_pages {
	uintptr_t start; /* virtual address */
	size_t count;    /* pages; 0 = empty */
};

struct mapped_pages {
	struct allocated_pages pages;
	struct allocated_frames frames;
	unsigned prot; /* the HAL's protection bits */
	uint32_t gen;  /* which mapping of the frames this is: a stale copy's is not live */
};
struct mapped_pages_rw {
	struct mapped_pages m;
};
struct mapped_pages_rx {
	struct mapped_pages m;
};
_Static_assert(sizeof(struct mapped_pages_rw) == sizeof(struct mapped_pages), "rw is a view");
_Static_assert(sizeof(struct mapped_pages_rx) == sizeof(struct mapped_pages), "rx is a view");

/* --- setup and counters (mm_init: kernel/private/boot.h) --- */
void mm_fini(void);
size_t frames_total(void);
size_t frames_free_count(void);
size_t pages_total(void);
size_t pages_free_count(void);

/* --- frames and pages --- */
err_t frames_alloc(size_t count, struct allocated_frames *out) MUST_USE NONNULL(2);
void frames_free(struct allocated_frames *f) NONNULL(1);
err_t pages_alloc(size_t count, struct allocated_pages *out) MUST_USE NONNULL(2);
/* Start address aligned to align_pages pages (a power of two). */
err_t pages_alloc_aligned(size_t count, size_t align_pages, struct allocated_pages *out)
	MUST_USE NONNULL(3);
void pages_free(struct allocated_pages *p) NONNULL(1);
/* Splits p at page index at: p keeps [0, at), tail receives the rest. */
err_t pages_split(struct allocated_pages *p, size_t at, struct allocated_pages *tail) MUST_USE NONNULL(1, 3);

/* --- mapping: consumes pages and frames (equal counts) on success only --- */
err_t mp_map(struct allocated_pages *pages, struct allocated_frames *frames,
	     struct mapped_pages *out) MUST_USE NONNULL(1, 2, 3);
err_t mp_map_rw(struct allocated_pages *pages, struct allocated_frames *frames,
		struct mapped_pages_rw *out) MUST_USE NONNULL(1, 2, 3);
/* Allocates pages and frames for bytes (rounded up to pages) and maps them RW. */
err_t mp_alloc_rw(size_t bytes, struct mapped_pages_rw *out) MUST_USE NONNULL(2);

/* Unmap: E_STALE (with a line naming the mapping) and nothing unmapped if
 * *m is not the live mapping of its frames (a copy of an owner that has
 * unmapped them); the stale copy owns nothing and is emptied either way.
 * Not must-use: cleanups call them, and the refusal is already reported. */
err_t mp_unmap(struct mapped_pages *m) NONNULL(1);
err_t mp_unmap_rw(struct mapped_pages_rw *m) NONNULL(1);
err_t mp_unmap_rx(struct mapped_pages_rx *m) NONNULL(1);
/* Unmaps and frees the frames but hands the (still reserved) pages back in
 * *pages, e.g. to keep a range unmapped on purpose (a stack's guard). */
err_t mp_unmap_keep_pages(struct mapped_pages *m, struct allocated_pages *pages) NONNULL(1, 2);

/* --- remap: change protection, consuming the source on success --- */
err_t mp_remap_rw_to_ro(struct mapped_pages_rw *src, struct mapped_pages *out) MUST_USE NONNULL(1, 2);
err_t mp_remap_rw_to_rx(struct mapped_pages_rw *src, struct mapped_pages_rx *out) MUST_USE NONNULL(1, 2);
err_t mp_remap_ro_to_rw(struct mapped_pages *src, struct mapped_pages_rw *out) MUST_USE NONNULL(1, 2);
err_t mp_remap_rx_to_rw(struct mapped_pages_rx *src, struct mapped_pages_rw *out) MUST_USE NONNULL(1, 2);

/* --- access: bounds (and alignment) checked --- */
static inline uintptr_t mp_start(const struct mapped_pages *m) { return m->pages.start; }
static inline size_t mp_size(const struct mapped_pages *m) { return m->pages.count * PAGE_SIZE; }

err_t mp_as_slice(const struct mapped_pages *m, size_t off, size_t elem, size_t count,
		  size_t align, const void **out) MUST_USE NONNULL(1, 6);
err_t mp_as_slice_mut(struct mapped_pages_rw *m, size_t off, size_t elem, size_t count,
		      size_t align, void **out) MUST_USE NONNULL(1, 6);
err_t mp_as_code(const struct mapped_pages_rx *m, size_t off, const void **out) MUST_USE NONNULL(1, 3);

/* Any of the three types, as its readable base. */
#define mp_ro(mp)                                                             \
	_Generic((mp), struct mapped_pages *: (mp),                          \
		 const struct mapped_pages *: (mp),                          \
		 struct mapped_pages_rw *: &((struct mapped_pages_rw *)(mp))->m, \
		 const struct mapped_pages_rw *: &((const struct mapped_pages_rw *)(mp))->m, \
		 struct mapped_pages_rx *: &((struct mapped_pages_rx *)(mp))->m, \
		 const struct mapped_pages_rx *: &((const struct mapped_pages_rx *)(mp))->m)

/* `const T *p; err_t e = mp_as_type(mp, off, T, &p);` readable from any mapping. */
#define mp_as_type(mp, off, T, outp)                                              \
	({                                                                         \
		_Static_assert(__builtin_types_compatible_p(__typeof__(*(outp)), const T *), \
			       "mp_as_type needs a const " #T " ** out pointer");   \
		mp_as_slice(mp_ro(mp), (off), sizeof(T), 1, _Alignof(T), (const void **)(outp)); \
	})
/* `T *p; err_t e = mp_as_type_mut(rw, off, T, &p);` only from a writable mapping. */
#define mp_as_type_mut(mp, off, T, outp)                                          \
	({                                                                         \
		_Static_assert(__builtin_types_compatible_p(__typeof__(*(outp)), T *), \
			       "mp_as_type_mut needs a " #T " ** out pointer");     \
		mp_as_slice_mut(_Generic((mp), struct mapped_pages_rw *: (mp)), (off), \
				sizeof(T), 1, _Alignof(T), (void **)(outp));         \
	})

/* --- the W^X and alias audit (audit.c) --- */
struct mm_audit {
	size_t ranges, pages;   /* mapped ranges and pages the walk saw */
	size_t exec_pages;      /* executable pages */
	size_t write_pages;     /* writable pages */
	size_t wx_pages;        /* writable and executable: W^X wants 0 */
	size_t alias_pages;     /* allocator frames reachable other than by their one mp_map: wants 0 */
};
/* Walks every mapping the kernel can reach (hal_walk_mappings) and counts
 * into *out; prints each offending range, and with list every range.
 * E_HAL if the walk could not complete. Takes the frame lock per frame. */
err_t mm_audit(struct mm_audit *out, bool list) MUST_USE NONNULL(1);

/* Cleanup macros: `struct mapped_pages_rw m MP_RW_AUTO = {0};` */
#define MP_AUTO CLEANUP(mp_unmap)
#define MP_RW_AUTO CLEANUP(mp_unmap_rw)
#define MP_RX_AUTO CLEANUP(mp_unmap_rx)
#define FRAMES_AUTO CLEANUP(frames_free)
#define PAGES_AUTO CLEANUP(pages_free)

#endif
