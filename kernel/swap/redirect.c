/* Stage 3 of a swap: with the other CPUs held at a safe point (and the
 * cells lock), every dependent site is rewritten, the old cells' state goes
 * to the new ones (the transfer function, or copies of same-named data
 * objects), the edges move, and import tables learn their new provider.
 * The sites are undone if one write fails or the state cannot go over (a
 * transfer function that refuses changes nothing, swap.h), and nothing
 * after the state can fail, so a failure here leaves the system as it was. */
#include "cell_diag.h"
#include "export.h"
#include "hal_time.h"
#include "heap.h"
#include "panic.h"
#include "swap_internal.h"
#include "task_pause.h"

static unsigned inject_at, writes; /* cells lock */
static const struct swap_transfer *current_view; /* the running transfer function's, cells lock */

void swap_inject_write_failure(unsigned n)
{
	CELLS_GUARD();
	inject_at = n;
	writes = 0;
}

void swap_inject_spent(void)
{
	if (!cells_locked())
		panic("swap_inject_spent without the cells lock");
	inject_at = writes = 0;
}

/* The new cell that takes over old cell c: the one of the same name, else
 * the one exporting what c exported (a renamed version), else the only new
 * cell; NULL when that is not clear (nothing is translated by guesswork). */
static const struct cell *replacement(const struct swap_txn *x, const struct cell *c)
{
	for (size_t i = 0; i < x->n_new; i++)
		if (!strcmp(x->new[i]->name, c->name))
			return x->new[i];
	for (size_t k = 0; k < c->n_symbols; k++) {
		const struct cell_symbol *s = hmap_get(&x->staging->symbols, c->symbols[k].name);
		if (s && s->section)
			return s->section->cell;
	}
	return x->n_new == 1 ? x->new[0] : NULL;
}

/* Sections that hold many objects (the default ones, merged strings and
 * constants): an offset in one means nothing in another build's layout. */
static bool shared_section(const char *name)
{
	static const char *const whole[] = { ".text", ".rodata", ".data", ".bss", ".text.unlikely", ".text.hot" };
	for (size_t i = 0; i < ARRAY_LEN(whole); i++)
		if (!strcmp(name, whole[i]))
			return true;
	return str_starts_with(name, ".rodata.str") || str_starts_with(name, ".rodata.cst");
}

/* Where a pointer to s+off of an old cell goes in the new cells: the
 * same-named section of its replacement, when that place is the same thing:
 * the two sections are byte for byte equal (text, rodata), or the section
 * holds one function or object and the pointer is at its start (or, for
 * data, anywhere in it, when it has the same size). NULL otherwise. */
static const struct cell_section *new_section(const struct swap_txn *x, const struct cell_section *s, size_t off)
{
	const struct cell *c = replacement(x, s->cell);
	for (size_t k = 0; c && k < c->n_sections; k++) {
		const struct cell_section *n = &c->sections[k];
		if (strcmp(n->name, s->name) || off >= MAX(n->size, 1))
			continue;
		bool same_size = n->size == s->size;
		if (same_size && s->region != REGION_DATA && !memcmp((const void *)n->addr, (const void *)s->addr, s->size))
			return n;
		if (!shared_section(s->name) && (off == 0 || (s->region == REGION_DATA && same_size)))
			return n;
		return NULL;
	}
	return NULL;
}

/* A copied object's words that point into an old cell point into the
 * same-named section of the new cells; one with no counterpart refuses the
 * swap (its data would keep using the old cell's code or data). */
static err_t translate(struct swap_txn *x, const struct swap_copy *cp)
{
	for (size_t off = (8 - cp->to % 8) % 8; off + 8 <= cp->size; off += 8) {
		uintptr_t v;
		memcpy(&v, (const void *)(cp->to + off), sizeof v);
		const struct cell_section *s = cell_section_at(v);
		if (!s || !swap_is_old(x, s->cell))
			continue;
		const struct cell_section *n = new_section(x, s, v - s->addr);
		if (!n) {
			uint64_t o = off;
			strlcpy(x->res->diag.cell, cp->to_cell->name, sizeof x->res->diag.cell);
			return diag_set(&x->res->diag, E_INCOMPATIBLE, NULL, cp->name, &o,
					"the old value points to %s:%s+%#lx, which has no sure counterpart in the new "
					"cells; name a transfer function", s->cell->name, s->name,
					(unsigned long)(v - s->addr));
		}
		v = n->addr + (v - s->addr);
		memcpy((void *)(cp->to + off), &v, sizeof v);
	}
	return E_OK;
}

static err_t transfer_state(struct swap_txn *x)
{
	if (x->transfer) {
		struct swap_transfer view = { x };
		current_view = &view;
		int64_t r = x->transfer(&view);
		current_view = NULL;
		if (r)
			return diag_set(&x->res->diag, E_FAILED, NULL, x->spec->transfer, NULL,
					"the transfer function refused the swap (returned %lld)", (long long)r);
		return E_OK;
	}
	for (size_t i = 0; i < x->n_copies; i++) {
		const struct swap_copy *cp = &x->copies[i];
		memcpy((void *)cp->to, (const void *)cp->from, cp->size); /* the new cell's data is writable */
		err_t e = translate(x, cp);
		if (e)
			return e;
		x->res->copied++;
	}
	return E_OK;
}

