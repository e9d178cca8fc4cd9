/* The task struct and per-CPU state, shared by the files of kernel/task
 * (task.c: lifecycle; sched.c: switching and time; waitq.c: blocking). */
#ifndef TASK_INTERNAL_H
#define TASK_INTERNAL_H
#include "cell.h"
#include "hal_context.h"
#include "hal_irq.h"
#include "mm.h"
#include "scheduler.h"
#include "spinlock.h"
#include "sync.h"
#include "task.h"
#include "unwind.h"

struct fault_record; /* the fault layer's (task_fail.h) */

struct task {
	unsigned id;
	char name[TASK_NAME_MAX];
	volatile enum task_state state;
	int cpu, priority;
	bool idle;
	bool restartable;
	bool service; /* task_options.service */
	uint32_t refs;               /* atomic; one is the task's own while it runs */
	struct hal_context *ctx;
	struct mapped_pages_rw stack; /* empty for a CPU's initial context */
	struct allocated_pages guard; /* the lowest page below the stack: never mapped */
	struct allocated_pages spare; /* the pages between guard and stack, unmapped... */
	struct mapped_pages_rw headroom; /* ...except while an overflowed task unwinds */
	task_entry_fn entry;
	void *arg;                   /* the task's own copy */
	int64_t exit_value;
	struct cell *entry_cell;     /* kept loaded while the task lives */
	struct namespace *ns;
	uint64_t wake_at;            /* when sleeping, or in a timed wait */
	struct wait_queue ended;     /* joiners */
	struct list all_link;        /* the registry of live tasks */
	struct list wait_link;       /* in one wait queue (under its lock) */
	struct list sleep_link;      /* in its CPU's sleepers (under that CPU's lock); self-linked when not */
	uint32_t wake_claim;         /* atomic; 0 while a wait or sleep is open, 1 once its wake-up is claimed */
	struct rq_link rq;           /* the scheduler cell's, while queued */
	struct list held_mutexes;    /* struct mutex.held_link (waitq.c) */
	const struct mutex *died[MUTEX_DIED_KEPT]; /* released by its cleanups while unwinding (waitq.c) */
	unsigned died_count;         /* how many; zeroed when an unwind begins */
	struct wait_queue *waiting_on; /* when blocked; changed under wait_lock and the queue's lock */
	struct spinlock wait_lock;
	/* failure and recovery (fail.c; the fault layer decides) */
	void *arg_pristine;          /* restartable: the argument as spawned */
	void (*arg_release)(void *arg); /* task_options.arg_release; NULL once taken to be called */
	void (*release_now)(void *arg); /* the fresh context's release (task.c: release_on_own_stack) */
	enum task_state end_how;     /* and how the task ends after it */
	int64_t end_value;
	size_t arg_size;
	volatile bool kill_requested;
	unsigned kill_deferred;      /* task_defer_kill sections open: a kill waits for the last to close */
	bool unwinding;
	unsigned restarts;
	void (*restart_first)(struct task *t); /* task_restart_then: called before the entry, once */
	struct fault_record *fault;  /* the record being handled */
	struct fault_record *nested; /* a fault in a cleanup while unwinding: ends the task */
	NORETURN void (*diverted_end)(struct task *t); /* task_divert_end */
	bool overflowed;             /* the fault being unwound overflowed the stack */
	bool from_caller;            /* fault_regs are the caller's: its pc is a return address */
	struct unwind_state unwind;
	struct unwind_regs fault_regs;
};

struct cpu {
	struct task *current;
	struct task *idle;
	struct task *dead;   /* ended, switched away from: drop its own reference */
	int preempt;         /* preempt_disable depth */
	struct list sleepers; /* by wake_at */
	struct spinlock lock; /* sleepers */
	uint64_t switches;
	bool online;         /* from its first idle loop until it stops; atomic */
	bool idle_waits;     /* its idle loop waits for a condition (sched_idle_until) */
	bool idle_wanted;    /* the next switch goes to its idle loop; atomic */
	bool idle_every_tick; /* shutdown: the idle loop runs at every tick */
	struct hal_context *scratch; /* where a task that will not resume saves its registers */
};

