/* The cell images a machine boots with: what the hosted HAL takes from a
 * cells directory (regular files only; odd entries skipped, never hung on),
 * how the kernel's image index names them (by their info records, one image
 * per name, whatever the files are called or the order they come in), and
 * how the loader picks providers (never between two images: ambiguity is
 * refused, while a cell already in the namespace is used first). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cell.h"
#include "cell_support.h"
#include "hosted.h"
#include "kernel/cell/load.h"
#include "tboot.h"

/* --- a cells directory with odd entries ------------------------------------------- */

static char dir[64];
static size_t n_build_cells; /* the build's cell objects, linked into dir */

static void write_object(const char *file, const struct object *o)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(o->bytes, 1, o->size, f), o->size);
	ck_assert_int_eq(fclose(f), 0);
}

/* A copy of cell's object whose info record names it renamed. */
static void write_renamed(const char *cell, const char *renamed, const char *file)
{
	struct object o = read_object(cell);
	char *name = (char *)o.bytes + shdr(&o, sec_index(&o, CELL_INFO_SECTION))->sh_offset + 16;
	ck_assert_str_eq(name, cell);
	memset(name, 0, CELL_NAME_MAX);
	strcpy(name, renamed);
	write_object(file, &o);
	free(o.bytes);
}

static void odd_entry(const char *what, const char *file)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (!strcmp(what, "fifo"))
		ck_assert_int_eq(mkfifo(path, 0644), 0);
	else if (!strcmp(what, "dir"))
		ck_assert_int_eq(mkdir(path, 0755), 0);
	else /* a symbolic link to what */
		ck_assert_int_eq(symlink(what, path), 0);
}

/* Every build cell as a symbolic link (a link to a regular file is an
 * image), plus: hello2.o, a copy of hello.o; chain_x.o, chain_b renamed
 * (a second provider of chain_b's symbols); greeter.o and zgreeter.o,
 * hello renamed hellp (files named otherwise than their cell); hellp.o,
 * the first 3000 bytes of hello.o (a broken leftover named after the cell
 * the others hold); and entries that are no images: a FIFO, a directory,
 * a dangling link and a link loop. */
static void make_cells_dir(void)
{
	strcpy(dir, "/tmp/theseus-images-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	DIR *d = opendir(THESEUS_CELL_DIR);
	ck_assert_ptr_nonnull(d);
	struct dirent *ent;
	n_build_cells = 0;
	while ((ent = readdir(d))) {
		size_t n = strlen(ent->d_name);
		if (n < 3 || strcmp(ent->d_name + n - 2, ".o"))
			continue;
		char target[512], link[256];
		snprintf(target, sizeof target, "%s/%s", THESEUS_CELL_DIR, ent->d_name);
		snprintf(link, sizeof link, "%s/%s", dir, ent->d_name);
		ck_assert_int_eq(symlink(target, link), 0);
		n_build_cells++;
	}
	closedir(d);
	struct object hello = read_object("hello");
	write_object("hello2.o", &hello);
	free(hello.bytes);
	write_renamed("chain_b", "chain_x", "chain_x.o");
	write_renamed("hello", "hellp", "greeter.o");
	write_renamed("hello", "hellp", "zgreeter.o");
	struct object broken = read_object("hello");
	broken.size = 3000;
	write_object("hellp.o", &broken);
	free(broken.bytes);
	odd_entry("fifo", "x.o");
	odd_entry("dir", "d.o");
	odd_entry("nowhere", "l.o");
	odd_entry("loop.o", "loop.o");
}

static void remove_cells_dir(void)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *ent;
	char path[512];
	while ((ent = readdir(d))) {
		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		ck_assert_msg(unlink(path) == 0 || rmdir(path) == 0, "cannot remove %s", path);
	}
	closedir(d);
	ck_assert_int_eq(rmdir(dir), 0);
}

static void odd_dir_setup(void)
{
	make_cells_dir();
	tboot_setup();
	alarm(20); /* Check's timeout does not cover fixtures: a hang on the FIFO must still fail */
	ck_assert(hosted_cells_load(dir, &tboot_info));
	alarm(0);
	hosted_kernel_image(&tboot_info);
	ck_assert_int_eq(cells_init(&tboot_info), E_OK);
}

