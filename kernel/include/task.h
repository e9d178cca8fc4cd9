/* floor: task */
/* Tasks (DESIGN.md §5): the unit of execution. The task struct holds only
 * what switching needs; run queues and policy live in the scheduler cell,
 * reached through an import table (scheduler.h). Tasks are named by counted
 * references (struct task_ref), never by raw ids in APIs.
 *
 * One entry point per action: task_spawn (TASK_SPAWN checks the entry's
 * type), task_yield, task_sleep_ns, wait queues (wait_queue_wait_until /
 * wait_queue_wake_*), task_exit, task_kill, task_join; tasks_init and
 * tasks_fini bring every CPU up and down, and the boot CPU idles in
 * sched_idle_until. */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"
#include "klib.h"
#include "spinlock.h"

#define TASK_NAME_MAX 32

enum task_state {
	TASK_RUNNABLE, /* on a run queue or running */
	TASK_BLOCKED,  /* on a wait queue */
	TASK_SLEEPING, /* until a deadline */
	TASK_EXITED,   /* returned a value */
	TASK_FAILED,   /* stopped by a fault or panic (reason kept) */
	TASK_KILLED,   /* stopped by task_kill (arrives with unwinding) */
};

struct task;
struct namespace;

/* A counted reference. Clone to share, drop to release; the last drop of an
 * ended task reaps it (stack, context, argument). */
struct task_ref {
	struct task *t;
};

struct task_ref task_ref_clone(const struct task_ref *r) NONNULL(1);
void task_ref_drop(struct task_ref *r) NONNULL(1); /* empties r */
#define TASK_REF_AUTO CLEANUP(task_ref_drop)

typedef int64_t (*task_entry_fn)(void *arg);

struct task_options {
	const char *name;      /* default: "task" */
	struct namespace *ns;  /* default: the root namespace */
	int cpu;               /* -1: any */
	int priority;          /* for priority schedulers; 0 default */
	bool restartable;      /* re-run with a fresh argument copy after a failure */
	bool service;          /* the kernel's own (the swap's reaper): an id from TASK_SERVICE_IDS up,
	                        * so the ids people use stay deterministic */
	size_t stack_bytes;    /* 0: TASK_STACK_DEFAULT; see task_stack_size */
	/* The task owns what its argument holds (channel endpoints, say): called
	 * exactly once with the kept argument copy when the task ends for good
	 * (returns, fails without a restart, is killed, or shutdown kills it),
	 * never at a restart. A restartable task's kept copy is the pristine
	 * one (the argument as spawned), which keeps what it owns across
	 * restarts; each run borrows it through its fresh copy. A task that
	 * cannot restart gets its own copy, as its run left it. Called in the
	 * ending task, after its stack unwound and the mutexes it held were
	 * released, with preemption enabled, before a joiner returns. It may
	 * block; a fault or panic in it is logged and ends the task as failed
	 * (killed if it was being killed), without a restart or a second call;
	 * what it did not release stays so. If the spawn fails it is not called:
	 * the caller still owns what it put in the argument. Use
	 * TASK_SPAWN_OWNING; task_spawn_raw refuses it with no argument. */
	void (*arg_release)(void *arg);
};
#define TASK_SERVICE_IDS 1000000u
#define TASK_OPTIONS_DEFAULT ((struct task_options){ .name = "task", .cpu = -1 })

/* A task's stack, in bytes. The default suits kernel code and small apps;
 * code that keeps large arrays on its stack asks for more (a shell user
 * with `spawn --stack 256K`). Below the stack lies an unmapped guard page,
 * so an overflow is a fault, reported as a stack overflow and unwound. */
#define TASK_STACK_DEFAULT (64UL * 1024)
#define TASK_STACK_MIN (16UL * 1024)       /* room for the kernel's own calls and unwinding */
#define TASK_STACK_MAX (16UL * 1024 * 1024)
/* The stack size a request of bytes gets (0: the default), rounded up to
 * whole pages: E_OK, E_RANGE below TASK_STACK_MIN, E_TOOBIG above
 * TASK_STACK_MAX. task_spawn_raw refuses what this refuses. */
err_t task_stack_size(size_t bytes, size_t *out) MUST_USE NONNULL(2);

