/* Page tables on bare metal. boot.S enters long mode on a temporary map
 * (the first 1 GiB in writable, executable 2 MiB pages); paging_init builds
 * the kernel's real tables aside and switches to them in one CR3 load,
 * before anything but the console, descriptor tables and boot information
 * parsing has run. From then on no page is both writable and executable
 * (W^X, docs/memory.md):
 *   [0, 1 MiB)                         not mapped (a null pointer faults)
 *   kernel text                        RX
 *   rodata, exports, unwind tables     R, NX
 *   data and bss (page tables too)     RW, NX
 *   boot modules (cell images, .elf)   R, NX, read in place
 *   everything above (the frames)      not mapped: a frame is reachable only
 *                                      through the arena, where mp_map put it
 *   arena [1 GiB, 2 GiB)               4 KiB pages written by hal_map
 * The arena's 512 page tables are allocated once (bss), so mapping never
 * needs memory: it writes PTEs and invalidates the TLB entry. */
#include "hal_memory.h"
#include "klib.h"
#include "x86.h"

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull /* a 2 MiB or 1 GiB leaf */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define EFER_NXE (1u << 11)
#define LOW_END 0x100000ul      /* below the image: BIOS and loader memory */
#define IDENT_PTS 16            /* page tables for the image and modules */
#define IDENT_END (IDENT_PTS * 512 * HAL_PAGE_SIZE) /* 32 MiB */

extern char __kernel_start[], __rodata_start[], __data_start[], __kernel_end[];

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t low_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ident_pd[512] __attribute__((aligned(4096)));
static uint64_t ident_pt[IDENT_PTS][512] __attribute__((aligned(4096)));
static uint64_t arena_pd[512] __attribute__((aligned(4096)));
static uint64_t arena_pt[512][512] __attribute__((aligned(4096)));

static uint64_t read_efer(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000080u));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Identity-maps [lo, hi) (page aligned) with leaf flags. */
static void ident_map(uintptr_t lo, uintptr_t hi, uint64_t flags)
{
	for (uintptr_t a = lo; a < hi; a += HAL_PAGE_SIZE)
		ident_pt[a / (512 * HAL_PAGE_SIZE)][a / HAL_PAGE_SIZE % 512] = a | flags;
}

bool paging_init(struct hal_boot_info *bi)
{
	if (!(read_efer() & EFER_NXE)) {
		kprintf("hal-x86_64: the CPU has no NX bit, so data pages would be executable (W^X)\n");
		return false;
	}
	uintptr_t modules_end = multiboot_modules_end();
	if (modules_end > IDENT_END) {
		kprintf("hal-x86_64: the image and boot modules end at %#lx, beyond the %lu MiB the kernel maps\n",
			(unsigned long)modules_end, (unsigned long)(IDENT_END >> 20));
		return false;
	}
	ident_map((uintptr_t)__kernel_start, (uintptr_t)__rodata_start, PTE_P);
	ident_map((uintptr_t)__rodata_start, (uintptr_t)__data_start, PTE_P | PTE_NX);
	ident_map((uintptr_t)__data_start, (uintptr_t)__kernel_end, PTE_P | PTE_W | PTE_NX);
	ident_map((uintptr_t)__kernel_end, modules_end, PTE_P | PTE_NX);
	for (size_t i = 0; i < IDENT_PTS; i++)
		ident_pd[i] = (uint64_t)(uintptr_t)ident_pt[i] | PTE_P | PTE_W;
	for (size_t i = 0; i < 512; i++)
		arena_pd[i] = (uint64_t)(uintptr_t)arena_pt[i] | PTE_P | PTE_W;
	low_pdpt[0] = (uint64_t)(uintptr_t)ident_pd | PTE_P | PTE_W;
	low_pdpt[ARENA_BASE >> 30] = (uint64_t)(uintptr_t)arena_pd | PTE_P | PTE_W;
	pml4[0] = (uint64_t)(uintptr_t)low_pdpt | PTE_P | PTE_W;
	/* One store switches every translation; it also flushes the TLB of
	 * the boot map's global-less entries. */
	__asm__ volatile("mov %0, %%cr3" ::"r"((uint64_t)(uintptr_t)pml4) : "memory");
	bi->arena_base = ARENA_BASE;
	bi->arena_size = ARENA_SIZE;
	return true;
}

static uint64_t *pte_of(uintptr_t va)
{
	size_t page = (va - ARENA_BASE) / HAL_PAGE_SIZE;
	return &arena_pt[page / 512][page % 512];
}

static bool in_arena(uintptr_t va, size_t len)
{
	return va >= ARENA_BASE && len <= ARENA_SIZE && va - ARENA_BASE <= ARENA_SIZE - len &&
	       !((va | len) & (HAL_PAGE_SIZE - 1));
}

/* Rights are exact: without HAL_PROT_X a page is NX (paging_init made sure
 * the CPU has NX). */
