/* Stage 3 of loading: give every symbol of the object its run-time value.
 * Defined symbols take their section's placed address; undefined ones are
 * looked up in the namespace (then its parents), subject to the privilege
 * rule that an app cell links only to app-visible symbols. Also builds the
 * cell's table of exported symbols. */
#include "cell_diag.h"
#include "heap.h"
#include "load.h"

bool symbol_exported(const struct elf_obj *o, const Elf64_Sym *s)
{
	unsigned bind = ELF64_ST_BIND(s->st_info);
	unsigned type = ELF64_ST_TYPE(s->st_info);
	return (bind == STB_GLOBAL || bind == STB_WEAK) && s->st_shndx != SHN_UNDEF &&
	       ELF64_ST_VISIBILITY(s->st_other) != STV_HIDDEN &&
	       ELF64_ST_VISIBILITY(s->st_other) != STV_INTERNAL && type != STT_SECTION &&
	       type != STT_FILE && o->str[s->st_name] != '\0' &&
	       (s->st_shndx == SHN_ABS || elf_section_loaded(&o->sh[s->st_shndx]));
}

const char *first_missing_symbol(const struct elf_obj *o, const struct namespace *ns)
{
	for (size_t i = 1; i < o->nsyms; i++) {
		const Elf64_Sym *s = &o->syms[i];
		if (s->st_shndx == SHN_UNDEF && ELF64_ST_BIND(s->st_info) == STB_GLOBAL &&
		    o->str[s->st_name] && strcmp(o->str + s->st_name, GOT_SYMBOL) &&
		    !ns_resolve(ns, o->str + s->st_name))
			return o->str + s->st_name;
	}
	return NULL;
}

static err_t resolve_undefined(struct load_ctx *ctx, size_t i, const Elf64_Sym *s)
{
	const char *name = ctx->obj.str + s->st_name;
	if (!name[0])
		return diag_set(ctx->diag, E_BADELF, ".symtab", NULL, NULL, "undefined symbol %zu has no name", i);
	if (!strcmp(name, GOT_SYMBOL)) {
		/* gas names the GOT whenever it sees @GOTPCREL: it is this cell's own */
		ctx->symaddr[i] = (uintptr_t)ctx->got;
		return E_OK;
	}
	const struct cell_symbol *found = ns_resolve(ctx->ns, name);
	if (!found) {
		if (ELF64_ST_BIND(s->st_info) == STB_WEAK)
			return E_OK; /* an unresolved weak reference is 0 */
		return diag_set(ctx->diag, E_UNDEF_SYMBOL, NULL, name, NULL,
				"no cell in namespace %s (or its parents) exports it", ctx->ns->name);
	}
	if (ctx->cell->class == CELL_APP && !found->app_visible)
		return diag_set(ctx->diag, E_PRIVILEGE, NULL, name, NULL,
				"app cell may not link to kernel-only symbol of %s",
				found->section ? found->section->cell->name : "the nano_core");
	ctx->symaddr[i] = found->addr;
	ctx->import[i] = found;
	return E_OK;
}

static size_t count_exports(const struct elf_obj *o)
{
	size_t n = 0;
	for (size_t i = 1; i < o->nsyms; i++)
		n += symbol_exported(o, &o->syms[i]);
	return n;
}

static err_t add_export(struct load_ctx *ctx, const Elf64_Sym *s, uintptr_t addr)
{
	struct cell *c = ctx->cell;
	struct cell_symbol *cs = &c->symbols[c->n_symbols];
	*cs = (struct cell_symbol){
		.section = s->st_shndx == SHN_ABS ? NULL : ctx->secmap[s->st_shndx],
		.addr = addr,
		.size = s->st_size,
		.is_func = ELF64_ST_TYPE(s->st_info) == STT_FUNC,
		.app_visible = c->class == CELL_APP,
	};
	if (!(cs->name = kstrdup(ctx->obj.str + s->st_name)))
		return diag_set(ctx->diag, E_NOMEM, NULL, NULL, NULL, "symbol names");
	c->n_symbols++;
	return E_OK;
}

err_t resolve_symbols(struct load_ctx *ctx)
{
	const struct elf_obj *o = &ctx->obj;
	ctx->cell->symbols = kzalloc(MAX(count_exports(o), 1) * sizeof *ctx->cell->symbols);
	if (!ctx->cell->symbols)
		return diag_set(ctx->diag, E_NOMEM, NULL, NULL, NULL, "symbol table");
	for (size_t i = 1; i < o->nsyms; i++) {
		const Elf64_Sym *s = &o->syms[i];
		err_t e = E_OK;
		if (s->st_shndx == SHN_UNDEF)
			e = resolve_undefined(ctx, i, s);
		else if (s->st_shndx == SHN_ABS)
			ctx->symaddr[i] = s->st_value;
		else if (ctx->secmap[s->st_shndx])
			ctx->symaddr[i] = ctx->secmap[s->st_shndx]->addr + s->st_value;
		if (!e && symbol_exported(o, s))
			e = add_export(ctx, s, ctx->symaddr[i]);
		if (e)
			return e;
	}
	return E_OK;
}
