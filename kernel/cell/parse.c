/* Stage 1 of loading: validate a cell object before anything uses it.
 * Every header, index, offset, size, alignment and string is checked
 * against the file here, so placement, resolution and relocation (the
 * next stages) can trust struct elf_obj. The input is hostile (fuzzed).
 *
 * This is the one definition of a valid cell object: everything the loader
 * can refuse about the object itself (relocation types, fields inside their
 * sections, unwind information) is refused here; what is left to fail later
 * depends on where the cell lands and what it links to (undefined,
 * duplicate or kernel-only symbols, relocation overflow, memory). The host
 * tool `cellinfo --check` runs this very code (tools/CMakeLists.txt). */
#include "cell_diag.h"
#include "elf.h"
#include "reloc.h"
#include "unwind.h"

#define MAX_SECTION_BYTES (64UL << 20)

#define BAD(d, sec, off, ...) diag_set((d), E_BADELF, (sec), NULL, (off), __VA_ARGS__)

/* [off, off+len) lies inside a buffer of size bytes, without overflow. */
static bool within(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static bool is_pow2_or_zero(uint64_t a) { return (a & (a - 1)) == 0; }

const char *elf_section_name(const struct elf_obj *o, size_t idx)
{
	return o->shstr + o->sh[idx].sh_name;
}

const char *elf_symbol_name(const struct elf_obj *o, const Elf64_Sym *s)
{
	if (ELF64_ST_TYPE(s->st_info) == STT_SECTION && s->st_shndx < o->shnum)
		return elf_section_name(o, s->st_shndx);
	return o->str + s->st_name;
}

bool elf_section_has_bits(const Elf64_Shdr *s)
{
	return s->sh_type == SHT_PROGBITS || s->sh_type == SHT_X86_64_UNWIND;
}

bool elf_section_loaded(const Elf64_Shdr *s)
{
	return (s->sh_flags & SHF_ALLOC) && s->sh_size > 0 && (elf_section_has_bits(s) || s->sh_type == SHT_NOBITS);
}

const char *elf_section_type_name(uint32_t type)
{
	static const char *const names[] = {
		[SHT_NULL] = "NULL", [SHT_PROGBITS] = "PROGBITS", [SHT_SYMTAB] = "SYMTAB",
		[SHT_STRTAB] = "STRTAB", [SHT_RELA] = "RELA", [5] = "HASH", [6] = "DYNAMIC", [7] = "NOTE",
		[SHT_NOBITS] = "NOBITS", [SHT_REL] = "REL", [11] = "DYNSYM", [SHT_INIT_ARRAY] = "INIT_ARRAY",
		[SHT_FINI_ARRAY] = "FINI_ARRAY", [SHT_PREINIT_ARRAY] = "PREINIT_ARRAY", [SHT_GROUP] = "GROUP",
		[SHT_SYMTAB_SHNDX] = "SYMTAB_SHNDX",
	};
	if (type == SHT_X86_64_UNWIND)
		return "X86_64_UNWIND";
	return type < ARRAY_LEN(names) ? names[type] : NULL;
}

const Elf64_Rela *elf_relas(const struct elf_obj *o, size_t idx, size_t *count)
{
	*count = o->sh[idx].sh_size / sizeof(Elf64_Rela);
	return (const Elf64_Rela *)(o->bytes + o->sh[idx].sh_offset);
}

static err_t check_header(struct elf_obj *o, struct cell_diag *d)
{
	if (o->size < sizeof(Elf64_Ehdr))
		return BAD(d, NULL, NULL, "file of %zu bytes is shorter than an ELF header", o->size);
	const Elf64_Ehdr *eh = o->eh = (const Elf64_Ehdr *)o->bytes;
	if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
		return BAD(d, NULL, NULL, "not an ELF file (bad magic)");
	if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB || eh->e_ident[6] != 1)
		return BAD(d, NULL, NULL, "not a little-endian ELF-64 version 1 object");
	if (eh->e_machine != EM_X86_64)
		return BAD(d, NULL, NULL, "wrong machine %u (expected x86_64, %u)", eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_REL)
		return BAD(d, NULL, NULL, "ELF type %u is not a relocatable object", eh->e_type);
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 || eh->e_shoff % 8)
		return BAD(d, NULL, NULL, "bad section header table (entsize %u, count %u, offset %#llx)",
			   eh->e_shentsize, eh->e_shnum, (unsigned long long)eh->e_shoff);
	if (!within(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), o->size))
		return BAD(d, NULL, NULL, "section header table runs past the end of the file");
	o->sh = (const Elf64_Shdr *)(o->bytes + eh->e_shoff);
	o->shnum = eh->e_shnum;
	return E_OK;
}

