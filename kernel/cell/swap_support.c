/* The cell floor's side of a swap (kernel/private/cell_swap.h): a cell
 * changes namespace at commit, leaves its namespace when it is swapped out
 * while staying findable by address, and is freed once the swap floor
 * decides nothing refers to it. Cells lock held throughout. */
#include "cell_swap.h"
#include "load.h"
#include "panic.h"
#include "unwind.h"

err_t cell_move(struct cell *c, struct namespace *ns, struct cell_diag *diag)
{
	cells_assert_locked("cell_move");
	struct namespace *from = c->ns;
	for (size_t i = 0; i < c->n_symbols; i++)
		if (hmap_get(&from->symbols, c->symbols[i].name) == &c->symbols[i])
			hmap_remove(&from->symbols, c->symbols[i].name);
	list_remove(&c->link);
	err_t e = ns_insert_cell(ns, c, diag);
	if (e) { /* back where it was: its names were free there a moment ago */
		if (ns_insert_cell(from, c, diag))
			panic("cell_move: cannot put %s back into namespace %s", c->name, from->name);
	}
	return e;
}

void cell_withdraw(struct cell *c)
{
	cells_assert_locked("cell_withdraw");
	struct namespace *ns = c->ns;
	for (size_t i = 0; i < c->n_symbols; i++)
		if (hmap_get(&ns->symbols, c->symbols[i].name) == &c->symbols[i])
			hmap_remove(&ns->symbols, c->symbols[i].name);
	list_remove(&c->link);
	list_init(&c->link);
	c->retired = true;
}

void cell_free_withdrawn(struct cell *c)
{
	cells_assert_locked("cell_free_withdrawn");
	if (!c->retired)
		panic("cell_free_withdrawn: cell %s is still in namespace %s", c->name, c->ns->name);
	cells_index_remove(c);
	if (c->unwind.eh_frame)
		unwind_table_remove(&c->unwind);
	cells_grace_wait();
	cell_free(c);
}

void cell_withdrawn_drop_edges(struct cell *c)
{
	cells_assert_locked("cell_withdrawn_drop_edges");
	if (!c->retired)
		panic("cell_withdrawn_drop_edges: cell %s is still in namespace %s", c->name, c->ns->name);
	cell_drop_edges(c);
}
