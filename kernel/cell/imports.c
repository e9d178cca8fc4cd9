/* Import tables: the nano_core's explicit, rewritable links to a cell
 * (e.g. the scheduler). Binding resolves each name in the provider cell
 * only (not the namespace: the table names one cell on purpose), writes the
 * slots, and records one edge per slot from the table's nano_core section,
 * exactly like a relocation, so dependents and swaps see it. Both take the
 * cells lock. */
#include "cell_diag.h"
#include "heap.h"
#include "cell_swap.h"
#include "load.h"
#include "elf.h"

static const struct cell_symbol *cell_symbol(const struct cell *c, const char *name)
{
	for (size_t i = 0; i < c->n_symbols; i++)
		if (!strcmp(c->symbols[i].name, name))
			return &c->symbols[i];
	return NULL;
}

/* Every table bound once, so a swap can tell each its new provider. */
static struct import_table *bound[8];

/* Remembers t; false (nothing changed) when the registry is full. */
static bool remember(struct import_table *t)
{
	for (size_t i = 0; i < ARRAY_LEN(bound); i++)
		if (bound[i] == t)
			return true;
	for (size_t i = 0; i < ARRAY_LEN(bound); i++)
		if (!bound[i]) {
			bound[i] = t;
			return true;
		}
	return false;
}

void import_tables_refresh(void)
{
	cells_assert_locked("import_tables_refresh");
	for (size_t i = 0; i < ARRAY_LEN(bound); i++) {
		struct import_table *t = bound[i];
		if (!t || !t->provider || !t->n)
			continue;
		const struct cell_section *s = cell_section_at((uintptr_t)t->slots[0]);
		if (s)
			t->provider = s->cell;
	}
}

void import_unbind(struct import_table *t)
{
	CELLS_GUARD();
	struct cell_section *from = (struct cell_section *)cell_section_at((uintptr_t)t->slots);
	if (from) {
		/* Only the slots' edges: the section's own references (the
		 * nano_core's edges) stay. */
		uint64_t lo = (uintptr_t)t->slots - from->addr, hi = lo + t->n * sizeof *t->slots;
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &from->edges_out) {
			struct dep_edge *e = list_entry(pos, struct dep_edge, out_link);
			if (e->offset < lo || e->offset >= hi)
				continue;
			list_remove(&e->out_link);
			list_remove(&e->in_link);
			kfree(e);
		}
	}
	for (size_t i = 0; i < t->n; i++)
		t->slots[i] = NULL;
	t->provider = NULL;
}

err_t import_bind(struct import_table *t, struct cell *cell, struct cell_diag *diag)
{
	*diag = (struct cell_diag){ 0 };
	CELLS_GUARD();
	strlcpy(diag->cell, cell->name, sizeof diag->cell);
	struct cell_section *from = (struct cell_section *)cell_section_at((uintptr_t)t->slots);
	if (!from || !from->cell->builtin)
		return diag_set(diag, E_INVAL, NULL, NULL, NULL, "the import table is not an exported nano_core object");
	const struct cell_symbol *syms[16];
	struct dep_edge *edges[16];
	if (t->n > ARRAY_LEN(syms))
		return diag_set(diag, E_TOOBIG, NULL, NULL, NULL, "import table of %zu slots", t->n);
	if (!remember(t))
		return diag_set(diag, E_TOOBIG, NULL, NULL, NULL, "more than %zu import tables", ARRAY_LEN(bound));
	for (size_t i = 0; i < t->n; i++) {
		syms[i] = cell_symbol(cell, t->names[i]);
		if (!syms[i] || !syms[i]->section)
			return diag_set(diag, E_UNDEF_SYMBOL, NULL, t->names[i], NULL,
					"the cell does not export what the import table needs");
	}
	for (size_t i = 0; i < t->n; i++) {
		if (!(edges[i] = kmalloc(sizeof *edges[i]))) {
			while (i--)
				kfree(edges[i]);
			return diag_set(diag, E_NOMEM, NULL, NULL, NULL, "import edges");
		}
	}
	import_unbind(t);
	for (size_t i = 0; i < t->n; i++) {
		uint64_t off = (uintptr_t)&t->slots[i] - from->addr;
		*edges[i] = (struct dep_edge){ .from = from, .offset = off, .type = R_X86_64_64, .sym = syms[i] };
		list_push_back(&from->edges_out, &edges[i]->out_link);
		list_push_back(&syms[i]->section->edges_in, &edges[i]->in_link);
		t->slots[i] = (void *)syms[i]->addr;
	}
	t->provider = cell;
	return E_OK;
}
