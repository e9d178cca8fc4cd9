/* The table that describes the nano_core's own image as cells: written at
 * build time by tools/nanocells from the image's linker map and the
 * kernel and HAL objects, added to the image as the non-allocated section
 * NANO_TABLE_SECTION, read at boot by nano_core.c. Shared by both, so it
 * uses fixed-size fields only. Layout: the header, then n_cells name
 * offsets (uint32_t, padded with zeros to a multiple of 8 bytes, so the
 * sections that follow are aligned), the sections, the symbols, the edges,
 * the strings. */
#ifndef CELL_NANO_TABLE_H
#define CELL_NANO_TABLE_H
#include <stdint.h>

#define NANO_TABLE_SECTION ".theseus.nano_cells"
#define NANO_TABLE_MAGIC "NANOCELL"
#define NANO_TABLE_VERSION 2
/* Bytes of the cell name offsets, padding included. */
#define NANO_TABLE_NAMES_BYTES(n) ((((uint64_t)(n)) * 4 + 7) & ~(uint64_t)7)

enum nano_kind { NANO_TEXT, NANO_RODATA, NANO_DATA, NANO_BSS, NANO_KIND_COUNT };

struct nano_table_header {
	char magic[8];
	uint32_t version;
	uint32_t n_cells;
	uint32_t n_sections;
	uint32_t n_symbols;
	uint32_t n_edges;
	uint32_t strings_size;
	/* Bytes the image holds from kernel and HAL objects: per kind in
	 * cells; strings and constants the linker merged across objects (so
	 * of no one cell); the rest in no cell (unwind tables, thread-local
	 * templates, notes). */
	uint64_t kind_bytes[NANO_KIND_COUNT];
	uint64_t merged_bytes;
	uint64_t other_bytes;
};

/* One input section of a kernel or HAL object as placed in the image;
 * sorted by address, none overlapping. */
struct nano_table_section {
	uint64_t addr;
	uint64_t size;
	uint32_t name;  /* string offset: the section's name in its object */
	uint16_t cell;  /* index of the cell name */
	uint8_t kind;   /* enum nano_kind */
	uint8_t reserved;
};

/* A function or object symbol (sized or global) of those objects, sorted by
 * address; the targets of edges and the names in fault reports. */
struct nano_table_symbol {
	uint64_t addr;
	uint64_t size;
	uint32_t name;
	uint32_t section; /* index into the sections */
	uint32_t is_func;
	uint32_t reserved;
};

/* A relocation in one cell's section against a symbol another cell defines. */
struct nano_table_edge {
	uint64_t offset; /* of the site within the section */
	int64_t addend;
	uint32_t from;   /* section index */
	uint32_t to;     /* symbol index */
	uint32_t type;   /* R_X86_64_* */
	uint32_t reserved;
};

_Static_assert(sizeof(struct nano_table_header) == 80, "the table layout is fixed");
_Static_assert(sizeof(struct nano_table_section) == 24, "the table layout is fixed");
_Static_assert(sizeof(struct nano_table_symbol) == 32, "the table layout is fixed");
_Static_assert(sizeof(struct nano_table_edge) == 32, "the table layout is fixed");

#endif
