/* Switching tasks: the per-CPU state, the scheduler cell reached through
 * the sched_imports table (scheduler.h), schedule() and its callers (yield,
 * sleep, the timer tick), and each CPU's idle loop. Interrupts are off
 * whenever a CPU's current task or a run queue changes. */
#include "export.h"
#include "hal_cpu.h"
#include "hal_irq.h"
#include "hal_time.h"
#include "heap.h"
#include "panic.h"
#include "pause.h"
#include "scheduler.h"
#include "task_internal.h"
#include "task_pause.h"

/* --- the import table of the active scheduler cell ------------------------- */
#define X_NAME(name, ret, args) #name,
#define X_INDEX(name, ret, args) IMPORT_##name,
#define X_TYPE(name, ret, args) typedef ret(*name##_fn) args;
static const char *const sched_import_names[] = { SCHED_IMPORTS(X_NAME) };
enum { SCHED_IMPORTS(X_INDEX) IMPORT_COUNT };
SCHED_IMPORTS(X_TYPE)
void *sched_imports[IMPORT_COUNT];
static struct import_table sched_table = { sched_import_names, sched_imports, IMPORT_COUNT, NULL };
#define CALL(name, ...) ((name##_fn)sched_imports[IMPORT_##name])(__VA_ARGS__)

static struct cpu cpus[MAX_CPUS];
static unsigned ncpus;
static volatile bool stopping;

struct cpu *cpu_get(unsigned id) { return &cpus[id]; }
struct cpu *cpu_this(void) { return &cpus[hal_cpu_id()]; }
unsigned tasks_cpus(void) { return ncpus; }
struct task *task_current(void) { return cpu_this()->current; }
const char *sched_active(void) { return sched_table.provider ? sched_table.provider->name : "none"; }
const char *sched_policy_name(void) { return sched_table.provider ? CALL(sched_policy) : "none"; }

/* --- preemption ------------------------------------------------------------ */
void preempt_disable(void)
{
	hal_irq_state_t s = hal_irq_save();
	cpu_this()->preempt++;
	hal_irq_restore(s);
}

void preempt_enable(void)
{
	hal_irq_state_t s = hal_irq_save();
	if (cpu_this()->preempt-- <= 0)
		panic("preempt_enable without preempt_disable");
	hal_irq_restore(s);
}

bool preempt_enabled(void) { return cpu_this()->preempt == 0; }

/* --- run state ----------------------------------------------------------------- */
void sched_make_runnable(struct task *t)
{
	hal_irq_state_t s = hal_irq_save();
	t->state = TASK_RUNNABLE;
	CALL(sched_add, t);
	hal_irq_restore(s);
	if ((unsigned)t->cpu != hal_cpu_id())
		hal_cpu_wake((unsigned)t->cpu);
}

void sched_make_unrunnable(struct task *t, enum task_state st)
{
	hal_irq_state_t s = hal_irq_save();
	t->state = st;
	CALL(sched_remove, t);
	hal_irq_restore(s);
}

void sched_finish_switch(void)
{
	struct cpu *c = cpu_this();
	struct task *dead = c->dead;
	c->dead = NULL;
	if (dead) {
		struct task_ref self = { dead };
		task_ref_drop(&self); /* its own reference: it will not run again */
	}
}

/* The idle loop when it asked for a turn, else the scheduler cell's
 * choice, or the previous task if it can go on, or idle. */
static struct task *pick_next(struct cpu *c, struct task *prev)
{
	if (__atomic_load_n(&c->idle_wanted, __ATOMIC_ACQUIRE))
		return c->idle;
	struct task *next = CALL(sched_pick_next, hal_cpu_id(), prev);
	if (!next)
		next = prev->state == TASK_RUNNABLE ? prev : c->idle;
	return next;
}

