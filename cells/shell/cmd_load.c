/* Changing what runs: `load` and `unload` go through the loader (cell.h),
 * reporting its diagnostics as one line; `call` resolves a symbol in the
 * root namespace and calls it through the kernel's dynamic call (dyncall.h). */
#include <stdint.h>

#include "cell.h"
#include "dyncall.h"
#include "heap.h"
#include "klib.h"
#include "shell.h"
#include "task.h"

/* Prints "<cmd>: <diagnostic>" without the newline, so a caller may add to
 * the line. */
static void print_diag(const char *cmd, const struct cell_diag *d, err_t e)
{
	struct cell_diag full = *d;
	if (!full.err)
		full.err = e; /* the loader said nothing more than its return value */
	char line[512];
	cell_diag_format(&full, line, sizeof line);
	kprintf("%s: %s", cmd, line);
}

/* --- load ------------------------------------------------------------------------ */

/* The cells of ns now, to tell afterwards which ones a load added. */
static const struct cell **snapshot_cells(const struct namespace *ns, size_t *n)
{
	const struct list *pos;
	*n = 0;
	list_for_each(pos, &ns->cells)
		(*n)++;
	if (!*n)
		return NULL;
	const struct cell **cells = kmalloc(*n * sizeof *cells);
	if (!cells)
		return NULL;
	size_t i = 0;
	list_for_each(pos, &ns->cells)
		cells[i++] = list_entry(pos, struct cell, link);
	return cells;
}

static bool in_snapshot(const struct cell *c, const struct cell *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cells[i] == c)
			return true;
	return false;
}

/* "loaded a", or "loaded a along with b, c" when a needed other images. */
static void report_loaded(const struct namespace *ns, const char *name,
			  const struct cell *const *before, size_t n_before)
{
	kprintf("loaded %s", name);
	size_t extra = 0;
	const struct list *pos;
	list_for_each(pos, &ns->cells) {
		const struct cell *c = list_entry(pos, struct cell, link);
		if (!strcmp(c->name, name) || in_snapshot(c, before, n_before))
			continue;
		kprintf("%s%s", extra++ ? ", " : " along with ", c->name);
	}
	kprintf("\n");
}

bool cmd_load(struct shell *sh, const struct shell_args *a)
{
	const char *name = a->argv[1];
	struct namespace *ns = ns_root();
	CELLS_GUARD(); /* the check, the snapshot, the load and its report see one state */
	if (ns_find_cell(ns, name)) {
		shell_error("load", "cell %s is already loaded", name);
		return false;
	}
	size_t n_before;
	const struct cell **before = snapshot_cells(ns, &n_before);
	if (n_before && !before) {
		shell_error("load", "out of memory before loading %s", name);
		return false;
	}
	struct cell *c = NULL;
	struct cell_diag diag = { 0 };
	err_t e = cell_load(ns, name, &c, &diag);
	if (e) {
		print_diag("load", &diag, e);
		kprintf("\n");
	} else {
		report_loaded(ns, c ? c->name : name, before, n_before);
	}
	kfree(before);
	return !e;
}

/* --- unload ------------------------------------------------------------------------ */

/* Ends the refusal line with every dependent, not just the one the
 * loader named. */
static void print_dependents(const struct cell *c)
{
	size_t n;
	const struct cell **cells = shell_query_cells(cell_dependents, c, &n);
	if (cells) {
		kprintf(" (depended on by ");
		shell_print_cell_names(cells, n);
		kprintf(")");
	}
	kfree(cells);
}

static const struct cell *shell_own_cell(void)
{
	CELLS_READ_GUARD(); /* the shell's own cell outlives the shell's commands */
	const struct cell_section *s = cell_section_at((uintptr_t)&cmd_unload);
	return s ? s->cell : NULL;
}

bool cmd_unload(struct shell *sh, const struct shell_args *a)
{
	const char *name = a->argv[1];
	CELLS_GUARD(); /* c stays loaded from the lookup to the unload */
	struct cell *c = ns_find_cell(ns_root(), name);
	if (!c) {
		shell_error("unload", "cell %s is not loaded", name);
		return false;
	}
	if (c == shell_own_cell()) {
		/* Nothing records that the kernel is running the shell, so the
		 * loader would let it free the code this command returns to. */
		shell_error("unload", "cell %s is the running shell; it cannot unload itself", name);
		return false;
	}
	struct cell_diag diag = { 0 };
	err_t e = cell_unload(c, &diag); /* frees c on success */
	if (e) {
		print_diag("unload", &diag, e);
		if (e == E_DEPENDED_ON)
			print_dependents(c);
		kprintf("\n");
		return false;
	}
	kprintf("unloaded %s\n", name);
	return true;
}

/* --- call ---------------------------------------------------------------------------- */

/* A "quoted" word passes as a pointer to its NUL-terminated text (which
 * lives as long as the command), anything else must be an integer. */
static bool parse_call_arg(const struct shell_args *a, size_t i, size_t nth, enum dyn_type *type,
			   uint64_t *val)
{
	const char *w = a->argv[i];
	int64_t v;
	if (a->quoted[i]) {
		*type = DYN_PTR;
		*val = (uintptr_t)w;
	} else if (str_to_i64(w, &v)) {
		*type = DYN_I64;
		*val = (uint64_t)v;
	} else if (str_to_u64(w, val)) {
		*type = DYN_I64;
	} else {
		shell_error("call", "argument %zu '%s' is not an integer (quote strings: \"%s\")", nth, w, w);
		return false;
	}
	return true;
}

