/* Hosted boot info for cells: every "<name>.o" in a directory becomes a
 * cell image, mapped read-only, listed in name order. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosted.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct hal_cell_image *)a)->name, ((const struct hal_cell_image *)b)->name);
}

static bool map_image(const char *dir, const char *file, struct hal_cell_image *img)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "theseus: cannot read cell image %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	void *p = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "theseus: cannot map cell image %s: %s\n", path, strerror(errno));
		return false;
	}
	img->addr = p;
	img->size = (size_t)st.st_size;
	return true;
}

static bool is_cell_file(const char *f)
{
	size_t n = strlen(f);
	return n > 2 && n - 2 < HAL_CELL_NAME_MAX && strcmp(f + n - 2, ".o") == 0;
}

bool hosted_cells_load(const char *dir, struct hal_boot_info *info)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "theseus: cell directory %s: %s\n", dir, strerror(errno));
		return false;
	}
	struct hal_cell_image *imgs = NULL;
	size_t n = 0;
	bool ok = true;
	struct dirent *ent;
	while (ok && (ent = readdir(d))) {
		if (!is_cell_file(ent->d_name))
			continue;
		struct hal_cell_image *grown = realloc(imgs, (n + 1) * sizeof *imgs);
		ok = grown != NULL;
		if (ok) {
			imgs = grown;
			ok = map_image(dir, ent->d_name, &imgs[n]);
			if (ok) /* the name is the file name without ".o" */
				snprintf(imgs[n].name, sizeof imgs[n].name, "%.*s",
					 (int)strlen(ent->d_name) - 2, ent->d_name);
			n += ok;
		}
	}
	closedir(d);
	qsort(imgs, n, sizeof *imgs, by_name);
	info->cells = imgs;
	info->n_cells = n;
	if (!ok)
		hosted_cells_fini(info);
	return ok;
}

void hosted_cells_fini(struct hal_boot_info *info)
{
	struct hal_cell_image *imgs = (struct hal_cell_image *)info->cells;
	for (size_t i = 0; i < info->n_cells; i++)
		if (imgs[i].size)
			munmap((void *)imgs[i].addr, imgs[i].size);
	free(imgs);
	info->cells = NULL;
	info->n_cells = 0;
}

void hosted_kernel_image(struct hal_boot_info *info)
{
	struct hal_cell_image self;
	if (map_image("/proc/self", "exe", &self)) {
		info->kernel_image = self.addr;
		info->kernel_image_size = self.size;
	}
}

void hosted_kernel_image_fini(struct hal_boot_info *info)
{
	if (info->kernel_image)
		munmap((void *)info->kernel_image, info->kernel_image_size);
	info->kernel_image = NULL;
}