void schedule(void)
{
	struct cpu *c = cpu_this();
	struct task *prev = c->current;
	struct task *next = pick_next(c, prev);
	if (next == prev)
		return;
	c->current = next;
	c->switches++;
	hal_context_switch(prev->ctx, next->ctx);
	sched_finish_switch();
}

/* The running task will not resume from here: its registers go to the
 * CPU's scratch context, so even a restart that prepared a fresh context
 * for it (on its own stack) is not overwritten. */
void schedule_final(void)
{
	struct cpu *c = cpu_this();
	struct task *next = pick_next(c, c->current);
	c->current = next;
	c->switches++;
	hal_context_switch(c->scratch, next->ctx);
	panic("schedule_final returned");
}

bool task_yield(void)
{
	hal_irq_state_t s = hal_irq_save();
	bool ok = cpu_this()->preempt == 0;
	if (ok)
		schedule();
	hal_irq_restore(s);
	task_check_kill();
	return ok;
}

/* --- time --------------------------------------------------------------------
 * A CPU's sleepers, by wake_at, link through sleep_link: a task in a timed
 * wait is on its wait queue (wait_link) and here at once. The tick only
 * takes them off this list, under this CPU's lock: it runs in interrupt
 * context and must not spin on a wait queue's lock (a task on this CPU may
 * hold it), so a timed waiter it wakes leaves its queue itself. */
static void sleepers_insert(struct cpu *c, struct task *t, uint64_t at)
{
	if (!list_empty(&t->sleep_link))
		panic("task %u (%s) joins a sleep list it is on already", t->id, t->name);
	t->wake_at = at;
	struct list *pos = c->sleepers.next;
	while (pos != &c->sleepers && list_entry(pos, struct task, sleep_link)->wake_at <= at)
		pos = pos->next;
	list_insert_after(pos->prev, &t->sleep_link);
}

static void wake_sleepers(struct cpu *c)
{
	uint64_t now = hal_time_ns();
	irq_state_t s = spin_lock_irqsave(&c->lock);
	while (!list_empty(&c->sleepers)) {
		struct task *t = list_entry(c->sleepers.next, struct task, sleep_link);
		if (t->wake_at > now)
			break;
		list_remove(&t->sleep_link);
		if (task_claim_wake(t)) { /* else a waker or a kill made it runnable already */
			t->state = TASK_RUNNABLE;
			CALL(sched_add, t);
		}
	}
	spin_unlock_irqrestore(&c->lock, s);
}

bool task_sleep_ns(uint64_t ns)
{
	hal_irq_state_t s = hal_irq_save();
	struct cpu *c = cpu_this();
	struct task *t = c->current;
	if (c->preempt || t->idle) {
		hal_irq_restore(s);
		return false;
	}
	uint64_t at = hal_time_ns() + ns;
	irq_state_t ls = spin_lock_irqsave(&c->lock);
	/* A kill that came before the sleep list had us found nothing to
	 * cancel (task_kill sets the flag, then takes this lock): take it
	 * here instead of sleeping through it. */
	if (__atomic_load_n(&t->kill_requested, __ATOMIC_ACQUIRE) && !t->kill_deferred) {
		spin_unlock_irqrestore(&c->lock, ls);
		hal_irq_restore(s);
		task_check_kill();
		return true;
	}
	__atomic_store_n(&t->wake_claim, 0, __ATOMIC_RELAXED); /* published by this lock's release */
	sleepers_insert(c, t, at);
	t->state = TASK_SLEEPING;
	CALL(sched_remove, t);
	spin_unlock_irqrestore(&c->lock, ls);
	schedule();
	hal_irq_restore(s);
	task_check_kill();
	return true;
}

void sched_sleep_link(struct task *t, uint64_t at)
{
	struct cpu *c = &cpus[t->cpu];
	irq_state_t s = spin_lock_irqsave(&c->lock);
	sleepers_insert(c, t, at);
	spin_unlock_irqrestore(&c->lock, s);
}

