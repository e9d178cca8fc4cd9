/* The index of cell images the HAL offered at boot, built once by
 * images_index and read by the loader (load.c) and the shell.
 *
 * Names: an image is known by the name in its cell info record, not by its
 * file, so both HALs agree whatever the files or boot modules are called.
 * One name, one image: when several images hold the same cell, the one
 * whose file is "<name>.o" is used, else the first in file-name order
 * (byte order, then the HAL's order); the others are refused, each with a
 * boot message naming both files. An image whose file is named otherwise
 * is listed under its cell's name with a warning naming the file. Images
 * that do not parse hold no cell: each is reported once, naming its file
 * and why, and listed under its file name (without ".o"), so that loading
 * it shows the loader's diagnosis; but one that parses always goes first,
 * so a broken leftover "hello.o" never hides the real hello in another
 * file (the broken one is then refused).
 *
 * Symbols: every symbol an image exports maps to the images providing it.
 * The loader never chooses between two providers: a symbol that two
 * images export is ambiguous (image_providers says so). Replacement images
 * (CELL_INFO_REPLACEMENT) provide nothing here. */
#include "cell_diag.h"
#include "heap.h"
#include "load.h"

_Static_assert(CELL_IMAGE_NAME_MAX == HAL_CELL_NAME_MAX, "an image's names fit the index as the HAL gives them");

/* The images exporting one symbol; the first two are remembered. */
struct provider {
	const struct cell_image *img[2];
	size_t count;
	char name[];
};

static struct {
	struct cell_image *images; /* listed (by name), then refused */
	bool *usable;                  /* parallel to images: it parses */
	size_t n_listed, n;
	struct hmap by_symbol; /* exported symbol -> struct provider (owned) */
} idx;

/* One image while the index is being built. */
struct candidate {
	struct cell_image img;
	bool usable;
	bool named_after_file; /* file is "<name>.o" */
	size_t order;          /* in the HAL's list */
	char why[240];         /* why it is not usable */
};

static bool file_is_named(const char *file, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(file, name, n) && !strcmp(file + n, ".o");
}

static void name_candidate(struct candidate *c, const struct hal_cell_image *from, size_t order)
{
	*c = (struct candidate){ .order = order };
	strlcpy(c->img.file, from->file, sizeof c->img.file);
	c->img.addr = from->addr;
	c->img.size = from->size;
	struct elf_obj obj;
	struct cell_diag diag = { 0 };
	if (elf_parse(from->addr, from->size, &obj, &diag)) {
		cell_diag_format(&diag, c->why, sizeof c->why);
		size_t stem = strlen(from->file);
		stem -= stem > 2 && !strcmp(from->file + stem - 2, ".o") ? 2 : 0;
		ksnprintf(c->img.name, sizeof c->img.name, "%.*s", (int)stem, from->file);
	} else {
		c->usable = true;
		strlcpy(c->img.name, obj.info->name, sizeof c->img.name);
	}
	c->named_after_file = file_is_named(c->img.file, c->img.name);
}

/* The order of the index: by name; within a name, the image to use first:
 * one that parses before one that does not, whatever their files. */
static bool goes_before(const struct candidate *a, const struct candidate *b)
{
	int by = strcmp(a->img.name, b->img.name);
	if (by)
		return by < 0;
	if (a->usable != b->usable)
		return a->usable;
	if (a->named_after_file != b->named_after_file)
		return a->named_after_file;
	by = strcmp(a->img.file, b->img.file);
	return by ? by < 0 : a->order < b->order;
}

static void sort_candidates(struct candidate *c, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct candidate key = c[i];
		size_t j = i;
		for (; j > 0 && goes_before(&key, &c[j - 1]); j--)
			c[j] = c[j - 1];
		c[j] = key;
	}
}

/* Puts candidate c into the index: listed if it is the first of its name
 * (used is then NULL), refused otherwise, with the messages either needs. */