static void odd_dir_teardown(void)
{
	cells_fini();
	hosted_kernel_image_fini(&tboot_info);
	hosted_cells_fini(&tboot_info);
	tboot_teardown();
	remove_cells_dir();
}

static const struct hal_cell_image *image_of_file(const char *file)
{
	for (size_t i = 0; i < tboot_info.n_cells; i++)
		if (!strcmp(tboot_info.cells[i].file, file))
			return &tboot_info.cells[i];
	return NULL;
}

/* How many listed images are called name. */
static size_t listed_as(const char *name)
{
	const struct cell_image *imgs;
	size_t n = cell_images(&imgs), found = 0;
	for (size_t i = 0; i < n; i++)
		found += !strcmp(imgs[i].name, name);
	return found;
}

START_TEST(test_only_regular_files_are_images_and_odd_entries_do_not_stop_the_boot)
{
	/* every regular file (or link to one) and nothing else, each once */
	ck_assert_uint_eq(tboot_info.n_cells, n_build_cells + 5);
	const char *not_images[] = { "x.o", "d.o", "l.o", "loop.o" };
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(!image_of_file(not_images[i]), "%s became an image", not_images[i]);
	const char *images[] = { "hello.o", "hello2.o", "chain_x.o", "greeter.o", "hellp.o", "shell.o" };
	for (size_t i = 0; i < 6; i++) {
		const struct hal_cell_image *img = image_of_file(images[i]);
		ck_assert_msg(img && img->size > sizeof(Elf64_Ehdr), "%s is no image", images[i]);
	}
	/* the bytes are the file's */
	struct object hello = read_object("hello");
	const struct hal_cell_image *img = image_of_file("hello2.o");
	ck_assert_uint_eq(img->size, hello.size);
	ck_assert_mem_eq(img->addr, hello.bytes, hello.size);
	free(hello.bytes);
}
END_TEST

START_TEST(test_a_cell_name_held_twice_is_listed_once_from_the_file_named_after_it)
{
	const struct cell_image *imgs;
	size_t n = cell_images(&imgs);
	ck_assert_uint_eq(n, tboot_info.n_cells - 3); /* hello2.o, zgreeter.o and hellp.o refused */
	ck_assert_uint_eq(listed_as("hello"), 1);
	ck_assert_uint_eq(listed_as("hello2"), 0);
	const struct cell_image *hello = cell_image_find("hello");
	ck_assert_str_eq(hello->file, "hello.o");
	ck_assert_ptr_eq(hello->addr, image_of_file("hello.o")->addr);
	for (size_t i = 1; i < n; i++) /* listed in name order */
		ck_assert_msg(strcmp(imgs[i - 1].name, imgs[i].name) < 0, "%s before %s", imgs[i - 1].name,
			      imgs[i].name);

	/* the real hello loads and runs; its copy's file name is no cell name */
	struct cell *c = load("hello");
	ck_assert_int_eq(((int (*)(void))sym_addr("hello_main"))(), 0);
	ck_assert_ptr_eq(ns_find_cell(ns_root(), "hello"), c);
	struct world before = world_now();
	struct cell_diag d;
	ck_assert_int_eq(cell_load(ns_root(), "hello2", &c, &d), E_NOTFOUND);
	ck_assert_msg(strstr(d.detail, "hello2.o") && strstr(d.detail, "refused"), "%s", diag_line(&d));
	assert_world_is(before, "load hello2");
}
END_TEST

START_TEST(test_an_image_is_listed_under_its_record_name_not_its_file_name)
{
	ck_assert_uint_eq(listed_as("greeter"), 0);
	ck_assert_uint_eq(listed_as("hellp"), 1); /* neither file is hellp.o: the first by name is used */
	const struct cell_image *img = cell_image_find("hellp");
	ck_assert_ptr_nonnull(img);
	ck_assert_str_eq(img->file, "greeter.o");
	struct cell_diag d;
	struct cell *c = NULL;
	ck_assert_int_eq(cell_load(ns_root(), "greeter", &c, &d), E_NOTFOUND);
	ck_assert_msg(strstr(d.detail, "greeter.o holds cell hellp"), "%s", diag_line(&d));
	c = load("hellp");
	ck_assert_str_eq(c->name, "hellp");
}
END_TEST

