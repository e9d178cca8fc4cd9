/* Reading the nano_core export table that the EXPORT_* macros laid out in
 * the theseus_exports section (the linker provides its bounds). */
#include "export.h"
#include "klib.h"

extern const struct export_entry __start_theseus_exports[];
extern const struct export_entry __stop_theseus_exports[];

const struct export_entry *exports_begin(void) { return __start_theseus_exports; }
const struct export_entry *exports_end(void) { return __stop_theseus_exports; }
size_t export_count(void) { return (size_t)(exports_end() - exports_begin()); }

const struct export_entry *export_find(const char *name)
{
	for (const struct export_entry *e = exports_begin(); e < exports_end(); e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

EXPORT_KERNEL(export_find);