static const struct cell_symbol *resolve_function(const char *name)
{
	const struct namespace *ns = ns_root();
	const struct cell_symbol *s = ns_resolve(ns, name);
	if (!s)
		shell_error("call", "no symbol %s in namespace %s or its parents", name, ns->name);
	else if (!s->is_func)
		shell_error("call", "%s is a %zu-byte object in %s, not a function", name, s->size,
			    s->section ? s->section->cell->name : "<abs>");
	return s && s->is_func ? s : NULL;
}

/* True if s is its cell's app entry: its arguments become a struct app_args. */
static bool is_app_entry(const struct cell_symbol *s)
{
	app_entry_fn *entry;
	const struct cell *c = s->section ? s->section->cell : NULL;
	return c && c->class == CELL_APP && cell_app_entry(c, &entry) == E_OK && (uintptr_t)entry == s->addr;
}

/* A call runs in a task of its own, so that a fault in the called code
 * ends that task (and is recovered) instead of the shell. An app cell's
 * entry (APP_ENTRY) is called as spawn would: with a struct app_args of the
 * integers, which the task owns with the rest of the job. */
struct call_job {
	void *fn;
	enum dyn_type ret; /* int unless --long: most cell entry points return int */
	size_t nargs;
	enum dyn_type types[DYNCALL_MAX_ARGS];
	uint64_t vals[DYNCALL_MAX_ARGS];
	bool app_entry;
	struct app_args app;
};

static int64_t call_job_run(struct call_job *j)
{
	uint64_t ret = 0;
	if (j->app_entry)
		j->vals[0] = (uintptr_t)&j->app; /* the task's own copy of the job */
	if (dyncall(j->fn, j->ret, j->nargs, j->types, j->vals, &ret))
		return INT64_MIN;
	return (int64_t)ret;
}

static bool call_as_app_entry(const struct cell_symbol *s, const char *name, struct call_job *job)
{
	if (!is_app_entry(s))
		return true;
	if (job->nargs > APP_MAX_ARGS) {
		shell_error("call", "%s is an app entry: at most %d integer arguments", name, APP_MAX_ARGS);
		return false;
	}
	job->app = (struct app_args){ .argc = (int64_t)job->nargs };
	for (size_t i = 0; i < job->nargs; i++) {
		if (job->types[i] == DYN_PTR) {
			shell_error("call", "%s is an app entry: its arguments are integers", name);
			return false;
		}
		job->app.argv[i] = (int64_t)job->vals[i];
	}
	job->app_entry = true;
	job->nargs = 1;
	job->types[0] = DYN_PTR;
	job->ret = DYN_I64;
	return true;
}

#define CALL_USAGE "usage: call [--long] [--stack SIZE] <symbol> [args...]"

/* The options before the symbol; *first is the symbol's index. */
static bool call_parse_options(const struct shell_args *a, bool *wide, size_t *stack_bytes, size_t *first)
{
	*wide = false;
	*stack_bytes = 0;
	size_t i = 1;
	for (; i < a->argc && !strncmp(a->argv[i], "--", 2); i++) {
		if (!strcmp(a->argv[i], "--long")) {
			*wide = true;
		} else if (!strcmp(a->argv[i], "--stack")) {
			if (!shell_stack_option("call", a, ++i, stack_bytes))
				return false;
		} else {
			shell_error("call", "unknown option '%s' (" CALL_USAGE ")", a->argv[i]);
			return false;
		}
	}
	if (i == a->argc) {
		shell_error("call", "which symbol? (" CALL_USAGE ")");
		return false;
	}
	*first = i;
	return true;
}

bool cmd_call(struct shell *sh, const struct shell_args *a)
{
	(void)sh;
	bool wide;
	size_t stack_bytes, sym;
	if (!call_parse_options(a, &wide, &stack_bytes, &sym))
		return false;
	const char *name = a->argv[sym];
	size_t first = sym + 1;
	if (a->argc - first > DYNCALL_MAX_ARGS) {
		shell_error("call", "at most %d arguments", DYNCALL_MAX_ARGS);
		return false;
	}
	struct call_job job = { .ret = wide ? DYN_I64 : DYN_I32, .nargs = a->argc - first };
	struct task_ref t;
	{
		CELLS_GUARD(); /* the symbol's cell stays loaded until the task holds it (task_spawn_raw) */
		const struct cell_symbol *s = resolve_function(name);
		if (!s)
			return false;
		job.fn = (void *)s->addr;
		for (size_t i = 0; i < job.nargs; i++)
			if (!parse_call_arg(a, i + first, i + 1, &job.types[i], &job.vals[i]))
				return false;
		if (!call_as_app_entry(s, name, &job))
			return false;
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = name;
		o.cpu = task_cpu(task_current());
		o.stack_bytes = stack_bytes;
		err_t e = TASK_SPAWN(&o, call_job_run, &job, &t);
		if (e) {
			shell_error("call", "cannot start a task for %s: %s", name, err_text(e));
			return false;
		}
	} /* released before waiting: the wait blocks */
	int64_t ret = 0;
	err_t e = shell_wait_foreground(sh, &t, &ret);
	task_ref_drop(&t);
	if (e) {
		shell_error("call", "%s failed ('faults' shows why)", name);
		return false;
	}
	if (ret == INT64_MIN) {
		shell_error("call", "the HAL cannot make a call with %zu arguments to %s", job.nargs, name);
		return false;
	}
	kprintf("%s returned %lld (0x%llx)\n", name, (long long)ret, (unsigned long long)ret);
	return true;
}
