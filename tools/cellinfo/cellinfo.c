/* cellinfo: inspects cell objects (ELF x86_64 relocatable files) with libelf.
 * Prints the cell info record, exports, imports, a relocation histogram, the
 * cross-cell edges the kernel loader records, or (--check) runs the loader's
 * own validation of the object (check.c). Host tool; see usage() and
 * DESIGN.md §3. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosted.h"

#define CELL_INFO_SECTION ".theseus.cell_info"
#define CELL_INFO_MAGIC 0x4c4c4543u /* "CELL" */
#define CELL_INFO_SIZE 64
#define CELL_NAME_MAX 48

enum mode { M_ALL, M_INFO, M_EXPORTS, M_IMPORTS, M_RELOCS, M_EDGES, M_CHECK };

/* One open object. `failed` collects errors so a file is reported whole. */
struct obj {
	const char *path;
	int fd;
	Elf *elf;
	size_t nsec;
	size_t shstrndx;
	bool failed;
};

struct cell_info {
	uint32_t magic, class, version;
	char name[CELL_NAME_MAX];
};

/* One relocation as the loader sees it, already decoded and bounds-checked. */
struct reloc {
	const char *relsec;	/* the .rela section */
	const char *target;	/* the section it patches */
	uint64_t offset;
	uint32_t type;
	int64_t addend;
	const char *sym;
	bool undef;		/* SHN_UNDEF and not the null symbol */
};

typedef void (*reloc_fn)(struct obj *o, const struct reloc *r, void *ctx);

static const char *const rel_names[] = {
	[R_X86_64_NONE] = "NONE", [R_X86_64_64] = "64", [R_X86_64_PC32] = "PC32",
	[R_X86_64_GOT32] = "GOT32", [R_X86_64_PLT32] = "PLT32", [R_X86_64_COPY] = "COPY",
	[R_X86_64_GLOB_DAT] = "GLOB_DAT", [R_X86_64_JUMP_SLOT] = "JUMP_SLOT",
	[R_X86_64_RELATIVE] = "RELATIVE", [R_X86_64_GOTPCREL] = "GOTPCREL",
	[R_X86_64_32] = "32", [R_X86_64_32S] = "32S", [R_X86_64_16] = "16",
	[R_X86_64_PC16] = "PC16", [R_X86_64_8] = "8", [R_X86_64_PC8] = "PC8",
	[R_X86_64_DTPMOD64] = "DTPMOD64", [R_X86_64_DTPOFF64] = "DTPOFF64",
	[R_X86_64_TPOFF64] = "TPOFF64", [R_X86_64_TLSGD] = "TLSGD",
	[R_X86_64_TLSLD] = "TLSLD", [R_X86_64_DTPOFF32] = "DTPOFF32",
	[R_X86_64_GOTTPOFF] = "GOTTPOFF", [R_X86_64_TPOFF32] = "TPOFF32",
	[R_X86_64_PC64] = "PC64", [R_X86_64_GOTOFF64] = "GOTOFF64",
	[R_X86_64_GOTPC32] = "GOTPC32", [R_X86_64_GOT64] = "GOT64",
	[R_X86_64_GOTPCREL64] = "GOTPCREL64", [R_X86_64_GOTPC64] = "GOTPC64",
	[R_X86_64_GOTPLT64] = "GOTPLT64", [R_X86_64_PLTOFF64] = "PLTOFF64",
	[R_X86_64_SIZE32] = "SIZE32", [R_X86_64_SIZE64] = "SIZE64",
	[R_X86_64_GOTPC32_TLSDESC] = "GOTPC32_TLSDESC",
	[R_X86_64_TLSDESC_CALL] = "TLSDESC_CALL", [R_X86_64_TLSDESC] = "TLSDESC",
	[R_X86_64_IRELATIVE] = "IRELATIVE", [R_X86_64_RELATIVE64] = "RELATIVE64",
	[R_X86_64_GOTPCRELX] = "GOTPCRELX", [R_X86_64_REX_GOTPCRELX] = "REX_GOTPCRELX",
};

/* Unknown types still get a stable, greppable name. */
static const char *rel_name(uint32_t type)
{
	static char buf[32];
	if (type < sizeof rel_names / sizeof rel_names[0] && rel_names[type]) {
		snprintf(buf, sizeof buf, "R_X86_64_%s", rel_names[type]);
		return buf;
	}
	snprintf(buf, sizeof buf, "R_X86_64_unknown_%" PRIu32, type);
	return buf;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cellinfo [--info|--exports|--imports|--relocs|--edges|--check] FILE.o...\n"
		"  no option prints info, exports, imports and relocations\n"
		"  --check runs the loader's own validation (kernel/cell/parse.c): silent if the\n"
		"  loader accepts the object as a cell, else one line saying what and where\n");
}

