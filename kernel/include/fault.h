/* Faults and recovery (DESIGN.md §1, §6). Every fault that ends a task's
 * run (a machine fault, a panic, a kill) is recorded in the fault log with
 * where it happened in cell terms and what was done about it, following
 * the recovery cascade: (1) unwind the task, releasing what it held;
 * (2) restart it if it was spawned restartable; (3) reinitialise a cell's
 * data when the fault lies in it; escalating when the same fault recurs;
 * (5) reboot. Stage (4), reloading a cell, arrives with cell swapping. */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "hal/fault.h"

enum fault_kind {
	FAULT_MACHINE, /* a CPU exception (kind in hal_kind) */
	FAULT_PANIC,   /* panic() in a task */
	FAULT_KILL,    /* task_kill */
};

enum fault_action {
	ACTION_PENDING,     /* recorded, recovery under way */
	ACTION_UNWOUND,     /* stage 1: the task failed, its cleanups ran */
	ACTION_RESTARTED,   /* stage 2 */
	ACTION_DATA_REINIT, /* stage 3, then restarted or failed */
	ACTION_REBOOT,      /* stage 5 */
	ACTION_UNWIND_FAILED, /* the unwinder could not reach the task boundary */
	ACTION_HALTED,      /* no task to recover (fault in the idle context) */
};

#define FAULT_WHERE_MAX 160

struct fault_record {
	unsigned seq;
	uint64_t time_ns;
	unsigned task_id;
	char task[32];
	unsigned cpu;
	enum fault_kind kind;
	enum hal_fault_kind hal_kind;
	uintptr_t addr;   /* faulting data address (machine faults) */
	uintptr_t pc;
	char where[FAULT_WHERE_MAX]; /* cell:section+off (symbol+off) */
	char detail[96];  /* panic message, kill, or unwinder failure */
	enum fault_action action;
	unsigned cleanups; /* landing pads entered while unwinding */
	unsigned recurrence; /* earlier records at the same pc */
};

/* Records a fault and returns its record (the newest slot of a ring). */
struct fault_record *fault_record(enum fault_kind kind, enum hal_fault_kind hal_kind, uintptr_t pc,
				  uintptr_t addr, const char *detail) MUST_USE;
/* Calls fn for each record, oldest first. */
void fault_log_for_each(void (*fn)(const struct fault_record *r, void *arg), void *arg) NONNULL(1);
size_t fault_log_count(void);
const char *fault_action_name(enum fault_action a);
const char *fault_kind_name(const struct fault_record *r) NONNULL(1);
/* Prints the whole log on the console. */
void fault_log_print(void);

/* Recurrences of one pc before a stage escalates. */
#define FAULT_RECUR_LIMIT 3

/* Installs the kernel's machine-fault handler with the HAL. */
void fault_init(void);
/* "cell:section+0xoff (symbol+0xoff)" for an address. */
int fault_describe_addr(uintptr_t addr, char *buf, size_t cap) NONNULL(2);

#endif