/* Spawns entry(copy of *arg): the argument is copied (arg_size bytes) so the
 * task owns it and a restart can start from a fresh copy. Use TASK_SPAWN. */
err_t task_spawn_raw(const struct task_options *opts, task_entry_fn entry, const void *arg, size_t arg_size,
		     struct task_ref *out) MUST_USE NONNULL(1, 2, 5);

/* `int64_t fn(T *arg)` with `T *arg`: mismatched types do not compile. */
#define TASK_SPAWN(opts, fn, arg, out)                                                         \
	({                                                                                      \
		_Static_assert(__builtin_types_compatible_p(__typeof__(&(fn)),                  \
							    int64_t (*)(__typeof__(arg))),      \
			       "task entry must be int64_t fn(T *) for an argument of type T *"); \
		task_spawn_raw((opts), (task_entry_fn)(fn), (arg), sizeof(*(arg)), (out));      \
	})

/* TASK_SPAWN for a task that owns its argument: `release` must be
 * `void release(T *arg)` for `int64_t fn(T *arg)` (task_options.arg_release). */
#define TASK_SPAWN_OWNING(opts, fn, release, arg, out)                                         \
	({                                                                                      \
		_Static_assert(__builtin_types_compatible_p(__typeof__(&(fn)),                  \
							    int64_t (*)(__typeof__(arg))),      \
			       "task entry must be int64_t fn(T *) for an argument of type T *"); \
		_Static_assert(__builtin_types_compatible_p(__typeof__(&(release)),             \
							    void (*)(__typeof__(arg))),         \
			       "arg_release must be void release(T *) for an argument of type T *"); \
		struct task_options owning_opts_ = *(opts);                                     \
		owning_opts_.arg_release = (void (*)(void *))(release);                         \
		task_spawn_raw(&owning_opts_, (task_entry_fn)(fn), (arg), sizeof(*(arg)), (out)); \
	})

/* The running task (a borrowed pointer, valid while it runs). */
struct task *task_current(void);
struct task_ref task_current_ref(void);

/* Both refuse (return false) while preemption is disabled. */
bool task_yield(void);
bool task_sleep_ns(uint64_t ns);
NORETURN void task_exit(int64_t value);

/* Makes t unwind itself from wherever it is (running, blocked, sleeping),
 * releasing what it holds; it ends as killed. */
err_t task_kill(const struct task_ref *t) MUST_USE NONNULL(1);
/* Whether the running task is ending: it unwinds (after a fault, panic or
 * kill: its cleanups, and the arg_release after them, run now) or a kill
 * is pending for it. A blocking call made from a dying task's cleanup (a
 * channel's send or receive) returns at once instead of waiting. False in
 * an idle task and after a restart. */
bool task_ending(void);
/* A section of a few instructions that a kill must not cut in two (a
 * channel moving a message: taken from one place, not yet put in the
 * other). Between task_defer_kill and task_allow_kill (they nest) a kill
 * is not delivered, neither at a kill point nor by the tick; it arrives at
 * the task_allow_kill that closes the last section. Faults and panics are
 * not deferred: the section's cleanups run as usual, and the unwind closes
 * the sections its frames opened (each cleanup calls task_allow_kill). A
 * task may still wait inside a section, and a kill's cancel wakes it
 * there, only to go on waiting. */
void task_defer_kill(void);
void task_allow_kill(void);
static inline void task_allow_kill_at_exit(int *scope) { (void)scope; task_allow_kill(); }
/* `TASK_DEFER_KILL_SCOPE;` defers kills to the end of the enclosing scope. */
#define TASK_DEFER_KILL_SCOPE \
	int UNIQUE_NAME(kill_deferred_) CLEANUP(task_allow_kill_at_exit) = (task_defer_kill(), 0)
/* Unwinds the current task as failed (a broken invariant in it); with no
 * task that can be unwound (boot, idle, during an unwind), stops. */
NORETURN void task_panic(const char *why) NONNULL(1);

/* Waits for t to end: E_OK and its exit value, or E_FAILED if it failed or
 * was killed (the fault log says why). */
err_t task_join(const struct task_ref *t, int64_t *value) MUST_USE NONNULL(1);

