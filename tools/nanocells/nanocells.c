/* nanocells: the build step that makes the nano_core's image describe
 * itself as cells (DESIGN.md §1, docs/loader.md "The nano_core as cells").
 *
 *   nanocells MAP OUT
 *
 * Reads the linker map of one image (ld -Map, run in the link's working
 * directory so the object paths in it open), takes every input section the
 * image placed from a nano_core object (kernel/<folder>/... or a HAL:
 * hal-hosted/..., hal-x86_64/..., hal/...), opens those objects for their symbols and
 * relocations, and writes OUT: the table kernel/cell/nano_core.c reads at
 * boot (format in kernel/cell/nano_table.h). The build adds it to the image
 * as the non-allocated section .theseus.nano_cells, so each image carries
 * its own table. Host tool; every inconsistency is a build error. */
#define _DEFAULT_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nano_table.h"

static const char *map_path;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "nanocells: %s: ", map_path);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		die("out of memory");
	return p;
}

#define GROW(arr, n, cap)                                                           \
	do {                                                                        \
		if ((n) == (cap)) {                                                 \
			(cap) = (cap) ? 2 * (cap) : 64;                             \
			(arr) = realloc((arr), (cap) * sizeof *(arr));              \
			if (!(arr))                                                 \
				die("out of memory");                               \
		}                                                                   \
	} while (0)

/* --- the cell a path belongs to ------------------------------------------- */

/* "…/kernel/<folder>/<file>" -> "<folder>"; a file of the HAL ("…/hal-hosted/",
 * "…/hal-x86_64/", or any other "hal", "hal-*" folder, e.g. code both HALs
 * share) -> "hal"; anything else (libc, tests, tools) -> NULL. */
static char *cell_of_path(const char *path)
{
	const char *file = strrchr(path, '/');
	if (!file)
		return NULL;
	const char *dir = file;
	while (dir > path && dir[-1] != '/')
		dir--;
	size_t dlen = (size_t)(file - dir);
	if ((dlen == 3 && !strncmp(dir, "hal", 3)) || (dlen > 4 && !strncmp(dir, "hal-", 4)))
		return strdup("hal");
	if (dir - path >= 7 && !strncmp(dir - 7, "kernel/", 7) && (dir - 7 == path || dir[-8] == '/'))
		return strndup(dir, dlen);
	return NULL;
}

/* --- objects ---------------------------------------------------------------- */

struct obj {
	char *path;
	char *cell;
	const uint8_t *b;
	size_t n;
	const Elf64_Shdr *sh;
	size_t shnum;
	const char *shstr;
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *symstr;
	size_t symstr_size;
	int64_t *placed; /* by section index: table section index; -1 not placed, -2 in no cell */
};

static struct obj *objs;
static size_t n_objs, cap_objs;

static bool in_file(const struct obj *o, uint64_t off, uint64_t len) { return off <= o->n && len <= o->n - off; }

static const char *sec_name(const struct obj *o, size_t i)
{
	return o->shstr + o->sh[i].sh_name;
}

static const char *sym_name(const struct obj *o, const Elf64_Sym *s)
{
	if (s->st_name >= o->symstr_size)
		die("%s: symbol name out of its string table", o->path);
	return o->symstr + s->st_name;
}