static uint64_t flags_of(unsigned prot)
{
	uint64_t f = PTE_P;
	if (prot & HAL_PROT_W)
		f |= PTE_W;
	if (!(prot & HAL_PROT_X))
		f |= PTE_NX;
	return f;
}

bool hal_map(uintptr_t vaddr, uint64_t paddr, size_t len, unsigned prot)
{
	if (!in_arena(vaddr, len) || (paddr & (HAL_PAGE_SIZE - 1)) || prot == HAL_PROT_NONE || HAL_PROT_IS_WX(prot))
		return false;
	for (size_t off = 0; off < len; off += HAL_PAGE_SIZE)
		if (*pte_of(vaddr + off) & PTE_P)
			return false;
	for (size_t off = 0; off < len; off += HAL_PAGE_SIZE) {
		*pte_of(vaddr + off) = ((paddr + off) & PTE_ADDR) | flags_of(prot);
		invlpg(vaddr + off);
	}
	return true;
}

bool hal_unmap(uintptr_t vaddr, size_t len)
{
	if (!in_arena(vaddr, len))
		return false;
	for (size_t off = 0; off < len; off += HAL_PAGE_SIZE) {
		*pte_of(vaddr + off) = 0;
		invlpg(vaddr + off);
	}
	return true;
}

bool hal_protect(uintptr_t vaddr, size_t len, unsigned prot)
{
	if (!in_arena(vaddr, len) || prot == HAL_PROT_NONE || HAL_PROT_IS_WX(prot))
		return false;
	for (size_t off = 0; off < len; off += HAL_PAGE_SIZE)
		if (!(*pte_of(vaddr + off) & PTE_P))
			return false;
	for (size_t off = 0; off < len; off += HAL_PAGE_SIZE) {
		uint64_t *pte = pte_of(vaddr + off);
		*pte = (*pte & PTE_ADDR) | flags_of(prot);
		invlpg(vaddr + off);
	}
	return true;
}

void hal_code_patched(const void *addr, size_t len)
{
	/* x86 keeps instruction fetch coherent with stores, also stores made
	 * through another virtual alias of the frame; a serialising instruction
	 * makes sure this CPU fetches nothing it prefetched before the patch.
	 * Other CPUs (none yet) would be paused by the patcher's caller. */
	(void)addr;
	(void)len;
	uint32_t a = 0, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
}

/* --- the walk of the live tables ------------------------------------------------- */

struct walk {
	hal_mapping_fn fn;
	void *ctx;
	struct hal_mapping run; /* the range being merged, len 0 if none */
	bool ok;
};

static void walk_emit(struct walk *w, uintptr_t va, uint64_t pa, size_t len, unsigned prot)
{
	struct hal_mapping *r = &w->run;
	if (r->len && r->vaddr + r->len == va && r->paddr + r->len == pa && r->prot == prot) {
		r->len += len;
		return;
	}
	if (r->len)
		w->fn(r, w->ctx);
	*r = (struct hal_mapping){ va, pa, len, prot };
}

/* A table the walk reads must lie in the kernel's own data, where its
 * physical address is also its virtual one. */
static const uint64_t *walk_table(struct walk *w, uint64_t entry)
{
	uintptr_t pa = (uintptr_t)(entry & PTE_ADDR);
	if (pa < (uintptr_t)__data_start || pa >= (uintptr_t)__kernel_end) {
		kprintf("hal-x86_64: page table at %#lx lies outside the kernel's data\n", (unsigned long)pa);
		w->ok = false;
		return NULL;
	}
	return (const uint64_t *)pa;
}

/* Rights are those of the whole path: writable only if every level says
 * so, executable only if no level says NX. */
static void walk_level(struct walk *w, uint64_t entry, int level, uintptr_t va, bool wr, bool nx)
{
	wr = wr && (entry & PTE_W);
	nx = nx || (entry & PTE_NX);
	size_t span = HAL_PAGE_SIZE << (9 * level);
	if (level == 0 || (entry & PTE_PS)) {
		unsigned prot = HAL_PROT_R | (wr ? HAL_PROT_W : 0) | (nx ? 0 : HAL_PROT_X);
		walk_emit(w, va, entry & PTE_ADDR & ~(uint64_t)(span - 1), span, prot);
		return;
	}
	const uint64_t *t = walk_table(w, entry);
	for (size_t i = 0; t && i < 512; i++)
		if (t[i] & PTE_P)
			walk_level(w, t[i], level - 1, va + i * (span / 512), wr, nx);
}

bool hal_walk_mappings(hal_mapping_fn fn, void *ctx)
{
	struct walk w = { fn, ctx, { 0 }, true };
	const uint64_t *top = walk_table(&w, read_cr3());
	for (size_t i = 0; top && i < 512; i++) {
		uintptr_t va = (uintptr_t)i << 39 | (i >= 256 ? 0xffff000000000000ul : 0); /* canonical */
		if (top[i] & PTE_P)
			walk_level(&w, top[i], 3, va, true, false);
	}
	if (w.run.len)
		fn(&w.run, ctx);
	return w.ok;
}
