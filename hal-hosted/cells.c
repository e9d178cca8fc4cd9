/* Hosted boot info for cells: every regular file "<something>.o" in a
 * directory (or a symbolic link to one) becomes a cell image, read into
 * read-only memory. Anything else with such a name (a directory, a FIFO, a
 * device, a dangling link, a file that cannot be read) is skipped with a
 * warning naming it: one odd entry never stops or hangs the boot. The
 * kernel's image index (kernel/cell/images.c) orders the images and names
 * them after their cell info records. */
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

/* Larger than any cell: the loader refuses sections over 64 MiB anyway. */
#define MAX_IMAGE_BYTES (256L << 20)

const char *hosted_file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

/* Why path is not a regular file we may read, or NULL if it is one. Never
 * opens it: opening a FIFO for reading would block until a writer comes. */
static const char *not_an_image(const char *path, char *why, size_t cap)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int err = errno;
		struct stat lst;
		if (err == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
			return "a dangling symbolic link";
		snprintf(why, cap, "%s", strerror(err));
		return why;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, cap, "not a regular file (%s)", hosted_file_kind(st.st_mode));
		return why;
	}
	return NULL;
}

/* Reads a whole regular file into a private read-only mapping (a copy, so
 * that rewriting the file while the system runs cannot pull the bytes from
 * under the loader, as a shared file mapping would with SIGBUS). */
static const char *read_image(const char *path, const void **addr, size_t *size, char *why, size_t cap)
{
	/* O_NONBLOCK: if path became a FIFO since it was checked, open must not wait */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	const char *err = NULL;
	void *p = NULL;
	if (fd < 0 || fstat(fd, &st) < 0)
		err = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		snprintf(why, cap, "not a regular file (%s)", hosted_file_kind(st.st_mode)), err = why;
	else if (st.st_size > MAX_IMAGE_BYTES)
		snprintf(why, cap, "%lld bytes is larger than a cell image may be", (long long)st.st_size), err = why;
	else if (st.st_size && (p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		err = strerror(errno), p = NULL;
	for (size_t done = 0; !err && p && done < (size_t)st.st_size;) {
		ssize_t n = read(fd, (char *)p + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = n < 0 ? strerror(errno) : "the file shrank while it was read";
		else
			done += (size_t)n;
	}
	if (!err && p && mprotect(p, (size_t)st.st_size, PROT_READ) < 0)
		err = strerror(errno);
	if (fd >= 0)
		close(fd);
	if (err) {
		if (p)
			munmap(p, (size_t)st.st_size);
		return err;
	}
	*addr = p;
	*size = p ? (size_t)st.st_size : 0;
	return NULL;
}

static bool has_cell_suffix(const char *f)
{
	size_t n = strlen(f);
	return n > 2 && strcmp(f + n - 2, ".o") == 0;
}

/* Adds dir/file to the list, or says why it is skipped. False only when
 * memory runs out. */
static bool add_image(const char *dir, const char *file, struct hal_cell_image **imgs, size_t *n)
{
	char path[4096], buf[128];
	const char *why = NULL;
	struct hal_cell_image img = { 0 };
	if (strlen(file) >= sizeof img.file)
		why = "file name too long for a cell image";
	else if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
		why = "path too long";
	else if (!(why = not_an_image(path, buf, sizeof buf)))
		why = read_image(path, &img.addr, &img.size, buf, sizeof buf);
	if (why) {
		fprintf(stderr, "theseus: skipping %s/%s: %s\n", dir, file, why);
		return true;
	}
	struct hal_cell_image *grown = realloc(*imgs, (*n + 1) * sizeof **imgs);
	if (!grown) {
		munmap((void *)img.addr, img.size);
		fprintf(stderr, "theseus: out of memory listing cell images\n");
		return false;
	}
	snprintf(img.file, sizeof img.file, "%s", file);
	grown[(*n)++] = img;
	*imgs = grown;
	return true;
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
	while (ok && (ent = readdir(d)))
		if (has_cell_suffix(ent->d_name))
			ok = add_image(dir, ent->d_name, &imgs, &n);
	closedir(d);
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
	char why[128];
	const char *err = read_image("/proc/self/exe", &info->kernel_image, &info->kernel_image_size, why,
				     sizeof why);
	if (err)
		fprintf(stderr, "theseus: cannot read the nano_core's own image: %s\n", err);
}

void hosted_kernel_image_fini(struct hal_boot_info *info)
{
	if (info->kernel_image)
		munmap((void *)info->kernel_image, info->kernel_image_size);
	info->kernel_image = NULL;
}
