/* The kernel's machine-fault handler: record the fault in the log, then
 * divert the faulting task into the unwinder (fail.c runs the rest of the
 * cascade). A fault that cannot be unwound safely (stop.c) stops the
 * machine with its report; one with no task to blame stops it after
 * printing the log, through the HAL. */
#include "export.h"
#include "fault.h"
#include "hal_cpu.h"
#include "hal_fault.h"
#include "klib.h"
#include "task.h"

bool task_divert_to_unwind(struct hal_regs *regs, uintptr_t addr, struct fault_record *rec);

/* fault.h names the HAL's fault kinds for the log (cells see no HAL type). */
_Static_assert(MACHINE_FAULT_PAGE == (int)HAL_FAULT_PAGE && MACHINE_FAULT_BUS == (int)HAL_FAULT_BUS &&
		       MACHINE_FAULT_ILLEGAL == (int)HAL_FAULT_ILLEGAL && MACHINE_FAULT_DIVIDE == (int)HAL_FAULT_DIVIDE &&
		       MACHINE_FAULT_PROTECTION == (int)HAL_FAULT_PROTECTION &&
		       MACHINE_FAULT_BREAKPOINT == (int)HAL_FAULT_BREAKPOINT && MACHINE_FAULT_OTHER == (int)HAL_FAULT_OTHER,
	       "enum machine_fault has the HAL's values");

/* Faults being handled per CPU: one inside the handler (a corrupted cell
 * list, say) would otherwise recurse until the fault stack overflows. */
static unsigned handling[MAX_CPUS];

static bool on_fault(struct hal_fault *f)
{
	unsigned *depth = &handling[MIN(hal_cpu_id(), MAX_CPUS - 1)];
	if (*depth) {
		kprintf("theseus: machine fault at %#lx while handling a fault: machine stopped (exit status %d)\n",
			(unsigned long)f->regs.rip, FAULT_EXIT_UNRECOVERABLE);
		hal_cpu_poweroff(FAULT_EXIT_UNRECOVERABLE);
	}
	++*depth;
	char why[160];
	bool unsafe = fault_unrecoverable(f->irq_enabled, why, sizeof why); /* before the log's lock */
	struct fault_record *rec = fault_record(FAULT_MACHINE, (enum machine_fault)f->kind, f->regs.rip, f->addr, unsafe ? why : NULL);
	kprintf("machine fault: %s at %s, address %#lx\n", fault_kind_name(rec), rec->where, (unsigned long)f->addr);
	if (unsafe)
		fault_stop(rec, why);
	bool diverted = task_divert_to_unwind(&f->regs, f->addr, rec);
	--*depth;
	if (diverted)
		return true;
	rec->action = ACTION_HALTED;
	kprintf("theseus: no task to recover from fault #%u; the fault log:\n", rec->seq);
	fault_log_print();
	return false; /* the HAL stops the machine */
}

void fault_init(void) { hal_fault_set_handler(on_fault); }
