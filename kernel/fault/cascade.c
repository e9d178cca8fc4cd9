/* The recovery cascade (fault.h), run when a task's unwind is over: its
 * cleanups have released what it held; now restart it from a fresh copy
 * of its argument (reinitialising the faulting cell's data first when the
 * fault recurred there once, reloading the cell (reload.c) when it recurred
 * twice), end it as failed or killed, or reboot when the same fault keeps
 * recurring. An unwind cut short by a fault or panic in a
 * cleanup ends the task (abandon). kernel/task carries each step out
 * (task_fail.h); the decisions are made here. */
#include "cell.h"
#include "fault_internal.h"
#include "hal_cpu.h"
#include "hal_irq.h"
#include "klib.h"

void fault_abandon(struct task *t, struct fault_record *nested)
{
	struct fault_record *rec = task_unwind_record(t);
	char orig[sizeof nested->detail];
	strlcpy(orig, nested->detail, sizeof orig);
	rec->action = ACTION_UNWIND_FAILED;
	rec->cleanups = task_unwind_state(t)->cleanups;
	fault_note_held_mutexes(rec, t); /* task_end_abnormally releases them */
	ksnprintf(rec->detail, sizeof rec->detail, "fault in a cleanup at %s (fault #%u)", nested->where,
		  nested->seq);
	nested->action = ACTION_UNWIND_FAILED;
	ksnprintf(nested->detail, sizeof nested->detail, "%s%sin a cleanup, unwinding fault #%u", orig,
		  orig[0] ? ", " : "", rec->seq);
	kprintf("fault #%u: unwinding task %u (%s) failed: fault in a cleanup at %s (fault #%u), %u landing "
		"pad(s) run\n", rec->seq, task_id(t), task_name(t), nested->where, nested->seq, rec->cleanups);
	task_end_abnormally(t, rec->kind == FAULT_KILL ? TASK_KILLED : TASK_FAILED);
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

/* Stage 3, under the cells lock: puts the faulting cell's data back as
 * loaded, unless another task holds a mutex there or waits on a queue
 * there (the copy would overwrite them under it; t restarts without it).
 * t's own mutexes are released first (marked owner died, as the restart
 * would), while their links are intact. Returns whether another task was
 * in the way (then *use says who). */
static bool reinit_under_lock(struct fault_record *rec, struct task *t, struct task_region_use *use)
{
	CELLS_GUARD(); /* c stays loaded from the lookup to the reinitialisation */
	struct cell *c;
	if (!faulting_cell(rec, &c))
		return false;
	uintptr_t lo = mp_start(&c->data.m);
	if (task_region_in_use(t, lo, lo + mp_size(&c->data.m), use))
		return true;
	task_release_mutexes(t);
	if (cell_reinit_data(c) == E_OK)
		rec->action = ACTION_DATA_REINIT;
	return false;
}

static void reinit_data(struct fault_record *rec, struct task *t)
{
	struct task_region_use use;
	if (!reinit_under_lock(rec, t, &use))
		return;
	char what[FAULT_WHERE_MAX];
	fault_describe_addr(use.addr, what, sizeof what); /* a cells read section: not under the cells lock */
	size_t len = strlen(rec->detail);
	ksnprintf(rec->detail + len, sizeof rec->detail - len, "%sdata not reinitialised: task %u (%s) %s %s",
		  len ? ", " : "", use.task_id, use.task, use.waits ? "waits on" : "holds", what);
}

void fault_reboot(struct fault_record *rec, const char *fmt, ...)
{
	rec->action = ACTION_REBOOT;
	hal_irq_state_t off = hal_irq_save();
	(void)off; /* never restored */
	va_list ap;
	va_start(ap, fmt);
	char line[FAULT_WHERE_MAX + 320];
	kvsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	kprintf("%s\n", line);
	fault_log_print();
	hal_cpu_poweroff(FAULT_EXIT_REBOOT);
}

void fault_cascade(struct unwind_state *st)
{
	struct task *t = st->arg;
	struct fault_record *rec = task_unwind_record(t);
	rec->cleanups = st->cleanups;
	fault_note_held_mutexes(rec, t); /* the end or the restart releases them */
	if (st->end != UNWIND_END_BOUNDARY) {
		rec->action = ACTION_UNWIND_FAILED;
		ksnprintf(rec->detail, sizeof rec->detail, "%s", st->why);
		kprintf("fault #%u: unwinding task %u (%s) failed: %s\n", rec->seq, task_id(t), task_name(t),
			st->why);
	} else if (rec->recurrence >= FAULT_RECUR_LIMIT && rec->kind != FAULT_KILL) {
		fault_reboot(rec, "fault #%u recurred %u times at %s: rebooting", rec->seq, rec->recurrence,
			     rec->where);
	} else if (task_is_restartable(t) && rec->kind != FAULT_KILL) {
		rec->action = ACTION_RESTARTED;
		if (rec->recurrence == 1)
			reinit_data(rec, t);
		else if (rec->recurrence == 2 && rec->kind == FAULT_MACHINE)
			fault_restart_reloading(t);
		task_restart(t);
	} else {
		rec->action = ACTION_UNWOUND;
	}
	task_end_abnormally(t, rec->kind == FAULT_KILL ? TASK_KILLED : TASK_FAILED);
}