/* Before the pause: one window per region written (a map each), so the
 * pause itself holds only stores. Sites in data share one closed window. */
static err_t open_windows(struct swap_txn *x)
{
	if (!x->n_sites)
		return E_OK;
	if (!(x->windows = kzalloc(x->n_sites * sizeof *x->windows)))
		return E_NOMEM;
	for (size_t i = 0; i < x->n_sites; i++) {
		struct swap_site *s = &x->sites[i];
		struct mm_window w;
		err_t e = cell_window_open(s->site.cell, s->site.addr, &w);
		if (e)
			return e;
		size_t k = 0;
		while (k < x->n_windows && x->windows[k].m != w.m)
			k++;
		if (k == x->n_windows)
			x->windows[x->n_windows++] = w;
		else
			mp_window_close(&w); /* that region has its window already */
		s->window = k;
	}
	return E_OK;
}

static void close_windows(struct swap_txn *x)
{
	for (size_t i = 0; i < x->n_windows; i++)
		mp_window_close(&x->windows[i]);
	kfree(x->windows);
	x->windows = NULL;
	x->n_windows = 0;
}

/* The site, and the cell's copy of its data as loaded when the site is in
 * its data (stage 3 of recovery puts that copy back: it must not bring
 * back a pointer into the old cell). */
static err_t write_site(struct swap_txn *x, struct swap_site *s, const uint8_t *bytes)
{
	err_t e = cell_window_write(s->site.cell, &x->windows[s->window], s->site.addr, bytes, s->site.len);
	if (!e)
		cell_snapshot_write(s->site.cell, s->site.addr, bytes, s->site.len);
	return e;
}

/* Puts back the first n sites that were written. */
static void put_back_sites(struct swap_txn *x, size_t n)
{
	while (n--)
		if (x->sites[n].written && write_site(x, &x->sites[n], x->sites[n].original))
			panic("swap: cannot put back the site at %#lx", (unsigned long)x->sites[n].site.addr);
	x->res->sites = 0;
}

/* Writes each site that still holds what its relocation wrote; on a
 * failure, puts back the ones written. */
static err_t rewrite_sites(struct swap_txn *x)
{
	for (size_t i = 0; i < x->n_sites; i++) {
		struct swap_site *s = &x->sites[i];
		if (memcmp((const void *)s->site.addr, s->original, s->site.len)) {
			x->res->left_alone++; /* the program stored its own value there since */
			continue;
		}
		err_t e = inject_at && ++writes == inject_at ? E_HAL : write_site(x, s, s->site.next);
		if (e) {
			uint64_t off = s->edge->offset;
			strlcpy(x->res->diag.cell, s->site.cell->name, sizeof x->res->diag.cell);
			diag_set(&x->res->diag, e, s->edge->from->name, s->to->name, &off, "cannot rewrite the site%s",
				 inject_at && writes == inject_at ? " (injected failure)" : "");
			put_back_sites(x, i);
			return e;
		}
		s->written = true;
		x->res->sites++;
	}
	return E_OK;
}

static void move_edges(struct swap_txn *x)
{
	for (size_t i = 0; i < x->n_sites; i++)
		edge_move(x->sites[i].edge, x->sites[i].to);
	x->res->edges = x->n_sites;
	import_tables_refresh();
}

err_t swap_redirect(struct swap_txn *x)
{
	err_t e = open_windows(x);
	if (e) {
		close_windows(x);
		return diag_set(&x->res->diag, e, NULL, NULL, NULL, "cannot map the sites writable");
	}
	if ((e = tasks_pause_others(SWAP_PAUSE_TIMEOUT_NS))) {
		close_windows(x);
		return diag_set(&x->res->diag, e, NULL, NULL, NULL, "the other CPUs did not reach a safe point");
	}
	uint64_t held = hal_time_ns();
	/* The state goes last, when nothing after it can fail: a transfer
	 * function may move what is not its cell's (sched_prio relinks the
	 * tasks' own run-queue links), which no undo could put back. */
	e = rewrite_sites(x);
	if (!e && (e = transfer_state(x)))
		put_back_sites(x, x->n_sites);
	if (!e)
		move_edges(x);
	x->res->times.pause_ns = hal_time_ns() - held;
	tasks_resume_others();
	close_windows(x);
	return e;
}

/* --- what a transfer function sees ------------------------------------------------ */

const void *swap_old_object(const struct swap_transfer *from, const char *name, size_t *size)
{
	*size = 0;
	/* Only the view a running transfer function was given: anything else
	 * (a made-up pointer from `call`, a view kept after the swap) is not
	 * followed. The transfer runs under the cells lock, on this CPU. */
	if (!cells_locked() || from != current_view)
		return NULL;
	const struct swap_txn *x = from->x;
	for (size_t i = 0; i < x->n_old; i++) {
		struct cell_data_object o;
		if (cell_data_object(x->old[i], name, &o)) {
			*size = o.size;
			return (const void *)o.addr;
		}
	}
	*size = 0;
	return NULL;
}

EXPORT_APP(swap_old_object); /* any cell may carry its state over */
EXPORT_KERNEL(swap_inject_write_failure);
