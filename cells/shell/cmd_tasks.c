/* Tasks from the shell (task.h): `ps` lists them, `spawn` starts a cell's
 * <cell>_main as a task, `join` waits for one, `sched` names the scheduler
 * cell. The shell keeps a counted reference to each task it spawned
 * (struct shell.tasks) until `join`, so an ended task's exit value waits to
 * be read instead of being reaped. */
#include <stdint.h>

#include "cell.h"
#include "klib.h"
#include "fault.h"
#include "shell.h"
#include "task.h"

/* The function the cell c itself exports as name, or NULL. Looked up in c's
 * exports, not by ns_resolve, so another cell's symbol never stands in. */
static const struct cell_symbol *cell_function(const struct cell *c, const char *name)
{
	for (size_t i = 0; i < c->n_symbols; i++)
		if (c->symbols[i].is_func && !strcmp(c->symbols[i].name, name))
			return &c->symbols[i];
	return NULL;
}

/* --- ps ---------------------------------------------------------------------------- */

static const char *or_dash(const char *s) { return s && *s ? s : "-"; }

static void ps_task(const struct task *t, void *arg)
{
	const struct task *self = arg;
	kprintf("  %4u%c %-16s %-8s %3d %4d %-12s %s\n", task_id(t), t == self ? '*' : ' ', task_name(t),
		task_state_name(task_state(t)), task_cpu(t), task_priority(t), or_dash(task_namespace(t)),
		or_dash(task_entry_cell(t)));
}

bool cmd_ps(struct shell *sh, const struct shell_args *a)
{
	kprintf("  %4s  %-16s %-8s %3s %4s %-12s %s\n", "id", "name", "state", "cpu", "prio", "namespace",
		"cell");
	task_for_each(ps_task, task_current()); /* '*' marks the shell's own task */
	return true;
}

/* --- spawn -------------------------------------------------------------------------- */

/* The loaded cell called name, loading its image into the root namespace
 * first if needed; NULL after an error line. */
static struct cell *spawn_find_or_load(const char *name)
{
	struct cell *c = ns_find_cell(ns_root(), name);
	if (c)
		return c;
	struct cell_diag diag = { 0 };
	err_t e = cell_load(ns_root(), name, &c, &diag);
	if (e) {
		if (!diag.err)
			diag.err = e;
		char line[512];
		cell_diag_format(&diag, line, sizeof line);
		shell_error("spawn", "%s", line);
		return NULL;
	}
	return c;
}

/* A free slot of the shell's table of spawned tasks, or NULL. */
static struct task_ref *tasks_free_slot(struct shell *sh)
{
	for (size_t i = 0; i < SHELL_MAX_TASKS; i++)
		if (!sh->tasks[i].t)
			return &sh->tasks[i];
	return NULL;
}

/* The arguments as an int64_t array, zero-padded to SHELL_SPAWN_MAX_ARGS so an
 * entry reading past what was given reads zeros. */
static bool spawn_parse_args(const struct shell_args *a, size_t first, int64_t args[SHELL_SPAWN_MAX_ARGS])
{
	for (size_t i = 0; i < SHELL_SPAWN_MAX_ARGS; i++)
		args[i] = 0;
	if (a->argc - first > SHELL_SPAWN_MAX_ARGS) {
		shell_error("spawn", "at most %d arguments", SHELL_SPAWN_MAX_ARGS);
		return false;
	}
	for (size_t i = first; i < a->argc; i++) {
		uint64_t u;
		if (str_to_i64(a->argv[i], &args[i - first]))
			continue;
		if (!str_to_u64(a->argv[i], &u)) {
			shell_error("spawn", "argument %zu '%s' is not an integer", i - first + 1, a->argv[i]);
			return false;
		}
		args[i - first] = (int64_t)u;
	}
	return true;
}