static err_t check_strtab(const struct elf_obj *o, size_t idx, const char *what, struct cell_diag *d)
{
	const Elf64_Shdr *s = &o->sh[idx];
	if (s->sh_type != SHT_STRTAB || s->sh_size == 0 || !within(s->sh_offset, s->sh_size, o->size))
		return BAD(d, NULL, NULL, "%s (section %zu) is not a valid string table", what, idx);
	if (o->bytes[s->sh_offset + s->sh_size - 1] != '\0')
		return BAD(d, NULL, NULL, "%s (section %zu) is not NUL-terminated", what, idx);
	return E_OK;
}

static err_t check_section(const struct elf_obj *o, size_t i, struct cell_diag *d)
{
	const Elf64_Shdr *s = &o->sh[i];
	if (s->sh_name >= o->shstr_size)
		return BAD(d, NULL, NULL, "section %zu has a name offset outside the name table", i);
	const char *name = elf_section_name(o, i);
	if (!is_pow2_or_zero(s->sh_addralign) || s->sh_addralign > PAGE_SIZE)
		return BAD(d, name, NULL, "bad alignment %llu", (unsigned long long)s->sh_addralign);
	if (s->sh_type != SHT_NOBITS && s->sh_type != SHT_NULL && !within(s->sh_offset, s->sh_size, o->size))
		return BAD(d, name, NULL, "contents run past the end of the file");
	if ((s->sh_flags & SHF_ALLOC) && s->sh_size > MAX_SECTION_BYTES)
		return BAD(d, name, NULL, "%llu bytes is larger than a cell section may be",
			   (unsigned long long)s->sh_size);
	if (s->sh_type == SHT_REL)
		return BAD(d, name, NULL, "REL relocations are not used on x86_64 (expected RELA)");
	if (s->sh_type == SHT_SYMTAB_SHNDX)
		return BAD(d, name, NULL, "extended section indices are not supported");
	if ((s->sh_flags & SHF_ALLOC) && (s->sh_type == SHT_INIT_ARRAY || s->sh_type == SHT_FINI_ARRAY ||
					  s->sh_type == SHT_PREINIT_ARRAY || !strcmp(name, ".ctors") ||
					  !strcmp(name, ".dtors")))
		return BAD(d, name, NULL, "constructors/destructors are not supported: a cell initialises "
					  "through an explicit call");
	if ((s->sh_flags & SHF_ALLOC) && (s->sh_flags & SHF_TLS))
		return BAD(d, name, NULL, "thread-local storage is not supported in cells");
	if ((s->sh_flags & SHF_ALLOC) && !elf_section_has_bits(s) && s->sh_type != SHT_NOBITS &&
	    s->sh_type != SHT_NULL && s->sh_size) {
		const char *type = elf_section_type_name(s->sh_type);
		if (type)
			return BAD(d, name, NULL, "allocated section of type SHT_%s is not supported in a cell", type);
		return BAD(d, name, NULL, "allocated section of unknown type %#x is not supported in a cell",
			   s->sh_type);
	}
	return E_OK;
}

static err_t find_symtab(struct elf_obj *o, struct cell_diag *d)
{
	size_t found = 0;
	for (size_t i = 0; i < o->shnum; i++) {
		if (o->sh[i].sh_type != SHT_SYMTAB)
			continue;
		if (found)
			return BAD(d, elf_section_name(o, i), NULL, "more than one symbol table");
		found = i;
	}
	if (!found)
		return BAD(d, NULL, NULL, "no symbol table");
	const Elf64_Shdr *s = &o->sh[found];
	const char *name = elf_section_name(o, found);
	if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_size % sizeof(Elf64_Sym) || s->sh_offset % 8 ||
	    s->sh_size == 0)
		return BAD(d, name, NULL, "malformed symbol table (entsize %llu, size %llu)",
			   (unsigned long long)s->sh_entsize, (unsigned long long)s->sh_size);
	if (s->sh_link == 0 || s->sh_link >= o->shnum)
		return BAD(d, name, NULL, "symbol table links to no string table");
	err_t e = check_strtab(o, s->sh_link, "the symbol string table", d);
	if (e)
		return e;
	o->syms = (const Elf64_Sym *)(o->bytes + s->sh_offset);
	o->nsyms = s->sh_size / sizeof(Elf64_Sym);
	o->str = (const char *)o->bytes + o->sh[s->sh_link].sh_offset;
	o->str_size = o->sh[s->sh_link].sh_size;
	return E_OK;
}

