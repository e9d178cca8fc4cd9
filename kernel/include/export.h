/* floor: lib */
/* The nano_core export table: every function or object the kernel offers
 * to cells is recorded (name, address, class) in the theseus_exports
 * section by one of these macros, next to its definition. The loader
 * resolves cells' undefined symbols against it; an app-class cell may only
 * use EXPORT_APP entries (DESIGN.md §2, privilege). */
#ifndef KERNEL_EXPORT_H
#define KERNEL_EXPORT_H
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

enum export_class {
	EXPORT_CLASS_KERNEL = 1, /* kernel-class cells only */
	EXPORT_CLASS_APP = 2,    /* any cell */
};

struct export_entry {
	const char *name;
	const void *addr; /* its nano_core cell is the one whose section holds it */
	uint32_t class;
	uint32_t reserved;
};
_Static_assert(sizeof(struct export_entry) == 24, "export entries are packed back to back");

#define EXPORT_AS(sym, name, cls)                                                     \
	static const struct export_entry __export_##sym                               \
		__attribute__((used, section("theseus_exports"), aligned(8))) = {     \
			name, (const void *)&(sym), (cls), 0                          \
		}
#define EXPORT_KERNEL(sym) EXPORT_AS(sym, #sym, EXPORT_CLASS_KERNEL)
#define EXPORT_APP(sym) EXPORT_AS(sym, #sym, EXPORT_CLASS_APP)

/* The table as the linker laid it out. */
const struct export_entry *exports_begin(void);
const struct export_entry *exports_end(void);
/* NULL if name is not exported. */
const struct export_entry *export_find(const char *name) NONNULL(1);
size_t export_count(void);

#endif
