/* Shared by the files of kernel/fault (recover.c: the entry and the start
 * of an unwind; cascade.c: what happens when it is over). */
#ifndef FAULT_INTERNAL_H
#define FAULT_INTERNAL_H
#include "fault.h"
#include "task_fail.h"
#include "unwind.h"

/* How a task's run ended abnormally, as the code that saw it reports it. */
struct fault_event {
	enum fault_kind kind;
	enum machine_fault machine; /* FAULT_MACHINE; MACHINE_FAULT_OTHER otherwise */
	uintptr_t pc;                 /* the faulting instruction, panic's or the kill point's call */
	uintptr_t addr;               /* the faulting data address (FAULT_MACHINE), or 0 */
	const char *detail;           /* the panic message, "killed", or NULL */
	struct hal_regs *regs;        /* the interrupted registers (a machine fault, a kill at the tick),
					 to divert into the unwinder; NULL: unwind from the caller */
	bool irq_enabled;             /* the interrupt state where it happened */
};

/* The one entry of recovery, for machine faults, panics and kills: records
 * the event in the log, then unwinds the task it is blamed on (restarting,
 * reinitialising, escalating or ending it when the unwind is over), stops
 * the machine when unwinding is not safe (fault_unrecoverable), or ends an
 * unwinding task whose cleanup faulted. Returns true when ev->regs were
 * diverted into the unwinder (the HAL resumes them there); false when there
 * is no task to recover (the caller stops the machine). With ev->regs NULL
 * it returns only false. */
bool fault_recover(const struct fault_event *ev) NONNULL(1);

/* The end of a task's unwind (st->arg is the task): the cascade. */
NORETURN void fault_cascade(struct unwind_state *st);
/* Ends the running task t, whose unwind a fault or panic in a cleanup
 * (nested) cut short: nothing more of its stack can be trusted. */
NORETURN void fault_abandon(struct task *t, struct fault_record *nested);

/* Stage 5: says why (one console line), sets rec's action, prints the
 * fault log and powers off with FAULT_EXIT_REBOOT. Nothing else runs on
 * this CPU meanwhile. */
NORETURN void fault_reboot(struct fault_record *rec, const char *fmt, ...) PRINTF_LIKE(2, 3) NONNULL(1, 2);
/* Stage 4 (reload.c): the running task t, whose fault recurred after
 * stage 3, restarts, and its fresh run first reloads the cell the fault
 * lies in (or reboots when that fails). */
NORETURN void fault_restart_reloading(struct task *t) NONNULL(1);

/* Stage 4 took the cell loaded as old_instance out and loaded it again
 * from the same object as new_instance: faults in the new one continue the
 * old one's recovery chains (log.c). The last FAULT_RELOADS_KEPT reloads
 * are remembered; an older one's chains start afresh. */
#define FAULT_RELOADS_KEPT 64
void fault_note_reload(uint64_t old_instance, uint64_t new_instance);

#endif