struct cpu *cpu_this(void);
struct cpu *cpu_get(unsigned id);

/* sched.c */
void sched_make_runnable(struct task *t); /* state RUNNABLE, queued, its CPU woken */
void sched_make_unrunnable(struct task *t, enum task_state s);
/* Switches to the next task; call with interrupts disabled. */
void schedule(void);
/* After a switch, in the task that now runs. */
void sched_finish_switch(void);

/* One wake-up per wait or sleep: whoever makes a blocked or sleeping task
 * runnable (a waker, the tick at its deadline, task_kill) first wins this
 * claim; a loser only unlinks the task from the list it found it on. A
 * task made runnable twice would be queued twice (sched_add panics). The
 * task resets the claim, under the lock of the list it joins, before it
 * becomes visible there. */
static inline bool task_claim_wake(struct task *t)
{
	uint32_t open = 0;
	return __atomic_compare_exchange_n(&t->wake_claim, &open, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* A timed wait: the running task t also joins its CPU's sleepers until at,
 * so the tick wakes it then; interrupts off, its queue's lock held (a
 * queue's lock is taken before a CPU's). sched_sleep_unlink takes it off
 * again if still there (the woken waiter itself, interrupts off). */
void sched_sleep_link(struct task *t, uint64_t at);
void sched_sleep_unlink(struct task *t);
/* task_kill: takes t off the list it waits on; true if the kill claimed its
 * wake-up, so the caller makes it runnable. */
bool sched_cancel_sleep(struct task *t);
bool wait_queue_cancel(struct task *t);
/* Switches away for good (the task ended or restarts from a fresh context). */
NORETURN void schedule_final(void);
/* A task ended: idle loops waiting for a condition look at it again. */
void sched_note_task_ended(void);

/* fail.c */
void task_fail_init(void);
/* A kill requested for the running task takes effect here. */
void task_check_kill(void);
/* Whether the tick may carry out a kill from regs: only where the unwinder
 * can start (code with unwind information); elsewhere (hosted: inside a
 * host library call) the kill waits for the next tick or kernel entry. */
bool task_kill_can_divert(const struct hal_regs *regs);
/* Carries out the kill of the running task from the registers the tick
 * interrupted (through the fault layer's kill handler); true if diverted. */
bool task_kill_interrupted(struct hal_regs *regs);

/* waitq.c: releases every mutex t still holds as its run ends (t is the
 * running task): each goes to its first waiter, marked owner died unless t
 * never returned from locking it. Returns how many. */
size_t mutex_release_held(struct task *t);

/* task.c */
/* "cell:section+0xoff" for an address in a cell (a mutex in its data, say),
 * else the address (in a cells read section). */
void task_describe_addr(uintptr_t a, char *buf, size_t cap);
NORETURN void task_end_current(enum task_state how, int64_t value);
void task_trampoline(void *p);
void task_prepare_context(struct task *t);
/* Maps the spare pages below t's stack (room for the unwind of a stack
 * overflow), or says why not; task_headroom_unmap makes it a guard again
 * (the trampoline on a restart, task_free at the end). */
err_t task_headroom_map(struct task *t) MUST_USE;
void task_headroom_unmap(struct task *t);
void task_registry_add(struct task *t);
struct task *task_new_initial(unsigned cpu, const char *name); /* a CPU's boot context */
/* Releases what an ended task holds; the last reference frees it. */
void task_reap(struct task *t);
/* Shutdown: asks every live task (not idle, not ended) that has not been
 * asked yet to die; returns how many were alive when called. */
size_t task_kill_all(void);
/* Names the live tasks on the console (a shutdown that cannot finish). */
void task_print_live(void);

#endif
