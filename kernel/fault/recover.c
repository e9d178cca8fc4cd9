/* fault_recover: the one entry for "a task's run ended abnormally", be it
 * a machine fault (the HAL's fault handler, installed here), a panic
 * (panic's handler, installed here) or a kill (the task floor's kill
 * handler, installed here). It records the event in the log, then starts
 * the unwind of the task it is blamed on; cascade.c decides what follows
 * when the unwind is over. A fault that cannot be unwound safely (stop.c)
 * stops the machine with its report; one with no task to blame stops it
 * after printing the log, through the HAL. */
#include "export.h"
#include "fault_internal.h"
#include "hal_cpu.h"
#include "hal_fault.h"
#include "hal_irq.h"
#include "klib.h"
#include "panic.h"

/* fault.h names the HAL's fault kinds for the log (cells see no HAL type). */
_Static_assert(MACHINE_FAULT_PAGE == (int)HAL_FAULT_PAGE && MACHINE_FAULT_BUS == (int)HAL_FAULT_BUS &&
		       MACHINE_FAULT_ILLEGAL == (int)HAL_FAULT_ILLEGAL && MACHINE_FAULT_DIVIDE == (int)HAL_FAULT_DIVIDE &&
		       MACHINE_FAULT_PROTECTION == (int)HAL_FAULT_PROTECTION &&
		       MACHINE_FAULT_BREAKPOINT == (int)HAL_FAULT_BREAKPOINT && MACHINE_FAULT_OTHER == (int)HAL_FAULT_OTHER,
	       "enum machine_fault has the HAL's values");

/* Faults being handled per CPU: one inside the handler (a corrupted cell
 * list, say) would otherwise recurse until the fault stack overflows. */
static unsigned handling[MAX_CPUS];

static void note_overflow(struct fault_record *rec) { strlcpy(rec->detail, "stack overflow", sizeof rec->detail); }

static NORETURN void abandon_diverted(struct task *t) { fault_abandon(t, task_unwind_nested(t)); }

/* Diverts the interrupted registers of the running task into its unwind
 * for rec; false if there is no task to recover. A machine fault in a
 * cleanup (or the unwinder) of an unwinding task ends it as failed from a
 * fresh stack; once only: a fault while ending it leaves no task. */
static bool divert(struct hal_regs *regs, uintptr_t addr, struct fault_record *rec)
{
	struct task *t = task_current();
	if (task_unwind_in_progress(t)) {
		if (task_unwind_nested(t) || rec->kind != FAULT_MACHINE)
			return false;
		if (task_stack_overflow_at(t, addr))
			note_overflow(rec);
		task_unwind_set_nested(t, rec);
		task_divert_end(t, regs, abandon_diverted);
		return true;
	}
	if (!task_blamable(t))
		return false;
	task_unwind_begin(t, rec, fault_cascade);
	if (task_stack_overflow_at(t, addr))
		note_overflow(rec);
	task_divert_unwind(t, regs, addr);
	return true;
}

static bool recover_machine(const struct fault_event *ev)
{
	unsigned *depth = &handling[MIN(hal_cpu_id(), MAX_CPUS - 1)];
	if (*depth) {
		kprintf("theseus: machine fault at %#lx while handling a fault: machine stopped (exit status %d)\n",
			(unsigned long)ev->pc, FAULT_EXIT_UNRECOVERABLE);
		hal_cpu_poweroff(FAULT_EXIT_UNRECOVERABLE);
	}
	++*depth;
	char why[160];
	bool unsafe = fault_unrecoverable(ev->irq_enabled, why, sizeof why); /* before the log's lock */
	struct fault_record *rec = fault_record(FAULT_MACHINE, ev->machine, ev->pc, ev->addr, unsafe ? why : NULL);
	kprintf("machine fault: %s at %s, address %#lx\n", fault_kind_name(rec), rec->where, (unsigned long)ev->addr);
	if (unsafe)
		fault_stop(rec, why);
	bool diverted = divert(ev->regs, ev->addr, rec);
	--*depth;
	if (diverted)
		return true;
	rec->action = ACTION_HALTED;
	kprintf("theseus: no task to recover from fault #%u; the fault log:\n", rec->seq);
	fault_log_print();
	return false; /* the HAL stops the machine */
}

