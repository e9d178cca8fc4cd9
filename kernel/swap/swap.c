/* Swapping cells live: the one entry, swap_cells, and its stages 1
 * (load), 2 (verify) and 4 (commit); stage 3 (redirect) is redirect.c.
 * Everything runs under the cells lock. Stages 1 and 2 change nothing that
 * anybody else sees (the new cells sit in a staging namespace nobody
 * resolves through); stage 3 undoes its own work on failure; stage 4 cannot
 * fail (every allocation it needs was made before stage 3). So a refused
 * swap leaves the system as it was. */
#include "cell_diag.h"
#include "export.h"
#include "heap.h"
#include "hal_time.h"
#include "panic.h"
#include "swap_internal.h"

bool swap_is_old(const struct swap_txn *x, const struct cell *c)
{
	for (size_t i = 0; i < x->n_old; i++)
		if (x->old[i] == c)
			return true;
	return false;
}

void swap_problem(struct swap_txn *x, err_t e, const struct cell *cell, const char *section, const char *symbol,
		  const char *fmt, ...)
{
	struct swap_result *res = x->res;
	char detail[200];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if (!res->n_problems++) {
		strlcpy(res->diag.cell, cell ? cell->name : "", sizeof res->diag.cell);
		diag_set(&res->diag, e, section, symbol, NULL, "%s", detail);
	}
	size_t n = strlen(res->problems);
	char where[160];
	ksnprintf(where, sizeof where, "%s%s%s", cell ? cell->name : "swap", section ? ":" : "", section ? section : "");
	if (symbol)
		ksnprintf(res->problems + n, sizeof res->problems - n, "%s needs %s: %s\n", where, symbol, detail);
	else
		ksnprintf(res->problems + n, sizeof res->problems - n, "%s: %s\n", where, detail);
}

/* --- stage 1: load ----------------------------------------------------------- */

static err_t find_old(struct swap_txn *x)
{
	const struct swap_spec *spec = x->spec;
	struct cell_diag *d = &x->res->diag;
	if (spec->n_old > SWAP_MAX_CELLS || spec->n_new > SWAP_MAX_CELLS || spec->n_old + spec->n_new == 0)
		return diag_set(d, E_INVAL, NULL, NULL, NULL, "a swap takes 1 to %d old and new cells (%zu and %zu given)",
				SWAP_MAX_CELLS, spec->n_old, spec->n_new);
	for (size_t i = 0; i < spec->n_old; i++) {
		struct cell *c = ns_find_cell(spec->ns, spec->old[i]);
		strlcpy(d->cell, spec->old[i], sizeof d->cell);
		if (!c)
			return diag_set(d, E_NOTFOUND, NULL, NULL, NULL, "no such cell in namespace %s", spec->ns->name);
		if (c->builtin)
			return diag_set(d, E_INVAL, NULL, NULL, NULL, "part of the nano_core image. It cannot be swapped");
		if (swap_is_old(x, c))
			return diag_set(d, E_INVAL, NULL, NULL, NULL, "named twice");
		x->old[x->n_old++] = c;
	}
	d->cell[0] = '\0';
	return E_OK;
}

static err_t stage_load(struct swap_txn *x)
{
	err_t e = find_old(x);
	if (e)
		return e;
	if ((e = ns_create("swap-staging", x->spec->ns, &x->staging)))
		return diag_set(&x->res->diag, e, NULL, NULL, NULL, "staging namespace");
	struct cell_object objs[SWAP_MAX_CELLS];
	for (size_t i = 0; i < x->spec->n_new; i++)
		objs[i] = (struct cell_object){ x->spec->new[i].label, x->spec->new[i].bytes, x->spec->new[i].size };
	e = cell_load_set(x->staging, x->spec->n_new, objs, x->new, &x->res->diag);
	if (!e)
		x->n_new = x->spec->n_new;
	return e;
}

/* --- stage 2: verify both ways ------------------------------------------------ */

/* The symbol the new cells export as name, or NULL. */
static const struct cell_symbol *new_symbol(const struct swap_txn *x, const char *name)
{
	return hmap_get(&x->staging->symbols, name);
}

/* One edge into an old cell from a cell that stays (or a new one): the new
 * cells must export the symbol, of the same kind (and size, for data),
 * visible to the user's class, near enough for the relocation. */
