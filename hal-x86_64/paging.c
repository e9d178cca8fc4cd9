/* Page mapping on bare metal: the kernel's page arena (1 GiB at
 * ARENA_BASE) is covered by one page directory whose 512 page tables are
 * allocated once at boot, so mapping never needs memory: it writes PTEs
 * and invalidates the TLB entry. The low 1 GiB stays identity mapped for
 * the nano_core, the HAL and the boot modules. */
#include "hal_memory.h"
#include "klib.h"
#include "x86.h"

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

extern uint64_t boot_pdpt[512];
extern uint64_t boot_pd[512];
static uint64_t low_pt[512] __attribute__((aligned(4096)));
static uint64_t arena_pd[512] __attribute__((aligned(4096)));
static uint64_t arena_pt[512][512] __attribute__((aligned(4096)));
static bool have_nx;

static uint64_t read_efer(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000080u));
	return ((uint64_t)hi << 32) | lo;
}

bool paging_init(struct hal_boot_info *bi)
{
	have_nx = read_efer() & (1u << 11);
	/* The first 2 MiB in 4 KiB pages, page 0 absent: a null dereference faults. */
	for (int i = 1; i < 512; i++)
		low_pt[i] = ((uint64_t)i * HAL_PAGE_SIZE) | PTE_P | PTE_W;
	boot_pd[0] = (uint64_t)(uintptr_t)low_pt | PTE_P | PTE_W;
	for (int i = 0; i < 512; i++)
		arena_pd[i] = (uint64_t)(uintptr_t)arena_pt[i] | PTE_P | PTE_W;
	boot_pdpt[ARENA_BASE >> 30] = (uint64_t)(uintptr_t)arena_pd | PTE_P | PTE_W;
	__asm__ volatile("mov %%cr3, %%rax\n\tmov %%rax, %%cr3" ::: "rax", "memory");
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

static uint64_t flags_of(unsigned prot)
{
	uint64_t f = PTE_P;
	if (prot & HAL_PROT_W)
		f |= PTE_W;
	if (!(prot & HAL_PROT_X) && have_nx)
		f |= PTE_NX;
	return f;
}

bool hal_map(uintptr_t vaddr, uint64_t paddr, size_t len, unsigned prot)
{
	if (!in_arena(vaddr, len) || (paddr & (HAL_PAGE_SIZE - 1)) || prot == HAL_PROT_NONE)
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
	if (!in_arena(vaddr, len) || prot == HAL_PROT_NONE)
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
	/* x86 keeps instruction fetch coherent with stores on one CPU; a
	 * serialising instruction makes the new code visible to this one. */
	(void)addr;
	(void)len;
	uint32_t a = 0, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
}
