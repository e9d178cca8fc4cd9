/* Loading and unloading cells: the one entry point for each.
 * cell_load finds the image, first loads (recursively) the images that
 * provide its missing symbols, then runs the stages on it: parse, place,
 * resolve, relocate + record edges, commit. A failure anywhere unloads
 * everything this call loaded, so the system is left as it was.
 *
 * Error cleanup, the one rule: everything a load makes belongs to its
 * load_ctx (the cell being built included) until commit publishes it, and
 * stage functions never free; load_object calls ctx_release once on every
 * path, which frees whatever the ctx still owns through cell_free, the
 * same destructor an unload uses. commit does every fallible step first
 * (the last, ns_insert_cell, either changes nothing or adds the cell to its
 * namespace), then publishes, with nothing fallible after. An unload
 * unpublishes, waits for a grace period, then calls cell_free. All of it
 * runs under the cells lock (cell.h). */
#include "cell_diag.h"
#include "hal_memory.h"
#include "heap.h"
#include "load.h"
#include "panic.h"
#include "unwind.h"

#define MAX_LOAD_DEPTH 32

/* Cells loaded by one top-level cell_load, in load order, for rollback. */
struct load_txn {
	struct cell *loaded[64];
	size_t n;
	const char *loading[MAX_LOAD_DEPTH]; /* the chain being loaded, for cycle reports */
	size_t depth;
};

static void ctx_release(struct load_ctx *ctx)
{
	for (int r = 0; r < REGION_COUNT; r++)
		mp_unmap_rw(&ctx->region[r]);
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &ctx->edges) kfree(list_entry(pos, struct dep_edge, out_link));
	kfree(ctx->secmap);
	kfree(ctx->symaddr);
	kfree(ctx->import);
	kfree(ctx->gotslot);
	if (ctx->cell)
		cell_free(ctx->cell);
}

static err_t ctx_init(struct load_ctx *ctx, struct namespace *ns, struct cell_diag *diag)
{
	const struct elf_obj *o = &ctx->obj;
	ctx->ns = ns;
	ctx->diag = diag;
	list_init(&ctx->edges);
	ctx->cell = kzalloc(sizeof *ctx->cell);
	ctx->secmap = kzalloc(o->shnum * sizeof *ctx->secmap);
	ctx->symaddr = kzalloc(o->nsyms * sizeof *ctx->symaddr);
	ctx->import = kzalloc(o->nsyms * sizeof *ctx->import);
	ctx->gotslot = kzalloc(o->nsyms * sizeof *ctx->gotslot);
	if (!ctx->cell || !ctx->secmap || !ctx->symaddr || !ctx->import || !ctx->gotslot)
		return diag_set(diag, E_NOMEM, NULL, NULL, NULL, "loader bookkeeping");
	struct cell *c = ctx->cell;
	strlcpy(c->name, o->info->name, sizeof c->name);
	c->class = o->info->class;
	c->version = o->info->version;
	c->ns = ns;
	list_init(&c->link);
	return E_OK;
}

/* commit, fallible step 1: the text region becomes read-only and
 * executable, the rodata region read-only. What is remapped now belongs to
 * the cell (cell_free unmaps it). */
static err_t protect_regions(struct load_ctx *ctx)
{
	struct cell *c = ctx->cell;
	err_t e = E_OK;
	if (ctx->region[REGION_TEXT].m.pages.count) {
		e = mp_remap_rw_to_rx(&ctx->region[REGION_TEXT], &c->text);
		if (!e)
			hal_code_patched((const void *)mp_start(&c->text.m), mp_size(&c->text.m));
	}
	if (!e && ctx->region[REGION_RODATA].m.pages.count)
		e = mp_remap_rw_to_ro(&ctx->region[REGION_RODATA], &c->rodata);
	return e ? diag_set(ctx->diag, e, NULL, NULL, NULL, "cannot protect the cell's regions") : E_OK;
}

/* commit, fallible step 2: the data region goes to the cell, with a copy of
 * it as loaded for cell_reinit_data. */
static err_t snapshot_data(struct load_ctx *ctx)
{
	struct cell *c = ctx->cell;
	size_t data_bytes = ctx->region_size[REGION_DATA];
	if (data_bytes && !(c->data_snapshot = kmalloc(data_bytes)))
		return diag_set(ctx->diag, E_NOMEM, NULL, NULL, NULL, "data snapshot");
	if (data_bytes)
		memcpy(c->data_snapshot, (const void *)mp_start(&ctx->region[REGION_DATA].m), data_bytes);
	c->data = ctx->region[REGION_DATA];
	ctx->region[REGION_DATA] = (struct mapped_pages_rw){ 0 };
	return E_OK;
}