/* hellp.o does not parse: it holds no cell, so it never takes the name
 * hellp from greeter.o, though its file is named after that cell. */
START_TEST(test_an_image_that_does_not_parse_never_hides_one_that_does)
{
	const struct cell_image *broken = image_in_file("hellp");
	ck_assert_ptr_nonnull(broken);
	ck_assert_str_eq(broken->file, "hellp.o");
	ck_assert_uint_eq(broken->size, 3000);
	const struct cell_image *img = cell_image_find("hellp");
	ck_assert_ptr_nonnull(img);
	ck_assert_str_eq(img->file, "greeter.o");
	ck_assert_ptr_ne(img, broken);
	/* refused: not listed under any name */
	const struct cell_image *imgs;
	size_t n = cell_images(&imgs);
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_ne(&imgs[i], broken);
	struct cell *c = load("hellp");
	ck_assert_str_eq(c->name, "hellp");
	ck_assert_int_eq(((int (*)(void))sym_addr("hello_main"))(), 0);
}
END_TEST

/* A broken image with no usable rival keeps its file's name, so that
 * loading it shows why it is refused. */
START_TEST(test_an_image_that_does_not_parse_alone_is_listed_under_its_file_name)
{
	cells_fini();
	struct hal_cell_image *v = (struct hal_cell_image *)tboot_info.cells;
	size_t m = tboot_info.n_cells, kept = 0;
	for (size_t i = 0; i < m; i++) { /* greeter.o and zgreeter.o to the end, left out */
		if (!strcmp(v[i].file, "greeter.o") || !strcmp(v[i].file, "zgreeter.o"))
			continue;
		struct hal_cell_image t = v[kept];
		v[kept++] = v[i];
		v[i] = t;
	}
	ck_assert_uint_eq(kept, m - 2);
	tboot_info.n_cells = kept;
	ck_assert_int_eq(cells_init(&tboot_info), E_OK);
	const struct cell_image *img = cell_image_find("hellp");
	ck_assert_ptr_nonnull(img);
	ck_assert_str_eq(img->file, "hellp.o");
	struct world before = world_now();
	struct cell *c = NULL;
	struct cell_diag d;
	ck_assert_int_eq(cell_load(ns_root(), "hellp", &c, &d), E_BADELF);
	assert_world_is(before, "load of a broken image");
	tboot_info.n_cells = m; /* the index copied what it lists; the fixture frees all m */
}
END_TEST

/* The index does not depend on the order the HAL lists the images in (the
 * order of a directory, or of boot modules). */
START_TEST(test_the_index_is_the_same_whatever_order_the_images_come_in)
{
	const struct cell_image *imgs;
	size_t n = cell_images(&imgs);
	char (*names)[2][HAL_CELL_NAME_MAX] = calloc(n, sizeof *names);
	ck_assert_ptr_nonnull(names);
	for (size_t i = 0; i < n; i++) {
		strcpy(names[i][0], imgs[i].name);
		strcpy(names[i][1], imgs[i].file);
	}
	for (int round = 0; round < 2; round++) {
		cells_fini();
		/* reversed, then rotated by one */
		struct hal_cell_image *v = (struct hal_cell_image *)tboot_info.cells, t;
		size_t m = tboot_info.n_cells;
		for (size_t i = 0; i < m / 2; i++)
			t = v[i], v[i] = v[m - 1 - i], v[m - 1 - i] = t;
		if (round) {
			t = v[0];
			memmove(v, v + 1, (m - 1) * sizeof *v);
			v[m - 1] = t;
		}
		ck_assert_int_eq(cells_init(&tboot_info), E_OK);
		ck_assert_uint_eq(cell_images(&imgs), n);
		for (size_t i = 0; i < n; i++) {
			ck_assert_str_eq(imgs[i].name, names[i][0]);
			ck_assert_str_eq(imgs[i].file, names[i][1]);
		}
	}
	free(names);
}
END_TEST

