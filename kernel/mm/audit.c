/* The W^X and alias audit: walks every mapping the HAL reports (bare metal:
 * the live page tables; hosted: the arena and the simulator's image) and
 * counts the pages that break the memory rules of docs/memory.md: writable
 * and executable at once, or a frame of the allocator reachable other than
 * through the one arena mapping mp_map made of it. Each offending range is
 * printed; the shell's `wx` command and the tests read the counts. */
#include "export.h"
#include "klib.h"
#include "mm_internal.h"

struct audit_walk {
	struct mm_audit *out;
	bool list;
	uintptr_t arena_lo, arena_hi;
};

static void print_range(const char *what, const struct hal_mapping *m)
{
	kprintf("  %-6s %#014lx-%#014lx %c%c%c", what, (unsigned long)m->vaddr, (unsigned long)(m->vaddr + m->len),
		m->prot & HAL_PROT_R ? 'r' : '-', m->prot & HAL_PROT_W ? 'w' : '-', m->prot & HAL_PROT_X ? 'x' : '-');
	if (m->paddr != HAL_NO_PHYS)
		kprintf(" -> frames %#lx", (unsigned long)m->paddr);
	kprintf(" (%zu pages)\n", m->len / PAGE_SIZE);
}

/* Pages of m that map allocator frames without being their mp_map mapping:
 * outside the arena any allocator frame is an alias; inside, a frame no
 * live mapping claims was mapped behind mp_map's back. */
static size_t alias_pages(const struct audit_walk *w, const struct hal_mapping *m)
{
	if (m->paddr == HAL_NO_PHYS)
		return 0;
	bool in_arena = m->vaddr >= w->arena_lo && m->vaddr + m->len <= w->arena_hi;
	size_t n = 0;
	for (size_t off = 0; off < m->len; off += PAGE_SIZE) {
		uint64_t pa = m->paddr + off;
		if (frames_owned(pa) && (!in_arena || !frames_mapping_of(pa)))
			n++;
	}
	return n;
}

static void audit_range(const struct hal_mapping *m, void *ctx)
{
	struct audit_walk *w = ctx;
	size_t pages = m->len / PAGE_SIZE;
	bool wx = (m->prot & HAL_PROT_W) && (m->prot & HAL_PROT_X);
	size_t alias = alias_pages(w, m);
	w->out->ranges++;
	w->out->pages += pages;
	if (m->prot & HAL_PROT_X)
		w->out->exec_pages += pages;
	if (m->prot & HAL_PROT_W)
		w->out->write_pages += pages;
	if (wx)
		w->out->wx_pages += pages;
	w->out->alias_pages += alias;
	if (wx)
		print_range("W+X", m);
	if (alias)
		print_range("ALIAS", m);
	if (w->list && !wx && !alias)
		print_range("", m);
}

err_t mm_audit(struct mm_audit *out, bool list)
{
	*out = (struct mm_audit){ 0 };
	struct audit_walk w = { out, list, pages_base(), pages_base() + pages_total() * PAGE_SIZE };
	return hal_walk_mappings(audit_range, &w) ? E_OK : E_HAL;
}

EXPORT_KERNEL(mm_audit);