/* commit, fallible step 3: the cell's unwind table (its .eh_frame, text
 * region and .gcc_except_table ranges), filled in for unwind_table_add. */
static err_t prepare_unwind_table(struct load_ctx *ctx)
{
	struct cell *c = ctx->cell;
	const struct cell_section *eh = NULL;
	size_t n_lsda = 0;
	for (size_t i = 0; i < c->n_sections; i++) {
		eh = !strcmp(c->sections[i].name, ".eh_frame") ? &c->sections[i] : eh;
		n_lsda += str_starts_with(c->sections[i].name, ".gcc_except_table");
	}
	if (!eh || !eh->size)
		return E_OK; /* nothing to register: its frames cannot be unwound */
	if (n_lsda && !(c->lsda_ranges = kmalloc(n_lsda * sizeof *c->lsda_ranges)))
		return diag_set(ctx->diag, E_NOMEM, NULL, NULL, NULL, "unwind table");
	size_t k = 0;
	for (size_t i = 0; i < c->n_sections; i++)
		if (str_starts_with(c->sections[i].name, ".gcc_except_table"))
			c->lsda_ranges[k++] = (struct unwind_range){ c->sections[i].addr,
								     c->sections[i].addr + c->sections[i].size };
	c->unwind = (struct unwind_table){ .owner = c->name,
					   .text = { mp_start(&c->text.m), mp_start(&c->text.m) + mp_size(&c->text.m) },
					   .eh_frame = (const uint8_t *)eh->addr, .eh_frame_size = eh->size,
					   .lsda = c->lsda_ranges, .n_lsda = n_lsda };
	return E_OK;
}

/* Stage 5: the fallible steps, the last of which (ns_insert_cell) makes
 * the cell visible to holders of the cells lock; then the infallible rest:
 * edges linked into their targets, the unwind table registered, and last
 * the publication to lock-free readers (address index). Cells lock held. */
static err_t commit(struct load_ctx *ctx)
{
	struct cell *c = ctx->cell;
	err_t e = protect_regions(ctx);
	if (!e)
		e = snapshot_data(ctx);
	if (!e)
		e = prepare_unwind_table(ctx);
	if (e)
		return e;
	static uint64_t loads;
	c->instance = __atomic_add_fetch(&loads, 1, __ATOMIC_RELAXED); /* before anyone can see it */
	e = ns_insert_cell(ctx->ns, c, ctx->diag);
	if (e)
		return e;
	/* Nothing below can fail. */
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &ctx->edges) {
		struct dep_edge *edge = list_entry(pos, struct dep_edge, out_link);
		list_remove(&edge->out_link);
		list_push_back(&edge->from->edges_out, &edge->out_link);
		list_push_back(&edge->sym->section->edges_in, &edge->in_link);
	}
	if (c->unwind.eh_frame)
		unwind_table_add(&c->unwind);
	cells_index_add(c); /* a fault in it can now be named */
	ctx->cell = NULL; /* the namespace owns it now */
	return E_OK;
}

static err_t load_object(struct namespace *ns, const void *bytes, size_t size, struct cell **out,
			 struct cell_diag *diag)
{
	struct load_ctx ctx = { 0 };
	list_init(&ctx.edges); /* ctx_release walks it even when parsing fails */
	err_t e = elf_parse(bytes, size, &ctx.obj, diag);
	if (!e && ns_find_cell(ns, ctx.obj.info->name))
		e = diag_set(diag, E_EXISTS, NULL, NULL, NULL, "a cell of that name is already loaded");
	struct cell *c = NULL;
	if (!e)
		e = ctx_init(&ctx, ns, diag);
	if (!e)
		e = place_sections(&ctx);
	if (!e)
		e = resolve_symbols(&ctx);
	if (!e)
		e = apply_relocations(&ctx);
	if (!e) {
		c = ctx.cell;
		e = commit(&ctx);
	}
	ctx_release(&ctx);
	if (!e)
		*out = c;
	return e;
}

static err_t load_in_txn(struct namespace *ns, const char *name, struct load_txn *txn,
			 struct cell **out, struct cell_diag *diag);

/* Cells are named by their info records, not their files: say so when
 * name is a file's name. */
static err_t image_not_found(const char *name, struct cell_diag *diag)
{
	const struct cell_image *f = image_in_file(name);
	if (!f)
		return diag_set(diag, E_NOTFOUND, NULL, NULL, NULL, "no cell image of that name");
	if (cell_image_find(f->name) != f)
		return diag_set(diag, E_NOTFOUND, NULL, NULL, NULL,
				"no cell image of that name; file %s holds cell %s but was refused at boot, "
				"as another image holds it too", f->file, f->name);
	return diag_set(diag, E_NOTFOUND, NULL, NULL, NULL,
			"no cell image of that name; file %s holds cell %s ('load %s' loads it)", f->file,
			f->name, f->name);
}

