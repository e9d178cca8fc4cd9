/* Namespaces: a set of cells and the map of the symbols they export, with
 * an optional parent to fall back on. A symbol is exported at most once per
 * namespace: adding a cell whose exports clash is refused whole. */
#include "diag.h"
#include "heap.h"
#include "load.h"

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

void ns_destroy(struct namespace *ns)
{
	if (!ns)
		return;
	hmap_destroy(&ns->symbols);
	kfree(ns);
}

const struct cell_symbol *ns_resolve(const struct namespace *ns, const char *sym)
{
	for (; ns; ns = ns->parent) {
		const struct cell_symbol *s = hmap_get(&ns->symbols, sym);
		if (s)
			return s;
	}
	return NULL;
}

struct cell *ns_find_cell(const struct namespace *ns, const char *name)
{
	struct list *pos;
	list_for_each(pos, &ns->cells) {
		struct cell *c = list_entry(pos, struct cell, link);
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

err_t ns_add_cell(struct namespace *ns, struct cell *c, struct cell_diag *diag)
{
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

void ns_remove_cell(struct namespace *ns, struct cell *c)
{
	for (size_t i = 0; i < c->n_symbols; i++)
		if (hmap_get(&ns->symbols, c->symbols[i].name) == &c->symbols[i])
			hmap_remove(&ns->symbols, c->symbols[i].name);
	list_remove(&c->link);
}
