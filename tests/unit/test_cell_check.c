/* The host check and the loader agree on what a valid cell is: every object
 * here (the build's cells, the same cells built by clang, the fuzzer's
 * regression inputs, and hostile mutations of hello.o and chain_c.o) goes
 * through `cellinfo --check` (one run over all of them) and through
 * cell_load_image, and both must give the same verdict, with the same
 * reason when they refuse. The loader's verdict on the object is "refused"
 * for E_BADELF, E_RELOC_UNSUPPORTED and E_RANGE; any other failure (an
 * undefined, duplicate or kernel-only symbol, relocation overflow) is about
 * linking, not the object, and counts as accepted (docs/loader.md). */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cell.h"
#include "cell_support.h"
#include "tboot.h"

struct sample {
	char file[96];       /* in dir */
	char what[384];      /* where it came from */
	bool host_accepts;
	char host_why[512];  /* cellinfo's reason, when it refuses */
};

static char dir[64];
static struct sample *samples;
static size_t n_samples, cap_samples;

static void add_sample(const char *what, const void *bytes, size_t size)
{
	if (n_samples == cap_samples) {
		cap_samples = cap_samples ? 2 * cap_samples : 256;
		samples = realloc(samples, cap_samples * sizeof *samples);
		ck_assert_ptr_nonnull(samples);
	}
	struct sample *s = &samples[n_samples];
	*s = (struct sample){ .host_accepts = true };
	snprintf(s->file, sizeof s->file, "%zu.o", n_samples++);
	snprintf(s->what, sizeof s->what, "%s", what);
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, s->file);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
	ck_assert_int_eq(fclose(f), 0);
}

static struct object read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	struct object o = { NULL, (size_t)ftell(f) };
	rewind(f);
	o.bytes = malloc(o.size ? o.size : 1);
	ck_assert_ptr_nonnull(o.bytes);
	ck_assert_uint_eq(fread(o.bytes, 1, o.size, f), o.size);
	fclose(f);
	return o;
}

/* Every file of d (but README*), as samples named prefix/file. */
static size_t add_files_of(const char *d, const char *prefix)
{
	DIR *dd = opendir(d);
	if (!dd)
		return 0;
	size_t n = 0;
	struct dirent *ent;
	while ((ent = readdir(dd))) {
		if (ent->d_name[0] == '.' || !strncmp(ent->d_name, "README", 6))
			continue;
		char path[512], what[384];
		snprintf(path, sizeof path, "%s/%s", d, ent->d_name);
		snprintf(what, sizeof what, "%s/%s", prefix, ent->d_name);
		struct object o = read_file(path);
		add_sample(what, o.bytes, o.size);
		free(o.bytes);
		n++;
	}
	closedir(dd);
	return n;
}

/* In-tree cells built by clang through tools/mkcell, unchecked (--cellinfo
 * true), so that this test, not mkcell, compares the verdicts. */
static size_t add_clang_cells(void)
{
	if (system("command -v clang >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_cell_check: clang not installed, no clang-built objects\n");
		return 0;
	}
	char clang_dir[128], cmd[2048];
	snprintf(clang_dir, sizeof clang_dir, "%s.clang", dir);
	const char *cells[] = { "hello", "chain_a", "chain_c", "reloc_zoo", "faulty", "spinner" };
	snprintf(cmd, sizeof cmd, "mkdir -p %s", clang_dir);
	ck_assert_int_eq(system(cmd), 0);
	for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
		snprintf(cmd, sizeof cmd,
			 "%s/tools/mkcell -o %s/%s.o --cc clang --cellinfo true -I%s/cells %s/cells/%s/*.c 2>/dev/null",
			 THESEUS_SOURCE_DIR, clang_dir, cells[i], THESEUS_SOURCE_DIR, THESEUS_SOURCE_DIR, cells[i]);
		ck_assert_msg(system(cmd) == 0, "%s", cmd);
	}
	size_t n = add_files_of(clang_dir, "clang");
	snprintf(cmd, sizeof cmd, "rm -rf %s", clang_dir);
	ck_assert_int_eq(system(cmd), 0);
	return n;
}

static void mutate(const struct object *base, const char *what, void (*fn)(struct object *, size_t), size_t arg)
{
	struct object m = copy_object(base);
	fn(&m, arg);
	add_sample(what, m.bytes, m.size);
	free(m.bytes);
}