/* "hello", or "hello (in hello2.o)" when the file is named otherwise. */
static void describe_image(const struct cell_image *img, char *buf, size_t cap)
{
	size_t n = strlen(img->name);
	bool named = !strncmp(img->file, img->name, n) && !strcmp(img->file + n, ".o");
	ksnprintf(buf, cap, named ? "%s" : "%s (in %s)", img->name, img->file);
}

/* Two images export a symbol the loading cell needs and the namespace
 * does not resolve: refuse rather than let file names decide. */
static err_t ambiguous(const char *name, const char *symbol, size_t n, const struct cell_image *prov[2],
		       struct cell_diag *diag)
{
	char a[2 * HAL_CELL_NAME_MAX], b[2 * HAL_CELL_NAME_MAX];
	describe_image(prov[0], a, sizeof a);
	describe_image(prov[1], b, sizeof b);
	strlcpy(diag->cell, name, sizeof diag->cell);
	return diag_set(diag, E_DUP_SYMBOL, NULL, symbol, NULL,
			"%zu cell images export it, %s and %s%s; load the one to use first", n, a, b,
			n > 2 ? " among others" : "");
}

/* Loads, first, every image providing a symbol this object is missing. */
static err_t load_providers(struct namespace *ns, const char *name, const void *bytes, size_t size,
			    struct load_txn *txn, struct cell_diag *diag)
{
	struct elf_obj obj;
	err_t e = elf_parse(bytes, size, &obj, diag);
	const char *missing;
	while (!e && (missing = first_missing_symbol(&obj, ns))) {
		const struct cell_image *prov[2];
		size_t n = image_providers(missing, prov);
		if (n > 1)
			return ambiguous(name, missing, n, prov, diag);
		const struct cell_image *img = n ? prov[0] : NULL;
		struct cell *dep;
		if (img)
			e = load_in_txn(ns, img->name, txn, &dep, diag); /* diag names img on error */
		if (e)
			break;
		if (!img || first_missing_symbol(&obj, ns) == missing) {
			strlcpy(diag->cell, name, sizeof diag->cell);
			return diag_set(diag, E_UNDEF_SYMBOL, NULL, missing, NULL,
					"no cell in namespace %s exports it, and no cell image provides it",
					ns->name);
		}
	}
	return e;
}

static err_t load_in_txn(struct namespace *ns, const char *name, struct load_txn *txn,
			 struct cell **out, struct cell_diag *diag)
{
	strlcpy(diag->cell, name, sizeof diag->cell);
	const struct cell_image *img = cell_image_find(name);
	if (!img)
		return image_not_found(name, diag);
	for (size_t i = 0; i < txn->depth; i++)
		if (!strcmp(txn->loading[i], name))
			return diag_set(diag, E_INVAL, NULL, NULL, NULL,
					"dependency cycle: %s needs %s, which is still being loaded",
					txn->loading[txn->depth - 1], name);
	if (txn->depth == MAX_LOAD_DEPTH || txn->n == ARRAY_LEN(txn->loaded))
		return diag_set(diag, E_TOOBIG, NULL, NULL, NULL, "too many dependent cells in one load");
	txn->loading[txn->depth++] = name;
	err_t e = load_providers(ns, name, img->addr, img->size, txn, diag);
	if (!e) {
		e = load_object(ns, img->addr, img->size, out, diag);
	}
	if (!e) { /* boot images live as long as the kernel */
		(*out)->object = img->addr;
		(*out)->object_size = img->size;
	}
	txn->depth--;
	if (!e)
		txn->loaded[txn->n++] = *out;
	return e;
}

err_t cell_load(struct namespace *ns, const char *name, struct cell **out, struct cell_diag *diag)
{
	*diag = (struct cell_diag){ 0 };
	CELLS_GUARD();
	if (ns_find_cell(ns, name)) {
		strlcpy(diag->cell, name, sizeof diag->cell);
		return diag_set(diag, E_EXISTS, NULL, NULL, NULL, "already loaded in namespace %s", ns->name);
	}
	struct load_txn *txn = kzalloc(sizeof *txn);
	if (!txn)
		return diag_set(diag, E_NOMEM, NULL, NULL, NULL, "load transaction");
	struct cell *c = NULL;
	err_t e = load_in_txn(ns, name, txn, &c, diag);
	if (e) {
		struct cell_diag undo;
		while (txn->n) /* newest first: each depends only on older ones */
			if (cell_unload(txn->loaded[--txn->n], &undo))
				panic("cell_load: cannot roll back %s", undo.cell);
	} else if (out) {
		*out = c;
	}
	kfree(txn);
	return e;
}

