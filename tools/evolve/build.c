/* A build's cells, as tools/evolve compares them: every *.o of a directory
 * opened with libelf, named by its info record, with two hashes: the file's
 * (what the kernel checks before loading it) and its load hash, over only
 * what loading the object depends on, so that the same source built in
 * another checkout (other paths in .debug_*, another .comment) is not a
 * change. What the load hash covers: docs/evolve.md. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evolve.h"

#define CELL_INFO_SECTION ".theseus.cell_info"
#define CELL_INFO_MAGIC 0x4c4c4543u /* "CELL" */
#define CELL_INFO_SIZE 64

unsigned char *file_read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "evolve: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			unsigned char *n = realloc(buf, cap);
			if (!n) {
				fprintf(stderr, "evolve: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = n;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	bool err = ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "evolve: %s: read error\n", path);
		free(buf);
		return NULL;
	}
	*size = len;
	return buf;
}

/* --- the load hash ----------------------------------------------------------- */

static void put_u64(struct sha256 *h, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	sha256_update(h, b, 8);
}

static void put_str(struct sha256 *h, const char *s)
{
	size_t n = strlen(s);
	put_u64(h, n);
	sha256_update(h, s, n);
}

static const char *section_name(Elf *e, size_t shstrndx, size_t idx)
{
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(e, idx);
	const char *n = scn && gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
	return n ? n : "";
}

/* A symbol as a relocation or the export list sees it: a global by name
 * (its definition is hashed with the symbols), a local by the section and
 * offset it stands for, so renaming a static function is not a change. */
static void put_symbol(struct sha256 *h, Elf *e, size_t shstrndx, Elf_Data *syms, size_t strndx, size_t i)
{
	GElf_Sym s;
	if (!gelf_getsym(syms, (int)i, &s)) {
		put_str(h, "?");
		return;
	}
	if (GELF_ST_BIND(s.st_info) == STB_LOCAL) {
		put_str(h, "local");
		put_str(h, s.st_shndx < SHN_LORESERVE ? section_name(e, shstrndx, s.st_shndx) : "special");
		put_u64(h, s.st_value);
		return;
	}
	const char *n = elf_strptr(e, strndx, s.st_name);
	put_str(h, n ? n : "");
}

/* Every global symbol: name, binding, type, visibility, where and what size. */
static void put_globals(struct sha256 *h, Elf *e, size_t shstrndx, Elf_Data *syms, size_t strndx)
{
	size_t n = syms->d_size / sizeof(Elf64_Sym);
	for (size_t i = 1; i < n; i++) {
		GElf_Sym s;
		if (!gelf_getsym(syms, (int)i, &s) || GELF_ST_BIND(s.st_info) == STB_LOCAL)
			continue;
		put_symbol(h, e, shstrndx, syms, strndx, i);
		put_u64(h, (uint64_t)s.st_info << 8 | GELF_ST_VISIBILITY(s.st_other));
		put_str(h, s.st_shndx == SHN_UNDEF ? "undefined"
			   : s.st_shndx < SHN_LORESERVE ? section_name(e, shstrndx, s.st_shndx) : "special");
		put_u64(h, s.st_value);
		put_u64(h, s.st_size);
	}
}

static void put_relocations(struct sha256 *h, Elf *e, size_t shstrndx, Elf_Scn *rel, const GElf_Shdr *rsh,
			    Elf_Data *syms, size_t strndx)
{
	Elf_Data *d = elf_getdata(rel, NULL);
	size_t n = d ? d->d_size / sizeof(Elf64_Rela) : 0;
	put_str(h, section_name(e, shstrndx, rsh->sh_info));
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		if (!gelf_getrela(d, (int)i, &r))
			continue;
		put_u64(h, r.r_offset);
		put_u64(h, GELF_R_TYPE(r.r_info));
		put_u64(h, (uint64_t)r.r_addend);
		put_symbol(h, e, shstrndx, syms, strndx, GELF_R_SYM(r.r_info));
	}
}

/* The loaded sections (SHF_ALLOC: name, type, flags, size, alignment and
 * bytes), the relocations applied to them and the global symbols; not the
 * debug sections, .comment, the file symbol, local symbols' names. */
static bool load_hash(Elf *e, uint8_t out[SHA256_SIZE])
{
	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx) != 0)
		return false;
	Elf_Data *syms = NULL;
	size_t strndx = 0;
	struct sha256 h;
	sha256_init(&h);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			syms = elf_getdata(scn, NULL);
			strndx = sh.sh_link;
		}
	if (!syms)
		return false;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return false;
		if (sh.sh_flags & SHF_ALLOC) {
			put_str(&h, section_name(e, shstrndx, elf_ndxscn(scn)));
			put_u64(&h, sh.sh_type);
			put_u64(&h, sh.sh_flags);
			put_u64(&h, sh.sh_size);
			put_u64(&h, sh.sh_addralign);
			Elf_Data *d = sh.sh_type == SHT_NOBITS ? NULL : elf_rawdata(scn, NULL);
			if (d && d->d_buf)
				sha256_update(&h, d->d_buf, d->d_size);
		} else if (sh.sh_type == SHT_RELA) {
			GElf_Shdr tsh;
			Elf_Scn *t = elf_getscn(e, sh.sh_info);
			if (t && gelf_getshdr(t, &tsh) && (tsh.sh_flags & SHF_ALLOC))
				put_relocations(&h, e, shstrndx, scn, &sh, syms, strndx);
		}
	}
	put_globals(&h, e, shstrndx, syms, strndx);
	sha256_final(&h, out);
	return true;
}

