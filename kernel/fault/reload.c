/* Stage 4 of recovery: a fault that recurs after its cell's data was put
 * back as loaded (stage 3) lies in what stage 3 does not restore, the
 * cell's code or read-only data; the cell is reloaded from the object it
 * was loaded from, at a new address, through a swap (swap_reload: its
 * dependents are redirected to the new load, no state is carried over),
 * and the task restarts. The cascade (cascade.c) restarts the task with
 * this stage as the first thing its fresh run does (task_restart_then): on
 * the top of its stack rather than below the fault, where little may be
 * left, and before its entry is read, so that an entry in the reloaded cell
 * moves into the new load. A reload that fails reboots (stage 5). */
#include "cell.h"
#include "fault_internal.h"
#include "hal_time.h"
#include "klib.h"
#include "panic.h"
#include "swap.h"

/* What the reload did, for the record and the console. */
struct reload {
	char cell[CELL_NAME_MAX];
	uint64_t old_instance, new_instance;
	uintptr_t from, to; /* the text of the old and the new load */
	bool moved_entry;   /* the task's entry was in the cell */
	const char *skipped; /* no reload was tried: why */
	bool in_use;         /* ...because another task uses the cell's data (use says how) */
	struct task_region_use use;
	struct swap_result res;
};

/* The load of the cell a record's pc lies in, if it is still the one that
 * faulted (not unloaded or swapped since) and can be reloaded at all. */
static struct cell *target(const struct fault_record *rec, struct reload *r)
{
	const struct cell_section *s = cell_section_at(rec->pc);
	if (!s || s->cell->instance != rec->cell_instance) {
		r->skipped = "its cell was unloaded or swapped since";
		return NULL;
	}
	strlcpy(r->cell, s->cell->name, sizeof r->cell);
	if (s->cell->builtin) {
		r->skipped = "it is part of the nano_core image";
		return NULL;
	}
	return s->cell;
}

/* Whether another task holds a mutex in c's data or waits on a queue
 * there: it would go on with the old load's state while t runs on the
 * new one's, the two halves of one synchronisation split (as stage 3 does
 * not overwrite them, stage 4 does not abandon them). */
static bool data_in_use(const struct task *t, const struct cell *c, struct reload *r)
{
	uintptr_t lo = mp_start(&c->data.m);
	if (!c->data.m.pages.count || !task_region_in_use(t, lo, lo + mp_size(&c->data.m), &r->use))
		return false;
	r->in_use = true;
	return true;
}

/* After a successful swap: the new load of the cell, found by name in the
 * namespace the old one was in (the swap put it there). */
static struct cell *new_load(struct namespace *ns, const struct reload *r)
{
	struct cell *c = ns_find_cell(ns, r->cell);
	if (!c || c->instance == r->old_instance)
		panic("fault: cell %s reloaded, but namespace %s holds no new load of it", r->cell, ns->name);
	return c;
}

/* Under the cells lock throughout, so the cell cannot go away between the
 * look-up and the swap (the lock is recursive: swap_reload takes it again,
 * as swap_cells does inside swap_reload). t lets go of an entry in the cell
 * first, since the swap may free the old load, and holds the new (or, if
 * the swap failed, the old) one after. */
static err_t reload_locked(const struct fault_record *rec, struct task *t, struct reload *r)
{
	CELLS_GUARD();
	struct cell *c = target(rec, r);
	if (!c || data_in_use(t, c, r))
		return E_OK;
	struct namespace *ns = c->ns;
	r->old_instance = c->instance;
	r->from = mp_start(&c->text.m);
	struct task_entry_place place;
	r->moved_entry = task_entry_release(t, c, &place);
	err_t e = swap_reload(c, &r->res); /* c may be freed from here on */
	struct cell *now = e ? c : new_load(ns, r);
	if (r->moved_entry && task_entry_rebind(t, now, &place) != E_OK)
		panic("fault: the new load of %s has no code where task %u's entry was", r->cell, task_id(t));
	if (e)
		return e;
	r->new_instance = now->instance;
	r->to = mp_start(&now->text.m);
	return E_OK;
}

static void append_detail(struct fault_record *rec, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void append_detail(struct fault_record *rec, const char *fmt, ...)
{
	size_t len = strlen(rec->detail);
	if (len && len + 2 < sizeof rec->detail) {
		strlcpy(rec->detail + len, ", ", sizeof rec->detail - len);
		len += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(rec->detail + len, sizeof rec->detail - len, fmt, ap);
	va_end(ap);
}

/* Stage 4, run by the restarted task t before its entry. */
static void reload_first(struct task *t)
{
	struct fault_record *rec = task_unwind_record(t);
	struct reload r = { 0 };
	err_t e = reload_locked(rec, t, &r);
	if (e) {
		char why[256];
		swap_result_format(&r.res, why, sizeof why);
		append_detail(rec, "reloading cell %s failed: %s", r.cell, err_name(e));
		fault_reboot(rec, "fault #%u recurred %u times at %s, and reloading cell %s failed (%s): rebooting",
			     rec->seq, rec->recurrence, rec->where, r.cell, why);
	}
	if (r.in_use) {
		char what[FAULT_WHERE_MAX];
		fault_describe_addr(r.use.addr, what, sizeof what); /* a cells read section: not under the cells lock */
		append_detail(rec, "cell not reloaded: task %u (%s) %s %s", r.use.task_id, r.use.task,
			      r.use.waits ? "waits on" : "holds", what);
		return; /* restarted plainly: the next recurrence reboots */
	}
	if (r.skipped) {
		append_detail(rec, "cell not reloaded: %s", r.skipped);
		return;
	}
	fault_note_reload(r.old_instance, r.new_instance);
	rec->reload_from = r.from;
	rec->reload_to = r.to;
	rec->downtime_ns = hal_time_ns() - rec->time_ns;
	rec->action = ACTION_RELOADED;
	append_detail(rec, "%s reloaded from %#lx to %#lx, downtime %llu us", r.cell, (unsigned long)r.from,
		      (unsigned long)r.to, (unsigned long long)(rec->downtime_ns / 1000));
	kprintf("fault #%u: cell %s reloaded from %#lx to %#lx (load %llu us, total %llu us), task %u (%s) "
		"restarts%s; downtime %llu us\n", rec->seq, r.cell, (unsigned long)r.from, (unsigned long)r.to,
		(unsigned long long)(r.res.times.load_ns / 1000), (unsigned long long)(r.res.times.total_ns / 1000),
		task_id(t), task_name(t), r.moved_entry ? " in the new load" : "",
		(unsigned long long)(rec->downtime_ns / 1000));
}

void fault_restart_reloading(struct task *t) { task_restart_then(t, reload_first); }