static void fail(struct obj *o, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "cellinfo: %s: ", o->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	o->failed = true;
}

/* ---- section and symbol access ---------------------------------------- */

static const char *sec_name(struct obj *o, size_t idx)
{
	Elf_Scn *scn = elf_getscn(o->elf, idx);
	GElf_Shdr sh;
	const char *n = NULL;
	if (scn && gelf_getshdr(scn, &sh))
		n = elf_strptr(o->elf, o->shstrndx, sh.sh_name);
	return n ? n : "?";
}

static Elf_Scn *find_section(struct obj *o, const char *name, size_t *count)
{
	Elf_Scn *scn = NULL, *found = NULL;
	*count = 0;
	while ((scn = elf_nextscn(o->elf, scn))) {
		if (strcmp(sec_name(o, elf_ndxscn(scn)), name) == 0) {
			found = found ? found : scn;
			(*count)++;
		}
	}
	return found;
}

/* The symbol table a section refers to, with its extended-index table. */
struct symtab {
	Elf_Data *syms, *xndx;
	size_t count, strndx;
};

static bool load_symtab(struct obj *o, size_t idx, struct symtab *st)
{
	Elf_Scn *scn = elf_getscn(o->elf, idx), *x = NULL;
	GElf_Shdr sh, xsh;
	memset(st, 0, sizeof *st);
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
		return false;
	if (!(st->syms = elf_getdata(scn, NULL)))
		return false;
	st->count = st->syms->d_size / gelf_fsize(o->elf, ELF_T_SYM, 1, EV_CURRENT);
	st->strndx = sh.sh_link;
	while ((x = elf_nextscn(o->elf, x)))
		if (gelf_getshdr(x, &xsh) && xsh.sh_type == SHT_SYMTAB_SHNDX
		    && xsh.sh_link == idx)
			st->xndx = elf_getdata(x, NULL);
	return true;
}

static Elf_Scn *first_symtab(struct obj *o, size_t *idx)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(o->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			*idx = elf_ndxscn(scn);
			return scn;
		}
	return NULL;
}

/* Reads symbol i and its real section index (SHN_XINDEX resolved). */
static bool get_sym(const struct symtab *st, size_t i, GElf_Sym *s, size_t *shndx)
{
	Elf32_Word x = 0;
	if (i >= st->count || !gelf_getsymshndx(st->syms, st->xndx, (int)i, s, &x))
		return false;
	*shndx = s->st_shndx == SHN_XINDEX ? x : s->st_shndx;
	return true;
}

static const char *sym_name(struct obj *o, const struct symtab *st, const GElf_Sym *s)
{
	const char *n = elf_strptr(o->elf, st->strndx, s->st_name);
	return n ? n : "?";
}

/* ---- the cell info record --------------------------------------------- */

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The record is read as bytes and decoded little-endian, so the tool gives
 * the same answer on any host. Any defect is reported and returns false. */
static bool read_info(struct obj *o, struct cell_info *ci)
{
	size_t n;
	Elf_Scn *scn = find_section(o, CELL_INFO_SECTION, &n);
	GElf_Shdr sh;
	Elf_Data *d;
	if (!scn)
		return fail(o, "no cell info record (section " CELL_INFO_SECTION " missing)"), false;
	if (n > 1)
		return fail(o, "%zu " CELL_INFO_SECTION " sections, expected one", n), false;
	if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
		return fail(o, "malformed cell info record (section " CELL_INFO_SECTION " is not PROGBITS)"), false;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || d->d_size != CELL_INFO_SIZE)
		return fail(o, "malformed cell info record (section " CELL_INFO_SECTION
			    ", size %zu, expected exactly one %d-byte record)",
			    d ? d->d_size : 0, CELL_INFO_SIZE), false;
	const unsigned char *p = d->d_buf;
	ci->magic = le32(p);
	ci->class = le32(p + 4);
	ci->version = le32(p + 8);
	memcpy(ci->name, p + 16, CELL_NAME_MAX);
	if (ci->magic != CELL_INFO_MAGIC)
		return fail(o, "malformed cell info record (section " CELL_INFO_SECTION
			    ", offset 0x0, magic 0x%" PRIx32 ", expected 0x%x)",
			    ci->magic, CELL_INFO_MAGIC), false;
	if (ci->class != 1 && ci->class != 2)
		return fail(o, "malformed cell info record (section " CELL_INFO_SECTION
			    ", offset 0x4, class %" PRIu32 ", expected 1 or 2)", ci->class), false;
	if (!memchr(ci->name, '\0', CELL_NAME_MAX) || !ci->name[0])
		return fail(o, "malformed cell info record (section " CELL_INFO_SECTION
			    ", offset 0x10, name empty or not NUL-terminated)"), false;
	return true;
}

