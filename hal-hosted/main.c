/* The hosted simulator's entry: parse the command line, build the boot
 * information (memory, arena, cell images, commands), and hand over to
 * kernel_main. Usage errors and unusable settings exit with status 2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hal_boot.h"
#include "hal_cpu.h"
#include "hosted.h"

#ifndef THESEUS_CELL_DIR
#define THESEUS_CELL_DIR "cells"
#endif

struct options {
	uint64_t memory;
	unsigned cpus;
	const char *sched;
	const char *cell_dir;
	const char *commands;
	const char *script;
};

static void usage(FILE *to)
{
	fprintf(to, "usage: theseus [-m SIZE] [--cpus N] [--sched CELL] [--cells DIR] [-c 'cmd; cmd'] [FILE]\n"
		    "  -m SIZE      physical memory, e.g. 256M or 1G (default 256M)\n"
		    "  --cpus N     virtual CPUs, each a host thread (default 1)\n"
		    "  --sched CELL scheduler cell to boot with (default sched_rr; or sched_prio)\n"
		    "  --cells DIR  directory of cell objects (default: $THESEUS_CELLS or %s)\n"
		    "  -c CMDS      run shell commands and exit\n"
		    "  FILE         run shell commands from FILE, one a line, and exit\n",
		THESEUS_CELL_DIR);
}

bool hosted_parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false; /* strtoull would take "-1" as 2^64 - 1, and skip blanks */
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno)
		return false;
	unsigned shift = 0;
	switch (*end) {
	case 'G': case 'g': shift = 30; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'K': case 'k': shift = 10; end++; break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* A command FILE: a regular file, or anything readable that is not a
 * directory (a pipe, /dev/stdin). */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		f = NULL;
		errno = EISDIR;
	}
	if (!f) {
		fprintf(stderr, "theseus: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	char chunk[4096];
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		char *grown = len + n + 1 > cap ? realloc(buf, cap = 2 * (len + n + 1)) : buf;
		if (!grown) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = grown;
		memcpy(buf + len, chunk, n);
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "theseus: %s: read error\n", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

static bool parse_args(int argc, char **argv, struct options *o)
{
	const char *env = getenv("THESEUS_CELLS");
	*o = (struct options){ HOSTED_DEFAULT_MEMORY, 1, NULL, env && *env ? env : THESEUS_CELL_DIR, NULL, NULL };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "-m") && has_value) {
			if (!hosted_parse_size(argv[++i], &o->memory)) {
				fprintf(stderr, "theseus: bad memory size '%s'\n", argv[i]);
				return false;
			}
		} else if (!strcmp(a, "--cpus") && has_value) {
			char *end;
			unsigned long n = strtoul(argv[++i], &end, 10);
			if (*end || n < 1 || n > HOSTED_MAX_CPUS) {
				fprintf(stderr, "theseus: --cpus wants 1 to %d, not '%s'\n", HOSTED_MAX_CPUS, argv[i]);
				return false;
			}
			o->cpus = (unsigned)n;
		} else if (!strcmp(a, "--sched") && has_value) {
			o->sched = argv[++i];
		} else if (!strcmp(a, "--cells") && has_value) {
			o->cell_dir = argv[++i];
		} else if (!strcmp(a, "-c") && has_value) {
			o->commands = argv[++i];
		} else if (a[0] != '-' && !o->script) {
			o->script = a;
		} else {
			fprintf(stderr, "theseus: bad argument '%s'\n", a);
			usage(stderr);
			return false;
		}
	}
	if (o->commands && o->script) {
		fprintf(stderr, "theseus: give either -c or FILE, not both\n");
		return false;
	}
	return true;
}

/* A closed standard descriptor would be taken by the next open (the
 * physical-memory memfd, a cell image) and console I/O would go there:
 * give each closed one /dev/null, so output vanishes and input ends. */
static bool std_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (null != fd) {
			if (null >= 0)
				close(null);
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	if (!std_fds_open())
		return 2; /* nowhere to say so: stderr is one of them */
	struct options o;
	if (!parse_args(argc, argv, &o))
		return 2;
	static struct hal_boot_info info;
	char *script_text = NULL;
	if (o.script && !(script_text = read_file(o.script)))
		return 2;
	info.commands = o.script ? script_text : o.commands;
	info.script_path = o.script;
	info.ncpus = o.cpus;
	info.scheduler = o.sched;
	hosted_cpu_init(o.cpus);
	hosted_signals_init();
	hosted_console_init();
	hosted_fault_init();
	if (!hosted_mem_init(o.memory, &info) || !hosted_cells_load(o.cell_dir, &info)) {
		free(script_text);
		return 2;
	}
	hosted_kernel_image(&info);
	hosted_unwind_info(&info);
	int status = kernel_main(&info);
	hosted_cells_fini(&info);
	hosted_kernel_image_fini(&info);
	hosted_mem_fini();
	free(script_text);
	hal_cpu_poweroff(status);
}
