/* Applying one x86_64 relocation; private to kernel/cell. */
#ifndef CELL_RELOC_H
#define CELL_RELOC_H
#include "cell.h"

bool reloc_supported(uint32_t type);
bool reloc_uses_got(uint32_t type);
/* Bytes the relocation writes (0 for NONE). */
size_t reloc_width(uint32_t type);

/* Patches where (room bytes available) for a relocation of type at run-time
 * address P against symbol value S with addend A; G is the address of the
 * symbol's GOT slot for GOT-relative types. E_RELOC_OVERFLOW when the value
 * does not fit, E_RELOC_UNSUPPORTED for unknown types, E_RANGE when the
 * field runs past room. */
err_t reloc_apply(uint32_t type, uint8_t *where, size_t room, uint64_t P, uint64_t S, int64_t A,
		  uint64_t G) MUST_USE;

#endif
