/* Unwind information of the host libraries task stacks can pass through:
 * libffi, whose frames sit between the shell's `call` task and the called
 * cell function. Found with dl_iterate_phdr: the PT_GNU_EH_FRAME header
 * points at .eh_frame, which runs (zero-terminated) to the end of its
 * loaded segment at most. */
#define _GNU_SOURCE
#include <link.h>
#include <string.h>

#include "hosted.h"

static uint64_t read_encoded_ptr(const uint8_t *p, uint8_t enc, uintptr_t *out)
{
	if (enc == 0x1b) { /* pcrel | sdata4: what the linker writes */
		int32_t v;
		memcpy(&v, p, 4);
		*out = (uintptr_t)p + (intptr_t)v;
		return 1;
	}
	if (enc == 0x03) { /* udata4 */
		uint32_t v;
		memcpy(&v, p, 4);
		*out = v;
		return 1;
	}
	return 0;
}

static int visit(struct dl_phdr_info *dl, size_t size, void *arg)
{
	(void)size;
	struct hal_boot_info *info = arg;
	if (!dl->dlpi_name || !strstr(dl->dlpi_name, "libffi") || info->n_eh_frames >= 4)
		return 0;
	for (int i = 0; i < dl->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &dl->dlpi_phdr[i];
		if (ph->p_type != PT_GNU_EH_FRAME)
			continue;
		const uint8_t *hdr = (const uint8_t *)(dl->dlpi_addr + ph->p_vaddr);
		uintptr_t eh;
		if (hdr[0] != 1 || !read_encoded_ptr(hdr + 4, hdr[1], &eh))
			return 0;
		for (int k = 0; k < dl->dlpi_phnum; k++) {
			const ElfW(Phdr) *seg = &dl->dlpi_phdr[k];
			uintptr_t lo = dl->dlpi_addr + seg->p_vaddr, hi = lo + seg->p_memsz;
			if (seg->p_type == PT_LOAD && eh >= lo && eh < hi) {
				info->eh_frames[info->n_eh_frames].start = (const void *)eh;
				info->eh_frames[info->n_eh_frames].size = hi - eh;
				info->n_eh_frames++;
			}
		}
	}
	return 0;
}

void hosted_unwind_info(struct hal_boot_info *info) { dl_iterate_phdr(visit, info); }
