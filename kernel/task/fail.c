/* How a task's run ends when it cannot finish: the mechanisms (task_fail.h).
 * A machine fault, a panic or a kill becomes an unwind of the task
 * (kernel/unwind) that runs every cleanup on its stack, stopping at the
 * task's entry frame; then the task is restarted on a fresh context or
 * ended. Which of these happens, and when, is the fault layer's decision
 * (kernel/fault/recover.c): this floor is below it and never calls it.
 * A kill is the one case the task floor sees first (task_kill only asks;
 * the target notices at a kill point or at the tick), so it reports it
 * through the handler the fault layer installed at boot, as panic() does:
 * the dependency stays downward and the policy stays in one place.
 * A stack overflow's unwind gets headroom mapped below the stack (task.c). */
#include "export.h"
#include "hal_cpu.h"
#include "hal_fault.h"
#include "panic.h"
#include "task_fail.h"
#include "task_internal.h"

#define EMERGENCY_STACK 16384

static uintptr_t boundary_lo, boundary_hi; /* task_trampoline */
static uint8_t emergency[MAX_CPUS][EMERGENCY_STACK] __attribute__((aligned(16)));
static task_kill_handler_fn kill_handler;

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

void task_set_kill_handler(task_kill_handler_fn fn) { __atomic_store_n(&kill_handler, fn, __ATOMIC_RELEASE); }

/* A kill with no handler is a boot-order bug (fault_hooks_init not run). */
static task_kill_handler_fn kill_handler_get(void)
{
	task_kill_handler_fn fn = __atomic_load_n(&kill_handler, __ATOMIC_ACQUIRE);
	if (!fn)
		panic("a task was killed before the fault layer installed its kill handler");
	return fn;
}

struct unwind_state *task_unwind_begin(struct task *t, struct fault_record *rec, unwind_done_fn done)
{
	t->unwinding = true;
	t->died_count = 0;
	t->fault = rec;
	t->unwind = (struct unwind_state){
		.boundary_lo = boundary_lo,
		.boundary_hi = boundary_hi,
		.stack_lo = mp_start(&t->stack.m),
		.stack_hi = mp_start(&t->stack.m) + mp_size(&t->stack.m),
		.done = done,
		.arg = t,
	};
	return &t->unwind;
}

struct fault_record *task_unwind_record(const struct task *t) { return t->fault; }
const struct unwind_state *task_unwind_state(const struct task *t) { return &t->unwind; }
struct fault_record *task_unwind_nested(const struct task *t) { return t->nested; }
void task_unwind_set_nested(struct task *t, struct fault_record *rec) { t->nested = rec; }
bool task_is_restartable(const struct task *t) { return t->restartable; }

bool task_stack_overflow_at(const struct task *t, uintptr_t addr)
{
	return t->guard.count && addr >= t->guard.start && addr < mp_start(&t->stack.m);
}

/* Resumes the interrupted task at task_unwind_stub on this CPU's
 * emergency stack, or on its own stack below the interrupted frame. */
static void divert(struct hal_regs *r, uintptr_t sp)
{
	void task_unwind_stub(void);
	r->rsp = sp & ~(uintptr_t)15;
	r->rip = (uintptr_t)task_unwind_stub;
}

static uintptr_t emergency_top(void) { return (uintptr_t)&emergency[hal_cpu_id()][EMERGENCY_STACK]; }

/* The general register x86 numbers n (rax, rcx, rdx, rbx, rsp, rbp, rsi,
 * rdi, r8-r15), as the fault left it. */
static uint64_t reg_numbered(const struct hal_regs *r, unsigned n)
{
	const uint64_t v[16] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
				 r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };
	return v[n & 15];
}

/* Reads the 8-byte word at a, if it lies in a loaded cell's section (a GOT
 * slot or a function pointer in its data): never a read that could fault. */
static bool read_cell_word(uintptr_t a, uint64_t *out)
{
	CELLS_READ_GUARD();
	const struct cell_section *s = cell_section_at(a);
	if (!s || a - s->addr > s->size || s->size - (a - s->addr) < sizeof *out)
		return false;
	memcpy(out, (const void *)a, sizeof *out);
	return true;
}

/* Whether the instruction that ends at ret, inside [begin, ret), is a call
 * whose target was pc: direct ("call rel32", into data say), through a
 * register ("call *%rax"), or through a word of a cell ("call *f(%rip)",
 * "call *8(%rdx)"). Other forms (a SIB byte, a pointer on the heap) are
 * not claimed. */