static void do_info(struct obj *o, const char *ind)
{
	struct cell_info ci;
	if (!read_info(o, &ci))
		return;
	printf("%sname %s\n%sclass %s\n%sversion %" PRIu32 "\n", ind, ci.name,
	       ind, ci.class == 1 ? "kernel" : "app", ind, ci.version);
}

/* ---- symbols ---------------------------------------------------------- */

static const char *sym_type(const GElf_Sym *s)
{
	switch (GELF_ST_TYPE(s->st_info)) {
	case STT_NOTYPE: return "NOTYPE";
	case STT_OBJECT: return "OBJECT";
	case STT_FUNC: return "FUNC";
	case STT_SECTION: return "SECTION";
	case STT_FILE: return "FILE";
	case STT_COMMON: return "COMMON";
	case STT_TLS: return "TLS";
	case STT_GNU_IFUNC: return "IFUNC";
	}
	return "OTHER";
}

static const char *shndx_name(struct obj *o, size_t shndx)
{
	if (shndx == SHN_ABS)
		return "*ABS*";
	if (shndx == SHN_COMMON)
		return "*COM*";
	return sec_name(o, shndx);
}

static bool is_export(const GElf_Sym *s, size_t shndx)
{
	int b = GELF_ST_BIND(s->st_info), v = GELF_ST_VISIBILITY(s->st_other);
	return shndx != SHN_UNDEF && (b == STB_GLOBAL || b == STB_WEAK)
	       && (v == STV_DEFAULT || v == STV_PROTECTED);
}

/* Calls fn for every symbol but the null one; false if there is no table. */
static bool each_symbol(struct obj *o,
			void (*fn)(struct obj *, const struct symtab *, const GElf_Sym *, size_t, const char *),
			const char *ind)
{
	size_t idx, shndx;
	struct symtab st;
	GElf_Sym s;
	if (!first_symtab(o, &idx) || !load_symtab(o, idx, &st))
		return fail(o, "no readable symbol table"), false;
	for (size_t i = 1; i < st.count; i++) {
		if (!get_sym(&st, i, &s, &shndx))
			return fail(o, "bad symbol %zu: %s", i, elf_errmsg(-1)), false;
		fn(o, &st, &s, shndx, ind);
	}
	return true;
}

static void print_export(struct obj *o, const struct symtab *st, const GElf_Sym *s,
			 size_t shndx, const char *ind)
{
	if (is_export(s, shndx))
		printf("%s%s %s %s %" PRIu64 "\n", ind, sym_name(o, st, s), sym_type(s),
		       shndx_name(o, shndx), (uint64_t)s->st_size);
}

static void print_import(struct obj *o, const struct symtab *st, const GElf_Sym *s,
			 size_t shndx, const char *ind)
{
	if (shndx == SHN_UNDEF)
		printf("%s%s%s\n", ind, sym_name(o, st, s),
		       GELF_ST_BIND(s->st_info) == STB_WEAK ? " weak" : "");
}

/* ---- relocations ------------------------------------------------------ */

/* Decodes one RELA section whose target is loaded; debug sections are
 * skipped because the loader never maps them. */