static void verify_edge(struct swap_txn *x, struct dep_edge *e)
{
	const struct cell *user = e->from->cell, *was = e->sym->section->cell;
	const struct cell_symbol *to = new_symbol(x, e->sym->name);
	/* A retired cell (swapped out, still running somewhere) is redirected
	 * when it can be, and never refuses a swap: where it cannot, it keeps
	 * using the old cell, which is retired in turn. */
	if (user->retired && (!to || to->is_func != e->sym->is_func || (!to->is_func && to->size != e->sym->size) ||
			      (user->class == CELL_APP && !to->app_visible)))
		return;
	const char *sec = e->from->name, *sym = e->sym->name;
	bool user_is_new = user->ns == x->staging;
	if (!to) {
		swap_problem(x, E_UNDEF_SYMBOL, user, sec, sym, "%s %s; no new cell exports it", user_is_new ?
			     "only exported by the old cell" : "used from the old cell", was->name);
		return;
	}
	if (to->is_func != e->sym->is_func || (!to->is_func && to->size != e->sym->size)) {
		swap_problem(x, E_INCOMPATIBLE, user, sec, sym, "the old cell %s exports a %s of %zu bytes, the new one a %s of %zu",
			     was->name, e->sym->is_func ? "function" : "data object", e->sym->size,
			     to->is_func ? "function" : "data object", to->size);
		return;
	}
	if (user->class == CELL_APP && !to->app_visible) {
		swap_problem(x, E_PRIVILEGE, user, sec, sym, "an app cell may not link it from kernel cell %s",
			     to->section ? to->section->cell->name : "?");
		return;
	}
	struct swap_site *s = &x->sites[x->n_sites];
	struct edge_site was_site;
	if (edge_site(e, to, &s->site) || edge_site(e, e->sym, &was_site)) {
		if (user->retired)
			return;
		swap_problem(x, E_RELOC_OVERFLOW, user, sec, sym, "%s at offset %#llx cannot reach the new cell",
			     reloc_type_name(e->type), (unsigned long long)e->offset);
		return;
	}
	memcpy(s->original, was_site.next, sizeof s->original);
	s->edge = e;
	s->to = to;
	x->n_sites++;
}

static size_t count_edges_in(const struct swap_txn *x)
{
	size_t n = 0;
	for (size_t i = 0; i < x->n_old; i++)
		for (size_t k = 0; k < x->old[i]->n_sections; k++) {
			struct list *pos;
			list_for_each(pos, &x->old[i]->sections[k].edges_in) n++;
		}
	return n;
}

/* Every dependent of the old cells is satisfied by the new ones. */
static err_t verify_dependents(struct swap_txn *x)
{
	size_t n = count_edges_in(x);
	if (n && !(x->sites = kzalloc(n * sizeof *x->sites)))
		return diag_set(&x->res->diag, E_NOMEM, NULL, NULL, NULL, "%zu sites", n);
	for (size_t i = 0; i < x->n_old; i++)
		for (size_t k = 0; k < x->old[i]->n_sections; k++) {
			struct list *pos;
			list_for_each(pos, &x->old[i]->sections[k].edges_in) {
				struct dep_edge *e = list_entry(pos, struct dep_edge, in_link);
				if (!swap_is_old(x, e->from->cell))
					verify_edge(x, e);
			}
		}
	return E_OK;
}

/* The new cells fit into the live namespace once the old ones left it:
 * no name clashes with a cell that stays. */
static void verify_names(struct swap_txn *x)
{
	const struct namespace *live = x->spec->ns;
	for (size_t i = 0; i < x->n_new; i++) {
		const struct cell *c = x->new[i], *other = ns_find_cell(live, c->name);
		if (other && !swap_is_old(x, other))
			swap_problem(x, E_EXISTS, c, NULL, NULL, "a cell of that name stays in namespace %s", live->name);
		for (size_t k = 0; k < c->n_symbols; k++) {
			const struct cell_symbol *s = hmap_get(&live->symbols, c->symbols[k].name);
			if (s && s->section && !swap_is_old(x, s->section->cell))
				swap_problem(x, E_DUP_SYMBOL, c, NULL, NULL, "exports %s, as cell %s, which stays, does",
					     c->symbols[k].name, s->section->cell->name);
		}
	}
}