static bool called_from(uintptr_t begin, uintptr_t ret, const struct hal_regs *r, uintptr_t pc)
{
	int32_t rel;
	if (ret - begin >= 5 && *(const uint8_t *)(ret - 5) == 0xe8) { /* call rel32 */
		memcpy(&rel, (const void *)(ret - 4), 4);
		if (ret + (intptr_t)rel == pc)
			return true;
	}
	for (unsigned len = 2; len <= 6 && ret - begin >= len; len++) {
		const uint8_t *p = (const uint8_t *)(ret - len);
		unsigned mod = p[1] >> 6, rm = p[1] & 7;
		unsigned disp = mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 5) ? 4 : 0;
		if (p[0] != 0xff || ((p[1] >> 3) & 7) != 2 || (mod != 3 && rm == 4) || 2 + disp != len)
			continue;
		unsigned rex_b = ret - begin > len && (p[-1] & 0xf0) == 0x40 ? p[-1] & 1 : 0;
		int32_t d = 0;
		if (disp == 1)
			d = (int8_t)p[2];
		else if (disp == 4)
			memcpy(&d, p + 2, 4);
		uint64_t target;
		if (mod == 3)
			target = reg_numbered(r, rm | rex_b << 3);
		else if (!read_cell_word((mod == 0 && rm == 5 ? ret : reg_numbered(r, rm | rex_b << 3)) + d, &target))
			continue;
		if (target == pc)
			return true;
	}
	return false;
}

/* A fault fetching the instruction itself, at a pc no code covers, after an
 * indirect call (a call through a bad pointer: into data, or null), has no
 * frame of its own to unwind: the call pushed its return address and
 * nothing else. Unwind from that caller instead when the top of the stack
 * is the return address of an indirect call, in code the unwinder knows,
 * whose target was the faulting pc (a bad return address fails the unwind
 * as before); the record keeps the faulting pc. */
static bool enter_fault_in_caller(struct task *t, const struct hal_regs *r, uintptr_t addr)
{
	struct unwind_fde fde;
	uintptr_t sp = r->rsp;
	if (addr != r->rip || unwind_find_fde(r->rip, &fde) || sp < t->unwind.stack_lo ||
	    sp > t->unwind.stack_hi - sizeof(uintptr_t) || sp % sizeof(uintptr_t))
		return false;
	uintptr_t ret = *(const uintptr_t *)sp;
	if (!ret || !unwind_find_fde(ret - 1, &fde) || !called_from(fde.pc_begin, ret, r, r->rip))
		return false;
	t->fault_regs.r[DW_RIP] = ret;
	t->fault_regs.r[DW_RSP] = sp + sizeof(uintptr_t);
	return true;
}

void task_divert_unwind(struct task *t, struct hal_regs *r, uintptr_t addr)
{
	static const uint8_t dw_of_hal[] = { DW_RAX, DW_RBX, DW_RCX, DW_RDX, DW_RSI, DW_RDI, DW_RBP, DW_RSP,
					     DW_R8,  DW_R9,  DW_R10, DW_R11, DW_R12, DW_R13, DW_R14, DW_R15, DW_RIP };
	const uint64_t *h = (const uint64_t *)r;
	for (size_t i = 0; i < ARRAY_LEN(dw_of_hal); i++)
		t->fault_regs.r[dw_of_hal[i]] = h[i];
	t->from_caller = enter_fault_in_caller(t, r, addr);
	uintptr_t sp = r->rsp - 128; /* below the interrupted frame's red zone */
	bool overflow = task_stack_overflow_at(t, addr);
	if (overflow || sp < t->unwind.stack_lo + 1024 || sp > t->unwind.stack_hi) {
		t->overflowed = overflow;
		sp = emergency_top();
	}
	divert(r, sp);
}

void task_divert_end(struct task *t, struct hal_regs *r, NORETURN void (*end)(struct task *t))
{
	t->diverted_end = end;
	divert(r, emergency_top());
}

bool task_kill_can_divert(const struct hal_regs *r)
{
	struct unwind_fde fde;
	return unwind_find_fde(r->rip, &fde);
}

bool task_kill_interrupted(struct hal_regs *r) { return kill_handler_get()(r, r->rip); }

/* Entered through task_unwind_stub, on the task's stack (or an emergency
 * one), after the HAL returned from the fault. */
NORETURN void task_unwind_diverted(void);
void task_unwind_diverted(void)
{
	struct task *t = task_current();
	if (t->diverted_end)
		t->diverted_end(t);
	if (t->overflowed) {
		/* The frames at the guard have cleanups to run: give their landing
		 * pads and calls room below them. Without it (no free frame) a
		 * cleanup that needs stack faults and the fault layer ends the task. */
		t->overflowed = false;
		err_t e = task_headroom_map(t);
		if (e == E_OK)
			t->unwind.stack_lo = mp_start(&t->headroom.m);
		else
			kprintf("task %u (%s): no headroom for unwinding its stack overflow: %s\n", t->id, t->name,
				err_text(e));
	}
	unwind_from(&t->fault_regs, t->from_caller, &t->unwind);
}

