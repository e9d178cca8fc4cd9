/* The files of an evolution in memory (evolve.h), and reading them from a
 * directory through the HAL (hosted only). Comes before evolve.c, which
 * checks and applies them; evolve_rx.c fills an evolution from the serial
 * line instead. */
#include "evolve.h"
#include "export.h"
#include "hal_files.h"
#include "heap.h"
#include "klib.h"

#define EVOLVE_PATH_MAX 1024

void evolution_release(struct evolution *ev)
{
	for (size_t i = 0; i < ev->n; i++)
		kfree(ev->files[i].bytes);
	memset(ev, 0, sizeof *ev);
}

void evolution_free(struct evolution *ev)
{
	if (!ev)
		return;
	evolution_release(ev);
	kfree(ev);
}

const struct evolve_file *evolution_file(const struct evolution *ev, const char *name)
{
	for (size_t i = 0; i < ev->n; i++)
		if (!strcmp(ev->files[i].name, name))
			return &ev->files[i];
	return NULL;
}

/* DIR/name into the next file of ev, copied onto the kernel heap. */
static err_t read_one(const char *dir, const char *name, struct evolution *ev, struct evolve_why *why)
{
	char path[EVOLVE_PATH_MAX], hal_why[HAL_FILE_WHY_MAX];
	if (ksnprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
		why->err = E_TOOBIG;
		ksnprintf(why->text, sizeof why->text, "%s: the path is longer than %d bytes", dir,
			  EVOLVE_PATH_MAX - 1);
		return E_TOOBIG;
	}
	if (ev->n == EVOLVE_FILES_MAX) {
		why->err = E_TOOBIG;
		ksnprintf(why->text, sizeof why->text, "%s: more than %d files", path, EVOLVE_FILES_MAX);
		return E_TOOBIG;
	}
	void *hal_bytes;
	size_t size;
	if (!hal_file_read(path, EVOLVE_FILE_SIZE_MAX, &hal_bytes, &size, hal_why)) {
		why->err = E_HAL;
		ksnprintf(why->text, sizeof why->text, "%s: %s", path, hal_why);
		return E_HAL;
	}
	void *copy = kmalloc(size ? size : 1);
	if (copy)
		memcpy(copy, hal_bytes, size);
	hal_file_free(hal_bytes);
	if (!copy) {
		why->err = E_NOMEM;
		ksnprintf(why->text, sizeof why->text, "%s: no memory for its %zu bytes", path, size);
		return E_NOMEM;
	}
	struct evolve_file *f = &ev->files[ev->n++];
	strlcpy(f->name, name, sizeof f->name);
	f->bytes = copy;
	f->size = size;
	return E_OK;
}

err_t evolve_read_dir(const char *dir, struct evolution *ev, struct evolve_why *why)
{
	err_t e = read_one(dir, EVOLVE_MANIFEST, ev, why);
	if (e)
		return e;
	/* The manifest says which objects to read; evolve_apply parses it again
	 * with the objects in hand (the plan is too big for a task's stack). */
	struct evolve_plan *plan KFREE = kmalloc(sizeof *plan);
	if (!plan) {
		why->err = E_NOMEM;
		ksnprintf(why->text, sizeof why->text, "no memory to parse the manifest");
		return E_NOMEM;
	}
	if ((e = evolve_parse(ev->files[0].bytes, ev->files[0].size, plan, why)))
		return e;
	for (size_t i = 0; i < plan->n && !e; i++)
		if (plan->steps[i].op != EVOLVE_REMOVE)
			e = read_one(dir, plan->steps[i].file, ev, why);
	return e;
}

EXPORT_KERNEL(evolution_free);
EXPORT_KERNEL(evolution_file);
EXPORT_KERNEL(evolve_read_dir);