/* The named transfer function, declared with SWAP_TRANSFER in a new cell. */
static void find_transfer(struct swap_txn *x)
{
	const struct cell_symbol *s = new_symbol(x, x->spec->transfer);
	for (size_t i = 0; s && i < x->n_new; i++)
		for (size_t k = 0; k < x->new[i]->n_sections; k++) {
			const struct cell_section *sec = &x->new[i]->sections[k];
			if (strcmp(sec->name, SWAP_TRANSFER_SECTION) || sec->size % sizeof(struct swap_transfer_record))
				continue;
			const struct swap_transfer_record *r = (const void *)sec->addr;
			for (size_t j = 0; j < sec->size / sizeof *r; j++)
				if (r[j].magic == SWAP_TRANSFER_MAGIC && (uintptr_t)r[j].fn == s->addr)
					x->transfer = r[j].fn;
		}
	if (!x->transfer)
		swap_problem(x, E_NOTFOUND, NULL, NULL, NULL, "no new cell declares SWAP_TRANSFER(%s)", x->spec->transfer);
}

struct copy_plan {
	struct swap_txn *x;
	struct cell *old;
	err_t err;
};

struct name_count {
	const char *name;
	size_t n;
};

static bool count_name(const struct cell_data_object *o, void *arg)
{
	struct name_count *c = arg;
	c->n += !strcmp(o->name, c->name);
	return true;
}

static size_t objects_named(const struct cell *c, const char *name)
{
	struct name_count n = { name, 0 };
	cell_data_objects(c, count_name, &n);
	return n.n;
}

/* One data object of an old cell: into the new cells' object of that name.
 * Two file-local objects of one name in a cell cannot be told apart by
 * name: such a cell needs a transfer function. */
static bool plan_copy(const struct cell_data_object *was, void *arg)
{
	struct copy_plan *p = arg;
	struct swap_txn *x = p->x;
	if (objects_named(p->old, was->name) > 1) {
		swap_problem(x, E_INCOMPATIBLE, p->old, was->section->name, NULL,
			     "more than one data object is called %s (file-local ones): a copy cannot tell them "
			     "apart; name a transfer function", was->name);
		return true;
	}
	for (size_t k = 0; k < x->n_new; k++) {
		struct cell_data_object now;
		if (!cell_data_object(x->new[k], was->name, &now))
			continue;
		if (objects_named(x->new[k], was->name) > 1) {
			swap_problem(x, E_INCOMPATIBLE, x->new[k], now.section->name, NULL,
				     "more than one data object is called %s (file-local ones): a copy cannot tell "
				     "them apart; name a transfer function", was->name);
			return true;
		}
		if (was->size != now.size) {
			swap_problem(x, E_INCOMPATIBLE, x->new[k], now.section->name, NULL,
				     "data object %s changed size (%zu bytes in %s, %zu here) and no transfer function "
				     "was named", was->name, was->size, p->old->name, now.size);
			return true;
		}
		struct swap_copy *grown = krealloc(x->copies, (x->n_copies + 1) * sizeof *x->copies);
		if (!grown) {
			p->err = diag_set(&x->res->diag, E_NOMEM, NULL, NULL, NULL, "data copy plan");
			return false;
		}
		x->copies = grown;
		x->copies[x->n_copies++] = (struct swap_copy){ now.name, x->new[k], was->addr, now.addr, was->size };
		return true;
	}
	return true;
}

/* Without a transfer function: each data object of an old cell goes to the
 * new cells' object of the same name and size; a same-named object whose
 * size changed is refused. */
static err_t plan_copies(struct swap_txn *x)
{
	for (size_t i = 0; i < x->n_old; i++) {
		struct copy_plan p = { x, x->old[i], E_OK };
		cell_data_objects(x->old[i], plan_copy, &p);
		if (p.err)
			return p.err;
	}
	return E_OK;
}