START_TEST(test_a_symbol_two_images_export_is_refused_naming_it_and_both_providers)
{
	struct world before = world_now();
	struct cell *c = NULL;
	struct cell_diag d;
	err_t e = cell_load(ns_root(), "chain_a", &c, &d);
	ck_assert_msg(e == E_DUP_SYMBOL, "%s", diag_line(&d));
	ck_assert_str_eq(d.cell, "chain_a");
	ck_assert_msg(!strcmp(d.symbol, "chain_b_value") || !strcmp(d.symbol, "chain_b_calls_seen"), "%s",
		      diag_line(&d));
	ck_assert_msg(strstr(d.detail, "chain_b and chain_x"), "%s", diag_line(&d));
	/* nothing stays loaded, not even chain_c, which is not ambiguous */
	ck_assert_ptr_null(c);
	assert_world_is(before, "ambiguous load");
	const struct cell_image *prov[2];
	ck_assert_uint_eq(image_providers("chain_b_value", prov), 2);
	ck_assert_uint_eq(image_providers("chain_c_value", prov), 1);
	ck_assert_str_eq(prov[0]->name, "chain_c");
	ck_assert_uint_eq(image_providers("no_such_symbol", prov), 0);
}
END_TEST

START_TEST(test_a_provider_already_in_the_namespace_is_used_before_any_image)
{
	load("chain_x"); /* chain_x, not chain_b, now provides chain_b_value */
	struct cell *a = load("chain_a");
	ck_assert_ptr_null(ns_find_cell(ns_root(), "chain_b"));
	const struct cell *deps[8];
	size_t n = cell_dependencies(a, deps, 8);
	ck_assert(has_cell(deps, n, "chain_x"));
	ck_assert(!has_cell(deps, n, "chain_b"));
	ck_assert_int_eq(((int (*)(int))sym_addr("chain_a_main"))(5), 32);
}
END_TEST

/* --- the build's own images ---------------------------------------------------------- */

/* No in-tree cell depends on which of two images the loader would pick:
 * every symbol an image imports comes from the nano_core or one image. */
START_TEST(test_no_in_tree_cell_needs_a_symbol_two_images_export)
{
	const struct cell_image *imgs;
	size_t n = cell_images(&imgs), checked = 0;
	ck_assert_uint_ge(n, 10);
	for (size_t i = 0; i < n; i++) {
		struct object o = { (uint8_t *)imgs[i].addr, imgs[i].size };
		for (size_t k = 1; k < nsyms(&o); k++) {
			const Elf64_Sym *s = sym(&o, k);
			const char *name = sym_name(&o, s);
			if (s->st_shndx != SHN_UNDEF || !name[0] || !strcmp(name, GOT_SYMBOL) ||
			    ns_resolve(ns_root(), name))
				continue;
			const struct cell_image *prov[2];
			size_t providers = image_providers(name, prov);
			ck_assert_msg(providers <= 1, "%s needs %s, which %s and %s export", imgs[i].name, name,
				      prov[0]->name, prov[1]->name);
			checked++;
		}
	}
	ck_assert_uint_gt(checked, 5);
}
END_TEST

static Suite *cell_images_suite(void)
{
	Suite *s = suite_create("cell images");
	TCase *odd = tcase_create("a cells directory with odd entries");
	tcase_add_checked_fixture(odd, odd_dir_setup, odd_dir_teardown);
	tcase_add_test(odd, test_only_regular_files_are_images_and_odd_entries_do_not_stop_the_boot);
	tcase_add_test(odd, test_a_cell_name_held_twice_is_listed_once_from_the_file_named_after_it);
	tcase_add_test(odd, test_an_image_is_listed_under_its_record_name_not_its_file_name);
	tcase_add_test(odd, test_an_image_that_does_not_parse_never_hides_one_that_does);
	tcase_add_test(odd, test_an_image_that_does_not_parse_alone_is_listed_under_its_file_name);
	tcase_add_test(odd, test_the_index_is_the_same_whatever_order_the_images_come_in);
	tcase_add_test(odd, test_a_symbol_two_images_export_is_refused_naming_it_and_both_providers);
	tcase_add_test(odd, test_a_provider_already_in_the_namespace_is_used_before_any_image);
	suite_add_tcase(s, odd);
	TCase *build = tcase_create("the build's images");
	tcase_add_checked_fixture(build, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(build, test_no_in_tree_cell_needs_a_symbol_two_images_export);
	suite_add_tcase(s, build);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cell_images_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