static void set_type(struct object *m, size_t type) { shdr(m, sec_index(m, ".text.hello_main"))->sh_type = type; }
static void set_flag(struct object *m, size_t flag) { shdr(m, sec_index(m, ".text.hello_main"))->sh_flags |= flag; }
static void set_rtype(struct object *m, size_t type)
{
	Elf64_Rela *r = rela_against(m, ".text.hello_main", "kprintf");
	r->r_info = (r->r_info & ~0xffffffffull) | type;
}
static void set_roffset_from_end(struct object *m, size_t back)
{
	rela_against(m, ".text.hello_main", "kprintf")->r_offset =
		shdr(m, sec_index(m, ".text.hello_main"))->sh_size - back;
}
static void set_addend(struct object *m, size_t a) { rela_against(m, ".text.hello_main", "kprintf")->r_addend = (int64_t)a; }
static void set_shndx(struct object *m, size_t v) { sym(m, sym_index(m, "hello_main"))->st_shndx = (uint16_t)v; }
static void set_byte(struct object *m, size_t at_value) { m->bytes[at_value >> 8] = (uint8_t)at_value; }
static void unname_kprintf(struct object *m, size_t unused) { sym(m, sym_index(m, "kprintf"))->st_name = 0; }
static void eh_version(struct object *m, size_t v) { m->bytes[shdr(m, sec_index(m, ".eh_frame"))->sh_offset + 8] = (uint8_t)v; }

/* Specific defects (each one kind of refusal, or a link-level failure that
 * both must accept), then truncations and bit flips of the headers. */
static void add_hostile(void)
{
	struct object hello = read_object("hello"), chain_c = read_object("chain_c");
	mutate(&hello, "allocated SHT_NOTE section", set_type, 7);
	mutate(&hello, "allocated section of type 0x6fff4700", set_type, 0x6fff4700);
	mutate(&hello, "allocated SHT_INIT_ARRAY", set_type, 14);
	mutate(&hello, "TLS section", set_flag, 0x400);
	mutate(&hello, "relocation type 29", set_rtype, 29);
	mutate(&hello, "relocation type 3 (GOT32)", set_rtype, 3);
	for (size_t back = 1; back < 4; back++)
		mutate(&hello, "relocation field past its section", set_roffset_from_end, back);
	mutate(&hello, "PLT32 addend overflow (link-level)", set_addend, (size_t)1 << 40);
	mutate(&hello, "symbol section out of range", set_shndx, 0xfff0);
	mutate(&hello, "symbol in a debug section", set_shndx, sec_index(&hello, ".symtab"));
	mutate(&hello, "undefined symbol without a name", unname_kprintf, 0);
	mutate(&chain_c, "CIE version 99", eh_version, 99);
	mutate(&hello, "wrong machine", set_byte, (18 << 8) | 3);
	for (size_t len = 0; len < hello.size; len += len < 128 ? 8 : 97)
		add_sample("truncated hello.o", hello.bytes, len);
	/* every byte of the ELF header; the low and high byte of every field of
	 * every section header (name, type, flags, addr, offset, size, link,
	 * info, addralign, entsize) */
	static const uint8_t patterns[] = { 0xff, 0x80 };
	static const uint8_t field_ends[] = { 4, 8, 16, 24, 32, 40, 44, 48, 56, 64 };
	size_t sht = ehdr(&hello)->e_shoff;
	for (size_t off = 0; off < sizeof(Elf64_Ehdr); off++)
		for (size_t p = 0; p < sizeof patterns; p++)
			mutate(&hello, "hello.o with an ELF header byte flipped", set_byte,
			       (off << 8) | (hello.bytes[off] ^ patterns[p]));
	for (size_t i = 0; i < ehdr(&hello)->e_shnum; i++)
		for (size_t f = 0, start = 0; f < sizeof field_ends; start = field_ends[f++])
			for (size_t p = 0; p < sizeof patterns; p++) {
				size_t off = sht + i * sizeof(Elf64_Shdr) + (p ? field_ends[f] - 1 : start);
				mutate(&hello, "hello.o with a section header byte flipped", set_byte,
				       (off << 8) | (hello.bytes[off] ^ patterns[p]));
			}
	free(hello.bytes);
	free(chain_c.bytes);
}

/* One run of cellinfo --check over every sample; its stderr says which
 * it refuses and why ("cellinfo: DIR/FILE: the loader refuses it: WHY"). */
