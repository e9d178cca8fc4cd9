/* The slice of the ELF-64 x86_64 format the loader reads, defined here
 * because the kernel includes no libc headers, and the validated view of
 * one relocatable object that parse.c produces for the later stages. */
#ifndef CELL_ELF_H
#define CELL_ELF_H
#include <stddef.h>
#include <stdint.h>

#include "cell.h"

typedef struct {
	unsigned char e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t sh_name, sh_type;
	uint64_t sh_flags, sh_addr, sh_offset, sh_size;
	uint32_t sh_link, sh_info;
	uint64_t sh_addralign, sh_entsize;
} Elf64_Shdr;

typedef struct {
	uint32_t st_name;
	unsigned char st_info, st_other;
	uint16_t st_shndx;
	uint64_t st_value, st_size;
} Elf64_Sym;

typedef struct {
	uint64_t r_offset, r_info;
	int64_t r_addend;
} Elf64_Rela;

_Static_assert(sizeof(Elf64_Ehdr) == 64, "ELF header");
_Static_assert(sizeof(Elf64_Shdr) == 64, "section header");
_Static_assert(sizeof(Elf64_Sym) == 24, "symbol");
_Static_assert(sizeof(Elf64_Rela) == 24, "relocation");

#define ET_REL 1
#define EM_X86_64 62
#define ELFCLASS64 2
#define ELFDATA2LSB 1

#define SHT_NULL 0
#define SHT_PROGBITS 1
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_RELA 4
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHT_INIT_ARRAY 14
#define SHT_FINI_ARRAY 15
#define SHT_PREINIT_ARRAY 16
#define SHT_GROUP 17
#define SHT_SYMTAB_SHNDX 18
/* The x86-64 psABI's type for .eh_frame (clang's integrated assembler uses it). */
#define SHT_X86_64_UNWIND 0x70000001

#define SHF_WRITE 0x1
#define SHF_ALLOC 0x2
#define SHF_EXECINSTR 0x4
#define SHF_TLS 0x400

#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define SHN_ABS 0xfff1
#define SHN_COMMON 0xfff2
#define SHN_XINDEX 0xffff

#define STB_LOCAL 0
#define STB_GLOBAL 1
#define STB_WEAK 2
#define STT_NOTYPE 0
#define STT_OBJECT 1
#define STT_FUNC 2
#define STT_SECTION 3
#define STT_FILE 4
#define STT_COMMON 5
#define STT_TLS 6
#define STT_GNU_IFUNC 10
#define STV_DEFAULT 0
#define STV_HIDDEN 2
#define STV_INTERNAL 1

#define ELF64_ST_BIND(i) ((i) >> 4)
#define ELF64_ST_TYPE(i) ((i)&0xf)
#define ELF64_ST_VISIBILITY(o) ((o)&0x3)
#define ELF64_R_SYM(i) ((uint32_t)((i) >> 32))
#define ELF64_R_TYPE(i) ((uint32_t)(i))

#define R_X86_64_NONE 0
#define R_X86_64_64 1
#define R_X86_64_PC32 2
#define R_X86_64_GOT32 3
#define R_X86_64_PLT32 4
#define R_X86_64_GOTPCREL 9
#define R_X86_64_32 10
#define R_X86_64_32S 11
#define R_X86_64_PC64 24
#define R_X86_64_GOTPCRELX 41
#define R_X86_64_REX_GOTPCRELX 42

/* A validated object: every index, offset and size below has been checked
 * against the file by elf_parse, so later stages may use them directly. */
struct elf_obj {
	const uint8_t *bytes;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;   /* eh->e_shnum entries */
	size_t shnum;
	const char *shstr;      /* section names */
	size_t shstr_size;
	const Elf64_Sym *syms;  /* the one symbol table */
	size_t nsyms;
	const char *str;        /* its string table */
	size_t str_size;
	const struct cell_info_record *info;
};

/* Validates the whole object (see parse.c for what "valid" covers); on
 * error fills diag and returns E_BADELF, E_RELOC_UNSUPPORTED or E_RANGE. */
err_t elf_parse(const void *bytes, size_t size, struct elf_obj *obj, struct cell_diag *diag) MUST_USE;
const char *elf_section_name(const struct elf_obj *o, size_t idx);
const char *elf_symbol_name(const struct elf_obj *o, const Elf64_Sym *s);
/* Whether the loader places this section in memory. */
bool elf_section_loaded(const Elf64_Shdr *s);
/* The section's bytes come from the file (PROGBITS or X86_64_UNWIND). */
bool elf_section_has_bits(const Elf64_Shdr *s);
/* "PROGBITS", "X86_64_UNWIND", ... or NULL for a type without a name here. */
const char *elf_section_type_name(uint32_t type);
/* The relocations of section idx (which must be SHT_RELA). */
const Elf64_Rela *elf_relas(const struct elf_obj *o, size_t idx, size_t *count);

#endif