void sched_sleep_unlink(struct task *t)
{
	struct cpu *c = &cpus[t->cpu];
	irq_state_t s = spin_lock_irqsave(&c->lock);
	list_remove(&t->sleep_link); /* a no-op when the tick or a kill took it off */
	spin_unlock_irqrestore(&c->lock, s);
}

bool sched_cancel_sleep(struct task *t)
{
	struct cpu *c = &cpus[t->cpu];
	irq_state_t s = spin_lock_irqsave(&c->lock);
	bool claimed = false;
	if (!list_empty(&t->sleep_link)) {
		list_remove(&t->sleep_link);
		claimed = task_claim_wake(t);
	}
	spin_unlock_irqrestore(&c->lock, s);
	return claimed;
}

/* The HAL tick, in interrupt context: wake sleepers, and preempt the
 * running task unless it holds a preemption-disabling lock. When the task
 * that runs after it has been asked to die, divert it into the unwinder
 * from the registers the tick interrupted. */
static bool on_tick(struct hal_regs *interrupted)
{
	struct cpu *c = cpu_this();
	if (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
		return false;
	pause_point(); /* the interrupted code held no spinlock: a safe point */
	wake_sleepers(c);
	if (c->idle_every_tick)
		__atomic_store_n(&c->idle_wanted, true, __ATOMIC_RELEASE);
	if (c->preempt == 0)
		schedule();
	struct task *t = c->current;
	if (interrupted && t->kill_requested && !t->unwinding && !t->idle && c->preempt == 0 && !t->kill_deferred &&
	    task_kill_can_divert(interrupted))
		return task_kill_interrupted(interrupted);
	return false;
}

/* --- holding the other CPUs (task_pause.h) ----------------------------------- */
err_t tasks_pause_others(uint64_t timeout_ns)
{
	if (hal_irq_enabled())
		panic("tasks_pause_others with interrupts on: this CPU could be asked to pause itself");
	uint32_t mask = 0;
	for (unsigned id = 0; id < ncpus; id++)
		if (id != hal_cpu_id() && __atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE))
			mask |= 1u << id;
	if (!mask)
		return E_OK;
	pause_request(mask);
	for (unsigned id = 0; id < ncpus; id++)
		if (mask & (1u << id))
			hal_cpu_wake(id); /* an idle CPU stops in its loop; a busy one at its next tick */
	unsigned late;
	err_t e = pause_wait(timeout_ns, &late);
	if (e)
		kprintf("theseus: cpu %u did not reach a safe point in %llu ms\n", late,
			(unsigned long long)(timeout_ns / 1000000));
	return e;
}

void tasks_resume_others(void) { pause_release(); }

/* --- CPUs ---------------------------------------------------------------------- */
static unsigned tick_hz;

/* A CPU the HAL started comes up well within the first bound; live tasks
 * unwind and CPUs stop well within the second, unless something cannot
 * (a cleanup that never returns, a CPU stuck with interrupts off). */
#define CPU_START_NS 60000000000ull
#define SHUTDOWN_GRACE_NS 2000000000ull

/* What a CPU needs, allocated by the boot CPU before any other starts: no
 * CPU allocates while coming up, and every idle task is registered before
 * tasks_init returns. The CPU's boot context becomes its idle task. */
static err_t cpu_prepare(unsigned id)
{
	struct cpu *c = &cpus[id];
	*c = (struct cpu){ 0 };
	list_init(&c->sleepers);
	c->idle = c->current = task_new_initial(id, "idle");
	c->scratch = kzalloc(hal_context_size());
	return c->idle && c->scratch ? E_OK : E_NOMEM;
}

/* Frees a CPU's state; the CPU is off or never started. */
static void cpu_release(unsigned id)
{
	struct cpu *c = &cpus[id];
	if (c->idle)
		task_reap(c->idle);
	kfree(c->scratch);
	c->idle = c->current = NULL;
	c->scratch = NULL;
}

