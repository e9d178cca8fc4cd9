/* floor: fault */
/* Faults and recovery (DESIGN.md §1, §6). Every fault that ends a task's
 * run (a machine fault, a panic, a kill) is recorded in the fault log with
 * where it happened in cell terms and what was done about it, following
 * the recovery cascade: (1) unwind the task, releasing what it held;
 * (2) restart it if it was spawned restartable; (3) reinitialise a cell's
 * data when the fault lies in it; (4) reload that cell from its object at a
 * new address (a swap, swap_reload) and restart the task; escalating when
 * the same fault recurs along that chain (the same task, the same place in
 * the same cell, across its reloads); (5) reboot, also when a reload fails.
 * A fault that cannot be unwound safely (a spinlock held, interrupts or
 * preemption disabled) stops the machine instead (docs/faults.md). */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct task;

enum fault_kind {
	FAULT_MACHINE, /* a CPU exception (which: machine) */
	FAULT_PANIC,   /* panic() in a task */
	FAULT_KILL,    /* task_kill */
};

/* Which CPU exception, with the HAL's values (kernel/fault/recover.c checks). */
enum machine_fault {
	MACHINE_FAULT_PAGE,
	MACHINE_FAULT_BUS,
	MACHINE_FAULT_ILLEGAL,
	MACHINE_FAULT_DIVIDE,
	MACHINE_FAULT_PROTECTION,
	MACHINE_FAULT_BREAKPOINT,
	MACHINE_FAULT_OTHER,
};

enum fault_action {
	ACTION_PENDING,     /* recorded, recovery under way */
	ACTION_UNWOUND,     /* stage 1: the task failed, its cleanups ran */
	ACTION_RESTARTED,   /* stage 2 */
	ACTION_DATA_REINIT, /* stage 3, then restarted or failed */
	ACTION_RELOADED,    /* stage 4: the cell reloaded at a new address, then restarted */
	ACTION_REBOOT,      /* stage 5 */
	ACTION_UNWIND_FAILED, /* the unwinder could not reach the task boundary */
	ACTION_HALTED,      /* no task to recover (fault in the idle context) */
	ACTION_STOPPED,     /* not recoverable safely: the machine stopped */
};

/* Exit statuses of the machine when recovery ends it (docs/faults.md). */
#define FAULT_EXIT_REBOOT 4        /* stage 5: a fault recurred FAULT_RECUR_LIMIT times */
#define FAULT_EXIT_UNRECOVERABLE 5 /* a fault or panic that could not be unwound safely */

#define FAULT_WHERE_MAX 160

struct fault_record {
	unsigned seq;
	uint64_t time_ns;
	unsigned task_id;
	char task[32];
	unsigned cpu;
	enum fault_kind kind;
	enum machine_fault machine;
	uintptr_t addr;   /* faulting data address (machine faults) */
	uintptr_t pc;
	char where[FAULT_WHERE_MAX]; /* cell:section+off (symbol+off) */
	char detail[160]; /* panic message, kill, unwinder failure, what stage 3 or 4 did */
	enum fault_action action;
	unsigned cleanups; /* landing pads entered while unwinding */
	uint64_t cell_instance; /* the load of the cell holding pc (0: none or the nano_core) */
	uint64_t cell_lineage;  /* the first load of that cell, followed back across stage-4 reloads */
	uintptr_t pc_key;       /* pc as an offset in its cell's sections, the same in every reload of it
				   (section index << 40 | offset); pc itself outside loaded cells */
	unsigned recurrence; /* earlier records of this recovery chain at the same pc */
	unsigned mutexes;  /* released by its cleanups while unwinding or held when its run ended: marked owner died */
	char mutex_names[FAULT_WHERE_MAX]; /* the first three of them, as fault_describe_addr says them */
	/* ACTION_RELOADED: the text of the old and new load, and the downtime:
	 * from this fault to the task's restart on the new load. */
	uintptr_t reload_from, reload_to;
	uint64_t downtime_ns;
};

/* Records a fault of the current task and returns its record (the newest
 * slot of a ring). Its recurrence counts the earlier records of the same
 * recovery chain: the same task (a restartable task keeps its id across
 * restarts), the same place in the same loaded instance of its cell or in
 * one that instance was reloaded from (stage 4), kills excepted. So
 * one-shot tasks never escalate, a fault that a reload does not cure goes
 * on to reboot, and what was recorded against an unloaded cell is never
 * held against a later load of it. */
struct fault_record *fault_record(enum fault_kind kind, enum machine_fault machine, uintptr_t pc,
				  uintptr_t addr, const char *detail) MUST_USE;
/* Names in r the mutexes the run of task t leaves marked owner died
 * (sync.h, mutex_died_with): those its cleanups released while it unwound,
 * then those it still holds, which the end or restart releases. Called
 * after the unwind (or when a cleanup's fault cuts it short), before the
 * task ends or restarts. t is the running task. */
void fault_note_held_mutexes(struct fault_record *r, const struct task *t) NONNULL(1, 2);
/* Calls fn for each record, oldest first. */
void fault_log_for_each(void (*fn)(const struct fault_record *r, void *arg), void *arg) NONNULL(1);
size_t fault_log_count(void);
const char *fault_action_name(enum fault_action a);
const char *fault_kind_name(const struct fault_record *r) NONNULL(1);
/* Prints the whole log on the console. */
void fault_log_print(void);

/* Recurrences of one fault before the machine reboots: the first
 * occurrence restarts the task, the 1st recurrence reinitialises data,
 * the 2nd reloads the cell, the 3rd reboots. */
#define FAULT_RECUR_LIMIT 3

/* Why a fault or panic on this CPU now cannot be recovered by unwinding
 * the task (a spinlock held, interrupts or preemption disabled), written
 * into buf; false when it can. irq_enabled: the interrupt state at the
 * fault. Call before anything that takes a lock (fault_record does). */
bool fault_unrecoverable(bool irq_enabled, char *buf, size_t cap) NONNULL(2) MUST_USE;
/* Stops the machine for a fault that cannot be recovered: says what, where
 * and why, prints the fault log, powers off with FAULT_EXIT_UNRECOVERABLE. */
NORETURN void fault_stop(struct fault_record *rec, const char *why) NONNULL(1, 2);

/* Installs the fault layer in the floors below it that report upward
 * (docs/layers.md): panic's handler (kernel/lib) and the task floor's kill
 * handler. Before any task runs; fault_init does it too. */
void fault_hooks_init(void);
/* fault_hooks_init, and the kernel's machine-fault handler with the HAL. */
void fault_init(void);
/* "cell:section+0xoff (symbol+0xoff)" for an address. */
int fault_describe_addr(uintptr_t addr, char *buf, size_t cap) NONNULL(2);

#endif
