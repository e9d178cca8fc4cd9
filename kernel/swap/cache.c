/* Old versions kept for a swap back (SWAP_KEEP_OLD), and the two swaps that
 * load a cell's object again: swap_back and swap_reload. The cache holds
 * copies of the old cells' objects (soft state: one generation, the last
 * keep-old swap per namespace is not tracked separately; the last one wins)
 * and the names of the cells that replaced them. */
#include "cell_diag.h"
#include "export.h"
#include "heap.h"
#include "swap_internal.h"

struct swap_cache {
	struct namespace *ns;
	size_t n_old, n_new;
	char new_names[SWAP_MAX_CELLS][CELL_NAME_MAX]; /* the cells to swap out again */
	char labels[SWAP_MAX_CELLS][CELL_NAME_MAX];
	void *objects[SWAP_MAX_CELLS]; /* owned copies of the old objects */
	size_t sizes[SWAP_MAX_CELLS];
};

static struct swap_cache *kept; /* cells lock */

void swap_cache_drop(struct swap_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_old; i++)
		kfree(c->objects[i]);
	kfree(c);
}

/* Before the redirect (so commit cannot fail): copies of the old objects. */
err_t swap_cache_prepare(struct swap_txn *x)
{
	struct swap_cache *c = kzalloc(sizeof *c);
	if (!c)
		return diag_set(&x->res->diag, E_NOMEM, NULL, NULL, NULL, "keep-old cache");
	c->ns = x->spec->ns;
	for (size_t i = 0; i < x->n_old; i++) {
		const struct cell *old = x->old[i];
		if (!old->object || !(c->objects[i] = kmalloc(old->object_size))) {
			swap_cache_drop(c);
			strlcpy(x->res->diag.cell, old->name, sizeof x->res->diag.cell);
			return diag_set(&x->res->diag, old->object ? E_NOMEM : E_NOTFOUND, NULL, NULL, NULL,
					"cannot keep the old object");
		}
		memcpy(c->objects[i], old->object, old->object_size);
		c->sizes[i] = old->object_size;
		strlcpy(c->labels[i], old->name, sizeof c->labels[i]);
		c->n_old++;
	}
	for (size_t i = 0; i < x->n_new; i++)
		strlcpy(c->new_names[c->n_new++], x->new[i]->name, CELL_NAME_MAX);
	x->keep = c;
	return E_OK;
}

void swap_cache_install(struct swap_txn *x)
{
	if (!x->keep)
		return;
	swap_cache_drop(kept);
	kept = x->keep;
	x->keep = NULL;
}

err_t swap_back(struct namespace *ns, struct swap_result *res)
{
	CELLS_GUARD();
	struct swap_cache *c = kept;
	if (!c || c->ns != ns) {
		*res = (struct swap_result){ .failed_stage = SWAP_LOAD };
		return diag_set(&res->diag, E_NOTFOUND, NULL, NULL, NULL,
				"no old cells kept for namespace %s (swap --keep-old keeps them)", ns->name);
	}
	const char *old[SWAP_MAX_CELLS];
	struct swap_object objs[SWAP_MAX_CELLS];
	for (size_t i = 0; i < c->n_new; i++)
		old[i] = c->new_names[i];
	for (size_t i = 0; i < c->n_old; i++)
		objs[i] = (struct swap_object){ c->labels[i], c->objects[i], c->sizes[i] };
	struct swap_spec spec = { .ns = ns, .old = old, .n_old = c->n_new, .new = objs, .n_new = c->n_old };
	err_t e = swap_cells(&spec, res);
	if (!e) { /* swap_cells copied the objects: the cache is spent */
		kept = NULL;
		swap_cache_drop(c);
	}
	return e;
}

err_t swap_reload(struct cell *c, struct swap_result *res)
{
	CELLS_GUARD();
	if (!c->object) {
		*res = (struct swap_result){ .failed_stage = SWAP_LOAD };
		strlcpy(res->diag.cell, c->name, sizeof res->diag.cell);
		return diag_set(&res->diag, E_NOTFOUND, NULL, NULL, NULL, "the object it was loaded from is not known");
	}
	const char *name = c->name;
	struct swap_object obj = { c->name, c->object, c->object_size };
	struct swap_spec spec = { .ns = c->ns, .old = &name, .n_old = 1, .new = &obj, .n_new = 1, .flags = SWAP_FRESH };
	return swap_cells(&spec, res);
}

EXPORT_KERNEL(swap_back);
EXPORT_KERNEL(swap_reload);