static void place_image(const struct candidate *c, const struct candidate *used, size_t *next_refused)
{
	size_t at;
	if (!c->usable) { /* it holds no cell: it never takes a name from one that does */
		keprintf("theseus: cell image %s is unusable: %s\n", c->img.file, c->why);
		if (used)
			keprintf("theseus: cell image %s is refused; %s %s comes from %s\n", c->img.file,
				used->usable ? "cell" : "the name", used->img.name, used->img.file);
		at = used ? (*next_refused)++ : idx.n_listed++;
	} else if (used) {
		keprintf("theseus: cell images %s and %s both hold cell %s: %s is used (%s), %s is refused\n",
			used->img.file, c->img.file, c->img.name, used->img.file,
			used->named_after_file ? "its file is named after the cell" : "first in file-name order",
			c->img.file);
		at = (*next_refused)++;
	} else {
		if (!c->named_after_file)
			keprintf("theseus: warning: file %s holds cell %s; it is listed as %s\n", c->img.file,
				c->img.name, c->img.name);
		at = idx.n_listed++;
	}
	idx.images[at] = c->img;
	idx.usable[at] = c->usable;
}

/* Every symbol a listed, usable image exports, mapped to its providers. */
static err_t index_symbols(const struct cell_image *img)
{
	struct elf_obj obj;
	struct cell_diag diag = { 0 };
	if (elf_parse(img->addr, img->size, &obj, &diag))
		return E_OK; /* reported when it was named */
	if (obj.info->flags & CELL_FLAG_REPLACEMENT)
		return E_OK; /* loaded by name or swapped in, never to provide a symbol */
	for (size_t i = 1; i < obj.nsyms; i++) {
		if (!symbol_exported(&obj, &obj.syms[i]))
			continue;
		const char *name = obj.str + obj.syms[i].st_name;
		struct provider *p = hmap_get(&idx.by_symbol, name);
		if (p) {
			if (p->img[0] != img && p->img[1] != img) { /* not the same image twice */
				if (p->count == 1)
					p->img[1] = img;
				p->count++;
			}
			continue;
		}
		size_t len = strlen(name);
		if (!(p = kzalloc(sizeof *p + len + 1)))
			return E_NOMEM;
		memcpy(p->name, name, len + 1);
		p->img[0] = img;
		p->count = 1;
		err_t e = hmap_insert(&idx.by_symbol, p->name, p);
		if (e) {
			kfree(p);
			return e;
		}
	}
	return E_OK;
}

err_t images_index(const struct hal_boot_info *info)
{
	size_t n = info->n_cells;
	hmap_init(&idx.by_symbol);
	struct candidate *c = kmalloc(MAX(n, 1) * sizeof *c);
	idx.images = kzalloc(MAX(n, 1) * sizeof *idx.images);
	idx.usable = kzalloc(MAX(n, 1) * sizeof *idx.usable);
	if (!c || !idx.images || !idx.usable) {
		kfree(c);
		return E_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		name_candidate(&c[i], &info->cells[i], i);
	sort_candidates(c, n);
	idx.n = n;
	size_t next_refused = 0; /* the refused follow the listed: the first of each name */
	for (size_t i = 0; i < n; i++)
		next_refused += !i || strcmp(c[i].img.name, c[i - 1].img.name);
	for (size_t i = 0, first = 0; i < n; i++) {
		bool same = i && !strcmp(c[i].img.name, c[first].img.name);
		place_image(&c[i], same ? &c[first] : NULL, &next_refused);
		first = same ? first : i;
	}
	kfree(c);
	err_t e = E_OK;
	for (size_t i = 0; i < idx.n_listed && !e; i++)
		if (idx.usable[i])
			e = index_symbols(&idx.images[i]);
	return e;
}

void images_fini(void)
{
	struct hmap_iter it;
	const char *key;
	void *value;
	hmap_iter_init(&it, &idx.by_symbol);
	while (hmap_iter_next(&it, &key, &value))
		kfree(value);
	hmap_destroy(&idx.by_symbol);
	kfree(idx.images);
	kfree(idx.usable);
	idx = (__typeof__(idx)){ 0 };
}

size_t image_providers(const char *symbol, const struct cell_image *out[2])
{
	const struct provider *p = hmap_get(&idx.by_symbol, symbol);
	if (!p)
		return 0;
	out[0] = p->img[0];
	out[1] = p->img[1];
	return p->count;
}

const struct cell_image *image_in_file(const char *stem)
{
	for (size_t i = 0; i < idx.n; i++)
		if (file_is_named(idx.images[i].file, stem))
			return &idx.images[i];
	return NULL;
}

const struct cell_image *cell_image_find(const char *name)
{
	for (size_t i = 0; i < idx.n_listed; i++)
		if (!strcmp(idx.images[i].name, name))
			return &idx.images[i];
	return NULL;
}

size_t cell_images(const struct cell_image **out)
{
	*out = idx.images;
	return idx.n_listed;
}
