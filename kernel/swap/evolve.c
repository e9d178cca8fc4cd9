/* Applying an evolution (evolve.h): after its files are in memory (from a
 * directory, evolve_files.c, or the serial line, evolve_rx.c), parse the
 * manifest (evolve_manifest.c), check every object against its SHA-256,
 * and make one swap of the loaded cells it changes or removes for the
 * objects it brings. Everything fallible before the swap changes nothing;
 * the swap itself is all or nothing (swap.h). */
#include "evolve.h"
#include "export.h"
#include "heap.h"
#include "klib.h"

static err_t why_set(struct evolve_why *why, err_t e, const char *fmt, ...) PRINTF_LIKE(3, 4);
static err_t why_set(struct evolve_why *why, err_t e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(why->text, sizeof why->text, fmt, ap);
	va_end(ap);
	why->err = e;
	return e;
}

/* Every object a step names is in ev with the SHA-256 the manifest gives,
 * and ev holds nothing else. */
static err_t check_objects(const struct evolution *ev, const struct evolve_plan *plan, struct evolve_why *why)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct evolve_step *s = &plan->steps[i];
		if (s->op == EVOLVE_REMOVE)
			continue;
		const struct evolve_file *f = evolution_file(ev, s->file);
		if (!f)
			return why_set(why, E_NOTFOUND, "manifest line %zu: %s is not in the evolution", s->line,
				       s->file);
		uint8_t d[SHA256_SIZE];
		char got[SHA256_HEX_SIZE], want[SHA256_HEX_SIZE];
		sha256(f->bytes, f->size, d);
		if (memcmp(d, s->sha256, SHA256_SIZE)) {
			sha256_to_hex(d, got);
			sha256_to_hex(s->sha256, want);
			return why_set(why, E_CHECKSUM, "%s: SHA-256 %.16s..., the manifest (line %zu) says %.16s...",
				       s->file, got, s->line, want);
		}
	}
	for (size_t i = 1; i < ev->n; i++) {
		bool found = false;
		for (size_t k = 0; k < plan->n && !found; k++)
			found = plan->steps[k].op != EVOLVE_REMOVE && !strcmp(plan->steps[k].file, ev->files[i].name);
		if (!found)
			return why_set(why, E_INVAL, "%s came with the evolution but the manifest does not name it",
				       ev->files[i].name);
	}
	return E_OK;
}

/* Steps whose old cell is not loaded in ns have nothing to swap. */
static void mark_skipped(struct namespace *ns, struct evolve_plan *plan)
{
	CELLS_GUARD();
	for (size_t i = 0; i < plan->n; i++) {
		struct evolve_step *s = &plan->steps[i];
		s->skipped = s->op != EVOLVE_ADD && !ns_find_cell(ns, s->old);
	}
}

struct swap_lists {
	const char *old[EVOLVE_STEPS_MAX];
	struct swap_object new[EVOLVE_STEPS_MAX];
};

err_t evolve_apply(struct namespace *ns, const struct evolution *ev, unsigned swap_flags, struct evolve_plan *plan,
		   struct swap_result *res, bool *swapped, struct evolve_why *why)
{
	*swapped = false;
	memset(res, 0, sizeof *res);
	const struct evolve_file *m = evolution_file(ev, EVOLVE_MANIFEST);
	if (!m)
		return why_set(why, E_NOTFOUND, "the evolution has no manifest");
	err_t e = evolve_parse(m->bytes, m->size, plan, why);
	if (e || (e = check_objects(ev, plan, why)))
		return e;
	mark_skipped(ns, plan);
	struct swap_lists *l KFREE = kmalloc(sizeof *l);
	if (!l)
		return why_set(why, E_NOMEM, "no memory for the swap's lists");
	struct swap_spec spec = { .ns = ns, .old = l->old, .new = l->new, .flags = swap_flags };
	for (size_t i = 0; i < plan->n; i++) {
		const struct evolve_step *s = &plan->steps[i];
		if (s->skipped)
			continue;
		if (s->op != EVOLVE_ADD)
			l->old[spec.n_old++] = s->old;
		if (s->op != EVOLVE_REMOVE) {
			const struct evolve_file *f = evolution_file(ev, s->file);
			l->new[spec.n_new++] = (struct swap_object){ .label = f->name, .bytes = f->bytes, .size = f->size };
		}
	}
	if (spec.n_old == 0 && spec.n_new == 0)
		return E_OK; /* nothing loaded is changed: nothing to swap */
	*swapped = true;
	e = swap_cells(&spec, res);
	if (e)
		return why_set(why, e, "the swap was refused");
	return E_OK;
}

EXPORT_KERNEL(evolve_apply);
