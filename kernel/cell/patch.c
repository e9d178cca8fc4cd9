/* Patching a loaded cell's code (the swap's relocation rewriting goes
 * through here): cell_text_patch checks that the range lies inside one
 * loaded cell's text region and hands it to mp_patch_code (kernel/mm/patch.c),
 * which writes through a temporary non-executable alias and tells the HAL.
 * Takes the cells lock. Precondition: no CPU runs the patched bytes (the
 * swap pauses the others). */
#include "cell.h"
#include "cell_diag.h"
#include "export.h"
#include "mm.h"
#include "mm_code.h"

err_t cell_text_patch(void *dst, const void *src, size_t len, struct cell_diag *diag)
{
	uintptr_t a = (uintptr_t)dst;
	*diag = (struct cell_diag){ 0 };
	if (len == 0 || a + len < a)
		return diag_set(diag, E_INVAL, NULL, NULL, NULL, "patch of %zu bytes at %#lx", len,
				(unsigned long)a);
	CELLS_GUARD(); /* the cell stays loaded, and nobody else patches it, until we return */
	const struct cell_section *s = cell_section_at(a);
	struct cell *c = s ? s->cell : NULL;
	if (c)
		strlcpy(diag->cell, c->name, sizeof diag->cell);
	if (!c || s->region != REGION_TEXT || c->builtin)
		return diag_set(diag, E_RANGE, s ? s->name : NULL, NULL, NULL,
				"%#lx is not in the text of a loaded cell", (unsigned long)a);
	uintptr_t start = mp_start(&c->text.m);
	uint64_t off = a - start;
	if (a < start || off >= mp_size(&c->text.m) || len > mp_size(&c->text.m) - off)
		return diag_set(diag, E_RANGE, s->name, NULL, &off, "%zu bytes run past the cell's text (%zu bytes)",
				len, mp_size(&c->text.m));
	err_t e = mp_patch_code(&c->text, off, src, len);
	return e ? diag_set(diag, e, s->name, NULL, &off, "cannot write the code") : E_OK;
}

EXPORT_KERNEL(cell_text_patch);