bool cmd_spawn(struct shell *sh, const struct shell_args *a)
{
	bool restartable = !strcmp(a->argv[1], "--restartable");
	if (restartable && a->argc < 3) {
		shell_error("spawn", "--restartable needs a cell");
		return false;
	}
	const char *name = a->argv[1 + restartable];
	int64_t args[SHELL_SPAWN_MAX_ARGS];
	if (!spawn_parse_args(a, 2 + restartable, args))
		return false;
	struct task_ref *slot = tasks_free_slot(sh);
	if (!slot) {
		shell_error("spawn", "%d spawned tasks are not joined yet; join one first", SHELL_MAX_TASKS);
		return false;
	}
	const struct cell *c = spawn_find_or_load(name);
	if (!c)
		return false;
	char entry[CELL_NAME_MAX + 8];
	ksnprintf(entry, sizeof entry, "%s_main", c->name);
	const struct cell_symbol *s = cell_function(c, entry);
	if (!s) {
		shell_error("spawn", "cell %s exports no function %s", c->name, entry);
		return false;
	}
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = c->name;
	o.ns = ns_root();
	o.restartable = restartable;
	err_t e = task_spawn_raw(&o, (task_entry_fn)s->addr, args, sizeof args, slot);
	if (e) {
		shell_error("spawn", "cannot spawn %s: %s (%s)", entry, err_text(e), err_name(e));
		return false;
	}
	kprintf("spawned task %u (%s%s)\n", task_id(slot->t), c->name, restartable ? ", restartable" : "");
	/* Let it start, so its first output comes before the next prompt. */
	(void)task_sleep_ns(10 * 1000 * 1000);
	return true;
}

/* --- kill and faults --------------------------------------------------------------- */

bool cmd_kill(struct shell *sh, const struct shell_args *a)
{
	(void)sh;
	uint64_t id;
	struct task_ref ref;
	if (!str_to_u64(a->argv[1], &id) || id > UINT32_MAX || !task_find((unsigned)id, &ref)) {
		shell_error("kill", "no task '%s' ('ps' lists them)", a->argv[1]);
		return false;
	}
	err_t e = ref.t == task_current() ? E_INVAL : task_kill(&ref);
	if (e)
		shell_error("kill", "task %llu cannot be killed: %s", (unsigned long long)id,
			    ref.t == task_current() ? "it is this shell" : "it has ended or is an idle task");
	else
		kprintf("killing task %llu (%s)\n", (unsigned long long)id, task_name(ref.t));
	task_ref_drop(&ref);
	if (!e)
		(void)task_sleep_ns(10 * 1000 * 1000); /* let it unwind */
	return !e;
}

bool cmd_faults(struct shell *sh, const struct shell_args *a)
{
	(void)sh;
	(void)a;
	kprintf("fault log: %zu fault(s)\n", fault_log_count());
	fault_log_print();
	return true;
}

/* --- join ------------------------------------------------------------------------------ */

/* Moves the reference to task id out of the shell's table into *out, or
 * finds the task among all live ones. False if there is no such task. */
static bool join_take_ref(struct shell *sh, unsigned id, struct task_ref *out)
{
	for (size_t i = 0; i < SHELL_MAX_TASKS; i++) {
		if (sh->tasks[i].t && task_id(sh->tasks[i].t) == id) {
			*out = sh->tasks[i];
			sh->tasks[i].t = NULL;
			return true;
		}
	}
	return task_find(id, out);
}

bool cmd_join(struct shell *sh, const struct shell_args *a)
{
	uint64_t id;
	if (!str_to_u64(a->argv[1], &id) || id > UINT32_MAX) {
		shell_error("join", "'%s' is not a task id ('ps' lists them)", a->argv[1]);
		return false;
	}
	struct task_ref ref;
	if (!join_take_ref(sh, (unsigned)id, &ref)) {
		shell_error("join", "no task %llu ('ps' lists them)", (unsigned long long)id);
		return false;
	}
	/* Either would wait forever. */
	if (ref.t == task_current() || task_is_idle(ref.t)) {
		shell_error("join", "task %llu is %s; it never ends while the shell waits",
			    (unsigned long long)id, ref.t == task_current() ? "this shell" : "an idle task");
		task_ref_drop(&ref);
		return false;
	}
	int64_t value = 0;
	err_t e = shell_wait_foreground(sh, &ref, &value);
	if (e && task_state(ref.t) != TASK_FAILED) /* killed: say so */
		kprintf("task %llu failed (%s)\n", (unsigned long long)id, task_state_name(task_state(ref.t)));
	else if (e)
		kprintf("task %llu failed\n", (unsigned long long)id);
	else
		kprintf("task %llu exited with %lld\n", (unsigned long long)id, (long long)value);
	task_ref_drop(&ref);
	return !e;
}

void shell_tasks_release(struct shell *sh)
{
	for (size_t i = 0; i < SHELL_MAX_TASKS; i++)
		if (sh->tasks[i].t)
			task_ref_drop(&sh->tasks[i]);
}

/* --- sched ------------------------------------------------------------------------------ */

bool cmd_sched(struct shell *sh, const struct shell_args *a)
{
	kprintf("scheduler: %s (%s)\n", or_dash(sched_active()), sched_policy_name());
	return true;
}