/* On the CPU itself: from here on it takes ticks and runs tasks. */
static err_t cpu_go_online(unsigned id)
{
	__atomic_store_n(&cpus[id].online, true, __ATOMIC_RELEASE);
	if (tick_hz && !hal_timer_start(tick_hz, on_tick))
		return E_HAL;
	return E_OK;
}

/* One turn of a CPU's idle loop: wake sleepers and run what is runnable.
 * True if the loop was called back (a task ended while it waits, or a tick
 * during shutdown) rather than left with nothing to run. */
static bool idle_turn(struct cpu *c)
{
	hal_irq_state_t s = hal_irq_save();
	__atomic_store_n(&c->idle_wanted, false, __ATOMIC_RELAXED);
	wake_sleepers(c);
	schedule();
	bool called_back = __atomic_load_n(&c->idle_wanted, __ATOMIC_ACQUIRE);
	hal_irq_restore(s);
	return called_back;
}

/* Runs other tasks until done() holds (or until the CPUs stop). */
static void idle_until(bool (*done)(void *), void *arg)
{
	struct cpu *c = cpu_this();
	__atomic_store_n(&c->idle_waits, done != NULL, __ATOMIC_RELEASE);
	while (!(done && done(arg)) && !__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
		pause_point();
		if (!idle_turn(c) && !(done && done(arg)) && !pause_wanted())
			hal_cpu_halt();
	}
	__atomic_store_n(&c->idle_waits, false, __ATOMIC_RELEASE);
}

/* A waiting idle loop only re-checks its condition when it runs, and it
 * runs only when nothing else is runnable: without this call-back a
 * CPU-bound task would keep the boot CPU from ever seeing the shell end. */
void sched_note_task_ended(void)
{
	for (unsigned id = 0; id < ncpus; id++) {
		struct cpu *c = &cpus[id];
		if (!__atomic_load_n(&c->idle_waits, __ATOMIC_ACQUIRE))
			continue;
		__atomic_store_n(&c->idle_wanted, true, __ATOMIC_RELEASE);
		if (id != hal_cpu_id())
			hal_cpu_wake(id); /* it switches at its next tick */
	}
}

/* A secondary CPU's life: its idle loop until the CPUs stop, then off;
 * returning hands the CPU back to the HAL (hal_cpu_join). */
static void secondary_cpu(unsigned id)
{
	if (cpu_go_online(id))
		panic("cpu %u: cannot start its timer", id);
	hal_irq_enable();
	idle_until(NULL, NULL);
	hal_irq_state_t off = hal_irq_save();
	(void)off; /* off for good: this CPU stops */
	if (tick_hz)
		(void)!hal_timer_start(0, NULL);
	__atomic_store_n(&cpus[id].online, false, __ATOMIC_RELEASE);
}

/* Starts CPUs 1..ncpus-1 and waits until each is online, so that none is
 * still coming up when a short session already shuts down. */
static void cpus_start(void)
{
	unsigned started = 1;
	while (started < ncpus && hal_cpu_start(started, secondary_cpu))
		started++;
	if (started < ncpus) {
		kprintf("theseus: cpu %u did not start; running on %u\n", started, started);
		for (unsigned id = started; id < ncpus; id++)
			cpu_release(id);
		ncpus = started;
	}
	/* Halting between looks lets a starting CPU have the host (under
	 * valgrind, which runs one thread at a time, a busy wait starves it). */
	uint64_t deadline = hal_time_ns() + CPU_START_NS;
	for (unsigned id = 1; id < ncpus; id++) {
		while (!__atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE)) {
			if (hal_time_ns() > deadline)
				panic("cpu %u was started but did not come up", id);
			hal_cpu_halt();
		}
	}
}

