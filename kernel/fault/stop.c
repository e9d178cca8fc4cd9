/* Faults that must not be recovered: unwinding a task is safe only when the
 * fault left nothing of the nano_core half-done. A spinlock held on the
 * faulting CPU would stay taken forever (the next taker spins with
 * interrupts off) and the data it guards (heap, frame and page allocators,
 * run queues, wait queues) may be half-updated; interrupts or preemption
 * disabled mean the fault hit interrupt context or a critical section.
 * Such a fault (or panic) stops the machine here, with the fault log and
 * its own exit status, instead of hanging later (docs/faults.md). */
#include "fault.h"
#include "hal_cpu.h"
#include "hal_irq.h"
#include "klib.h"
#include "spinlock.h"
#include "task.h"

bool fault_unrecoverable(bool irq_enabled, char *buf, size_t cap)
{
	unsigned held = spin_held();
	if (held)
		ksnprintf(buf, cap, "cpu %u holds %u spinlock%s, which unwinding would leave taken", hal_cpu_id(), held,
			  held == 1 ? "" : "s");
	else if (!irq_enabled)
		ksnprintf(buf, cap, "interrupts were disabled (interrupt context or a critical section)");
	else if (!preempt_enabled())
		ksnprintf(buf, cap, "preemption was disabled (a preemption-disabling lock is held)");
	else
		return false;
	return true;
}

static unsigned stopping = ~0u; /* the CPU stopping the machine, if any */

void fault_stop(struct fault_record *rec, const char *why)
{
	unsigned me = hal_cpu_id(), none = ~0u;
	if (!__atomic_compare_exchange_n(&stopping, &none, me, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (none == me) /* a fault while reporting one: stop at once */
			hal_cpu_poweroff(FAULT_EXIT_UNRECOVERABLE);
		for (;;) /* another CPU is stopping the machine */
			hal_cpu_halt();
	}
	/* Nothing else runs on this CPU while the report prints. */
	hal_irq_state_t off = hal_irq_save();
	(void)off; /* never restored */
	rec->action = ACTION_STOPPED;
	kprintf("theseus: fault #%u (%s at %s) cannot be recovered: %s; the state it was changing may be "
		"half-updated\n", rec->seq, fault_kind_name(rec), rec->where, why);
	kprintf("theseus: the fault log:\n");
	fault_log_print();
	kprintf("theseus: machine stopped (exit status %d)\n", FAULT_EXIT_UNRECOVERABLE);
	hal_cpu_poweroff(FAULT_EXIT_UNRECOVERABLE);
}
