/* Tasks from the shell (task.h): `ps` lists them, `spawn` starts an app
 * cell's declared entry (APP_ENTRY, cell.h) as a task, `join` waits for one, `sched` names the scheduler
 * cell. The shell keeps a counted reference to each task it spawned
 * (struct shell.tasks) until `join`, so an ended task's exit value waits to
 * be read instead of being reaped. */
#include <stdint.h>

#include "cell.h"
#include "klib.h"
#include "fault.h"
#include "shell.h"
#include "task.h"

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

static size_t root_cell_count(void)
{
	CELLS_GUARD();
	size_t n = 0;
	const struct list *pos;
	list_for_each(pos, &ns_root()->cells)
		n++;
	return n;
}

/* A refused spawn leaves the system as it found it: unloads, newest first,
 * the cells it loaded (the cell and the images that cell needed). */
static void spawn_unload_since(size_t n_before)
{
	CELLS_GUARD();
	while (root_cell_count() > n_before) {
		struct cell *c = list_entry(ns_root()->cells.prev, struct cell, link);
		struct cell_diag diag;
		if (cell_unload(c, &diag))
			return; /* depended on after all: it stays, as `ls` shows */
	}
}

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

/* The entry c declared with APP_ENTRY, or NULL after an error line saying
 * why c cannot run as a task. */
static app_entry_fn *spawn_entry(const struct cell *c)
{
	app_entry_fn *entry;
	err_t e = cell_app_entry(c, &entry);
	if (e == E_PRIVILEGE)
		shell_error("spawn", "cell %s is a kernel cell, not an app", c->name);
	else if (e == E_NOTFOUND)
		shell_error("spawn", "cell %s declares no app entry (APP_ENTRY in cell.h); 'call' runs its functions",
			    c->name);
	else if (e)
		shell_error("spawn", "cell %s has a malformed app entry record (section %s): %s", c->name,
			    APP_ENTRY_SECTION, err_name(e));
	return e ? NULL : entry;
}

/* A free slot of the shell's table of spawned tasks, or NULL. */
static struct task_ref *tasks_free_slot(struct shell *sh)
{
	for (size_t i = 0; i < SHELL_MAX_TASKS; i++)
		if (!sh->tasks[i].t)
			return &sh->tasks[i];
	return NULL;
}

/* The integers after the cell name; argv beyond argc stays zero. */
static bool spawn_parse_args(const struct shell_args *a, size_t first, struct app_args *args)
{
	*args = (struct app_args){ .argc = (int64_t)(a->argc - first) };
	if (a->argc - first > APP_MAX_ARGS) {
		shell_error("spawn", "at most %d arguments", APP_MAX_ARGS);
		return false;
	}
	for (size_t i = first; i < a->argc; i++) {
		uint64_t u;
		if (str_to_i64(a->argv[i], &args->argv[i - first]))
			continue;
		if (!str_to_u64(a->argv[i], &u)) {
			shell_error("spawn", "argument %zu '%s' is not an integer", i - first + 1, a->argv[i]);
			return false;
		}
		args->argv[i - first] = (int64_t)u;
	}
	return true;
}

#define SPAWN_USAGE "usage: spawn [--restartable] [--stack SIZE] <cell> [ints...]"

struct spawn_request {
	bool restartable;
	size_t stack_bytes; /* 0: the default */
	const char *cell;
	struct app_args args;
};

static bool spawn_parse(const struct shell_args *a, struct spawn_request *r)
{
	*r = (struct spawn_request){ 0 };
	size_t i = 1;
	for (; i < a->argc && !strncmp(a->argv[i], "--", 2); i++) {
		if (!strcmp(a->argv[i], "--restartable")) {
			r->restartable = true;
		} else if (!strcmp(a->argv[i], "--stack")) {
			if (!shell_stack_option("spawn", a, ++i, &r->stack_bytes))
				return false;
		} else {
			shell_error("spawn", "unknown option '%s' (" SPAWN_USAGE ")", a->argv[i]);
			return false;
		}
	}
	if (i == a->argc) {
		shell_error("spawn", "which cell? (" SPAWN_USAGE ")");
		return false;
	}
	r->cell = a->argv[i];
	return spawn_parse_args(a, i + 1, &r->args);
}

