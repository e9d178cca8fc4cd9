/* floor: task */
/* Looking at every task's stack, for code that must know what the tasks
 * could still be using (the swap's retired cells: has a task a frame in a
 * cell, does a word of its stack point into one). Meaningful only while
 * nothing moves: the cells lock held and the other CPUs paused
 * (task_pause.h). Private to the nano_core. */
#ifndef KERNEL_PRIVATE_TASK_WALK_H
#define KERNEL_PRIVATE_TASK_WALK_H
#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "task.h"
#include "unwind.h"

/* One task's stack as the walk sees it. */
struct task_stack_view {
	unsigned id;
	const char *name;
	enum task_state state;
	int cpu;
	bool current;  /* the calling task: regs are task_walk_stacks' own frame */
	bool running;  /* current on another CPU (paused): its registers are not saved anywhere */
	bool has_regs; /* regs (pc_is_ra says how to read its rip) start a walk of its frames */
	bool pc_is_ra;
	struct unwind_regs regs;
	uintptr_t stack_lo, stack_hi; /* its mapped stack (and headroom while it unwinds an overflow) */
	uintptr_t live_lo;            /* the lowest word in use: its sp, or stack_lo when running elsewhere */
};
typedef void task_stack_fn(const struct task_stack_view *v, void *arg);

/* Calls fn for every task that can still run (not ended) and has a stack of
 * its own; a CPU's initial context (its idle task, which runs only the
 * kernel's idle loop) has none and is left out. For the calling task,
 * live_lo is at least own_below: the caller's own frames below that
 * address (a scanner's locals) are not its task's state. Holds the task
 * registry's lock: fn must not spawn, end or reap a task, nor block.
 * Precondition (asserted): interrupts off (the cells lock held). */
void task_walk_stacks(uintptr_t own_below, task_stack_fn *fn, void *arg) NONNULL(2);

#endif
