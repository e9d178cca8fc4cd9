/* The check behind the retired cells (retire_scan.h): with the other CPUs
 * paused, every task's frames are walked with the unwinder, then writable
 * memory (every task's live stack, the heap's live blocks, the data of every
 * cell that is not a candidate) is read word by word for an address inside a
 * candidate, and cells' edges into one are looked at. A candidate found
 * referred to becomes a root itself (its data and bookkeeping are read in the
 * next pass), until nothing changes. */
#include <valgrind/memcheck.h>

#include "cell_swap.h"
#include "heap.h"
#include "klib.h"
#include "panic.h"
#include "retire_scan.h"
#include "task_walk.h"

struct scan {
	struct retire_candidate *cand;
	size_t n;
	uintptr_t lo, hi; /* bounds over the free candidates' pages: most words miss them */
	bool changed;
};

/* Where a word was found, for the reason. */
enum place_kind { IN_STACK, IN_HEAP, IN_DATA };
struct place {
	enum place_kind kind;
	const struct task_stack_view *task;
	const struct cell_section *sec;
	uintptr_t base;
	bool probe; /* only note that a word hits (found), keep nothing */
	bool found;
};

static void bounds(struct scan *s)
{
	s->lo = UINTPTR_MAX;
	s->hi = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t r = 0; r < REGION_COUNT && !s->cand[i].kept; r++)
			if (s->cand[i].region[r].hi > s->cand[i].region[r].lo) {
				s->lo = MIN(s->lo, s->cand[i].region[r].lo);
				s->hi = MAX(s->hi, s->cand[i].region[r].hi);
			}
}

/* The free candidate whose pages (of region r, or any: REGION_COUNT) hold a. */
static struct retire_candidate *target_of(struct scan *s, uint64_t a, enum cell_region only)
{
	if (a < s->lo || a >= s->hi)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		struct retire_candidate *c = &s->cand[i];
		for (size_t r = 0; r < REGION_COUNT && !c->kept; r++)
			if ((only == REGION_COUNT || only == r) && a >= c->region[r].lo && a < c->region[r].hi)
				return c;
	}
	return NULL;
}

static struct retire_candidate *candidate(struct scan *s, const struct cell *c)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->cand[i].cell == c)
			return &s->cand[i];
	return NULL;
}

static bool still_free(struct scan *s, const struct cell *c)
{
	const struct retire_candidate *k = candidate(s, c);
	return k && !k->kept;
}

static PRINTF_LIKE(3, 4) void keep(struct scan *s, struct retire_candidate *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	c->kept = true;
	s->changed = true;
	bounds(s);
}

/* "retire_probe:.rodata.msg+0x4" (the cells lock keeps it named). */
static const char *describe(uintptr_t a, char *buf, size_t cap)
{
	const struct cell_section *sec = cell_section_at(a);
	if (sec)
		ksnprintf(buf, cap, "%s:%s+%#lx", sec->cell->name, sec->name, (unsigned long)(a - sec->addr));
	else
		ksnprintf(buf, cap, "%#lx", (unsigned long)a);
	return buf;
}

/* --- frames --------------------------------------------------------------------- */
struct frame_walk {
	struct scan *s;
	const struct task_stack_view *v;
};

static bool frame_in_candidate(uintptr_t pc, bool is_ra, void *arg)
{
	struct frame_walk *fw = arg;
	uintptr_t at = is_ra ? pc - 1 : pc;
	struct retire_candidate *c = target_of(fw->s, at, REGION_TEXT);
	char where[80];
	if (c)
		keep(fw->s, c, "task %u (%s) has a frame in it at %s", fw->v->id, fw->v->name,
		     describe(at, where, sizeof where));
	return true; /* every frame: another candidate may lie further up */
}

static void walk_frames(const struct task_stack_view *v, void *arg)
{
	struct frame_walk fw = { arg, v };
	enum unwind_end end;
	/* Where the walk stops early (code without unwind information), the
	 * word scan still sees the return addresses above. */
	if (v->has_regs)
		(void)!unwind_walk(&v->regs, v->pc_is_ra, v->stack_lo, v->stack_hi, frame_in_candidate, &fw, &end);
}

/* --- words ---------------------------------------------------------------------- */
static void hit(struct scan *s, struct place *p, uintptr_t at, uint64_t w)
{
	struct retire_candidate *c = target_of(s, w, REGION_COUNT);
	if (!c)
		return;
	p->found = true;
	if (p->probe)
		return;
	char to[80];
	describe(w, to, sizeof to);
	switch (p->kind) {
	case IN_STACK:
		keep(s, c, "a word of task %u (%s)'s stack points to %s", p->task->id, p->task->name, to);
		break;
	case IN_HEAP:
		keep(s, c, "heap block %#lx+%#lx points to %s", (unsigned long)p->base, (unsigned long)(at - p->base), to);
		break;
	case IN_DATA:
		keep(s, c, "%s:%s+%#lx points to %s", p->sec->cell->name, p->sec->name, (unsigned long)(at - p->base), to);
		break;
	}
}

#define SCAN_CHUNK 512

static void scan_chunk(struct scan *s, struct place *p, uintptr_t a, size_t len)
{
	for (uintptr_t w = a; w < a + len; w += sizeof(uint64_t))
		hit(s, p, w, *(const volatile uint64_t *)w);
}

/* Reads the aligned words of [lo, hi). Under valgrind the words are read as
 * defined and their definedness put back afterwards (an uninitialised word
 * is still a word the scan must see); what memcheck holds unaddressable
 * (below a stack pointer it saw move up) is dead and skipped. */