bool task_blamable(const struct task *t) { return t && !t->idle && !t->unwinding && boundary_hi; }

bool task_unwind_in_progress(const struct task *t) { return t && !t->idle && t->unwinding && boundary_hi; }

/* The tick diverts a task asked to die unless it is already unwinding, so
 * a kill noticed both here and by the tick is recorded and unwound once,
 * never twice. */
bool task_unwind_claim(struct task *t, bool for_kill)
{
	hal_irq_state_t s = hal_irq_save();
	bool ok = task_blamable(t) && (!for_kill || (t->kill_requested && preempt_enabled() && !t->kill_deferred));
	if (ok)
		t->unwinding = true;
	hal_irq_restore(s);
	return ok;
}

/* A broken invariant in the calling task: panic's handler (the fault
 * layer) unwinds it; with none, or no task to blame, the machine stops. */
__attribute__((noinline)) void task_panic(const char *why)
{
	/* the call instruction: a noreturn call may be the last of its function */
	uintptr_t caller = (uintptr_t)__builtin_return_address(0) - 1;
	panic_report(why, caller);
	kprintf("kernel panic: %s (no task to unwind): stopping\n", why);
	hal_cpu_poweroff(PANIC_EXIT_STATUS);
}

bool task_ending(void)
{
	struct task *t = task_current();
	return t && !t->idle && (t->unwinding || __atomic_load_n(&t->kill_requested, __ATOMIC_ACQUIRE));
}

void task_defer_kill(void)
{
	struct task *t = task_current();
	if (t && !t->idle)
		t->kill_deferred++;
}

void task_allow_kill(void)
{
	struct task *t = task_current();
	if (!t || t->idle)
		return;
	if (!t->kill_deferred)
		task_panic("task_allow_kill without task_defer_kill");
	if (!--t->kill_deferred)
		task_check_kill(); /* a kill that came meanwhile arrives now (not while unwinding) */
}

void task_check_kill(void)
{
	struct task *t = task_current();
	if (task_unwind_claim(t, true))
		kill_handler_get()(NULL, (uintptr_t)__builtin_return_address(0) - 1);
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

void task_restart(struct task *t)
{
	if (t->arg_pristine)
		memcpy(t->arg, t->arg_pristine, t->arg_size);
	t->restarts++;
	t->unwinding = false;
	t->kill_deferred = 0; /* the sections the failed run opened closed with its frames */
	t->kill_requested = false;
	t->nested = NULL;
	t->diverted_end = NULL;
	task_prepare_context(t); /* the top of the stack: we run far below it */
	schedule_final();
}

NORETURN void task_restart_then(struct task *t, void (*first)(struct task *t))
{
	t->restart_first = first;
	task_restart(t);
}

static void assert_cells_locked(const char *who)
{
	if (!cells_locked())
		panic("%s without the cells lock", who);
}

bool task_entry_release(struct task *t, struct cell *c, struct task_entry_place *place)
{
	assert_cells_locked("task_entry_release");
	if (t->entry_cell != c)
		return false;
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct cell_section *s = &c->sections[i];
		if (s->region == REGION_TEXT && (uintptr_t)t->entry - s->addr < s->size) {
			*place = (struct task_entry_place){ i, (uintptr_t)t->entry - s->addr };
			__atomic_sub_fetch(&c->task_refs, 1, __ATOMIC_RELAXED);
			t->entry_cell = NULL;
			return true;
		}
	}
	panic("task_entry_release: task %u's entry %p is not in the text of its cell %s", t->id, (void *)t->entry,
	      c->name);
}

err_t task_entry_rebind(struct task *t, struct cell *to, const struct task_entry_place *place)
{
	assert_cells_locked("task_entry_rebind");
	if (t->entry_cell)
		panic("task_entry_rebind: task %u still holds its entry cell %s", t->id, t->entry_cell->name);
	const struct cell_section *s = place->section < to->n_sections ? &to->sections[place->section] : NULL;
	if (!s || s->region != REGION_TEXT || place->offset >= s->size)
		return E_RANGE;
	t->entry = (task_entry_fn)(s->addr + place->offset);
	t->entry_cell = to;
	__atomic_add_fetch(&to->task_refs, 1, __ATOMIC_RELAXED);
	return E_OK;
}

size_t task_release_mutexes(struct task *t)
{
	if (t != task_current())
		panic("task_release_mutexes: task %u is not the running task", t->id);
	return mutex_release_held(t);
}

void task_end_abnormally(struct task *t, enum task_state how)
{
	if (t != task_current())
		panic("task_end_abnormally: task %u is not the running task", t->id);
	task_end_current(how, -1);
}

EXPORT_APP(task_kill);
EXPORT_APP(task_ending);
EXPORT_APP(task_defer_kill);
EXPORT_APP(task_allow_kill);
EXPORT_APP(task_panic);