static void run_cellinfo(void)
{
	char **argv = calloc(n_samples + 3, sizeof *argv), log[128];
	ck_assert_ptr_nonnull(argv);
	argv[0] = THESEUS_CELLINFO;
	argv[1] = "--check";
	for (size_t i = 0; i < n_samples; i++) {
		argv[i + 2] = malloc(256);
		snprintf(argv[i + 2], 256, "%s/%s", dir, samples[i].file);
	}
	snprintf(log, sizeof log, "%s.log", dir);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(125);
		execv(argv[0], argv);
		_exit(126);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) <= 1, "cellinfo ended with status %#x", status);
	for (size_t i = 0; i < n_samples; i++)
		free(argv[i + 2]);
	free(argv);
	FILE *f = fopen(log, "r");
	ck_assert_ptr_nonnull(f);
	char line[1024], prefix[160];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		size_t i;
		for (i = 0; i < n_samples; i++) {
			snprintf(prefix, sizeof prefix, "cellinfo: %s/%s: ", dir, samples[i].file);
			if (!strncmp(line, prefix, strlen(prefix)))
				break;
		}
		ck_assert_msg(i < n_samples, "cellinfo said: %s", line);
		samples[i].host_accepts = false;
		const char *why = line + strlen(prefix);
		const char *tag = "the loader refuses it: ";
		ck_assert_msg(!strncmp(why, tag, strlen(tag)), "cellinfo said: %s", line);
		snprintf(samples[i].host_why, sizeof samples[i].host_why, "%s", why + strlen(tag));
	}
	fclose(f);
	unlink(log);
}

static bool refuses_the_object(err_t e)
{
	return e == E_BADELF || e == E_RELOC_UNSUPPORTED || e == E_RANGE;
}

START_TEST(test_cellinfo_check_and_the_loader_agree_on_every_object)
{
	strcpy(dir, "/tmp/theseus-check-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	size_t build = add_files_of(THESEUS_CELL_DIR, "build");
	size_t clang = add_clang_cells();
	size_t fuzz = add_files_of(THESEUS_SOURCE_DIR "/tests/fuzz/regressions", "fuzz regression");
	add_hostile();
	ck_assert_uint_ge(build, 10);
	ck_assert_uint_ge(fuzz, 5);
	run_cellinfo();

	size_t refused = 0, link_failures = 0;
	for (size_t i = 0; i < n_samples; i++) {
		const struct sample *s = &samples[i];
		struct object o = { NULL, 0 };
		char path[256];
		snprintf(path, sizeof path, "%s/%s", dir, s->file);
		o = read_file(path);
		struct cell *c = NULL;
		struct cell_diag d;
		err_t e = cell_load_image(ns_root(), o.bytes, o.size, &c, &d);
		free(o.bytes);
		unlink(path);
		if (e == E_OK) {
			ck_assert_msg(cell_unload(c, &d) == E_OK, "%s: %s", s->what, diag_line(&d));
		}
		bool loader_accepts = !refuses_the_object(e);
		ck_assert_msg(loader_accepts == s->host_accepts, "%s (%s): the loader %s (%s), cellinfo --check %s %s",
			      s->what, s->file, loader_accepts ? "accepts it" : "refuses it",
			      e ? diag_line(&d) : "loaded", s->host_accepts ? "accepts it" : "refuses it", s->host_why);
		if (!loader_accepts)
			ck_assert_msg(!strcmp(diag_line(&d), s->host_why), "%s: the loader says %s, cellinfo %s", s->what,
				      diag_line(&d), s->host_why);
		refused += !loader_accepts;
		link_failures += loader_accepts && e != E_OK;
		if (!strncmp(s->what, "build/", 6) || !strncmp(s->what, "clang/", 6))
			ck_assert_msg(loader_accepts, "%s is refused: %s", s->what, diag_line(&d));
	}
	ck_assert_int_eq(rmdir(dir), 0);
	/* the samples cover both verdicts and link-level failures */
	ck_assert_uint_gt(refused, n_samples / 4);
	ck_assert_uint_gt(n_samples - refused, 10 + clang);
	ck_assert_uint_gt(link_failures, 2);
	free(samples);
	samples = NULL;
	n_samples = cap_samples = 0;
}
END_TEST

static Suite *cell_check_suite(void)
{
	Suite *s = suite_create("cell check");
	TCase *tc = tcase_create("cellinfo --check and the loader");
	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(tc, test_cellinfo_check_and_the_loader_agree_on_every_object);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cell_check_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