static void scan_words(struct scan *s, struct place *p, uintptr_t lo, uintptr_t hi)
{
	lo = ALIGN_UP(lo, sizeof(uint64_t));
	hi &= ~(uintptr_t)(sizeof(uint64_t) - 1);
	uint8_t vbits[SCAN_CHUNK];
	for (uintptr_t a = lo; a < hi; a += SCAN_CHUNK) {
		size_t len = MIN((uintptr_t)SCAN_CHUNK, hi - a);
		if (!RUNNING_ON_VALGRIND) {
			scan_chunk(s, p, a, len);
			continue;
		}
		for (uintptr_t w = a; w < a + len; w += sizeof(uint64_t)) {
			if (VALGRIND_GET_VBITS(w, vbits, sizeof(uint64_t)) != 1)
				continue;
			VALGRIND_MAKE_MEM_DEFINED(w, sizeof(uint64_t));
			scan_chunk(s, p, w, sizeof(uint64_t));
			(void)VALGRIND_SET_VBITS(w, vbits, sizeof(uint64_t));
		}
	}
}

static void scan_stack(const struct task_stack_view *v, void *arg)
{
	struct place p = { .kind = IN_STACK, .task = v };
	scan_words(arg, &p, v->live_lo, v->stack_hi);
}

/* The blocks of a cell's own bookkeeping: they hold its own addresses
 * (sections, symbols, its unwind table's text range, its edges' GOT slots)
 * and bounds (an end that may equal the start of the region mapped just
 * above, another cell's), never a reference into another cell. The data as
 * loaded (data_snapshot) is the exception: a reinitialisation copies it
 * back, so for any cell but the candidate itself its words count. */
static bool owned_by(const struct cell *c, const void *b, bool with_snapshot)
{
	if (b == c || b == c->sections || b == c->symbols || b == c->image_symbols || b == c->lsda_ranges ||
	    b == c->object_owned || (with_snapshot && b == c->data_snapshot))
		return true;
	for (size_t i = 0; i < c->n_symbols; i++)
		if (b == c->symbols[i].name)
			return true;
	for (size_t i = 0; i < c->n_sections; i++) {
		if (b == c->sections[i].name)
			return true;
		const struct list *pos;
		list_for_each(pos, &c->sections[i].edges_out)
			if (b == list_entry(pos, struct dep_edge, out_link))
				return true;
	}
	return false;
}

struct owner_search {
	struct scan *s;
	const void *block;
	bool found;
};

static void find_owner(struct cell *c, void *arg)
{
	struct owner_search *o = arg;
	if (!o->found)
		o->found = owned_by(c, o->block, still_free(o->s, c));
}

/* A heap block is read unless it is the scan's own array or a cell's
 * bookkeeping; that is looked up only for a block with a hit (few have
 * one). */
static void scan_block(const void *b, size_t size, void *arg)
{
	struct scan *s = arg;
	struct place p = { .kind = IN_HEAP, .base = (uintptr_t)b, .probe = true };
	if (b == s->cand)
		return;
	scan_words(s, &p, (uintptr_t)b, (uintptr_t)b + size);
	if (!p.found)
		return;
	struct owner_search o = { s, b, false };
	cells_for_each(find_owner, &o);
	p.probe = false;
	if (!o.found)
		scan_words(s, &p, (uintptr_t)b, (uintptr_t)b + size);
}

/* The HAL's builtin cell (kernel/cell/nano_core.c). */
#define HAL_CELL "nano_core_hal"

/* The data (and bss) sections of every cell but the free candidates:
 * loaded, builtin (the nano_core's globals) and retired cells kept. Not the
 * HAL's: it holds the boot CPU's stack (bare metal) and the fault signal
 * stack (hosted), whose dead words would keep a cell for ever, and nothing
 * a cell handed it (cells reach the HAL only through the kernel, which
 * gives it kernel functions). */
static void scan_data(struct cell *c, void *arg)
{
	struct scan *s = arg;
	if (still_free(s, c) || (c->builtin && !strcmp(c->name, HAL_CELL)))
		return;
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct cell_section *sec = &c->sections[i];
		struct place p = { .kind = IN_DATA, .sec = sec, .base = sec->addr };
		if (sec->region == REGION_DATA)
			scan_words(s, &p, sec->addr, sec->addr + sec->size);
	}
}

/* Edges into a free candidate from a cell outside them: a relocated site
 * (in text too, which the word scan does not read) still uses it. */
static void check_edges(struct scan *s, struct retire_candidate *k)
{
	const struct cell *c = k->cell;
	for (size_t i = 0; i < c->n_sections && !k->kept; i++) {
		const struct list *pos;
		list_for_each(pos, &c->sections[i].edges_in) {
			const struct dep_edge *e = list_entry(pos, struct dep_edge, in_link);
			if (!still_free(s, e->from->cell)) {
				keep(s, k, "cell %s uses it (a relocation in %s+%#lx)", e->from->cell->name,
				     e->from->name, (unsigned long)e->offset);
				break;
			}
		}
	}
}

void retire_scan(struct retire_candidate *cand, size_t n, uintptr_t own_below)
{
	if (!cells_locked())
		panic("retire_scan without the cells lock");
	struct scan s = { cand, n, 0, 0, false };
	bounds(&s);
	task_walk_stacks(own_below, walk_frames, &s);
	for (size_t i = 0; i < n; i++) /* a restart would begin at the old entry */
		if (cand[i].cell->task_refs && !cand[i].kept)
			keep(&s, &cand[i], "%u task(s) started at its entry still live", cand[i].cell->task_refs);
	do {
		s.changed = false;
		for (size_t i = 0; i < n; i++)
			if (!cand[i].kept)
				check_edges(&s, &cand[i]);
		task_walk_stacks(own_below, scan_stack, &s);
		heap_walk(scan_block, &s);
		cells_for_each(scan_data, &s);
	} while (s.changed);
}