err_t cell_load_image(struct namespace *ns, const void *bytes, size_t size, struct cell **out,
		      struct cell_diag *diag)
{
	*diag = (struct cell_diag){ 0 };
	CELLS_GUARD();
	/* The cell keeps its own copy of the object: the caller's bytes may
	 * not outlive the call, and a reload or a swap back loads it again. */
	void *copy = kmalloc(size ? size : 1);
	if (!copy)
		return diag_set(diag, E_NOMEM, NULL, NULL, NULL, "a copy of the %zu-byte object", size);
	memcpy(copy, bytes, size);
	struct cell *c = NULL;
	err_t e = load_object(ns, copy, size, &c, diag);
	if (e) {
		kfree(copy);
		return e;
	}
	c->object = c->object_owned = copy;
	c->object_size = size;
	if (out)
		*out = c;
	return E_OK;
}

/* The first cell other than c that has an edge into c. */
static const struct cell *first_dependent(const struct cell *c, const struct dep_edge **edge)
{
	for (size_t i = 0; i < c->n_sections; i++) {
		struct list *pos;
		list_for_each(pos, &c->sections[i].edges_in) {
			*edge = list_entry(pos, struct dep_edge, in_link);
			if ((*edge)->from->cell != c)
				return (*edge)->from->cell;
		}
	}
	return NULL;
}

/* Unpublishes c (namespace, address index, unwind table), waits until no
 * reader can still see it, and frees it. Cells lock held. */
void cell_retire(struct cell *c)
{
	cells_assert_locked("cell_retire");
	ns_remove_cell(c->ns, c);
	if (c->unwind.eh_frame)
		unwind_table_remove(&c->unwind); /* waits for the unwinder's readers */
	cells_grace_wait();
	cell_free(c);
}

err_t cell_unload(struct cell *c, struct cell_diag *diag)
{
	*diag = (struct cell_diag){ 0 };
	CELLS_GUARD();
	strlcpy(diag->cell, c->name, sizeof diag->cell);
	if (c->builtin)
		return diag_set(diag, E_INVAL, NULL, NULL, NULL, "part of the nano_core; it cannot be unloaded");
	if (c->task_refs)
		return diag_set(diag, E_DEPENDED_ON, NULL, NULL, NULL, "%u task(s) run in it", c->task_refs);
	const struct dep_edge *edge;
	const struct cell *user = first_dependent(c, &edge);
	if (user) {
		const struct cell *others[16];
		size_t n = cell_dependents(c, others, ARRAY_LEN(others));
		return diag_set(diag, E_DEPENDED_ON, edge->sym->section->name, edge->sym->name, NULL,
				"%zu cell(s) depend on it, e.g. %s (%s+%#llx)", n, user->name,
				edge->from->name, (unsigned long long)edge->offset);
	}
	cell_retire(c);
	return E_OK;
}

void cell_drop_edges(struct cell *c)
{
	for (size_t i = 0; i < c->n_sections; i++) {
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &c->sections[i].edges_out) {
			struct dep_edge *e = list_entry(pos, struct dep_edge, out_link);
			list_remove(&e->out_link);
			list_remove(&e->in_link);
			kfree(e);
		}
	}
}

void cell_free(struct cell *c)
{
	cell_drop_edges(c);
	for (size_t i = 0; i < c->n_sections && !c->builtin; i++)
		kfree((void *)c->sections[i].name);
	for (size_t i = 0; i < c->n_symbols && !c->builtin; i++)
		kfree((void *)c->symbols[i].name);
	kfree(c->sections);
	kfree(c->symbols);
	kfree(c->image_symbols);
	kfree(c->data_snapshot);
	kfree(c->lsda_ranges);
	kfree(c->object_owned);
	mp_unmap_rx(&c->text);
	mp_unmap(&c->rodata);
	mp_unmap_rw(&c->data);
	kfree(c);
}

err_t cell_reinit_data(struct cell *c)
{
	CELLS_GUARD();
	if (!c->data_snapshot)
		return c->data.m.pages.count ? E_EMPTY : E_OK;
	size_t n = 0;
	for (size_t i = 0; i < c->n_sections; i++)
		if (c->sections[i].region == REGION_DATA)
			n = MAX(n, c->sections[i].addr + c->sections[i].size - mp_start(&c->data.m));
	void *base;
	err_t e = mp_as_slice_mut(&c->data, 0, 1, n, 1, &base);
	if (!e)
		memcpy(base, c->data_snapshot, n);
	return e;
}