static err_t stage_verify(struct swap_txn *x)
{
	err_t e = verify_dependents(x);
	if (e)
		return e;
	verify_names(x);
	if (x->spec->transfer)
		find_transfer(x);
	else if (!(x->spec->flags & SWAP_FRESH) && (e = plan_copies(x)))
		return e;
	if (x->res->n_problems)
		return x->res->diag.err;
	size_t exports = 0;
	for (size_t i = 0; i < x->n_new; i++)
		exports += x->new[i]->n_symbols;
	/* Commit moves the new exports into the live map: room is made now, so
	 * that nothing after the redirect can fail. */
	if ((e = hmap_reserve(&x->spec->ns->symbols, exports)))
		return diag_set(&x->res->diag, e, NULL, NULL, NULL, "namespace %s symbol map", x->spec->ns->name);
	if (x->spec->flags & SWAP_KEEP_OLD)
		return swap_cache_prepare(x);
	return E_OK;
}

/* --- stage 4: commit ----------------------------------------------------------- */

static void stage_commit(struct swap_txn *x)
{
	for (size_t i = 0; i < x->n_old; i++)
		x->res->tasks_in_old += x->old[i]->task_refs;
	for (size_t i = 0; i < x->n_old; i++)
		cell_withdraw(x->old[i]);
	for (size_t i = 0; i < x->n_new; i++) {
		struct cell_diag d;
		if (cell_move(x->new[i], x->spec->ns, &d))
			panic("swap: cannot move %s into namespace %s after the redirect", x->new[i]->name,
			      x->spec->ns->name);
	}
	ns_destroy(x->staging);
	x->staging = NULL;
	swap_cache_install(x);
	for (size_t i = 0; i < x->n_old; i++) {
		if (retire_add(x->old[i]))
			x->res->freed++;
		else
			x->res->retired++;
	}
}

/* --- the entry --------------------------------------------------------------------- */

/* Unloads what stage 1 loaded (newest first) and the staging namespace. */
static void undo_load(struct swap_txn *x)
{
	struct cell_diag d;
	/* n rounds, each unloading every new cell that no other still uses:
	 * they form no cycle, so each round frees at least one. */
	for (size_t i = x->n_new; i--;)
		for (size_t k = x->n_new; k--;)
			if (x->new[k] && cell_unload(x->new[k], &d) == E_OK)
				x->new[k] = NULL;
	for (size_t k = 0; k < x->n_new; k++)
		if (x->new[k])
			panic("swap: cannot unload the new cell %s after a refusal: %s", x->new[k]->name, d.detail);
	ns_destroy(x->staging);
}

static err_t run(struct swap_txn *x)
{
	struct swap_times *t = &x->res->times;
	uint64_t t0 = hal_time_ns();
	err_t e = stage_load(x);
	uint64_t t1 = hal_time_ns();
	t->load_ns = t1 - t0;
	if (e) {
		x->res->failed_stage = SWAP_LOAD;
		if (x->staging)
			ns_destroy(x->staging);
		return e;
	}
	e = stage_verify(x);
	uint64_t t2 = hal_time_ns();
	t->verify_ns = t2 - t1;
	if (!e) {
		e = swap_redirect(x);
		if (e)
			x->res->failed_stage = SWAP_REDIRECT;
	} else {
		x->res->failed_stage = SWAP_VERIFY;
	}
	uint64_t t3 = hal_time_ns();
	t->redirect_ns = e && x->res->failed_stage == SWAP_VERIFY ? 0 : t3 - t2;
	if (e) {
		swap_cache_drop(x->keep);
		undo_load(x);
		return e;
	}
	stage_commit(x);
	t->commit_ns = hal_time_ns() - t3;
	return E_OK;
}

err_t swap_cells(const struct swap_spec *spec, struct swap_result *res)
{
	*res = (struct swap_result){ 0 };
	uint64_t start = hal_time_ns();
	struct swap_txn *x = kzalloc(sizeof *x);
	if (!x) {
		res->failed_stage = SWAP_LOAD;
		return diag_set(&res->diag, E_NOMEM, NULL, NULL, NULL, "swap transaction");
	}
	x->spec = spec;
	x->res = res;
	err_t e;
	{
		CELLS_GUARD();
		e = run(x);
		swap_inject_spent();
	}
	kfree(x->sites);
	kfree(x->copies);
	kfree(x);
	res->times.total_ns = hal_time_ns() - start;
	return e;
}

EXPORT_KERNEL(swap_cells);
EXPORT_KERNEL(swap_result_format);
