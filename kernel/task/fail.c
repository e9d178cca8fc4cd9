/* How a task's run ends when it cannot finish: a machine fault, a panic
 * or a kill all become an unwind of the task (kernel/unwind) that runs
 * every cleanup on its stack, stopping at the task's entry frame. Then the
 * recovery cascade (fault.h) decides: restart it from a fresh copy of its
 * argument (reinitialising the faulting cell's data first when the fault
 * lay in it), end it as failed or killed, or reboot on recurrence. A
 * stack overflow's unwind gets headroom mapped below the stack (task.c);
 * a fault or panic in a cleanup ends the task as failed (abandon). */
#include "export.h"
#include "hal_cpu.h"
#include "heap.h"
#include "panic.h"
#include "task_internal.h"

#define EMERGENCY_STACK 16384

static uintptr_t boundary_lo, boundary_hi; /* task_trampoline */
static uint8_t emergency[MAX_CPUS][EMERGENCY_STACK] __attribute__((aligned(16)));

void task_fail_init(void)
{
	struct unwind_fde fde;
	if (unwind_find_fde((uintptr_t)task_trampoline, &fde)) {
		boundary_lo = fde.pc_begin;
		boundary_hi = fde.pc_end;
	} else {
		kprintf("theseus: no unwind information for task_trampoline: faults cannot be recovered\n");
	}
}

static NORETURN void unwind_done(struct unwind_state *st);

static void begin(struct task *t, struct fault_record *rec)
{
	t->unwinding = true;
	t->fault = rec;
	t->unwind = (struct unwind_state){
		.boundary_lo = boundary_lo,
		.boundary_hi = boundary_hi,
		.stack_lo = mp_start(&t->stack.m),
		.stack_hi = mp_start(&t->stack.m) + mp_size(&t->stack.m),
		.done = unwind_done,
		.arg = t,
	};
}

/* Whether addr lies in the unmapped pages below t's stack (guard and spare,
 * or the headroom mapped in the spare page): a stack overflow. */
static bool in_guard(const struct task *t, uintptr_t addr)
{
	return t->guard.count && addr >= t->guard.start && addr < mp_start(&t->stack.m);
}

/* The record's own words for a stack overflow (a fault in the guard page). */
static void note_overflow(struct fault_record *rec) { strlcpy(rec->detail, "stack overflow", sizeof rec->detail); }

/* Resumes the interrupted task at task_unwind_stub on this CPU's
 * emergency stack, or on its own stack below the interrupted frame. */
static void divert(struct hal_regs *r, uintptr_t sp)
{
	void task_unwind_stub(void);
	r->rsp = sp & ~(uintptr_t)15;
	r->rip = (uintptr_t)task_unwind_stub;
}

static uintptr_t emergency_top(void) { return (uintptr_t)&emergency[hal_cpu_id()][EMERGENCY_STACK]; }

bool task_divert_to_unwind(struct hal_regs *r, uintptr_t addr, struct fault_record *rec)
{
	struct task *t = task_current();
	if (!t || t->idle || boundary_hi == 0)
		return false;
	if (t->unwinding) {
		/* A fault in a cleanup (or the unwinder) of an unwinding task: the
		 * task cannot be unwound further; end it as failed from a fresh
		 * stack (task_unwind_diverted). Once only: a fault while ending it
		 * leaves no task to recover. */
		if (t->nested || rec->kind != FAULT_MACHINE)
			return false;
		if (in_guard(t, addr))
			note_overflow(rec);
		t->nested = rec;
		divert(r, emergency_top());
		return true;
	}
	begin(t, rec);
	static const uint8_t dw_of_hal[] = { DW_RAX, DW_RBX, DW_RCX, DW_RDX, DW_RSI, DW_RDI, DW_RBP, DW_RSP,
					     DW_R8,  DW_R9,  DW_R10, DW_R11, DW_R12, DW_R13, DW_R14, DW_R15, DW_RIP };
	const uint64_t *h = (const uint64_t *)r;
	for (size_t i = 0; i < ARRAY_LEN(dw_of_hal); i++)
		t->fault_regs.r[dw_of_hal[i]] = h[i];
	uintptr_t sp = r->rsp - 128; /* below the interrupted frame's red zone */
	if (in_guard(t, addr) || sp < t->unwind.stack_lo + 1024 || sp > t->unwind.stack_hi) {
		if (in_guard(t, addr)) {
			note_overflow(rec);
			t->overflowed = true;
		}
		sp = emergency_top();
	}
	divert(r, sp);
	return true;
}

