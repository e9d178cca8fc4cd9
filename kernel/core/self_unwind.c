/* The nano_core's own unwind information: its .eh_frame, found through the
 * section headers of the image the HAL handed over, registered with the
 * unwinder so that unwinding can cross kernel frames (a kill taking effect
 * inside task_sleep_ns, a panic in the heap) like any cell's; and that of
 * HAL code outside the image which task stacks pass through. */
#include "kernel/cell/elf.h"
#include "klib.h"
#include "self_unwind.h"
#include "unwind.h"

static bool in_file(uint64_t off, uint64_t len, size_t size) { return off <= size && len <= size - off; }

static err_t register_image(const struct hal_boot_info *info);

err_t nano_core_register_unwind(const struct hal_boot_info *info)
{
	for (size_t i = 0; i < info->n_eh_frames; i++)
		if (!unwind_register_eh_frame(info->eh_frames[i].start, info->eh_frames[i].size))
			return E_TOOBIG;
	return register_image(info);
}

static err_t register_image(const struct hal_boot_info *info)
{
	const uint8_t *b = info->kernel_image;
	size_t n = info->kernel_image_size;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;
	if (!b || n < sizeof *eh || memcmp(eh->e_ident, "\177ELF", 4) || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), n) || eh->e_shstrndx >= eh->e_shnum)
		return E_BADELF;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff);
	const Elf64_Shdr *names = &sh[eh->e_shstrndx];
	if (!in_file(names->sh_offset, names->sh_size, n))
		return E_BADELF;
	for (size_t i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name >= names->sh_size || !sh[i].sh_addr)
			continue;
		const char *name = (const char *)b + names->sh_offset + sh[i].sh_name;
		if (strnlen(name, names->sh_size - sh[i].sh_name) == names->sh_size - sh[i].sh_name)
			continue;
		if (!strcmp(name, ".eh_frame"))
			return unwind_register_eh_frame((const void *)sh[i].sh_addr, sh[i].sh_size) ? E_OK : E_TOOBIG;
	}
	return E_NOTFOUND;
}
