/* rot: a fault injector for recovery stage 4 (docs/faults.md). rot_text
 * writes ud2 over the first bytes of a loaded cell's function, as a bit
 * flip in the cell's code would leave it: every call of the function then
 * faults with an illegal instruction, however often its task restarts and
 * however often the cell's data is put back as loaded; only a new load of
 * the cell's object cures it. It writes through cell_text_patch, the
 * kernel's one way to change code (W^X kept, the HAL told), so it is a
 * kernel cell: patching is a kernel-only right. */
#include "cell.h"

CELL_INFO("rot", CELL_KERNEL, 1);

static const uint8_t ud2[] = { 0x0f, 0x0b };

/* Corrupts the function the root namespace resolves symbol to; 0, or -1
 * with the reason printed. The cells lock keeps the cell loaded from the
 * look-up to the write (cell_text_patch takes it again: it is recursive). */
int rot_text(const char *symbol)
{
	CELLS_GUARD();
	const struct cell_symbol *s = ns_resolve(ns_root(), symbol);
	if (!s || !s->is_func || !s->section || s->size < sizeof ud2) {
		kprintf("rot_text: %s is not a function of a loaded cell\n", symbol);
		return -1;
	}
	struct cell_diag d;
	if (cell_text_patch((void *)s->addr, ud2, sizeof ud2, &d)) {
		char line[256];
		cell_diag_format(&d, line, sizeof line);
		kprintf("rot_text: %s\n", line);
		return -1;
	}
	kprintf("rot_text: ud2 written over %s:%s+0x%lx (%s)\n", s->section->cell->name, s->section->name,
		(unsigned long)(s->addr - s->section->addr), s->name);
	return 0;
}
