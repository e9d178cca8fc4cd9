/* The index of cell images the HAL offered at boot: by name, and by the
 * symbols each exports, so that loading a cell can first load the cells
 * that provide what it is missing. Images that do not parse are reported
 * once at boot and left out. */
#include "diag.h"
#include "heap.h"
#include "load.h"

static struct {
	const struct hal_cell_image *images;
	size_t n;
	struct hmap by_symbol; /* exported symbol -> const struct hal_cell_image */
	char **names;          /* the keys of by_symbol, owned here */
	size_t n_names;
} idx;

static err_t index_image(const struct hal_cell_image *img)
{
	struct elf_obj obj;
	struct cell_diag diag = { 0 };
	if (elf_parse(img->addr, img->size, &obj, &diag)) {
		char line[320];
		cell_diag_format(&diag, line, sizeof line);
		kprintf("theseus: cell image %s is unusable: %s\n", img->name, line);
		return E_OK;
	}
	for (size_t i = 1; i < obj.nsyms; i++) {
		if (!symbol_exported(&obj, &obj.syms[i]))
			continue;
		const char *name = obj.str + obj.syms[i].st_name;
		if (hmap_contains(&idx.by_symbol, name))
			continue; /* the first image (in name order) provides it */
		char **grown = krealloc(idx.names, (idx.n_names + 1) * sizeof *grown);
		if (!grown)
			return E_NOMEM;
		idx.names = grown;
		if (!(idx.names[idx.n_names] = kstrdup(name)))
			return E_NOMEM;
		err_t e = hmap_insert(&idx.by_symbol, idx.names[idx.n_names], (void *)img);
		idx.n_names++;
		if (e)
			return e;
	}
	return E_OK;
}

err_t images_index(const struct hal_boot_info *info)
{
	idx.images = info->cells;
	idx.n = info->n_cells;
	hmap_init(&idx.by_symbol);
	for (size_t i = 0; i < idx.n; i++) {
		err_t e = index_image(&idx.images[i]);
		if (e)
			return e;
	}
	return E_OK;
}

void images_fini(void)
{
	hmap_destroy(&idx.by_symbol);
	for (size_t i = 0; i < idx.n_names; i++)
		kfree(idx.names[i]);
	kfree(idx.names);
	idx = (__typeof__(idx)){ 0 };
}

const struct hal_cell_image *image_providing(const char *symbol)
{
	return hmap_get(&idx.by_symbol, symbol);
}

const struct hal_cell_image *cell_image_find(const char *name)
{
	for (size_t i = 0; i < idx.n; i++)
		if (!strcmp(idx.images[i].name, name))
			return &idx.images[i];
	return NULL;
}

size_t cell_images(const struct hal_cell_image **out)
{
	*out = idx.images;
	return idx.n;
}
