/* `deps`: a cell's place in the dependency graph, edge by edge, as the
 * loader recorded it (cell.h: struct dep_edge). Out-edges print in the
 * format tools/ compare against the object file's relocations, byte for
 * byte, so keep the edge lines exactly as they are. */
#include "cell.h"
#include "heap.h"
#include "klib.h"
#include "shell.h"

static const char *type_name(uint32_t type)
{
	const char *n = reloc_type_name(type);
	return n ? n : "R_X86_64_?";
}

/* "  .text.hello_main+0xc R_X86_64_PLT32 kprintf-4 -> nano_core_lib:kprintf" */
static void print_edge_out(const struct dep_edge *e)
{
	const struct cell_section *to = e->sym->section;
	kprintf("  %s+0x%llx %s %s%+lld -> ", e->from->name, (unsigned long long)e->offset,
		type_name(e->type), e->sym->name, (long long)e->addend);
	if (to)
		kprintf("%s:%s\n", to->cell->name, to->name);
	else
		kprintf("<abs>\n");
}

/* The bytes a relocation wrote (or, through the GOT, the slot it reads):
 * what a swap rewrites, so tests can see that a refused one did not. */
static void print_site_bytes(const struct dep_edge *e)
{
	bool wide = e->type == 1 /* R_X86_64_64 */ || e->type == 24 /* PC64 */;
	const uint8_t *p = e->got_slot ? (const uint8_t *)e->got_slot : (const uint8_t *)(e->from->addr + e->offset);
	kprintf(" %s", e->got_slot ? "slot" : "site");
	for (size_t i = 0; i < (e->got_slot || wide ? 8u : 4u); i++)
		kprintf(" %02x", p[i]);
}

/* "  hello:.text.hello_main+0xc R_X86_64_PLT32 kprintf-4 -> kprintf" */
static void print_edge_in(const struct dep_edge *e, bool bytes)
{
	const struct cell_section *to = e->sym->section;
	kprintf("  %s:%s+0x%llx %s %s%+lld -> %s", e->from->cell->name, e->from->name,
		(unsigned long long)e->offset, type_name(e->type), e->sym->name, (long long)e->addend,
		to ? to->name : "<abs>");
	if (bytes)
		print_site_bytes(e);
	kprintf("\n");
}

static const struct list *edge_list(const struct cell_section *s, bool rev)
{
	return rev ? &s->edges_in : &s->edges_out;
}

static size_t count_edges(const struct cell *c, bool rev)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct list *pos;
		list_for_each(pos, edge_list(&c->sections[i], rev))
			n++;
	}
	return n;
}

static void print_edges(const struct cell *c, bool rev, bool bytes)
{
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct list *pos;
		list_for_each(pos, edge_list(&c->sections[i], rev)) {
			if (rev)
				print_edge_in(list_entry(pos, struct dep_edge, in_link), bytes);
			else
				print_edge_out(list_entry(pos, struct dep_edge, out_link));
		}
	}
}

/* "deps of hello: 1 edges into 1 cells: nano_core_lib" */
static bool print_summary(const struct cell *c, bool rev)
{
	size_t n;
	const struct cell **cells =
		shell_query_cells(rev ? cell_dependents : cell_dependencies, c, &n);
	if (n && !cells) {
		shell_error("deps", "out of memory listing the cells around %s", c->name);
		return false;
	}
	kprintf("%s of %s: %zu edges %s %zu cells", rev ? "dependents" : "deps", c->name,
		count_edges(c, rev), rev ? "from" : "into", n);
	if (n) {
		kprintf(": ");
		shell_print_cell_names(cells, n);
	}
	kprintf("\n");
	kfree(cells);
	return true;
}

/* deps <cell> [--rev [--bytes]], the options on either side. */
static bool parse_deps_args(const struct shell_args *a, const char **cell, bool *rev, bool *bytes)
{
	*cell = NULL;
	*rev = *bytes = false;
	for (size_t i = 1; i < a->argc; i++) {
		const char *w = a->argv[i];
		if (!strcmp(w, "--rev")) {
			*rev = true;
		} else if (!strcmp(w, "--bytes")) {
			*bytes = true;
		} else if (w[0] == '-' && !a->quoted[i]) {
			shell_error("deps", "unknown option '%s' (usage: deps <cell> [--rev [--bytes]])", w);
			return false;
		} else if (*cell) {
			shell_error("deps", "one cell at a time (usage: deps <cell> [--rev [--bytes]])");
			return false;
		} else {
			*cell = w;
		}
	}
	if (*bytes && !*rev) {
		shell_error("deps", "--bytes shows the sites of dependents: it needs --rev");
		return false;
	}
	if (!*cell)
		shell_error("deps", "which cell? (usage: deps <cell> [--rev [--bytes]])");
	return *cell != NULL;
}

bool cmd_deps(struct shell *sh, const struct shell_args *a)
{
	const char *name;
	bool rev, bytes;
	if (!parse_deps_args(a, &name, &rev, &bytes))
		return false;
	CELLS_GUARD(); /* c and its edges stay while they print */
	const struct cell *c = shell_find_cell("deps", name);
	if (!c || !print_summary(c, rev))
		return false;
	print_edges(c, rev, bytes);
	return true;
}