/* Starts entry(copy of *args): the one place an app entry becomes a task,
 * with the types APP_ENTRY checked. */
static err_t spawn_app(const struct task_options *o, app_entry_fn *entry, const struct app_args *args,
		       struct task_ref *out)
{
	return task_spawn_raw(o, (task_entry_fn)entry, args, sizeof *args, out);
}

/* Finds or loads the cell and starts its entry as a task in slot, holding
 * the cells lock until the task holds the cell (task_spawn_raw). */
static bool spawn_start(const struct spawn_request *r, struct task_ref *slot)
{
	CELLS_GUARD();
	size_t n_before = root_cell_count();
	const struct cell *c = spawn_find_or_load(r->cell);
	if (!c)
		return false;
	app_entry_fn *entry = spawn_entry(c);
	if (!entry) {
		spawn_unload_since(n_before);
		return false;
	}
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = c->name;
	o.ns = ns_root();
	o.restartable = r->restartable;
	o.stack_bytes = r->stack_bytes;
	err_t e = spawn_app(&o, entry, &r->args, slot);
	if (e) {
		shell_error("spawn", "cannot spawn %s: %s (%s)", c->name, err_text(e), err_name(e));
		return false;
	}
	kprintf("spawned task %u (%s%s)\n", task_id(slot->t), c->name, r->restartable ? ", restartable" : "");
	return true;
}

bool cmd_spawn(struct shell *sh, const struct shell_args *a)
{
	struct spawn_request r;
	if (!spawn_parse(a, &r))
		return false;
	struct task_ref *slot = tasks_free_slot(sh);
	if (!slot) {
		shell_error("spawn", "%d spawned tasks are not joined yet; join one first", SHELL_MAX_TASKS);
		return false;
	}
	if (!spawn_start(&r, slot))
		return false;
	/* Let it start, so its first output comes before the next prompt. */
	(void)task_sleep_ns(10 * 1000 * 1000);
	return true;
}

/* --stack SIZE, for spawn and call: bytes, or KiB/MiB with a K or M suffix. */
static bool parse_size(const char *w, size_t *bytes)
{
	size_t len = strlen(w);
	unsigned shift = 0;
	char digits[24];
	if (len && (w[len - 1] == 'K' || w[len - 1] == 'k'))
		shift = 10;
	else if (len && (w[len - 1] == 'M' || w[len - 1] == 'm'))
		shift = 20;
	len -= shift != 0;
	if (!len || len >= sizeof digits)
		return false;
	memcpy(digits, w, len);
	digits[len] = '\0';
	uint64_t v;
	if (!str_to_u64(digits, &v) || v > (SIZE_MAX >> shift))
		return false;
	*bytes = (size_t)v << shift;
	return true;
}

/* "256K", or "16M" for a whole number of MiB. */
static const char *size_text(size_t bytes, char *buf, size_t cap)
{
	if (bytes % (1UL << 20) == 0)
		ksnprintf(buf, cap, "%zuM", bytes >> 20);
	else
		ksnprintf(buf, cap, "%zuK", bytes >> 10);
	return buf;
}

bool shell_stack_option(const char *cmd, const struct shell_args *a, size_t i, size_t *bytes)
{
	if (i >= a->argc) {
		char def[24];
		shell_error(cmd, "--stack needs a size, e.g. --stack 256K (default %s)",
			    size_text(TASK_STACK_DEFAULT, def, sizeof def));
		return false;
	}
	const char *w = a->argv[i];
	size_t want, got = 0;
	if (!parse_size(w, &want)) {
		shell_error(cmd, "--stack '%s' is not a size: bytes, or KiB/MiB with K or M (e.g. 256K)", w);
		return false;
	}
	err_t e = want ? task_stack_size(want, &got) : E_RANGE;
	char limit[24];
	if (e == E_TOOBIG)
		shell_error(cmd, "--stack %s is more than the largest task stack, %s", w,
			    size_text(TASK_STACK_MAX, limit, sizeof limit));
	else if (e)
		shell_error(cmd, "--stack %s is less than the smallest task stack, %s", w,
			    size_text(TASK_STACK_MIN, limit, sizeof limit));
	*bytes = got;
	return !e;
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
