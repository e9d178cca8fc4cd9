/* Retired cells (swap.h): the old cells a swap withdrew, kept until nothing
 * refers to them. Which cells are retired is the cell floor's record (every
 * published cell with `retired` set); this file decides when one may go. A
 * round pauses the other CPUs, runs the check (retire_scan.c) over every
 * retired cell at once, resumes them and frees what nothing refers to. Rounds
 * run at every swap (retire_add), at `ls` and swap_reap, and from a reaper
 * task that lives while retired cells remain; swap_fini frees the rest at
 * shutdown. Everything here runs under the cells lock. */
#include "cell_swap.h"
#include "export.h"
#include "heap.h"
#include "klib.h"
#include "panic.h"
#include "retire_scan.h"
#include "swap.h"
#include "swap_boot.h"
#include "swap_internal.h"
#include "swap_retired.h"
#include "task.h"
#include "task_pause.h"

/* How long the reaper waits before its next round: RETRY_MIN after a
 * retirement, doubling (up to RETRY_MAX) while its rounds free nothing, so
 * a cell kept for long costs little. A round waits for the other CPUs to
 * pause as long as a swap's redirect does (SWAP_PAUSE_TIMEOUT_NS). */
#define RETIRE_RETRY_MIN_NS 50000000ull
#define RETIRE_RETRY_MAX_NS 1600000000ull

/* A cell the commit handed over (retire_add), with why it was kept at its
 * last round. Only these are candidates: a cell withdrawn but not handed
 * over yet (the commit withdraws all its old cells first) is a root. */
struct retire_entry {
	struct list link;
	struct cell *cell;
	char why[RETIRE_WHY_MAX];
};

static struct {
	struct list entries;
	size_t n;
	bool reaper;       /* a reaper task runs */
	uint64_t retry_ns; /* its next wait */
} retired = { LIST_INIT(retired.entries), 0, false, RETIRE_RETRY_MIN_NS };

static struct retire_entry *entry_of(const struct cell *c)
{
	struct list *pos;
	list_for_each(pos, &retired.entries) {
		struct retire_entry *e = list_entry(pos, struct retire_entry, link);
		if (e->cell == c)
			return e;
	}
	return NULL;
}

static void entry_drop(struct retire_entry *e)
{
	list_remove(&e->link);
	retired.n--;
	kfree(e);
}

static void region_of(struct unwind_range *r, const struct mapped_pages *m)
{
	r->lo = mp_start(m);
	r->hi = r->lo + mp_size(m);
}

static void candidate_of(struct retire_candidate *k, struct cell *c)
{
	k->cell = c;
	region_of(&k->region[REGION_TEXT], &c->text.m);
	region_of(&k->region[REGION_RODATA], &c->rodata);
	region_of(&k->region[REGION_DATA], &c->data.m);
}

/* --- the reaper: rounds without anyone asking ------------------------------------- */
static void reaper_stops(bool *running)
{
	if (*running) { /* killed (shutdown): a later retirement starts another */
		CELLS_GUARD();
		retired.reaper = false;
	}
}

static int64_t reaper_main(void *unused)
{
	(void)unused;
	bool running CLEANUP(reaper_stops) = true;
	for (;;) {
		uint64_t wait;
		{
			CELLS_GUARD();
			wait = retired.retry_ns;
		}
		(void)task_sleep_ns(wait);
		size_t freed = swap_reap();
		CELLS_GUARD(); /* decides and clears under one hold: a retirement meanwhile sees it running or not */
		if (!freed)
			retired.retry_ns = MIN(retired.retry_ns * 2, RETIRE_RETRY_MAX_NS);
		if (!retired.n) {
			retired.reaper = false;
			running = false;
			return 0;
		}
	}
}

/* Starts the reaper unless one runs. Without tasks (before tasks_init, in
 * tests of the cell system alone) or memory for one, the next swap, `ls` or
 * swap_reap tries again. */
static void reaper_ensure(void)
{
	if (retired.reaper || !tasks_cpus())
		return;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "reaper";
	o.service = true;
	struct task_ref t;
	if (task_spawn_raw(&o, reaper_main, NULL, 0, &t) == E_OK) {
		retired.reaper = true;
		task_ref_drop(&t);
	}
}

/* --- a round ------------------------------------------------------------------------- */
/* Frees the candidates the scan did not keep: first every one's edges (they
 * may use each other), then the cells; records why the others stay. */
static size_t free_unkept(struct retire_candidate *cand, size_t n, const struct cell *target, bool *target_freed)
{
	size_t freed = 0;
	for (size_t i = 0; i < n; i++)
		if (!cand[i].kept)
			cell_withdrawn_drop_edges(cand[i].cell);
	for (size_t i = 0; i < n; i++) {
		struct retire_entry *e = entry_of(cand[i].cell);
		if (cand[i].kept) {
			strlcpy(e->why, cand[i].why, sizeof e->why);
			continue;
		}
		if (cand[i].cell == target)
			*target_freed = true;
		entry_drop(e);
		cell_free_withdrawn(cand[i].cell);
		freed++;
	}
	return freed;
}

