/* Namespaces: a set of cells and the map of the symbols they export, with
 * an optional parent to fall back on. A symbol is exported at most once per
 * namespace: adding a cell whose exports clash is refused whole. Every
 * change and every walk holds the cells lock (cell.h); adding a cell also
 * publishes it to the address index, removing unpublishes it. */
#include "cell_diag.h"
#include "heap.h"
#include "load.h"
#include "panic.h"

err_t ns_create(const char *name, struct namespace *parent, struct namespace **out)
{
	struct namespace *ns = kzalloc(sizeof *ns);
	if (!ns)
		return E_NOMEM;
	strlcpy(ns->name, name, sizeof ns->name);
	ns->parent = parent;
	hmap_init(&ns->symbols);
	list_init(&ns->cells);
	*out = ns;
	return E_OK;
}

/* Precondition (asserted): ns holds no cells. */
void ns_destroy(struct namespace *ns)
{
	if (!ns)
		return;
	CELLS_GUARD();
	if (!list_empty(&ns->cells))
		panic("ns_destroy: namespace %s still holds cells", ns->name);
	hmap_destroy(&ns->symbols);
	kfree(ns);
}

const struct cell_symbol *ns_resolve(const struct namespace *ns, const char *sym)
{
	CELLS_GUARD();
	for (; ns; ns = ns->parent) {
		const struct cell_symbol *s = hmap_get(&ns->symbols, sym);
		if (s)
			return s;
	}
	return NULL;
}

struct cell *ns_find_cell(const struct namespace *ns, const char *name)
{
	CELLS_GUARD();
	struct list *pos;
	list_for_each(pos, &ns->cells) {
		struct cell *c = list_entry(pos, struct cell, link);
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

/* The last fallible step of a load: on error ns is as it was; on success
 * c is in ns (its exports resolve, it is listed) for whoever holds the
 * cells lock, but not yet in the address index. Cells lock held. */
err_t ns_insert_cell(struct namespace *ns, struct cell *c, struct cell_diag *diag)
{
	cells_assert_locked("ns_insert_cell");
	for (size_t i = 0; i < c->n_symbols; i++) {
		const struct cell_symbol *old = hmap_get(&ns->symbols, c->symbols[i].name);
		if (old)
			return diag_set(diag, E_DUP_SYMBOL, c->symbols[i].section ? c->symbols[i].section->name : NULL,
					c->symbols[i].name, NULL, "already exported by cell %s in namespace %s",
					old->section ? old->section->cell->name : "?", ns->name);
	}
	for (size_t i = 0; i < c->n_symbols; i++) {
		err_t e = hmap_insert(&ns->symbols, c->symbols[i].name, &c->symbols[i]);
		if (e) {
			const char *name = c->symbols[i].name; /* before the loop below moves i */
			while (i--)
				hmap_remove(&ns->symbols, c->symbols[i].name);
			return diag_set(diag, e, NULL, name, NULL, "namespace symbol map");
		}
	}
	list_push_back(&ns->cells, &c->link);
	c->ns = ns;
	return E_OK;
}

err_t ns_add_cell(struct namespace *ns, struct cell *c, struct cell_diag *diag)
{
	err_t e = ns_insert_cell(ns, c, diag);
	if (!e)
		cells_index_add(c);
	return e;
}

/* Unpublishes c; the caller frees it only after a grace period. Cells lock held. */
void ns_remove_cell(struct namespace *ns, struct cell *c)
{
	cells_assert_locked("ns_remove_cell");
	cells_index_remove(c);
	for (size_t i = 0; i < c->n_symbols; i++)
		if (hmap_get(&ns->symbols, c->symbols[i].name) == &c->symbols[i])
			hmap_remove(&ns->symbols, c->symbols[i].name);
	list_remove(&c->link);
}