static void obj_open(struct obj *o)
{
	int fd = open(o->path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		die("%s: cannot read the object (run in the link's directory)", o->path);
	o->n = (size_t)st.st_size;
	o->b = mmap(NULL, o->n, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (o->b == MAP_FAILED)
		die("%s: cannot map", o->path);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)o->b;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_REL ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || !in_file(o, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    eh->e_shstrndx >= eh->e_shnum)
		die("%s: not an x86_64 relocatable object", o->path);
	o->sh = (const Elf64_Shdr *)(o->b + eh->e_shoff);
	o->shnum = eh->e_shnum;
	const Elf64_Shdr *ss = &o->sh[eh->e_shstrndx];
	if (!in_file(o, ss->sh_offset, ss->sh_size) || !ss->sh_size || o->b[ss->sh_offset + ss->sh_size - 1])
		die("%s: bad section name table", o->path);
	o->shstr = (const char *)o->b + ss->sh_offset;
	for (size_t i = 0; i < o->shnum; i++) {
		if (o->sh[i].sh_name >= ss->sh_size)
			die("%s: section name out of its table", o->path);
		if (o->sh[i].sh_type != SHT_SYMTAB)
			continue;
		const Elf64_Shdr *st = &o->sh[o->sh[i].sh_link < o->shnum ? o->sh[i].sh_link : 0];
		if (!in_file(o, o->sh[i].sh_offset, o->sh[i].sh_size) || !in_file(o, st->sh_offset, st->sh_size) ||
		    !st->sh_size || o->b[st->sh_offset + st->sh_size - 1])
			die("%s: bad symbol table", o->path);
		o->syms = (const Elf64_Sym *)(o->b + o->sh[i].sh_offset);
		o->nsyms = o->sh[i].sh_size / sizeof(Elf64_Sym);
		o->symstr = (const char *)o->b + st->sh_offset;
		o->symstr_size = st->sh_size;
	}
	o->placed = xcalloc(o->shnum, sizeof *o->placed);
	for (size_t i = 0; i < o->shnum; i++)
		o->placed[i] = -1;
}

static struct obj *obj_get(const char *path)
{
	for (size_t i = 0; i < n_objs; i++)
		if (!strcmp(objs[i].path, path))
			return &objs[i];
	char *cell = cell_of_path(path);
	if (!cell)
		return NULL;
	GROW(objs, n_objs, cap_objs);
	struct obj *o = &objs[n_objs++];
	*o = (struct obj){ .path = strdup(path), .cell = cell };
	obj_open(o);
	return o;
}

/* --- the table being built ---------------------------------------------------- */

static char **cells;
static size_t n_cells, cap_cells;
static struct nano_table_section *secs;
static size_t n_secs, cap_secs;
static struct placed { /* where each table section comes from */
	size_t obj; /* index into objs (which grows, so no pointer) */
	size_t index;
} *origin;
static size_t cap_origin;
static struct nano_table_symbol *syms;
static size_t n_syms, cap_syms;
static struct nano_table_edge *edges;
static size_t n_edges, cap_edges;
static char *strs;
static size_t n_strs, cap_strs;
static uint64_t kind_bytes[NANO_KIND_COUNT], other_bytes;
/* Merged strings and constants: the map's shares of them overlap, so
 * their bytes are the union of the ranges it gives. */
static struct range {
	uint64_t lo, hi;
} *merged;
static size_t n_merged, cap_merged;

static uint32_t str_add(const char *s)
{
	size_t len = strlen(s) + 1;
	while (n_strs + len > cap_strs) {
		cap_strs = cap_strs ? 2 * cap_strs : 4096;
		strs = realloc(strs, cap_strs);
		if (!strs)
			die("out of memory");
	}
	memcpy(strs + n_strs, s, len);
	n_strs += len;
	return (uint32_t)(n_strs - len);
}

static uint16_t cell_index(const char *name)
{
	for (size_t i = 0; i < n_cells; i++)
		if (!strcmp(cells[i], name))
			return (uint16_t)i;
	GROW(cells, n_cells, cap_cells);
	cells[n_cells] = strdup(name);
	return (uint16_t)n_cells++;
}

/* What an allocated input section is in a cell, or NANO_KIND_COUNT when it
 * is not part of one: unwind tables (registered with the unwinder whole),
 * notes, thread-local templates (each thread has its own copy), and merged
 * strings and constants (ld keeps one copy of equal ones across objects,
 * and its map does not say which bytes came from where). */
static unsigned section_kind(const struct obj *o, size_t i)
{
	const Elf64_Shdr *s = &o->sh[i];
	const char *name = sec_name(o, i);
	if (!(s->sh_flags & SHF_ALLOC) || (s->sh_flags & (SHF_TLS | SHF_MERGE)) || !strcmp(name, ".eh_frame") ||
	    !strncmp(name, ".note", 5))
		return NANO_KIND_COUNT;
	if (s->sh_flags & SHF_EXECINSTR)
		return NANO_TEXT;
	if (s->sh_type == SHT_NOBITS)
		return NANO_BSS;
	return s->sh_flags & SHF_WRITE ? NANO_DATA : NANO_RODATA;
}

/* One input section line of the map: the n-th section of that name in obj. */
static void place(const char *name, uint64_t addr, uint64_t size, const char *path)
{
	struct obj *o = obj_get(path);
	if (!o || !size)
		return;
	for (size_t i = 1; i < o->shnum; i++) {
		if (strcmp(sec_name(o, i), name) || o->placed[i] != -1)
			continue;
		unsigned kind = section_kind(o, i);
		if (kind == NANO_KIND_COUNT) {
			o->placed[i] = -2;
			if (!(o->sh[i].sh_flags & SHF_ALLOC))
				return; /* debug information is not in the image's memory */
			if (o->sh[i].sh_flags & SHF_MERGE) {
				GROW(merged, n_merged, cap_merged);
				merged[n_merged++] = (struct range){ addr, addr + size };
			} else {
				other_bytes += size;
			}
			return;
		}
		if (size != o->sh[i].sh_size)
			die("%s: section %s is %#lx bytes in the object but %#lx in the image", path, name,
			    (unsigned long)o->sh[i].sh_size, (unsigned long)size);
		GROW(secs, n_secs, cap_secs);
		GROW(origin, n_secs, cap_origin);
		o->placed[i] = (int64_t)n_secs;
		origin[n_secs] = (struct placed){ (size_t)(o - objs), i };
		secs[n_secs++] = (struct nano_table_section){ .addr = addr, .size = size, .name = str_add(name),
							       .cell = cell_index(o->cell), .kind = (uint8_t)kind };
		kind_bytes[kind] += size;
		return;
	}
	die("%s: the map places section %s, which the object does not have", path, name);
}

/* Input section lines after "Linker script and memory map":
 *  " .text.f       0xADDR   0xSIZE path"   or   " .text.long_name\n   0xADDR 0xSIZE path". */
static void read_map(void)
{
	FILE *f = fopen(map_path, "r");
	if (!f)
		die("cannot open the linker map");
	char line[4096], pending[1024] = "";
	bool in_map = false;
	while (fgets(line, sizeof line, f)) {
		if (!in_map) {
			in_map = !strncmp(line, "Linker script and memory map", 28);
			continue;
		}
		char name[1024], path[2048];
		unsigned long long addr, size;
		if (line[0] == ' ' && line[1] != ' ' && line[1] != '*' && line[1] != '\n') {
			int k = sscanf(line, " %1023s %llx %llx %2047[^\n]", name, &addr, &size, path);
			if (k == 4)
				place(name, addr, size, path);
			strcpy(pending, k == 1 ? name : "");
		} else if (pending[0] && sscanf(line, " %llx %llx %2047[^\n]", &addr, &size, path) == 3) {
			place(pending, addr, size, path);
			pending[0] = 0;
		} else {
			pending[0] = 0;
		}
	}
	fclose(f);
	if (!in_map)
		die("no \"Linker script and memory map\" part: not a GNU ld map");
}

/* --- cells by name, sections in address order -------------------------------- */

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Cells in name order, whatever order the map met them in, so both
 * targets list them alike. */
static void sort_cells(void)
{
	char **old = xcalloc(n_cells, sizeof *old);
	memcpy(old, cells, n_cells * sizeof *old);
	qsort(cells, n_cells, sizeof *cells, name_cmp);
	for (size_t i = 0; i < n_secs; i++)
		for (uint16_t k = 0; k < n_cells; k++)
			if (cells[k] == old[secs[i].cell]) {
				secs[i].cell = k;
				break;
			}
	free(old);
}


static int by_addr(const void *a, const void *b)
{
	const struct nano_table_section *x = &secs[*(const size_t *)a], *y = &secs[*(const size_t *)b];
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sorts the sections by address (the kernel searches them), renumbers the
 * objects' references to them, and refuses overlaps. */
static void sort_sections(void)
{
	size_t *order = xcalloc(n_secs, sizeof *order);
	for (size_t i = 0; i < n_secs; i++)
		order[i] = i;
	qsort(order, n_secs, sizeof *order, by_addr);
	struct nano_table_section *s2 = xcalloc(n_secs, sizeof *s2);
	struct placed *o2 = xcalloc(n_secs, sizeof *o2);
	for (size_t i = 0; i < n_secs; i++) {
		s2[i] = secs[order[i]];
		o2[i] = origin[order[i]];
		objs[o2[i].obj].placed[o2[i].index] = (int64_t)i;
		if (i && s2[i - 1].addr + s2[i - 1].size > s2[i].addr)
			die("sections %s and %s overlap at %#lx", strs + s2[i - 1].name, strs + s2[i].name,
			    (unsigned long)s2[i].addr);
	}
	free(secs);
	free(origin);
	free(order);
	secs = s2;
	origin = o2;
}

/* --- symbols ----------------------------------------------------------------------- */

/* Global definitions, by name, to resolve the undefined symbols of the
 * other objects: the definition's table symbol index. */
struct global {
	const char *name;
	size_t obj;
	uint32_t symbol;
};
static struct global *globals;
static size_t n_globals, cap_globals;

static bool is_global(const Elf64_Sym *s)
{
	unsigned bind = ELF64_ST_BIND(s->st_info);
	return bind == STB_GLOBAL || bind == STB_WEAK;
}

/* Function and object symbols with a size, and every global definition
 * (labels in assembly may have no size), of sections in cells. */
static void add_symbols(size_t oi)
{
	struct obj *o = &objs[oi];
	for (size_t k = 1; k < o->nsyms; k++) {
		const Elf64_Sym *s = &o->syms[k];
		unsigned type = ELF64_ST_TYPE(s->st_info);
		if (s->st_shndx == SHN_UNDEF || s->st_shndx >= o->shnum || type == STT_SECTION || type == STT_FILE ||
		    (!s->st_size && !is_global(s)) || o->placed[s->st_shndx] < 0)
			continue;
		const struct nano_table_section *sec = &secs[o->placed[s->st_shndx]];
		if (s->st_value + s->st_size > o->sh[s->st_shndx].sh_size)
			die("%s: symbol %s runs past its section", o->path, sym_name(o, s));
		GROW(syms, n_syms, cap_syms);
		syms[n_syms] = (struct nano_table_symbol){ .addr = sec->addr + s->st_value, .size = s->st_size,
							   .name = str_add(sym_name(o, s)),
							   .section = (uint32_t)o->placed[s->st_shndx],
							   .is_func = type == STT_FUNC };
		if (is_global(s)) {
			GROW(globals, n_globals, cap_globals);
			globals[n_globals++] = (struct global){ sym_name(o, s), oi, (uint32_t)n_syms };
		}
		n_syms++;
	}
}

static int sym_by_addr(const void *a, const void *b)
{
	const struct nano_table_symbol *x = &syms[*(const uint32_t *)a], *y = &syms[*(const uint32_t *)b];
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int global_by_name(const void *a, const void *b)
{
	return strcmp(((const struct global *)a)->name, ((const struct global *)b)->name);
}

/* Symbols by address (the kernel searches them), globals by name, and no
 * name defined twice (the link would have failed; a weak twin is refused). */
static void sort_symbols(void)
{
	uint32_t *order = xcalloc(n_syms, sizeof *order), *where = xcalloc(n_syms, sizeof *where);
	for (uint32_t i = 0; i < n_syms; i++)
		order[i] = i;
	qsort(order, n_syms, sizeof *order, sym_by_addr);
	struct nano_table_symbol *s2 = xcalloc(n_syms, sizeof *s2);
	for (uint32_t i = 0; i < n_syms; i++) {
		s2[i] = syms[order[i]];
		where[order[i]] = i;
	}
	for (size_t i = 0; i < n_globals; i++)
		globals[i].symbol = where[globals[i].symbol];
	qsort(globals, n_globals, sizeof *globals, global_by_name);
	for (size_t i = 1; i < n_globals; i++)
		if (!strcmp(globals[i - 1].name, globals[i].name))
			die("%s is defined by both %s and %s", globals[i].name, objs[globals[i - 1].obj].path,
			    objs[globals[i].obj].path);
	free(syms);
	free(order);
	free(where);
	syms = s2;
}

static const struct global *global_find(const char *name)
{
	struct global key = { .name = name };
	return bsearch(&key, globals, n_globals, sizeof *globals, global_by_name);
}

/* --- edges --------------------------------------------------------------------------- */

/* Every relocation of a section in a cell against a symbol the object does
 * not define, defined by an object of another cell: what the loader records
 * for a loaded cell (kernel/cell/relocate.c). */
static void add_edges(size_t oi)
{
	struct obj *o = &objs[oi];
	for (size_t i = 0; i < o->shnum; i++) {
		const Elf64_Shdr *rs = &o->sh[i];
		if (rs->sh_type != SHT_RELA || rs->sh_info >= o->shnum || o->placed[rs->sh_info] < 0)
			continue;
		if (!in_file(o, rs->sh_offset, rs->sh_size) || rs->sh_entsize != sizeof(Elf64_Rela))
			die("%s: bad relocation section %s", o->path, sec_name(o, i));
		const Elf64_Rela *r = (const Elf64_Rela *)(o->b + rs->sh_offset);
		uint32_t from = (uint32_t)o->placed[rs->sh_info];
		for (size_t k = 0; k < rs->sh_size / sizeof *r; k++) {
			size_t si = ELF64_R_SYM(r[k].r_info);
			if (si >= o->nsyms)
				die("%s: relocation %zu of %s names symbol %zu of %zu", o->path, k, sec_name(o, i), si,
				    o->nsyms);
			if (!si || o->syms[si].st_shndx != SHN_UNDEF)
				continue;
			const struct global *g = global_find(sym_name(o, &o->syms[si]));
			if (!g || !strcmp(objs[g->obj].cell, o->cell))
				continue;
			GROW(edges, n_edges, cap_edges);
			edges[n_edges++] = (struct nano_table_edge){ .offset = r[k].r_offset, .addend = r[k].r_addend,
								     .from = from, .to = g->symbol,
								     .type = (uint32_t)ELF64_R_TYPE(r[k].r_info) };
		}
	}
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The first section at or above addr (sections are sorted), or n_secs. */
static size_t section_from(uint64_t addr)
{
	size_t lo = 0, hi = n_secs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (secs[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The union of the merged ranges, each cut at the next section in a cell
 * (the map's share of a merged section may claim bytes past its run). */
static uint64_t merged_bytes(void)
{
	for (size_t i = 0; i < n_merged; i++) {
		size_t next = section_from(merged[i].lo);
		if (next < n_secs && secs[next].addr < merged[i].hi)
			merged[i].hi = secs[next].addr;
	}
	qsort(merged, n_merged, sizeof *merged, range_cmp);
	uint64_t total = 0, end = 0;
	for (size_t i = 0; i < n_merged; i++) {
		uint64_t lo = merged[i].lo > end ? merged[i].lo : end;
		if (merged[i].hi > lo)
			total += merged[i].hi - lo;
		end = merged[i].hi > end ? merged[i].hi : end;
	}
	return total;
}

static void write_table(const char *out)
{
	struct nano_table_header h = { .version = NANO_TABLE_VERSION, .n_cells = (uint32_t)n_cells,
				       .n_sections = (uint32_t)n_secs, .n_symbols = (uint32_t)n_syms,
				       .n_edges = (uint32_t)n_edges, .strings_size = (uint32_t)n_strs,
				       .merged_bytes = merged_bytes(), .other_bytes = other_bytes };
	memcpy(h.magic, NANO_TABLE_MAGIC, sizeof h.magic);
	memcpy(h.kind_bytes, kind_bytes, sizeof h.kind_bytes);
	size_t n_names = NANO_TABLE_NAMES_BYTES(n_cells) / sizeof(uint32_t); /* zero padding after the names */
	uint32_t *names = xcalloc(n_names, sizeof *names);
	for (size_t i = 0; i < n_cells; i++)
		names[i] = str_add(cells[i]);
	h.strings_size = (uint32_t)n_strs;
	FILE *f = fopen(out, "wb");
	if (!f || fwrite(&h, sizeof h, 1, f) != 1 || fwrite(names, sizeof *names, n_names, f) != n_names ||
	    fwrite(secs, sizeof *secs, n_secs, f) != n_secs || fwrite(syms, sizeof *syms, n_syms, f) != n_syms ||
	    fwrite(edges, sizeof *edges, n_edges, f) != n_edges || fwrite(strs, 1, n_strs, f) != n_strs ||
	    fclose(f))
		die("cannot write %s", out);
	free(names);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: nanocells MAP OUT (in the directory the image was linked in)\n");
		return 2;
	}
	map_path = argv[1];
	read_map();
	if (!n_secs)
		die("the image holds nothing from kernel/ or a HAL");
	sort_cells();
	sort_sections();
	for (size_t i = 0; i < n_objs; i++)
		add_symbols(i);
	sort_symbols();
	for (size_t i = 0; i < n_objs; i++)
		add_edges(i);
	write_table(argv[2]);
	return 0;
}
