/* The app entry of a loaded cell (cell.h, APP_ENTRY): the one function a
 * task may be started at. The record was relocated with the rest of the
 * cell and lives in its read-only region; it is checked here, when asked
 * for, because the object is hostile input like any other part of it. */
#include "cell.h"
#include "export.h"

/* A section of c that holds addr in its code. */
static bool in_own_text(const struct cell *c, uintptr_t addr)
{
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct cell_section *s = &c->sections[i];
		if (s->region == REGION_TEXT && addr >= s->addr && addr - s->addr < s->size)
			return true;
	}
	return false;
}

err_t cell_app_entry(const struct cell *c, app_entry_fn **out)
{
	*out = NULL;
	if (c->class != CELL_APP)
		return E_PRIVILEGE;
	const struct cell_section *rec_sec = NULL;
	for (size_t i = 0; i < c->n_sections; i++) {
		if (strcmp(c->sections[i].name, APP_ENTRY_SECTION) != 0)
			continue;
		if (rec_sec)
			return E_BADELF; /* two APP_ENTRY in one cell */
		rec_sec = &c->sections[i];
	}
	if (!rec_sec)
		return E_NOTFOUND;
	if (rec_sec->size != sizeof(struct app_entry_record) || rec_sec->addr % 8 ||
	    rec_sec->region != REGION_RODATA)
		return E_BADELF;
	const struct app_entry_record *rec = (const struct app_entry_record *)rec_sec->addr;
	if (rec->magic != APP_ENTRY_MAGIC || !in_own_text(c, (uintptr_t)rec->entry))
		return E_BADELF;
	*out = rec->entry;
	return E_OK;
}
EXPORT_KERNEL(cell_app_entry);