static void each_reloc_in(struct obj *o, Elf_Scn *scn, const GElf_Shdr *sh,
			  reloc_fn fn, void *ctx)
{
	const char *rname = sec_name(o, elf_ndxscn(scn));
	Elf_Scn *tscn = elf_getscn(o->elf, sh->sh_info);
	GElf_Shdr tsh;
	struct symtab st;
	Elf_Data *d;
	if (!tscn || sh->sh_info == 0 || !gelf_getshdr(tscn, &tsh)) {
		fail(o, "bad target section %" PRIu32 " (section %s)", sh->sh_info, rname);
		return;
	}
	if (!(tsh.sh_flags & SHF_ALLOC))
		return;
	if (sh->sh_type == SHT_REL) {
		fail(o, "REL relocations are not supported, x86_64 uses RELA (section %s)", rname);
		return;
	}
	if (!load_symtab(o, sh->sh_link, &st)) {
		fail(o, "bad symbol table link %" PRIu32 " (section %s)", sh->sh_link, rname);
		return;
	}
	if (!(d = elf_getdata(scn, NULL))) {
		fail(o, "unreadable relocations (section %s): %s", rname, elf_errmsg(-1));
		return;
	}
	size_t n = d->d_size / gelf_fsize(o->elf, ELF_T_RELA, 1, EV_CURRENT);
	struct reloc r = { .relsec = rname, .target = sec_name(o, sh->sh_info) };
	for (size_t i = 0; i < n; i++) {
		GElf_Rela ra;
		GElf_Sym s;
		size_t symi, shndx;
		if (!gelf_getrela(d, (int)i, &ra)) {
			fail(o, "bad relocation %zu (section %s)", i, rname);
			return;
		}
		symi = GELF_R_SYM(ra.r_info);
		r.offset = ra.r_offset;
		r.type = GELF_R_TYPE(ra.r_info);
		r.addend = ra.r_addend;
		if (symi && !get_sym(&st, symi, &s, &shndx)) {
			fail(o, "bad symbol index %zu (section %s, offset 0x%" PRIx64 ")",
			     symi, rname, r.offset);
			continue;
		}
		r.undef = symi && shndx == SHN_UNDEF;
		r.sym = symi ? sym_name(o, &st, &s) : "";
		fn(o, &r, ctx);
	}
}

static void each_reloc(struct obj *o, reloc_fn fn, void *ctx)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(o->elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_RELA || sh.sh_type == SHT_REL))
			each_reloc_in(o, scn, &sh, fn, ctx);
}

/* Histogram: a small growable array, printed in type order. */
struct hist {
	struct { uint32_t type; size_t n; } *v;
	size_t len, cap;
	bool oom;
};

static void count_reloc(struct obj *o, const struct reloc *r, void *ctx)
{
	struct hist *h = ctx;
	size_t i = 0;
	(void)o;
	while (i < h->len && h->v[i].type < r->type)
		i++;
	if (i < h->len && h->v[i].type == r->type) {
		h->v[i].n++;
		return;
	}
	if (h->len == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		void *v = realloc(h->v, cap * sizeof *h->v);
		if (!v) {
			h->oom = true;
			return;
		}
		h->v = v;
		h->cap = cap;
	}
	memmove(&h->v[i + 1], &h->v[i], (h->len - i) * sizeof *h->v);
	h->v[i].type = r->type;
	h->v[i].n = 1;
	h->len++;
}

static void do_relocs(struct obj *o, const char *ind)
{
	struct hist h = { 0 };
	each_reloc(o, count_reloc, &h);
	if (h.oom)
		fail(o, "out of memory");
	for (size_t i = 0; i < h.len; i++)
		printf("%s%s %zu\n", ind, rel_name(h.v[i].type), h.v[i].n);
	free(h.v);
}

/* The format is shared with the kernel's `deps` output (edges_match.sh). */
static void print_edge(struct obj *o, const struct reloc *r, void *ctx)
{
	(void)o, (void)ctx;
	if (r->undef)
		printf("%s+0x%" PRIx64 " %s %s%+lld\n", r->target, r->offset,
		       rel_name(r->type), r->sym, (long long)r->addend);
}

/* ---- whole-file operations -------------------------------------------- */

/* Every mode needs this: relocation type names and the record layout only
 * mean something in an ELF64 little-endian x86_64 relocatable object. */
static bool check_header(struct obj *o)
{
	GElf_Ehdr eh;
	const char *id = elf_getident(o->elf, NULL);
	if (!gelf_getehdr(o->elf, &eh) || !id) {
		fail(o, "unreadable ELF header: %s", elf_errmsg(-1));
		return false;
	}
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
		fail(o, "not a little-endian ELF64 object");
	else if (eh.e_machine != EM_X86_64)
		fail(o, "machine %u, not x86_64", (unsigned)eh.e_machine);
	else if (eh.e_type != ET_REL)
		fail(o, "ELF type %u, not a relocatable object (ET_REL)", (unsigned)eh.e_type);
	return !o->failed;
}

/* check.c: the loader's elf_parse on the object's bytes. */
bool cellinfo_loader_check(const void *bytes, size_t size, char *why, size_t cap);

/* Opens path for reading if it is a regular file (its size in *st), else
 * reports why not and returns -1. O_NONBLOCK, then fstat before any read:
 * opening a FIFO for reading would otherwise wait forever for a writer, and
 * reading a device or a directory means nothing. */