bool task_kill_can_divert(const struct hal_regs *r)
{
	struct unwind_fde fde;
	return unwind_find_fde(r->rip, &fde);
}

/* Ends an unwinding task whose cleanup faulted (or panicked): nothing
 * more of its stack can be trusted to unwind. Both records say so. */
static NORETURN void abandon(struct task *t, struct fault_record *nested)
{
	struct fault_record *rec = t->fault;
	char orig[sizeof nested->detail];
	strlcpy(orig, nested->detail, sizeof orig);
	rec->action = ACTION_UNWIND_FAILED;
	rec->cleanups = t->unwind.cleanups;
	fault_note_held_mutexes(rec, t); /* task_end_current releases them */
	ksnprintf(rec->detail, sizeof rec->detail, "fault in a cleanup at %s (fault #%u)", nested->where,
		  nested->seq);
	nested->action = ACTION_UNWIND_FAILED;
	ksnprintf(nested->detail, sizeof nested->detail, "%s%sin a cleanup, unwinding fault #%u", orig,
		  orig[0] ? ", " : "", rec->seq);
	kprintf("fault #%u: unwinding task %u (%s) failed: fault in a cleanup at %s (fault #%u), %u landing "
		"pad(s) run\n", rec->seq, t->id, t->name, nested->where, nested->seq, rec->cleanups);
	task_end_current(rec->kind == FAULT_KILL ? TASK_KILLED : TASK_FAILED, -1);
}

/* Entered through task_unwind_stub, on the task's stack (or an emergency
 * one), after the HAL returned from the fault. */
NORETURN void task_unwind_diverted(void);
void task_unwind_diverted(void)
{
	struct task *t = task_current();
	if (t->nested)
		abandon(t, t->nested);
	if (t->overflowed) {
		/* The frames at the guard have cleanups to run: give their landing
		 * pads and calls room below them. Without it (no free frame) a
		 * cleanup that needs stack faults and abandon() ends the task. */
		t->overflowed = false;
		err_t e = task_headroom_map(t);
		if (e == E_OK)
			t->unwind.stack_lo = mp_start(&t->headroom.m);
		else
			kprintf("task %u (%s): no headroom for unwinding its stack overflow: %s\n", t->id, t->name,
				err_text(e));
	}
	unwind_from(&t->fault_regs, false, &t->unwind);
}

static NORETURN void fail_here(struct task *t, enum fault_kind kind, const char *why, uintptr_t pc)
{
	struct fault_record *rec = fault_record(kind, HAL_FAULT_OTHER, pc, 0, why);
	begin(t, rec);
	unwind_here(&t->unwind);
}

/* A task the fault can be blamed on: not an idle context, not already
 * unwinding, and unwinding is possible at all. */
static bool blamable(const struct task *t)
{
	return t && !t->idle && !t->unwinding && boundary_hi;
}

/* Claims the running task's unwind (for a kill: only if one is asked for),
 * with the tick held off. The tick diverts a task asked to die unless it is
 * already unwinding, so a kill noticed both here and by the tick is recorded
 * and unwound once, never twice. */
static bool claim_unwind(struct task *t, bool for_kill)
{
	hal_irq_state_t s = hal_irq_save();
	bool ok = blamable(t) && (!for_kill || (t->kill_requested && preempt_enabled()));
	if (ok)
		t->unwinding = true;
	hal_irq_restore(s);
	return ok;
}

bool task_can_fail(void)
{
	char why[8];
	return blamable(task_current()) && !fault_unrecoverable(hal_irq_enabled(), why, sizeof why);
}

bool task_fail_panic(const char *why, uintptr_t pc)
{
	struct task *t = task_current();
	char unsafe[FAULT_WHERE_MAX];
	bool stop = fault_unrecoverable(hal_irq_enabled(), unsafe, sizeof unsafe); /* before the log's lock */
	if (!stop && t && !t->idle && t->unwinding && !t->nested && boundary_hi) {
		/* a cleanup panicked: the unwind cannot go on, the machine can */
		t->nested = fault_record(FAULT_PANIC, HAL_FAULT_OTHER, pc, 0, why);
		kprintf("panic in task %u (%s) while unwinding: %s\n", t->id, t->name, why);
		abandon(t, t->nested);
	}
	if (!claim_unwind(t, false))
		return false;
	struct fault_record *rec = fault_record(FAULT_PANIC, HAL_FAULT_OTHER, pc, 0, why);
	kprintf("panic in task %u (%s): %s\n", t->id, t->name, why);
	if (stop)
		fault_stop(rec, unsafe);
	begin(t, rec);
	unwind_here(&t->unwind);
}

