/* Stage 4 of loading: apply every relocation of every placed section, and
 * record each one that crosses into another cell as a dependency edge
 * (DESIGN.md §3: exact, none missing, none extra). Relocations of sections
 * that are not loaded (debug information) are skipped. */
#include "cell_diag.h"
#include "heap.h"
#include "load.h"
#include "reloc.h"

static err_t record_edge(struct load_ctx *ctx, struct cell_section *from, const Elf64_Rela *r,
			 const struct cell_symbol *to, uint64_t *got_slot)
{
	struct dep_edge *e = kmalloc(sizeof *e);
	if (!e)
		return diag_set(ctx->diag, E_NOMEM, from->name, to->name, &r->r_offset, "dependency edge");
	*e = (struct dep_edge){
		.from = from,
		.offset = r->r_offset,
		.type = ELF64_R_TYPE(r->r_info),
		.addend = r->r_addend,
		.sym = to,
		.got_slot = got_slot,
	};
	list_init(&e->in_link);
	list_push_back(&ctx->edges, &e->out_link);
	return E_OK;
}

static err_t reloc_error(struct load_ctx *ctx, err_t e, const char *section, const char *sym,
			 const Elf64_Rela *r)
{
	uint32_t type = ELF64_R_TYPE(r->r_info);
	if (e == E_RELOC_UNSUPPORTED)
		return diag_set(ctx->diag, e, section, sym, &r->r_offset, "type %u (%s) is not supported",
				type, reloc_type_name(type));
	if (e == E_RELOC_OVERFLOW)
		return diag_set(ctx->diag, e, section, sym, &r->r_offset,
				"%s value does not fit its field (target too far)", reloc_type_name(type));
	return diag_set(ctx->diag, e, section, sym, &r->r_offset, "%s field runs past the section",
			reloc_type_name(type));
}

static err_t apply_one(struct load_ctx *ctx, struct cell_section *sec, const Elf64_Rela *r)
{
	const struct elf_obj *o = &ctx->obj;
	uint32_t symi = ELF64_R_SYM(r->r_info), type = ELF64_R_TYPE(r->r_info);
	const Elf64_Sym *s = &o->syms[symi];
	const char *sym = elf_symbol_name(o, s);
	if (!reloc_supported(type))
		return reloc_error(ctx, E_RELOC_UNSUPPORTED, sec->name, sym, r);
	if (s->st_shndx != SHN_UNDEF && s->st_shndx != SHN_ABS && !ctx->secmap[s->st_shndx])
		return diag_set(ctx->diag, E_BADELF, sec->name, sym, &r->r_offset,
				"relocation refers to section %s, which is not loaded",
				s->st_shndx < o->shnum ? elf_section_name(o, s->st_shndx) : "?");
	uint64_t S = ctx->symaddr[symi], G = 0, *slot = NULL;
	if (reloc_uses_got(type)) {
		slot = &ctx->got[ctx->gotslot[symi] - 1];
		*slot = S;
		G = (uint64_t)(uintptr_t)slot;
	}
	uint64_t P = sec->addr + r->r_offset;
	err_t e = reloc_apply(type, (uint8_t *)(uintptr_t)P, sec->size - r->r_offset, P, S, r->r_addend, G);
	if (e)
		return reloc_error(ctx, e, sec->name, sym, r);
	if (ctx->import[symi] && ctx->import[symi]->section)
		return record_edge(ctx, sec, r, ctx->import[symi], slot);
	return E_OK;
}

err_t apply_relocations(struct load_ctx *ctx)
{
	const struct elf_obj *o = &ctx->obj;
	for (size_t i = 0; i < o->shnum; i++) {
		if (o->sh[i].sh_type != SHT_RELA)
			continue;
		struct cell_section *sec = ctx->secmap[o->sh[i].sh_info];
		if (!sec)
			continue; /* debug information is not loaded */
		size_t n;
		const Elf64_Rela *r = elf_relas(o, i, &n);
		for (size_t k = 0; k < n; k++) {
			err_t e = apply_one(ctx, sec, &r[k]);
			if (e)
				return e;
		}
	}
	return E_OK;
}
