/* The kernel heap, on top of MappedPages. Small blocks come from slabs
 * (one MappedPages each) of fixed size classes; large blocks get a
 * MappedPages of their own. Every block has a 16-byte header that names its
 * owner, so kfree needs no search. Valgrind client requests describe blocks
 * to memcheck (they are no-ops outside valgrind, also on bare metal). */
#include <valgrind/memcheck.h>

#include "export.h"
#include "heap.h"
#include "klib.h"
#include "mm.h"
#include "panic.h"
#include "spinlock.h"

#define SLAB_BYTES (16 * 1024)
#define HDR 16
#define MAGIC_LIVE 0x4c495645u /* "LIVE" */
#define MAGIC_FREE 0x46524545u /* "FREE" */
#define MAGIC_LARGE 0x4c415247u

static const uint32_t class_size[] = { 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048 };
#define NCLASSES ARRAY_LEN(class_size)
#define LARGEST_SMALL 2048

struct block_hdr {
	uint32_t magic;
	uint32_t size;  /* requested bytes (large: low 32 bits; see struct large) */
	void *owner;    /* struct slab or struct large; next free block when free */
};
_Static_assert(sizeof(struct block_hdr) == HDR, "user data stays 16-byte aligned");

struct slab {
	struct mapped_pages_rw mp; /* the slab owns its own memory */
	struct list link;          /* in its class's slab list */
	struct block_hdr *free;    /* free blocks, linked through owner */
	uint32_t cls, nfree, nblocks;
};
#define SLAB_FIRST ALIGN_UP(sizeof(struct slab), 16)

struct large {
	struct mapped_pages_rw mp;
	size_t size;
	uint64_t pad;
};
#define LARGE_DATA ALIGN_UP(sizeof(struct large) + HDR, 16)

static struct {
	struct list slabs[NCLASSES];
	struct heap_stats stats;
	struct spinlock lock;
} heap;

err_t heap_init(void)
{
	for (size_t c = 0; c < NCLASSES; c++)
		list_init(&heap.slabs[c]);
	heap.stats = (struct heap_stats){ 0 };
	return E_OK;
}

void heap_stats(struct heap_stats *out) { *out = heap.stats; }

static size_t class_of(size_t size)
{
	size_t c = 0;
	while (class_size[c] < size)
		c++;
	return c;
}

/* Header access: headers are no-access to memcheck except inside the heap. */
static struct block_hdr *hdr_open(void *p)
{
	struct block_hdr *h = (struct block_hdr *)((char *)p - HDR);
	VALGRIND_MAKE_MEM_DEFINED(h, HDR);
	return h;
}

static void hdr_close(struct block_hdr *h) { VALGRIND_MAKE_MEM_NOACCESS(h, HDR); }

static struct slab *slab_new(size_t cls)
{
	struct mapped_pages_rw mp;
	if (mp_alloc_rw(SLAB_BYTES, &mp))
		return NULL;
	struct slab *s = (struct slab *)mp_start(&mp.m);
	*s = (struct slab){ .cls = (uint32_t)cls };
	s->mp = mp; /* the slab now owns its mapping */
	size_t stride = HDR + class_size[cls];
	char *base = (char *)s + SLAB_FIRST;
	s->nblocks = (uint32_t)((SLAB_BYTES - SLAB_FIRST) / stride);
	for (size_t i = s->nblocks; i-- > 0;) {
		struct block_hdr *h = (struct block_hdr *)(base + i * stride);
		*h = (struct block_hdr){ MAGIC_FREE, 0, s->free };
		s->free = h;
	}
	s->nfree = s->nblocks;
	VALGRIND_MAKE_MEM_NOACCESS(base, SLAB_BYTES - SLAB_FIRST);
	list_push_front(&heap.slabs[cls], &s->link);
	heap.stats.slabs++;
	return s;
}

static void slab_drop(struct slab *s)
{
	list_remove(&s->link);
	struct mapped_pages_rw mp = s->mp; /* s lives inside mp: copy out first */
	heap.stats.slabs--;
	mp_unmap_rw(&mp);
}