__attribute__((noinline)) void task_panic(const char *why)
{
	/* the call instruction: a noreturn call may be the last of its function */
	uintptr_t caller = (uintptr_t)__builtin_return_address(0) - 1;
	if (!task_fail_panic(why, caller)) {
		kprintf("kernel panic: %s (no task to unwind): stopping\n", why);
		hal_cpu_poweroff(PANIC_EXIT_STATUS);
	}
	__builtin_unreachable();
}

void task_check_kill(void)
{
	struct task *t = task_current();
	if (claim_unwind(t, true))
		fail_here(t, FAULT_KILL, "killed", (uintptr_t)__builtin_return_address(0) - 1);
}

err_t task_kill(const struct task_ref *r)
{
	struct task *t = r->t;
	if (!t)
		return E_EMPTY;
	if (t->idle)
		return E_INVAL;
	enum task_state s = t->state;
	if (s == TASK_EXITED || s == TASK_FAILED || s == TASK_KILLED)
		return E_INVAL;
	__atomic_store_n(&t->kill_requested, true, __ATOMIC_SEQ_CST); /* before the cancels look */
	if (t == task_current())
		task_check_kill();
	if (wait_queue_cancel(t) || sched_cancel_sleep(t))
		sched_make_runnable(t); /* it unwinds when it resumes */
	else if ((unsigned)t->cpu != hal_cpu_id())
		hal_cpu_wake((unsigned)t->cpu);
	return E_OK;
}

/* The loaded cell whose code faulted: when a restart faults again at the
 * same place, the state that makes it fault most likely lives in that
 * cell's data, so stage 3 puts it back as loaded. */
static bool faulting_cell(const struct fault_record *rec, struct cell **out)
{
	const struct cell_section *s = rec->kind == FAULT_MACHINE ? cell_section_at(rec->pc) : NULL;
	if (!s || s->cell->builtin || !s->cell->data.m.pages.count)
		return false;
	*out = s->cell;
	return true;
}

/* Restarts the running task from its entry with a fresh argument copy. */
static NORETURN void restart(struct task *t)
{
	if (t->arg_pristine)
		memcpy(t->arg, t->arg_pristine, t->arg_size);
	t->restarts++;
	t->unwinding = false;
	t->kill_requested = false;
	t->nested = NULL;
	task_prepare_context(t); /* the top of the stack: we run far below it */
	schedule_final();
}

static void unwind_done(struct unwind_state *st)
{
	struct task *t = st->arg;
	struct fault_record *rec = t->fault;
	rec->cleanups = st->cleanups;
	fault_note_held_mutexes(rec, t); /* the end or the restart releases them */
	if (st->end != UNWIND_END_BOUNDARY) {
		rec->action = ACTION_UNWIND_FAILED;
		ksnprintf(rec->detail, sizeof rec->detail, "%s", st->why);
		kprintf("fault #%u: unwinding task %u (%s) failed: %s\n", rec->seq, t->id, t->name, st->why);
	} else if (rec->recurrence >= FAULT_RECUR_LIMIT && rec->kind != FAULT_KILL) {
		rec->action = ACTION_REBOOT;
		/* The machine goes down: nothing else runs on this CPU while the log prints. */
		hal_irq_state_t off = hal_irq_save();
		(void)off; /* never restored */
		kprintf("fault #%u recurred %u times at %s: rebooting\n", rec->seq, rec->recurrence, rec->where);
		fault_log_print();
		hal_cpu_poweroff(FAULT_EXIT_REBOOT);
	} else if (t->restartable && rec->kind != FAULT_KILL) {
		struct cell *c;
		rec->action = ACTION_RESTARTED;
		if (rec->recurrence && faulting_cell(rec, &c) && cell_reinit_data(c) == E_OK)
			rec->action = ACTION_DATA_REINIT;
		restart(t);
	} else {
		rec->action = ACTION_UNWOUND;
	}
	task_end_current(rec->kind == FAULT_KILL ? TASK_KILLED : TASK_FAILED, -1);
}

EXPORT_APP(task_kill);
EXPORT_APP(task_panic);