static err_t check_symbol(const struct elf_obj *o, size_t i, struct cell_diag *d)
{
	const Elf64_Sym *s = &o->syms[i];
	if (s->st_name >= o->str_size)
		return BAD(d, ".symtab", NULL, "symbol %zu has a name offset outside the string table", i);
	const char *name = o->str + s->st_name;
	unsigned shndx = s->st_shndx;
	if (shndx == SHN_COMMON || ELF64_ST_TYPE(s->st_info) == STT_COMMON)
		return diag_set(d, E_BADELF, ".symtab", name, NULL,
				"common symbol: build cells with -fno-common so each has one home");
	if (ELF64_ST_TYPE(s->st_info) == STT_TLS || ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC)
		return diag_set(d, E_BADELF, ".symtab", name, NULL, "TLS and IFUNC symbols are not supported");
	if (shndx == SHN_UNDEF && !name[0])
		return BAD(d, ".symtab", NULL, "undefined symbol %zu has no name", i);
	if (shndx == SHN_UNDEF || shndx == SHN_ABS)
		return E_OK;
	if (shndx >= o->shnum)
		return diag_set(d, E_BADELF, ".symtab", name, NULL, "section index %u out of range", shndx);
	const Elf64_Shdr *sec = &o->sh[shndx];
	if (elf_section_loaded(sec) && (s->st_value > sec->sh_size || s->st_size > sec->sh_size - s->st_value))
		return diag_set(d, E_BADELF, elf_section_name(o, shndx), name, &s->st_value,
				"symbol of %llu bytes lies outside its section of %llu bytes",
				(unsigned long long)s->st_size, (unsigned long long)sec->sh_size);
	return E_OK;
}

/* What relocating will need of one relocation in a loaded section: a type
 * the loader applies, a field inside the section, a loaded target. */
static err_t check_rela(const struct elf_obj *o, size_t target, const Elf64_Rela *r, struct cell_diag *d)
{
	const char *section = elf_section_name(o, target);
	const Elf64_Sym *s = &o->syms[ELF64_R_SYM(r->r_info)];
	const char *sym = elf_symbol_name(o, s);
	uint32_t type = ELF64_R_TYPE(r->r_info);
	if (!reloc_supported(type))
		return diag_set(d, E_RELOC_UNSUPPORTED, section, sym, &r->r_offset, "type %u (%s) is not supported",
				type, reloc_type_name(type));
	if (reloc_width(type) > o->sh[target].sh_size - r->r_offset)
		return diag_set(d, E_RANGE, section, sym, &r->r_offset, "%s field runs past the section",
				reloc_type_name(type));
	if (s->st_shndx != SHN_UNDEF && s->st_shndx != SHN_ABS && !elf_section_loaded(&o->sh[s->st_shndx]))
		return diag_set(d, E_BADELF, section, sym, &r->r_offset,
				"relocation refers to section %s, which is not loaded",
				elf_section_name(o, s->st_shndx));
	return E_OK;
}

static err_t check_relas(const struct elf_obj *o, size_t i, struct cell_diag *d)
{
	const Elf64_Shdr *s = &o->sh[i];
	const char *name = elf_section_name(o, i);
	if (s->sh_entsize != sizeof(Elf64_Rela) || s->sh_size % sizeof(Elf64_Rela) || s->sh_offset % 8)
		return BAD(d, name, NULL, "malformed relocation section");
	if (s->sh_info == 0 || s->sh_info >= o->shnum || s->sh_link >= o->shnum ||
	    o->sh[s->sh_link].sh_type != SHT_SYMTAB)
		return BAD(d, name, NULL, "relocations name a bad target section or symbol table");
	const Elf64_Shdr *target = &o->sh[s->sh_info];
	size_t n;
	const Elf64_Rela *r = elf_relas(o, i, &n);
	for (size_t k = 0; k < n; k++) {
		if (ELF64_R_SYM(r[k].r_info) >= o->nsyms)
			return BAD(d, name, &r[k].r_offset, "relocation %zu names symbol %u of %zu", k,
				   ELF64_R_SYM(r[k].r_info), o->nsyms);
		if (!elf_section_loaded(target))
			continue; /* debug information: never applied */
		if (r[k].r_offset >= target->sh_size)
			return BAD(d, elf_section_name(o, s->sh_info), &r[k].r_offset,
				   "relocation %zu lies outside its section", k);
		err_t e = check_rela(o, s->sh_info, &r[k], d);
		if (e)
			return e;
	}
	return E_OK;
}

