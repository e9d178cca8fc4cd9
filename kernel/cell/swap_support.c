/* The cell floor's side of a swap (kernel/private/cell_swap.h): a cell
 * changes namespace at commit, leaves its namespace when it is swapped out
 * while staying findable by address, and is freed once the swap floor
 * decides nothing refers to it. Cells lock held throughout. */
#include "cell_swap.h"
#include "cell_diag.h"
#include "heap.h"
#include "load.h"
#include "mm_code.h"
#include "panic.h"
#include "reloc.h"
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

/* --- loading a set of objects that link against each other ----------------- */

/* Whether object i needs a symbol that a not yet loaded object of the set
 * exports: it must wait for it, or it would resolve the name through the
 * parent namespace, to the very cell being replaced. */
static bool needs_pending(const struct elf_obj *objs, const bool *done, size_t n, size_t i, size_t *who)
{
	const struct elf_obj *o = &objs[i];
	for (size_t k = 1; k < o->nsyms; k++) {
		const Elf64_Sym *s = &o->syms[k];
		if (s->st_shndx != SHN_UNDEF || !o->str[s->st_name])
			continue;
		for (size_t j = 0; j < n; j++) {
			if (j == i || done[j])
				continue;
			for (size_t m = 1; m < objs[j].nsyms; m++)
				if (symbol_exported(&objs[j], &objs[j].syms[m]) &&
				    !strcmp(objs[j].str + objs[j].syms[m].st_name, o->str + s->st_name)) {
					*who = j;
					return true;
				}
		}
	}
	return false;
}

/* Loads the first object of the set that is ready; E_NOTFOUND when none is
 * (they need each other in a circle), with diag naming two of them. */
static err_t load_next_ready(struct namespace *ns, size_t n, const struct cell_object *objs,
			     const struct elf_obj *parsed, bool *done, struct cell **out, struct cell_diag *diag)
{
	size_t waits_for = 0, waiting = 0;
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		if (needs_pending(parsed, done, n, i, &waits_for)) {
			waiting = i;
			continue;
		}
		err_t e = cell_load_image(ns, objs[i].bytes, objs[i].size, &out[i], diag);
		done[i] = !e;
		return e;
	}
	strlcpy(diag->cell, parsed[waiting].info->name, sizeof diag->cell);
	return diag_set(diag, E_INVAL, NULL, NULL, NULL, "it and %s need each other's symbols: cells cannot form a cycle",
			parsed[waits_for].info->name);
}

err_t cell_load_set(struct namespace *ns, size_t n, const struct cell_object *objs, struct cell **out,
		    struct cell_diag *diag)
{
	cells_assert_locked("cell_load_set");
	*diag = (struct cell_diag){ 0 };
	struct elf_obj *parsed = kzalloc(n * sizeof *parsed + 1);
	bool *done = kzalloc(n + 1);
	size_t *order = kzalloc(n * sizeof *order + 1);
	err_t e = parsed && done && order ? E_OK : diag_set(diag, E_NOMEM, NULL, NULL, NULL, "swap staging");
	for (size_t i = 0; i < n && !e; i++) {
		e = elf_parse(objs[i].bytes, objs[i].size, &parsed[i], diag);
		if (e && !diag->cell[0])
			strlcpy(diag->cell, objs[i].label, sizeof diag->cell);
	}
	size_t loaded = 0;
	while (!e && loaded < n) {
		bool was[n + 1];
		memcpy(was, done, n);
		e = load_next_ready(ns, n, objs, parsed, done, out, diag);
		for (size_t i = 0; i < n && !e; i++)
			if (done[i] && !was[i])
				order[loaded++] = i;
	}
	struct cell_diag undo;
	while (e && loaded) /* newest first: each depends only on older ones */
		if (cell_unload(out[order[--loaded]], &undo))
			panic("cell_load_set: cannot roll back %s", undo.cell);
	kfree(parsed);
	kfree(done);
	kfree(order);
	return e;
}

/* --- the data objects of a loaded cell --------------------------------------- */

size_t cell_data_objects(const struct cell *c, bool (*fn)(const struct cell_data_object *o, void *arg), void *arg)
{
	cells_assert_locked("cell_data_objects");
	struct elf_obj o;
	struct cell_diag d;
	if (!c->object || elf_parse(c->object, c->object_size, &o, &d))
		return 0;
	/* The k-th loaded section of the object is c->sections[k] (place.c). */
	size_t n = 0;
	for (size_t k = 1; k < o.nsyms; k++) {
		const Elf64_Sym *s = &o.syms[k];
		if (ELF64_ST_TYPE(s->st_info) != STT_OBJECT || s->st_shndx == SHN_UNDEF || s->st_shndx >= o.shnum ||
		    !elf_section_loaded(&o.sh[s->st_shndx]) || !o.str[s->st_name])
			continue;
		size_t idx = 0;
		for (size_t i = 0; i < s->st_shndx; i++)
			idx += elf_section_loaded(&o.sh[i]);
		const struct cell_section *sec = &c->sections[idx];
		if (sec->region != REGION_DATA || s->st_value > sec->size || s->st_size > sec->size - s->st_value)
			continue;
		struct cell_data_object obj = { o.str + s->st_name, sec, sec->addr + s->st_value, s->st_size };
		n++;
		if (!fn(&obj, arg))
			break;
	}
	return n;
}