/* In a task: it fails and is unwound, unless that is not safe (the machine
 * stops); a panic in a cleanup of an unwinding task ends that task. False
 * (nothing done) when there is no task to blame. */
static bool recover_panic(const struct fault_event *ev)
{
	struct task *t = task_current();
	char unsafe[FAULT_WHERE_MAX];
	bool stop = fault_unrecoverable(ev->irq_enabled, unsafe, sizeof unsafe); /* before the log's lock */
	if (!stop && task_unwind_in_progress(t) && !task_unwind_nested(t)) {
		/* a cleanup panicked: the unwind cannot go on, the machine can */
		struct fault_record *nested = fault_record(FAULT_PANIC, MACHINE_FAULT_OTHER, ev->pc, 0, ev->detail);
		task_unwind_set_nested(t, nested);
		kprintf("panic in task %u (%s) while unwinding: %s\n", task_id(t), task_name(t), ev->detail);
		fault_abandon(t, nested);
	}
	if (!task_unwind_claim(t, false))
		return false;
	struct fault_record *rec = fault_record(FAULT_PANIC, MACHINE_FAULT_OTHER, ev->pc, 0, ev->detail);
	kprintf("panic in task %u (%s): %s\n", task_id(t), task_name(t), ev->detail);
	if (stop)
		fault_stop(rec, unsafe);
	unwind_here(task_unwind_begin(t, rec, fault_cascade));
}

/* A kill never escalates and is never unrecoverable: the task floor
 * carries it out only where unwinding is safe (preemption enabled, code
 * with unwind information). At a kill point the unwind is claimed. */
static bool recover_kill(const struct fault_event *ev)
{
	struct fault_record *rec = fault_record(FAULT_KILL, MACHINE_FAULT_OTHER, ev->pc, 0, ev->detail);
	if (ev->regs)
		return divert(ev->regs, 0, rec);
	unwind_here(task_unwind_begin(task_current(), rec, fault_cascade));
}

bool fault_recover(const struct fault_event *ev)
{
	if (ev->kind == FAULT_MACHINE && !ev->regs)
		panic("fault_recover: a machine fault without the registers it interrupted");
	switch (ev->kind) {
	case FAULT_MACHINE:
		return recover_machine(ev);
	case FAULT_PANIC:
		return recover_panic(ev);
	case FAULT_KILL:
		return recover_kill(ev);
	}
	panic("fault_recover: unknown fault kind %d", (int)ev->kind);
}

static bool on_machine_fault(struct hal_fault *f)
{
	return fault_recover(&(struct fault_event){ .kind = FAULT_MACHINE, .machine = (enum machine_fault)f->kind,
						    .pc = f->regs.rip, .addr = f->addr, .regs = &f->regs,
						    .irq_enabled = f->irq_enabled });
}

static void on_panic(const char *msg, uintptr_t pc)
{
	(void)fault_recover(&(struct fault_event){ .kind = FAULT_PANIC, .machine = MACHINE_FAULT_OTHER, .pc = pc,
						   .detail = msg, .irq_enabled = hal_irq_enabled() });
}

static bool on_kill(struct hal_regs *regs, uintptr_t pc)
{
	return fault_recover(&(struct fault_event){ .kind = FAULT_KILL, .machine = MACHINE_FAULT_OTHER, .pc = pc,
						    .detail = "killed", .regs = regs,
						    .irq_enabled = hal_irq_enabled() });
}

void fault_hooks_init(void)
{
	panic_set_handler(on_panic);
	task_set_kill_handler(on_kill);
}

void fault_init(void)
{
	fault_hooks_init();
	hal_fault_set_handler(on_machine_fault);
}