static err_t check_group(const struct elf_obj *o, size_t i, struct cell_diag *d)
{
	const Elf64_Shdr *s = &o->sh[i];
	if (s->sh_size < 4 || s->sh_size % 4 || s->sh_offset % 4)
		return BAD(d, elf_section_name(o, i), NULL, "malformed section group");
	const uint32_t *w = (const uint32_t *)(o->bytes + s->sh_offset);
	for (size_t k = 1; k < s->sh_size / 4; k++)
		if (w[k] == 0 || w[k] >= o->shnum)
			return BAD(d, elf_section_name(o, i), NULL, "group member %u out of range", w[k]);
	return E_OK;
}

static err_t find_info(struct elf_obj *o, struct cell_diag *d)
{
	const struct cell_info_record *info = NULL;
	for (size_t i = 0; i < o->shnum; i++) {
		if (strcmp(elf_section_name(o, i), CELL_INFO_SECTION) != 0)
			continue;
		const Elf64_Shdr *s = &o->sh[i];
		if (info || s->sh_type != SHT_PROGBITS || s->sh_size != sizeof *info || s->sh_offset % 4)
			return BAD(d, CELL_INFO_SECTION, NULL, "need exactly one %zu-byte cell info record",
				   sizeof *info);
		info = (const struct cell_info_record *)(o->bytes + s->sh_offset);
	}
	if (!info)
		return BAD(d, NULL, NULL, "no cell info record (section %s): add CELL_INFO(...) to the cell",
			   CELL_INFO_SECTION);
	if (info->magic != CELL_INFO_MAGIC || (info->class != CELL_KERNEL && info->class != CELL_APP) ||
	    strnlen(info->name, CELL_NAME_MAX) == 0 || strnlen(info->name, CELL_NAME_MAX) == CELL_NAME_MAX)
		return BAD(d, CELL_INFO_SECTION, NULL, "malformed cell info record");
	o->info = info;
	strlcpy(d->cell, info->name, sizeof d->cell);
	return E_OK;
}

/* A cell whose unwind information is malformed could not be recovered
 * after a fault: refuse it now, naming the bad record. The check reads
 * structure only, so the unrelocated bytes give the loaded ones' answer. */
static err_t check_unwind_info(const struct elf_obj *o, size_t i, struct cell_diag *d)
{
	const Elf64_Shdr *s = &o->sh[i];
	if (!elf_section_loaded(s) || !elf_section_has_bits(s) || strcmp(elf_section_name(o, i), ".eh_frame"))
		return E_OK;
	char why[96];
	size_t off = 0;
	if (unwind_check_eh_frame(o->bytes + s->sh_offset, s->sh_size, why, sizeof why, &off))
		return E_OK;
	uint64_t at = off;
	return BAD(d, ".eh_frame", &at, "malformed unwind information: %s", why);
}

err_t elf_parse(const void *bytes, size_t size, struct elf_obj *o, struct cell_diag *d)
{
	*o = (struct elf_obj){ .bytes = bytes, .size = size };
	err_t e = check_header(o, d);
	if (e)
		return e;
	size_t shstrndx = o->eh->e_shstrndx;
	if (shstrndx == 0 || shstrndx >= o->shnum)
		return BAD(d, NULL, NULL, "section name table index %zu out of range", shstrndx);
	if ((e = check_strtab(o, shstrndx, "the section name table", d)))
		return e;
	o->shstr = (const char *)o->bytes + o->sh[shstrndx].sh_offset;
	o->shstr_size = o->sh[shstrndx].sh_size;
	for (size_t i = 0; i < o->shnum && !e; i++)
		e = check_section(o, i, d);
	if (!e)
		e = find_info(o, d);
	if (!e)
		e = find_symtab(o, d);
	/* Relocations may name symbol 0, which check_symbol does not see. */
	static const Elf64_Sym null_sym;
	if (!e && memcmp(&o->syms[0], &null_sym, sizeof null_sym) != 0)
		e = BAD(d, ".symtab", NULL, "symbol 0 is not the null symbol");
	for (size_t i = 1; i < o->nsyms && !e; i++)
		e = check_symbol(o, i, d);
	for (size_t i = 0; i < o->shnum && !e; i++) {
		if (o->sh[i].sh_type == SHT_RELA)
			e = check_relas(o, i, d);
		else if (o->sh[i].sh_type == SHT_GROUP)
			e = check_group(o, i, d);
	}
	for (size_t i = 0; i < o->shnum && !e; i++)
		e = check_unwind_info(o, i, d);
	return e;
}