static bool match_name(const struct cell_data_object *o, void *arg)
{
	struct cell_data_object *want = arg;
	if (strcmp(o->name, want->name))
		return true;
	*want = *o;
	return false;
}

bool cell_data_object(const struct cell *c, const char *name, struct cell_data_object *out)
{
	*out = (struct cell_data_object){ .name = name };
	cell_data_objects(c, match_name, out);
	return out->section != NULL;
}

/* --- writing a site in a live cell ----------------------------------------------- */

err_t cell_write(struct cell *c, uintptr_t addr, const void *src, size_t len)
{
	cells_assert_locked("cell_write");
	const struct mapped_pages *m[REGION_COUNT] = { &c->text.m, &c->rodata, &c->data.m };
	for (int r = 0; r < REGION_COUNT && !c->builtin; r++) {
		uintptr_t start = mp_start(m[r]);
		if (!m[r]->pages.count || addr < start || addr - start >= mp_size(m[r]))
			continue;
		size_t off = addr - start;
		if (r == REGION_TEXT)
			return mp_patch_code(&c->text, off, src, len);
		if (r == REGION_RODATA)
			return mp_patch_readonly(&c->rodata, off, src, len);
		void *p;
		err_t e = mp_as_slice_mut(&c->data, off, 1, len, 1, &p);
		if (!e)
			memcpy(p, src, len);
		return e;
	}
	/* The nano_core's only sites into cells are import-table slots: data. */
	const struct cell_section *s = cell_section_at(addr);
	if (!c->builtin || !s || s->cell != c || s->region != REGION_DATA || addr + len > s->addr + s->size)
		return E_RANGE;
	memcpy((void *)addr, src, len);
	return E_OK;
}

err_t cell_window_open(struct cell *c, uintptr_t addr, struct mm_window *w)
{
	cells_assert_locked("cell_window_open");
	*w = (struct mm_window){ 0 };
	const struct mapped_pages *m[] = { &c->text.m, &c->rodata };
	for (size_t r = 0; r < ARRAY_LEN(m) && !c->builtin; r++)
		if (m[r]->pages.count && addr >= mp_start(m[r]) && addr - mp_start(m[r]) < mp_size(m[r]))
			return mp_window_open(m[r], w);
	return E_OK; /* data, or the nano_core's data: written in place */
}

err_t cell_window_write(struct cell *c, struct mm_window *w, uintptr_t addr, const void *src, size_t len)
{
	if (!w->m)
		return cell_write(c, addr, src, len);
	if (addr < mp_start(w->m))
		return E_RANGE;
	return mp_window_write(w, addr - mp_start(w->m), src, len);
}

void cell_snapshot_write(struct cell *c, uintptr_t addr, const void *src, size_t len)
{
	cells_assert_locked("cell_snapshot_write");
	uintptr_t start = mp_start(&c->data.m);
	if (c->builtin || !c->data_snapshot || addr < start || addr - start >= mp_size(&c->data.m))
		return;
	size_t n = 0; /* the snapshot's size: up to the end of the last data section (cell_reinit_data) */
	for (size_t i = 0; i < c->n_sections; i++)
		if (c->sections[i].region == REGION_DATA)
			n = MAX(n, c->sections[i].addr + c->sections[i].size - start);
	if (addr - start + len <= n)
		memcpy((uint8_t *)c->data_snapshot + (addr - start), src, len);
}

err_t edge_site(const struct dep_edge *e, const struct cell_symbol *to, struct edge_site *out)
{
	*out = (struct edge_site){ .cell = e->from->cell };
	if (e->got_slot) { /* the site reads the slot: the slot changes, not the site */
		out->addr = (uintptr_t)e->got_slot;
		out->len = 8;
		memcpy(out->next, &to->addr, 8);
	} else {
		out->addr = e->from->addr + e->offset;
		out->len = reloc_width(e->type);
		if (!out->len || out->len > sizeof out->next)
			return E_RELOC_UNSUPPORTED;
		err_t r = reloc_apply(e->type, out->next, sizeof out->next, out->addr, to->addr, e->addend, 0);
		if (r)
			return r;
	}
	memcpy(out->now, (const void *)out->addr, out->len);
	return E_OK;
}

void edge_move(struct dep_edge *e, const struct cell_symbol *to)
{
	cells_assert_locked("edge_move");
	list_remove(&e->in_link);
	e->sym = to;
	list_push_back(&to->section->edges_in, &e->in_link);
}

void cell_withdrawn_drop_edges(struct cell *c)
{
	cells_assert_locked("cell_withdrawn_drop_edges");
	if (!c->retired)
		panic("cell_withdrawn_drop_edges: cell %s is still in namespace %s", c->name, c->ns->name);
	cell_drop_edges(c);
}
