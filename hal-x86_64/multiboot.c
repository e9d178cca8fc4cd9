/* Boot information from the loader: Multiboot (QEMU -kernel) or Multiboot2
 * (GRUB). Modules named "<something>.o" become cell images under that file
 * name (the kernel's image index names each after its cell info record and
 * refuses duplicates); a module whose name ends in ".elf" is the nano_core's
 * own image (its symbol table). Usable
 * memory is the loader's available RAM above everything the image, the
 * modules and the HAL occupy. */
#include "klib.h"
#include "x86.h"

#define MB1_BOOT_MAGIC 0x2BADB002u
#define MB2_BOOT_MAGIC 0x36d76289u
#define MAX_CELLS 64

extern char __kernel_end[];

static struct hal_cell_image cells[MAX_CELLS];
static struct {
	uint64_t base, len;
} ram[HAL_MAX_MEM_REGIONS];
static size_t n_ram;
static uintptr_t reserved_end; /* first byte above image and modules */
static char commands[4096];     /* copied: the loader's memory becomes frames */

static const char *basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Why a module is no cell image nor the nano_core's image, or NULL. */
static const char *module_unusable(const struct hal_boot_info *bi, const char *name, size_t n, char *buf,
				   size_t cap)
{
	if (!n)
		return "it has no name (a cell image is a module named <something>.o)";
	if (n <= 2 || strcmp(name + n - 2, ".o"))
		return "not a cell image (<something>.o) nor the nano_core's image (<something>.elf)";
	if (n >= HAL_CELL_NAME_MAX) {
		ksnprintf(buf, cap, "file name too long for a cell image (%zu characters, at most %d)", n,
			  HAL_CELL_NAME_MAX - 1);
		return buf;
	}
	if (bi->n_cells == MAX_CELLS) {
		ksnprintf(buf, cap, "more than %d cell images", MAX_CELLS);
		return buf;
	}
	return NULL;
}

static void add_module(struct hal_boot_info *bi, uintptr_t start, uintptr_t end, const char *cmdline)
{
	const char *name = basename(cmdline ? cmdline : "");
	size_t n = strlen(name);
	char buf[80];
	reserved_end = MAX(reserved_end, end);
	if (n > 4 && !strcmp(name + n - 4, ".elf")) {
		bi->kernel_image = (const void *)start;
		bi->kernel_image_size = end - start;
		return;
	}
	const char *why = module_unusable(bi, name, n, buf, sizeof buf);
	if (why) {
		kprintf("hal-x86_64: ignoring boot module '%s': %s\n", name, why);
		return;
	}
	struct hal_cell_image *img = &cells[bi->n_cells++];
	strlcpy(img->file, name, sizeof img->file);
	img->addr = (const void *)start;
	img->size = end - start;
}

static void add_ram(uint64_t base, uint64_t len)
{
	if (n_ram < HAL_MAX_MEM_REGIONS)
		ram[n_ram++] = (__typeof__(ram[0])){ base, len };
}

static void parse_mb1(uintptr_t info, struct hal_boot_info *bi)
{
	const uint32_t *w = (const uint32_t *)info;
	uint32_t flags = w[0];
	if (flags & (1u << 2))
		bi->commands = (const char *)(uintptr_t)w[4];
	if (flags & (1u << 3)) {
		const uint32_t *mod = (const uint32_t *)(uintptr_t)w[6];
		for (uint32_t i = 0; i < w[5]; i++, mod += 4)
			add_module(bi, mod[0], mod[1], (const char *)(uintptr_t)mod[2]);
	}
	if (flags & (1u << 6)) {
		uintptr_t p = w[12], end = p + w[11];
		while (p < end) {
			uint32_t size = *(const uint32_t *)p;
			uint64_t base, len;
			memcpy(&base, (const void *)(p + 4), 8);
			memcpy(&len, (const void *)(p + 12), 8);
			if (*(const uint32_t *)(p + 20) == 1)
				add_ram(base, len);
			p += size + 4;
		}
	}
}

static void parse_mb2(uintptr_t info, struct hal_boot_info *bi)
{
	uint32_t total = *(const uint32_t *)info;
	reserved_end = MAX(reserved_end, info + total);
	for (uintptr_t p = info + 8; p + 8 <= info + total;) {
		uint32_t type = ((const uint32_t *)p)[0], size = ((const uint32_t *)p)[1];
		const uint32_t *t = (const uint32_t *)p;
		if (type == 0 || size < 8)
			break;
		if (type == 1)
			bi->commands = (const char *)(p + 8);
		else if (type == 3)
			add_module(bi, t[2], t[3], (const char *)(p + 16));
		else if (type == 6) {
			uint32_t esize = t[2];
			for (uintptr_t e = p + 16; esize && e + esize <= p + size; e += esize) {
				const uint64_t *q = (const uint64_t *)e;
				if (*(const uint32_t *)(e + 16) == 1)
					add_ram(q[0], q[1]);
			}
		}
		p = ALIGN_UP(p + size, 8);
	}
}

/* Available RAM above the image and modules, page aligned. */
static void fill_memory(struct hal_boot_info *bi, uintptr_t floor)
{
	for (size_t i = 0; i < n_ram && bi->n_mem < HAL_MAX_MEM_REGIONS; i++) {
		uint64_t lo = ALIGN_UP(MAX(ram[i].base, (uint64_t)floor), HAL_PAGE_SIZE);
		uint64_t hi = ALIGN_DOWN(ram[i].base + ram[i].len, HAL_PAGE_SIZE);
		if (hi > lo)
			bi->mem[bi->n_mem++] = (struct hal_mem_region){ lo, hi - lo };
	}
}

/* The value of a "key=value" word before any "--" on the command line. */
static bool cmdline_value(const char *cmdline, const char *key, char *out, size_t cap)
{
	size_t k = strlen(key);
	for (const char *p = cmdline; p && *p; p++) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		if (p[0] == '-' && p[1] == '-' && (p[2] == ' ' || !p[2]))
			return false;
		if (!strncmp(p, key, k)) {
			size_t n = 0;
			while (p[k + n] && p[k + n] != ' ')
				n++;
			ksnprintf(out, cap, "%.*s", (int)n, p + k);
			return n > 0;
		}
	}
	return false;
}

/* Shell commands follow a "--" word on the kernel command line. */
static const char *shell_commands(const char *cmdline)
{
	for (const char *p = cmdline; p && *p; p++)
		if (p[0] == '-' && p[1] == '-' && (p == cmdline || p[-1] == ' ') && (p[2] == ' ' || !p[2]))
			return p + 2;
	return NULL;
}

bool multiboot_parse(uint32_t magic, uintptr_t info, struct hal_boot_info *bi)
{
	reserved_end = (uintptr_t)__kernel_end;
	bi->cells = cells;
	if (magic == MB1_BOOT_MAGIC)
		parse_mb1(info, bi);
	else if (magic == MB2_BOOT_MAGIC)
		parse_mb2(info, bi);
	else
		return false;
	static char sched[HAL_CELL_NAME_MAX];
	if (cmdline_value(bi->commands, "sched=", sched, sizeof sched))
		bi->scheduler = sched;
	const char *cmd = shell_commands(bi->commands);
	bi->commands = NULL;
	if (cmd) {
		strlcpy(commands, cmd, sizeof commands);
		bi->commands = commands;
	}
	fill_memory(bi, multiboot_modules_end());
	return true;
}

uintptr_t multiboot_modules_end(void) { return ALIGN_UP(reserved_end, HAL_PAGE_SIZE); }