static int open_regular(struct obj *o, struct stat *st)
{
	int fd = open(o->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, st) < 0) {
		fail(o, "%s", strerror(errno));
	} else if (!S_ISREG(st->st_mode)) {
		fail(o, "not a regular file (%s)", hosted_file_kind(st->st_mode));
	} else if (fcntl(fd, F_SETFL, 0) < 0) { /* ordinary blocking reads from here */
		fail(o, "%s", strerror(errno));
	} else {
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Reads the whole file and asks the loader's validation; no libelf here, so
 * nothing but the kernel's code decides. */
static bool check(const char *path)
{
	struct obj o = { .path = path };
	struct stat st;
	int fd = open_regular(&o, &st);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "rb");
	char *bytes = NULL, why[512];
	if (fd < 0) {
		/* reported */
	} else if (!f) {
		fail(&o, "%s", strerror(errno));
		close(fd);
	} else if (!(bytes = malloc(st.st_size ? (size_t)st.st_size : 1))) {
		fail(&o, "out of memory");
	} else if (fread(bytes, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fail(&o, "cannot read it");
	} else if (!cellinfo_loader_check(bytes, (size_t)st.st_size, why, sizeof why)) {
		fail(&o, "the loader refuses it: %s", why);
	}
	free(bytes);
	if (f)
		fclose(f);
	return !o.failed;
}

static void do_all(struct obj *o)
{
	printf("info\n");
	do_info(o, "  ");
	printf("exports\n");
	each_symbol(o, print_export, "  ");
	printf("imports\n");
	each_symbol(o, print_import, "  ");
	printf("relocations\n");
	do_relocs(o, "  ");
}

static void run(struct obj *o, enum mode m)
{
	switch (m) {
	case M_ALL: do_all(o); break;
	case M_INFO: do_info(o, ""); break;
	case M_EXPORTS: each_symbol(o, print_export, ""); break;
	case M_IMPORTS: each_symbol(o, print_import, ""); break;
	case M_RELOCS: do_relocs(o, ""); break;
	case M_EDGES: each_reloc(o, print_edge, NULL); break;
	case M_CHECK: break; /* check(), without libelf */
	}
}

/* Opens, runs and closes one file; false if anything was wrong with it. */
static bool process(const char *path, enum mode m)
{
	struct obj o = { .path = path };
	struct stat st;
	if ((o.fd = open_regular(&o, &st)) < 0)
		return false;
	o.elf = elf_begin(o.fd, ELF_C_READ, NULL);
	if (!o.elf || elf_kind(o.elf) != ELF_K_ELF)
		fail(&o, "not an ELF object%s%s", o.elf ? "" : ": ", o.elf ? "" : elf_errmsg(-1));
	else if (elf_getshdrnum(o.elf, &o.nsec) || elf_getshdrstrndx(o.elf, &o.shstrndx))
		fail(&o, "unreadable section headers: %s", elf_errmsg(-1));
	else if (check_header(&o))
		run(&o, m);
	elf_end(o.elf);
	close(o.fd);
	return !o.failed;
}

static int parse_mode(const char *arg, enum mode *m)
{
	static const struct { const char *opt; enum mode m; } opts[] = {
		{ "--info", M_INFO }, { "--exports", M_EXPORTS }, { "--imports", M_IMPORTS },
		{ "--relocs", M_RELOCS }, { "--edges", M_EDGES }, { "--check", M_CHECK },
	};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (strcmp(arg, opts[i].opt) == 0) {
			*m = opts[i].m;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	enum mode m = M_ALL;
	int i = 1, status = 0;
	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")))
		return usage(stdout), 0;
	if (i < argc && argv[i][0] == '-' && argv[i][1] == '-') {
		if (parse_mode(argv[i], &m))
			return fprintf(stderr, "cellinfo: bad option '%s'\n", argv[i]), usage(stderr), 2;
		i++;
	}
	if (i >= argc)
		return usage(stderr), 2;
	for (int j = i; j < argc; j++)
		if (argv[j][0] == '-')
			return fprintf(stderr, "cellinfo: bad argument '%s'\n", argv[j]), usage(stderr), 2;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fprintf(stderr, "cellinfo: libelf: %s\n", elf_errmsg(-1)), 1;
	/* Several files: name each, except under --check, which is silent on success. */
	bool named = argc - i > 1 && m != M_CHECK;
	for (; i < argc; i++) {
		if (named)
			printf("%s:\n", argv[i]);
		fflush(stdout);
		if (!(m == M_CHECK ? check(argv[i]) : process(argv[i], m)))
			status = 1;
	}
	return status;
}
