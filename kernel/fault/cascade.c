/* The recovery cascade (fault.h), run when a task's unwind is over: its
 * cleanups have released what it held; now restart it from a fresh copy
 * of its argument (reinitialising the faulting cell's data first when the
 * fault recurred there), end it as failed or killed, or reboot when the
 * same fault keeps recurring. An unwind cut short by a fault or panic in a
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

/* Stage 5: the machine goes down; nothing else runs on this CPU while the
 * log prints. */
static NORETURN void reboot(struct fault_record *rec)
{
	rec->action = ACTION_REBOOT;
	hal_irq_state_t off = hal_irq_save();
	(void)off; /* never restored */
	kprintf("fault #%u recurred %u times at %s: rebooting\n", rec->seq, rec->recurrence, rec->where);
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
		reboot(rec);
	} else if (task_is_restartable(t) && rec->kind != FAULT_KILL) {
		struct cell *c;
		rec->action = ACTION_RESTARTED;
		if (rec->recurrence) {
			CELLS_GUARD(); /* c stays loaded from the lookup to the reinitialisation */
			if (faulting_cell(rec, &c) && cell_reinit_data(c) == E_OK)
				rec->action = ACTION_DATA_REINIT;
		} /* released before task_restart, which does not return */
		task_restart(t);
	} else {
		rec->action = ACTION_UNWOUND;
	}
	task_end_abnormally(t, rec->kind == FAULT_KILL ? TASK_KILLED : TASK_FAILED);
}