err_t tasks_init(unsigned n, const char *sched_cell, unsigned hz)
{
	struct cell_diag diag;
	struct cell *sched = ns_find_cell(ns_root(), sched_cell);
	err_t e = sched ? E_OK : cell_load(ns_root(), sched_cell, &sched, &diag);
	if (!e)
		e = import_bind(&sched_table, sched, &diag);
	if (e) {
		char line[256];
		cell_diag_format(&diag, line, sizeof line);
		keprintf("theseus: scheduler %s: %s\n", sched_cell, line);
		return e;
	}
	stopping = false;
	ncpus = MAX(1u, MIN(n, MIN(hal_cpu_count(), (unsigned)MAX_CPUS)));
	tick_hz = hz;
	for (unsigned id = 0; id < ncpus && !e; id++)
		e = cpu_prepare(id);
	if (!e)
		e = cpu_go_online(0);
	if (e) {
		__atomic_store_n(&cpus[0].online, false, __ATOMIC_RELEASE);
		for (unsigned id = 0; id < ncpus; id++)
			cpu_release(id);
		import_unbind(&sched_table);
		return e;
	}
	task_fail_init();
	cpus_start();
	return E_OK;
}

void sched_idle_until(bool (*done)(void *), void *arg) { idle_until(done, arg); }

/* Kills every live task and runs them until they have unwound, releasing
 * what they hold; asks again for a task that a restart made forget. */
static bool end_live_tasks(struct cpu *c)
{
	size_t live = task_kill_all();
	if (!live)
		return true;
	kprintf("theseus: shutdown: ending %zu task(s) still alive\n", live);
	uint64_t deadline = hal_time_ns() + SHUTDOWN_GRACE_NS;
	c->idle_every_tick = true; /* a CPU-bound task cannot keep this loop from the deadline */
	while (live && hal_time_ns() < deadline) {
		if (!idle_turn(c))
			hal_cpu_halt();
		live = task_kill_all();
	}
	c->idle_every_tick = false;
	if (live) {
		kprintf("theseus: shutdown: %zu task(s) did not end when killed:\n", live);
		task_print_live();
	}
	return live == 0;
}

/* Stops CPUs 1..ncpus-1 (each leaves its idle loop) and waits until each
 * is off and handed back to the HAL. */
static bool stop_secondary_cpus(void)
{
	__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	uint64_t deadline = hal_time_ns() + SHUTDOWN_GRACE_NS;
	for (unsigned id = 1; id < ncpus; id++) {
		while (__atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE) && hal_time_ns() < deadline) {
			hal_cpu_wake(id);
			hal_cpu_halt();
		}
		if (__atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE)) {
			kprintf("theseus: shutdown: cpu %u did not stop\n", id);
			return false;
		}
		hal_cpu_join(id);
	}
	return true;
}

/* Shutdown, from the boot CPU's idle loop: live tasks end first (unwound,
 * so their cleanups run), then the other CPUs stop, and only when nothing
 * runs anywhere is the CPUs' state freed. */
bool tasks_fini(void)
{
	struct cpu *c = &cpus[0];
	if (hal_cpu_id() != 0 || c->current != c->idle)
		panic("tasks_fini outside the boot CPU's idle loop");
	if (!end_live_tasks(c) || !stop_secondary_cpus())
		return false;
	if (tick_hz)
		(void)!hal_timer_start(0, NULL);
	__atomic_store_n(&c->online, false, __ATOMIC_RELEASE);
	for (unsigned id = 0; id < ncpus; id++)
		cpu_release(id);
	import_unbind(&sched_table);
	return true;
}

EXPORT_APP(task_yield);
EXPORT_APP(task_sleep_ns);
EXPORT_KERNEL(preempt_disable);
EXPORT_KERNEL(preempt_enable);
EXPORT_APP(preempt_enabled); /* a question, for the channels' refusal to run with preemption off */
EXPORT_APP(tasks_cpus);
EXPORT_APP(sched_active);
EXPORT_APP(sched_policy_name);
EXPORT_KERNEL(sched_imports);
