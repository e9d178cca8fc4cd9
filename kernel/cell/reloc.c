/* Relocation arithmetic for the types gcc emits for cells (DESIGN.md §3):
 * absolute 64/32/32S, PC-relative 32/64, PLT32 (no PLT: a direct call),
 * and GOT-relative loads through a per-cell GOT. Every narrowing is
 * overflow-checked; nothing is written on error. */
#include "elf.h"
#include "reloc.h"

bool reloc_supported(uint32_t type) { return reloc_width(type) || type == R_X86_64_NONE; }

bool reloc_uses_got(uint32_t type)
{
	return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX;
}

size_t reloc_width(uint32_t type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		return 4;
	}
	return 0;
}

static bool fits_s32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

err_t reloc_apply(uint32_t type, uint8_t *where, size_t room, uint64_t P, uint64_t S, int64_t A,
		  uint64_t G)
{
	if (type == R_X86_64_NONE)
		return E_OK;
	size_t width = reloc_width(type);
	if (!width)
		return E_RELOC_UNSUPPORTED;
	if (width > room)
		return E_RANGE;
	uint64_t v;
	switch (type) {
	case R_X86_64_64:
		v = S + (uint64_t)A;
		break;
	case R_X86_64_PC64:
		v = S + (uint64_t)A - P;
		break;
	case R_X86_64_32:
		v = S + (uint64_t)A;
		if (v > UINT32_MAX)
			return E_RELOC_OVERFLOW;
		break;
	case R_X86_64_32S:
		v = S + (uint64_t)A;
		if (!fits_s32((int64_t)v))
			return E_RELOC_OVERFLOW;
		break;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		v = S + (uint64_t)A - P;
		if (!fits_s32((int64_t)v))
			return E_RELOC_OVERFLOW;
		break;
	default: /* the GOT-relative family */
		v = G + (uint64_t)A - P;
		if (!fits_s32((int64_t)v))
			return E_RELOC_OVERFLOW;
		break;
	}
	memcpy(where, &v, width); /* little endian: the low bytes */
	return E_OK;
}

const char *reloc_type_name(uint32_t type)
{
	switch (type) {
	case R_X86_64_NONE: return "R_X86_64_NONE";
	case R_X86_64_64: return "R_X86_64_64";
	case R_X86_64_PC32: return "R_X86_64_PC32";
	case R_X86_64_PLT32: return "R_X86_64_PLT32";
	case R_X86_64_32: return "R_X86_64_32";
	case R_X86_64_32S: return "R_X86_64_32S";
	case R_X86_64_PC64: return "R_X86_64_PC64";
	case R_X86_64_GOTPCREL: return "R_X86_64_GOTPCREL";
	case R_X86_64_GOTPCRELX: return "R_X86_64_GOTPCRELX";
	case R_X86_64_REX_GOTPCRELX: return "R_X86_64_REX_GOTPCRELX";
	case R_X86_64_GOT32: return "R_X86_64_GOT32";
	}
	return "R_X86_64_(unknown)";
}
