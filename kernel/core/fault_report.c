/* The first stage of fault handling: say what faulted and where, in cell
 * terms (cell, section, symbol + offset). Recovery (unwinding, restart,
 * reload) arrives with kernel/fault; until then the HAL stops the machine
 * after this report. */
#include "cell.h"
#include "fault_report.h"
#include "hal/fault.h"
#include "klib.h"

static const char *const kind_names[] = {
	[HAL_FAULT_PAGE] = "page fault",
	[HAL_FAULT_BUS] = "bus error",
	[HAL_FAULT_ILLEGAL] = "illegal instruction",
	[HAL_FAULT_DIVIDE] = "divide error",
	[HAL_FAULT_PROTECTION] = "general protection fault",
	[HAL_FAULT_BREAKPOINT] = "breakpoint",
	[HAL_FAULT_OTHER] = "CPU exception",
};

int fault_describe_addr(uintptr_t addr, char *buf, size_t cap)
{
	const struct cell_section *sec = cell_section_at(addr);
	if (!sec)
		return ksnprintf(buf, cap, "%#lx (outside every cell)", (unsigned long)addr);
	const struct cell_symbol *sym = cell_symbol_at(addr);
	if (sym)
		return ksnprintf(buf, cap, "%s:%s+0x%lx (%s+0x%lx)", sec->cell->name, sec->name,
				 (unsigned long)(addr - sec->addr), sym->name, (unsigned long)(addr - sym->addr));
	return ksnprintf(buf, cap, "%s:%s+0x%lx", sec->cell->name, sec->name, (unsigned long)(addr - sec->addr));
}

static bool on_fault(struct hal_fault *f)
{
	char where[192];
	fault_describe_addr(f->regs.rip, where, sizeof where);
	const char *kind = (unsigned)f->kind < ARRAY_LEN(kind_names) ? kind_names[f->kind] : "fault";
	kprintf("machine fault: %s at %s, address %#lx\n", kind, where, (unsigned long)f->addr);
	return false; /* no recovery yet: the HAL stops the machine */
}

void fault_report_init(void) { hal_fault_set_handler(on_fault); }