/* --- one object -------------------------------------------------------------- */

static bool cell_name_of(Elf *e, const char *path, char name[EVOLVE_CELL_NAME_MAX])
{
	size_t shstrndx;
	Elf_Scn *scn = NULL, *found = NULL;
	if (elf_getshdrstrndx(e, &shstrndx) != 0) {
		fprintf(stderr, "evolve: %s: no section name table: %s\n", path, elf_errmsg(-1));
		return false;
	}
	while ((scn = elf_nextscn(e, scn)))
		if (!strcmp(section_name(e, shstrndx, elf_ndxscn(scn)), CELL_INFO_SECTION))
			found = scn;
	Elf_Data *d = found ? elf_rawdata(found, NULL) : NULL;
	if (!d || !d->d_buf || d->d_size != CELL_INFO_SIZE) {
		fprintf(stderr, "evolve: %s: not a cell object (no %d-byte " CELL_INFO_SECTION " record)\n", path,
			CELL_INFO_SIZE);
		return false;
	}
	const unsigned char *p = d->d_buf;
	uint32_t magic = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	if (magic != CELL_INFO_MAGIC || !memchr(p + 16, '\0', EVOLVE_CELL_NAME_MAX) || !p[16]) {
		fprintf(stderr, "evolve: %s: malformed " CELL_INFO_SECTION " record (bad magic or name)\n", path);
		return false;
	}
	memcpy(name, p + 16, EVOLVE_CELL_NAME_MAX);
	return true;
}

static bool cell_obj_read(struct cell_obj *c, char *path)
{
	c->path = path;
	if (!(c->bytes = file_read_all(path, &c->size)))
		return false;
	Elf *e = elf_memory((char *)c->bytes, c->size);
	GElf_Ehdr eh;
	bool ok = false;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		fprintf(stderr, "evolve: %s: not an ELF file\n", path);
	else if (gelf_getclass(e) != ELFCLASS64 || eh.e_machine != EM_X86_64 || eh.e_type != ET_REL)
		fprintf(stderr, "evolve: %s: not an x86_64 relocatable object (a cell is one)\n", path);
	else if (cell_name_of(e, path, c->name)) {
		ok = load_hash(e, c->load_hash);
		if (!ok)
			fprintf(stderr, "evolve: %s: unreadable sections or symbol table: %s\n", path,
				elf_errmsg(-1));
	}
	if (e)
		elf_end(e);
	sha256(c->bytes, c->size, c->file_hash);
	return ok;
}

/* --- a directory of them ---------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cell_obj *)a)->name, ((const struct cell_obj *)b)->name);
}

static const char *cells_dir_of(const char *dir, char *buf, size_t cap)
{
	struct stat st;
	snprintf(buf, cap, "%s/cells", dir);
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? buf : dir;
}

static bool is_object_name(const char *n)
{
	size_t len = strlen(n);
	return len > 2 && !strcmp(n + len - 2, ".o");
}

bool build_read(const char *dir, struct build *b)
{
	char buf[4096];
	memset(b, 0, sizeof *b);
	b->dir = strdup(cells_dir_of(dir, buf, sizeof buf));
	struct dirent **ents;
	int n = b->dir ? scandir(b->dir, &ents, NULL, alphasort) : -1;
	if (n < 0) {
		fprintf(stderr, "evolve: %s: %s\n", dir, strerror(errno));
		return false;
	}
	bool ok = (b->cells = calloc((size_t)n + 1, sizeof *b->cells)) != NULL;
	for (int i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		struct stat st;
		char *path = NULL;
		if (ok && f[0] != '.' && asprintf(&path, "%s/%s", b->dir, f) < 0)
			ok = false, path = NULL;
		if (!ok || f[0] == '.' || !path) {
			free(path);
		} else if (!is_object_name(f) || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "evolve: %s: skipped (not a regular *.o file)\n", path);
			free(path);
		} else {
			struct cell_obj *c = &b->cells[b->n++];
			ok = cell_obj_read(c, path);
			struct cell_obj *twin = ok ? build_find(b, c->name) : NULL;
			if (twin && twin != c) {
				fprintf(stderr, "evolve: %s and %s both hold cell %s\n", twin->path, path, c->name);
				ok = false;
			}
		}
		free(ents[i]);
	}
	free(ents);
	if (ok && b->n == 0) {
		fprintf(stderr, "evolve: %s: no cell objects (*.o)\n", b->dir);
		ok = false;
	}
	if (ok)
		qsort(b->cells, b->n, sizeof *b->cells, by_name);
	return ok;
}

struct cell_obj *build_find(const struct build *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->cells[i].name, name))
			return &b->cells[i];
	return NULL;
}

void build_free(struct build *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->cells[i].path);
		free(b->cells[i].bytes);
	}
	free(b->cells);
	free((char *)b->dir);
	memset(b, 0, sizeof *b);
}
