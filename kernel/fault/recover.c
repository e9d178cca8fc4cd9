/* The kernel's machine-fault handler: record the fault in the log, then
 * divert the faulting task into the unwinder (fail.c runs the rest of the
 * cascade). A fault with no task to blame stops the machine after printing
 * the log. */
#include "export.h"
#include "fault.h"
#include "hal/fault.h"
#include "klib.h"
#include "task.h"

bool task_divert_to_unwind(struct hal_regs *regs, uintptr_t addr, struct fault_record *rec);

static bool on_fault(struct hal_fault *f)
{
	struct fault_record *rec = fault_record(FAULT_MACHINE, f->kind, f->regs.rip, f->addr, NULL);
	kprintf("machine fault: %s at %s, address %#lx\n", fault_kind_name(rec), rec->where, (unsigned long)f->addr);
	if (task_divert_to_unwind(&f->regs, f->addr, rec))
		return true;
	rec->action = ACTION_HALTED;
	kprintf("theseus: no task to recover from fault #%u; the fault log:\n", rec->seq);
	fault_log_print();
	return false; /* the HAL stops the machine */
}

void fault_init(void) { hal_fault_set_handler(on_fault); }
