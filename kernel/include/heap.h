/* floor: mm */
/* The kernel heap: slab size classes for small blocks, one MappedPages per
 * large block, all built on kernel/mm. Exhaustion returns NULL, never
 * crashes. Blocks are 16-byte aligned. */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H
#include <stddef.h>

#include "compiler.h"
#include "err.h"

void kfree(void *p);
void *kmalloc(size_t size) ALLOCATOR(kfree) MUST_USE;
void *kzalloc(size_t size) ALLOCATOR(kfree) MUST_USE;
/* Like realloc: NULL on failure leaves p untouched. */
void *krealloc(void *p, size_t size) MUST_USE;
char *kstrdup(const char *s) ALLOCATOR(kfree) MUST_USE NONNULL(1);
char *kstrndup(const char *s, size_t n) ALLOCATOR(kfree) MUST_USE NONNULL(1);

struct heap_stats {
	size_t live_blocks;   /* allocated, not yet freed */
	size_t live_bytes;    /* requested bytes of live blocks */
	size_t slabs;         /* slab MappedPages held */
	size_t large_blocks;  /* large-block MappedPages held */
	size_t failed;        /* allocations that returned NULL */
};
void heap_stats(struct heap_stats *out);

/* Calls fn on every live block (its address and the size asked for),
 * holding the heap lock with interrupts off: fn must not allocate or free.
 * For the swap's scan of writable memory for pointers into retired cells. */
typedef void heap_block_fn(const void *p, size_t size, void *arg);
void heap_walk(heap_block_fn *fn, void *arg) NONNULL(1);

/* Sets up the heap; mm must be ready. */
err_t heap_init(void) MUST_USE;
/* Returns every empty slab to mm (used at shutdown and by tests). */
void heap_trim(void);

/* Release helper for __attribute__((cleanup)): `char *p KFREE = kmalloc(8);` */
static inline void kfree_ptr(void *pp) { kfree(*(void **)pp); }
#define KFREE CLEANUP(kfree_ptr)

#endif