static void *small_alloc(size_t size)
{
	size_t cls = class_of(size);
	struct slab *s = NULL;
	struct list *pos;
	list_for_each(pos, &heap.slabs[cls]) {
		struct slab *c = list_entry(pos, struct slab, link);
		if (c->nfree) {
			s = c;
			break;
		}
	}
	if (!s && !(s = slab_new(cls)))
		return NULL;
	struct block_hdr *h = s->free;
	VALGRIND_MAKE_MEM_DEFINED(h, HDR);
	s->free = h->owner;
	s->nfree--;
	*h = (struct block_hdr){ MAGIC_LIVE, (uint32_t)size, s };
	hdr_close(h);
	/* Keep slabs with free blocks at the front so the search stays short. */
	if (!s->nfree) {
		list_remove(&s->link);
		list_push_back(&heap.slabs[cls], &s->link);
	}
	return (char *)h + HDR;
}

static void small_free(struct slab *s, struct block_hdr *h)
{
	h->magic = MAGIC_FREE;
	h->owner = s->free;
	s->free = h;
	s->nfree++;
	list_remove(&s->link);
	list_push_front(&heap.slabs[s->cls], &s->link);
	/* Keep one empty slab per class as a cache; return the rest. */
	if (s->nfree == s->nblocks) {
		struct slab *next = s->link.next != &heap.slabs[s->cls]
					    ? list_entry(s->link.next, struct slab, link) : NULL;
		if (next && next->nfree == next->nblocks)
			slab_drop(s);
	}
}

static void *large_alloc(size_t size)
{
	if (size > SIZE_MAX - LARGE_DATA - PAGE_SIZE)
		return NULL;
	struct mapped_pages_rw mp;
	if (mp_alloc_rw(LARGE_DATA + size, &mp))
		return NULL;
	struct large *l = (struct large *)mp_start(&mp.m);
	l->mp = mp;
	l->size = size;
	struct block_hdr *h = (struct block_hdr *)((char *)l + LARGE_DATA - HDR);
	*h = (struct block_hdr){ MAGIC_LARGE, (uint32_t)size, l };
	hdr_close(h);
	heap.stats.large_blocks++;
	return (char *)l + LARGE_DATA;
}

void *kmalloc(size_t size)
{
	if (size == 0)
		size = 1;
	irq_state_t s = spin_lock_irqsave(&heap.lock);
	void *p = size <= LARGEST_SMALL ? small_alloc(size) : large_alloc(size);
	if (p) {
		heap.stats.live_blocks++;
		heap.stats.live_bytes += size;
		VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, 0);
	} else {
		heap.stats.failed++;
	}
	spin_unlock_irqrestore(&heap.lock, s);
	return p;
}

static size_t block_size(const struct block_hdr *h)
{
	return h->magic == MAGIC_LARGE ? ((const struct large *)h->owner)->size : h->size;
}

void kfree(void *p)
{
	if (!p)
		return;
	irq_state_t s = spin_lock_irqsave(&heap.lock);
	struct block_hdr *h = hdr_open(p);
	if (h->magic != MAGIC_LIVE && h->magic != MAGIC_LARGE)
		panic("kfree(%p): not a live heap block (magic %#x): double free or wild pointer",
		      p, h->magic);
	heap.stats.live_blocks--;
	heap.stats.live_bytes -= block_size(h);
	VALGRIND_FREELIKE_BLOCK(p, 0);
	if (h->magic == MAGIC_LARGE) {
		struct large *l = h->owner;
		struct mapped_pages_rw mp = l->mp;
		heap.stats.large_blocks--;
		mp_unmap_rw(&mp);
	} else {
		small_free(h->owner, h);
		hdr_close(h);
	}
	spin_unlock_irqrestore(&heap.lock, s);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void *krealloc(void *p, size_t size)
{
	if (!p)
		return kmalloc(size);
	struct block_hdr *h = hdr_open(p);
	size_t old = block_size(h);
	hdr_close(h);
	void *n = kmalloc(size);
	if (!n)
		return NULL;
	memcpy(n, p, MIN(old, size));
	kfree(p);
	return n;
}

char *kstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = kmalloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

char *kstrdup(const char *s) { return kstrndup(s, SIZE_MAX); }

void heap_trim(void)
{
	irq_state_t st = spin_lock_irqsave(&heap.lock);
	for (size_t c = 0; c < NCLASSES; c++) {
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &heap.slabs[c]) {
			struct slab *s = list_entry(pos, struct slab, link);
			if (s->nfree == s->nblocks)
				slab_drop(s);
		}
	}
	spin_unlock_irqrestore(&heap.lock, st);
}

EXPORT_APP(kmalloc);
EXPORT_APP(kzalloc);
EXPORT_APP(krealloc);
EXPORT_APP(kfree);
EXPORT_APP(kstrdup);
EXPORT_APP(kstrndup);
EXPORT_KERNEL(heap_stats);
EXPORT_KERNEL(heap_trim);
