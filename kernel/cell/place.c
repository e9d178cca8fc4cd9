/* Stage 2 of loading: lay out the loaded sections of the object in three
 * per-cell regions (text, rodata, data; DESIGN.md §3), map each region
 * writable, and copy the section contents in. The rodata region also holds
 * the cell's GOT. Regions are remapped RX/R when the cell is committed. */
#include "cell_diag.h"
#include "heap.h"
#include "load.h"
#include "reloc.h"

static enum cell_region region_of(const Elf64_Shdr *s)
{
	if (s->sh_flags & SHF_EXECINSTR)
		return REGION_TEXT;
	return (s->sh_flags & SHF_WRITE) ? REGION_DATA : REGION_RODATA;
}

/* One GOT slot per symbol that a GOT-relative relocation names. */
static void count_got_slots(struct load_ctx *ctx)
{
	const struct elf_obj *o = &ctx->obj;
	for (size_t i = 0; i < o->shnum; i++) {
		if (o->sh[i].sh_type != SHT_RELA || !elf_section_loaded(&o->sh[o->sh[i].sh_info]))
			continue;
		size_t n;
		const Elf64_Rela *r = elf_relas(o, i, &n);
		for (size_t k = 0; k < n; k++) {
			uint32_t sym = ELF64_R_SYM(r[k].r_info);
			if (reloc_uses_got(ELF64_R_TYPE(r[k].r_info)) && !ctx->gotslot[sym])
				ctx->gotslot[sym] = (uint32_t)++ctx->got_slots;
		}
	}
}

static size_t count_loaded(const struct elf_obj *o)
{
	size_t n = 0;
	for (size_t i = 0; i < o->shnum; i++)
		n += elf_section_loaded(&o->sh[i]);
	return n;
}

/* Assigns every loaded section its offset in its region (stored in addr
 * until the regions exist) and sizes the regions. */
static err_t lay_out(struct load_ctx *ctx)
{
	const struct elf_obj *o = &ctx->obj;
	struct cell *c = ctx->cell;
	for (size_t i = 0; i < o->shnum; i++) {
		const Elf64_Shdr *s = &o->sh[i];
		if (!elf_section_loaded(s))
			continue;
		struct cell_section *sec = &c->sections[c->n_sections++];
		enum cell_region r = region_of(s);
		size_t align = s->sh_addralign ? s->sh_addralign : 1;
		size_t off = ALIGN_UP(ctx->region_size[r], align);
		*sec = (struct cell_section){ .cell = c, .addr = off, .size = s->sh_size, .region = r,
					      .bss = s->sh_type == SHT_NOBITS };
		list_init(&sec->edges_out);
		list_init(&sec->edges_in);
		if (!(sec->name = kstrdup(elf_section_name(o, i))))
			return E_NOMEM;
		ctx->secmap[i] = sec;
		ctx->region_size[r] = off + s->sh_size;
	}
	ctx->region_size[REGION_RODATA] = ALIGN_UP(ctx->region_size[REGION_RODATA], 8);
	ctx->region_size[REGION_RODATA] += ctx->got_slots * 8;
	return E_OK;
}

static err_t map_regions(struct load_ctx *ctx)
{
	for (int r = 0; r < REGION_COUNT; r++) {
		if (!ctx->region_size[r])
			continue;
		err_t e = mp_alloc_rw(ctx->region_size[r], &ctx->region[r]);
		if (e)
			return diag_set(ctx->diag, e, NULL, NULL, NULL, "cannot map a %zu-byte region",
					ctx->region_size[r]);
		void *base;
		if ((e = mp_as_slice_mut(&ctx->region[r], 0, 1, ctx->region_size[r], 1, &base)))
			return e;
		memset(base, 0, mp_size(&ctx->region[r].m)); /* bss, padding, GOT: frames are reused */
	}
	return E_OK;
}

static void copy_contents(struct load_ctx *ctx)
{
	const struct elf_obj *o = &ctx->obj;
	for (size_t i = 0; i < o->shnum; i++) {
		struct cell_section *sec = ctx->secmap[i];
		if (!sec)
			continue;
		sec->addr += mp_start(&ctx->region[sec->region].m);
		if (elf_section_has_bits(&o->sh[i]))
			memcpy((void *)sec->addr, o->bytes + o->sh[i].sh_offset, sec->size);
	}
	if (ctx->got_slots) {
		uintptr_t base = mp_start(&ctx->region[REGION_RODATA].m);
		ctx->got = (uint64_t *)(base + ctx->region_size[REGION_RODATA] - ctx->got_slots * 8);
	}
}

err_t place_sections(struct load_ctx *ctx)
{
	struct cell *c = ctx->cell;
	size_t n = count_loaded(&ctx->obj);
	c->sections = kzalloc(MAX(n, 1) * sizeof *c->sections);
	if (!c->sections)
		return diag_set(ctx->diag, E_NOMEM, NULL, NULL, NULL, "section table");
	count_got_slots(ctx);
	err_t e = lay_out(ctx);
	if (e)
		return diag_set(ctx->diag, e, NULL, NULL, NULL, "section names");
	if ((e = map_regions(ctx)))
		return e;
	copy_contents(ctx);
	return E_OK;
}
