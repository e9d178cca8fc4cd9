/* cellinfo --check: the loader's own validation of a cell object
 * (elf_parse, kernel/cell/parse.c), compiled from the kernel's sources into
 * the host tool, so that the build's check and the loader cannot disagree on
 * what a valid cell is. This file includes only kernel headers; cellinfo.c
 * only host ones, and sees the prototype below. */
#include "cell.h"
#include "kernel/cell/elf.h"

bool cellinfo_loader_check(const void *bytes, size_t size, char *why, size_t cap);

bool cellinfo_loader_check(const void *bytes, size_t size, char *why, size_t cap)
{
	struct elf_obj obj;
	struct cell_diag diag = { 0 };
	if (elf_parse(bytes, size, &obj, &diag) != E_OK) {
		cell_diag_format(&diag, why, cap);
		return false;
	}
	/* No HAL name in a cell's link ABI (docs/cells.md): the loader would
	 * refuse it as undefined; say why here, at build time. */
	for (size_t i = 1; i < obj.nsyms; i++) {
		const char *name = elf_symbol_name(&obj, &obj.syms[i]);
		if (obj.syms[i].st_shndx == SHN_UNDEF && name && !strncmp(name, "hal_", 4)) {
			ksnprintf(why, cap, "symbol %s: a HAL name (cells link only against kernel exports, docs/cells.md)",
				  name);
			return false;
		}
	}
	return true;
}