static size_t round_locked(uintptr_t own_below, const struct cell *target, bool *target_freed)
{
	if (!cells_locked())
		panic("a retired-cells round without the cells lock");
	size_t n = retired.n;
	if (!n)
		return 0;
	struct retire_candidate *cand = kzalloc(n * sizeof *cand);
	if (!cand) {
		reaper_ensure();
		return 0;
	}
	size_t i = 0;
	struct list *pos;
	list_for_each(pos, &retired.entries) candidate_of(&cand[i++], list_entry(pos, struct retire_entry, link)->cell);
	size_t freed = 0;
	if (tasks_pause_others(SWAP_PAUSE_TIMEOUT_NS) == E_OK) {
		retire_scan(cand, n, own_below);
		tasks_resume_others();
		freed = free_unkept(cand, n, target, target_freed);
	} else {
		list_for_each(pos, &retired.entries) {
			struct retire_entry *e = list_entry(pos, struct retire_entry, link);
			strlcpy(e->why, "not checked: the other CPUs did not pause in time", sizeof e->why);
		}
	}
	kfree(cand);
	if (freed < n)
		reaper_ensure();
	return freed;
}

/* The caller's callee-saved registers, stored at the bottom of what the scan
 * reads of the calling task's stack: a value a caller keeps only in one of
 * them is seen too, and the round's own frames below are not read. */
#define SPILL_CALLEE_SAVED(buf)                                                           \
	__asm__ volatile("mov %%rbx, 0(%0)\n\tmov %%rbp, 8(%0)\n\tmov %%r12, 16(%0)\n\t"      \
			 "mov %%r13, 24(%0)\n\tmov %%r14, 32(%0)\n\tmov %%r15, 40(%0)"           \
			 : : "r"(buf) : "memory")
/* Keeps buf alive (no tail call) until the round has returned. */
#define KEEP_SPILLED(buf) __asm__ volatile("" : : "r"(buf) : "memory")

static __attribute__((noinline)) size_t reap_from(uintptr_t own_below)
{
	CELLS_GUARD();
	return round_locked(own_below, NULL, NULL);
}

size_t swap_reap(void)
{
	uint64_t spilled[6];
	SPILL_CALLEE_SAVED(spilled);
	size_t n = reap_from((uintptr_t)spilled);
	KEEP_SPILLED(spilled);
	return n;
}

static __attribute__((noinline)) bool add_from(struct cell *c, uintptr_t own_below)
{
	bool freed = false;
	(void)round_locked(own_below, c, &freed);
	return freed;
}

bool retire_add(struct cell *c)
{
	if (!cells_locked())
		panic("retire_add(%s) without the cells lock", c->name);
	if (!c->retired || entry_of(c))
		panic("retire_add(%s): the cell was not withdrawn, or was handed over already", c->name);
	struct retire_entry *e = kzalloc(sizeof *e);
	if (!e)
		return false; /* retired, untracked: freed at shutdown (swap_fini) */
	e->cell = c;
	strlcpy(e->why, "not checked yet", sizeof e->why);
	list_push_back(&retired.entries, &e->link);
	retired.n++;
	retired.retry_ns = RETIRE_RETRY_MIN_NS;
	uint64_t spilled[6];
	SPILL_CALLEE_SAVED(spilled);
	bool freed = add_from(c, (uintptr_t)spilled);
	KEEP_SPILLED(spilled);
	return freed;
}

static void count_one(struct cell *c, void *arg) { *(size_t *)arg += c->retired; }

size_t swap_retired_count(void)
{
	CELLS_GUARD();
	size_t n = 0;
	cells_for_each(count_one, &n);
	return n;
}

/* --- ls ------------------------------------------------------------------------------- */
struct for_each {
	swap_retired_fn *fn;
	void *arg;
};

static void each_retired(struct cell *c, void *arg)
{
	struct for_each *f = arg;
	const struct retire_entry *e = entry_of(c);
	if (c->retired)
		f->fn(c, e ? e->why : "not checked yet", f->arg); /* being handed over, or no memory for its entry */
}

void swap_retired_for_each(swap_retired_fn *fn, void *arg)
{
	CELLS_GUARD();
	struct for_each f = { fn, arg };
	cells_for_each(each_retired, &f);
}

/* --- shutdown --------------------------------------------------------------------------- */
static void drop_edges_if_retired(struct cell *c, void *arg)
{
	(void)arg;
	if (c->retired)
		cell_withdrawn_drop_edges(c);
}

static void first_retired(struct cell *c, void *arg)
{
	struct cell **first = arg;
	if (c->retired && !*first)
		*first = c;
}

void swap_fini(void)
{
	CELLS_GUARD();
	cells_for_each(drop_edges_if_retired, NULL);
	for (;;) {
		struct cell *c = NULL;
		cells_for_each(first_retired, &c);
		if (!c)
			break;
		struct retire_entry *e = entry_of(c);
		if (e)
			entry_drop(e);
		cell_free_withdrawn(c);
	}
	retired.reaper = false;
}

EXPORT_KERNEL(swap_reap);
EXPORT_KERNEL(swap_retired_count);
EXPORT_KERNEL(swap_retired_for_each);
