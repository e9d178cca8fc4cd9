/* floor: task */
/* The mechanisms that end a task's run abnormally (a machine fault, a
 * panic, a kill). kernel/task carries them out; the fault layer decides
 * which and when (kernel/fault/recover.c: fault_recover, the cascade). The
 * task floor never calls the fault layer: a kill it notices is reported
 * through the handler the fault layer installed (docs/layers.md). */
#ifndef KERNEL_TASK_FAIL_H
#define KERNEL_TASK_FAIL_H
#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"
#include "task.h"
#include "unwind.h"

struct fault_record; /* the fault layer's; a task only carries it while it unwinds */
struct cell;
struct hal_regs;

/* A kill asked of the running task takes effect. With regs (the
 * registers the tick interrupted): divert them into the task's unwind and
 * return true, or return false to leave them be. With regs NULL (a kill
 * point in the task's own code: its unwind is already claimed, see
 * task_unwind_claim): unwind from the caller and never return. pc: where
 * the task was. */
typedef bool (*task_kill_handler_fn)(struct hal_regs *regs, uintptr_t pc);
/* Installed once at boot, before any task runs (fault_hooks_init). */
void task_set_kill_handler(task_kill_handler_fn fn) NONNULL(1);

/* Whether a fault can be blamed on t: a task (not an idle context), not
 * already unwinding, and unwinding is possible at all. */
bool task_blamable(const struct task *t);
/* Whether t is a task in the middle of its unwind (a fault or panic now
 * lies in one of its cleanups or in the unwinder). */
bool task_unwind_in_progress(const struct task *t);
/* Claims the running task t's unwind (for a kill: only if one is asked
 * for and preemption is enabled), with the tick held off, so a kill
 * noticed both at a kill point and by the tick is unwound once. */
bool task_unwind_claim(struct task *t, bool for_kill);

/* Makes rec the record t's unwind answers to, and sets the unwind up to
 * stop at t's entry frame and end in done(st) with st->arg == t. Returns
 * the state to unwind with (unwind_here, or a diversion). */
struct unwind_state *task_unwind_begin(struct task *t, struct fault_record *rec, unwind_done_fn done)
	NONNULL(1, 2, 3);
struct fault_record *task_unwind_record(const struct task *t) NONNULL(1);
const struct unwind_state *task_unwind_state(const struct task *t) NONNULL(1);
/* A fault or panic in a cleanup of t's unwind (or NULL): set once. */
struct fault_record *task_unwind_nested(const struct task *t) NONNULL(1);
void task_unwind_set_nested(struct task *t, struct fault_record *rec) NONNULL(1, 2);

/* Whether addr lies in the unmapped pages below t's stack: an overflow. */
bool task_stack_overflow_at(const struct task *t, uintptr_t addr) NONNULL(1);
/* Diverts the interrupted registers of t (the running task, its unwind
 * begun) into the unwinder: when the HAL returns, t unwinds from them, on
 * its own stack below the interrupted frame, or on this CPU's emergency
 * stack when that is too close to the bottom or addr overflowed it (then
 * with headroom mapped below the stack for the cleanups). */
void task_divert_unwind(struct task *t, struct hal_regs *regs, uintptr_t addr) NONNULL(1, 2);
/* Diverts them to end(t) on this CPU's emergency stack instead: for a
 * task whose own stack can no longer be trusted to unwind. */
void task_divert_end(struct task *t, struct hal_regs *regs, NORETURN void (*end)(struct task *t))
	NONNULL(1, 2, 3);

/* The running task t starts over from its entry with a fresh copy of its
 * argument, on a fresh context (its unwind is over). */
NORETURN void task_restart(struct task *t) NONNULL(1);
/* The running task t ends (how: TASK_FAILED or TASK_KILLED). */
NORETURN void task_end_abnormally(struct task *t, enum task_state how) NONNULL(1);
bool task_is_restartable(const struct task *t) NONNULL(1);
/* task_restart, but the fresh run first calls first(t), at the top of t's
 * stack with interrupts enabled, and only then reads t's entry: the fault
 * layer reloads a cell there (stage 4), with the whole stack to do it on
 * and the entry free to move. */
NORETURN void task_restart_then(struct task *t, void (*first)(struct task *t)) NONNULL(1, 2);

/* A task's entry as a place in its cell that every load of the same
 * object shares: the index of its section and the offset in it. */
struct task_entry_place {
	size_t section;
	uintptr_t offset;
};
/* Stage 4 replaces cell c by a new load of the same object, and the
 * running task t restarts in the new one: if t's entry lies in c, t lets go
 * of c (its task_refs) before the swap, which may free c, and *place says
 * where the entry was; false (nothing changed) if it lies elsewhere.
 * task_entry_rebind then points t's entry at that place in cell to and
 * holds to instead (or c again, when the swap failed); E_RANGE if to has no
 * code there (a different object), nothing changed. Cells lock held. */
bool task_entry_release(struct task *t, struct cell *c, struct task_entry_place *place) NONNULL(1, 2, 3);
err_t task_entry_rebind(struct task *t, struct cell *to, const struct task_entry_place *place)
	MUST_USE NONNULL(1, 2, 3);

/* Before the fault layer puts the running task t's cell data back as
 * loaded (stage 3): t lets go of the mutexes it holds, as its restart
 * would (each to its first waiter, marked owner died), because they may
 * lie in that data and the copy must not overwrite them while t's list
 * still links them. Returns how many. */
size_t task_release_mutexes(struct task *t) NONNULL(1);

/* A use of memory by a task that overwriting the memory would break. */
struct task_region_use {
	unsigned task_id;
	char task[TASK_NAME_MAX];
	uintptr_t addr; /* the mutex held, or the wait queue waited on */
	bool waits;     /* waits on a queue there (a mutex's or another), else holds a mutex there */
};
/* Whether a live task other than t holds a mutex in [lo, hi) or waits on a
 * queue there; the first found goes to *use. Takes the task registry's
 * lock and each task's wait_lock. A snapshot: a task on another CPU may
 * lock a mutex there right after it. */
bool task_region_in_use(const struct task *t, uintptr_t lo, uintptr_t hi, struct task_region_use *use)
	NONNULL(1, 4) MUST_USE;

#endif