/* Wait queues: block the current task until woken. */
struct wait_queue {
	struct list waiters;
	struct spinlock lock;
};
void wait_queue_init(struct wait_queue *wq) NONNULL(1);
/* Blocks until cond(arg) holds, checking it with the queue locked so that a
 * wake-up between the check and the sleep is never lost. False (without
 * blocking) if preemption is disabled: a switch while holding a
 * preemption-disabling lock is refused, not attempted. The same as
 * wait_queue_wait_until with WAIT_FOREVER (below). */
bool wait_queue_wait_cond(struct wait_queue *wq, bool (*cond)(void *arg), void *arg) NONNULL(1, 2) MUST_USE;

#define WAIT_FOREVER UINT64_MAX
enum wait_status { WAIT_DONE, WAIT_TIMEOUT, WAIT_REFUSED };
/* Like wait_queue_wait_cond, but gives up at deadline_ns (the time_ns()
 * clock; WAIT_FOREVER: never). WAIT_DONE when cond(arg) held: it is checked
 * under the queue lock first, after every wake-up, and one last time when
 * the deadline passed, so a wake-up racing the deadline is not lost.
 * WAIT_TIMEOUT when the deadline passed first; never early, but up to a
 * timer tick late (the tick wakes timed waiters). WAIT_REFUSED (without
 * blocking) when cond does not hold and preemption is disabled or the
 * caller is an idle task. A deadline already past checks cond once. A kill
 * unwinds the waiting task as in any wait (it leaves the queue first). */
enum wait_status wait_queue_wait_until(struct wait_queue *wq, bool (*cond)(void *arg), void *arg,
				       uint64_t deadline_ns) NONNULL(1, 2) MUST_USE;
/* Wake the first waiter (true if there was one), or all (how many): only
 * waiters still waiting count; one its deadline already woke is passed over. */
bool wait_queue_wake_one(struct wait_queue *wq) NONNULL(1);
size_t wait_queue_wake_all(struct wait_queue *wq) NONNULL(1);

/* Read-only views for ps and the scheduler cells. */
const char *task_name(const struct task *t) NONNULL(1);
unsigned task_id(const struct task *t) NONNULL(1);
enum task_state task_state(const struct task *t) NONNULL(1);
const char *task_state_name(enum task_state s);
int task_cpu(const struct task *t) NONNULL(1);
int task_priority(const struct task *t) NONNULL(1);
const char *task_entry_cell(const struct task *t) NONNULL(1);
const char *task_namespace(const struct task *t) NONNULL(1);
bool task_is_idle(const struct task *t) NONNULL(1);
size_t task_stack_bytes(const struct task *t) NONNULL(1); /* 0 for an idle task */
/* Calls fn for every task alive (not yet reaped). */
void task_for_each(void (*fn)(const struct task *t, void *arg), void *arg) NONNULL(1);
/* A counted reference to the live task with this display id, if any. */
bool task_find(unsigned id, struct task_ref *out) NONNULL(2) MUST_USE;

struct task_stats {
	size_t alive;    /* not yet reaped */
	size_t spawned;  /* ever */
	size_t switches; /* context switches, all CPUs */
};
void task_stats(struct task_stats *out) NONNULL(1);

/* Preemption: a counter per CPU; the tick switches tasks only at zero. */
void preempt_disable(void);
void preempt_enable(void);
bool preempt_enabled(void);

/* Boot: tasks on ncpus CPUs (the boot CPU becomes CPU 0's idle task), the
 * named scheduler cell, the timer at hz (0: no preemption). Every CPU is
 * up and every idle task registered when it returns. */
err_t tasks_init(unsigned ncpus, const char *sched_cell, unsigned hz) MUST_USE;
/* Shutdown, on the boot CPU's idle loop: kills the live tasks and lets them
 * unwind, stops the other CPUs and waits until each is off, then frees the
 * CPUs' state. False if a task did not end or a CPU did not stop within a
 * bound (said on the console): something still runs, so the caller must
 * power off without tearing anything down. */
bool tasks_fini(void) MUST_USE;
unsigned tasks_cpus(void);
/* The scheduler cell in use, and its policy's name. */
const char *sched_active(void);
const char *sched_policy_name(void);
/* The boot CPU's idle loop: runs tasks until done(arg) holds. done is
 * checked again whenever a task ends, even while other tasks are runnable. */
void sched_idle_until(bool (*done)(void *arg), void *arg) NONNULL(1);

#endif
