/* kernel/cell against hostile objects: every truncation and bit flip of a
 * real cell object fails cleanly or loads, never crashes or leaks; specific
 * mutations get a specific diagnosis naming cell, section, offset, symbol. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "kernel/cell/elf.h"
#include "mm.h"
#include "tboot.h"

/* --- hostile objects ------------------------------------------------------------- */

static struct object hello_o;

static void hello_setup(void)
{
	tboot_setup_cells();
	hello_o = read_object("hello");
}

static void hello_teardown(void)
{
	free(hello_o.bytes);
	hello_o = (struct object){ 0 };
	tboot_teardown_cells();
}

/* Loads bytes as a cell; if it loads, unloads it. Returns the load's error. */
static err_t try_image(const void *bytes, size_t size, struct cell_diag *d)
{
	struct cell *c = NULL;
	err_t e = cell_load_image(ns_root(), bytes, size, &c, d);
	if (e == E_OK) {
		ck_assert_ptr_nonnull(c);
		struct cell_diag u;
		ck_assert_msg(cell_unload(c, &u) == E_OK, "%s", diag_line(&u));
	}
	return e;
}

START_TEST(test_pristine_hello_image_loads_and_runs)
{
	struct world before = world_now();
	struct cell *c = NULL;
	struct cell_diag d;
	ck_assert_int_eq(cell_load_image(ns_root(), hello_o.bytes, hello_o.size, &c, &d), E_OK);
	ck_assert_str_eq(c->name, "hello");
	ck_assert_ptr_eq(ns_find_cell(ns_root(), "hello"), c);
	ck_assert_int_eq(((int (*)(void))sym_addr("hello_main"))(), 0);
	/* the loader copied the image: the buffer may go away */
	memset(hello_o.bytes, 0, hello_o.size);
	ck_assert_int_eq(((int (*)(void))sym_addr("hello_main"))(), 0);
	ck_assert_int_eq(cell_unload(c, &d), E_OK);
	assert_world_is(before, "after hello");
}
END_TEST

START_TEST(test_every_truncation_fails_cleanly)
{
	struct world before = world_now();
	for (size_t len = 0; len < hello_o.size; len++) {
		/* an exact-size copy, so that valgrind sees any read past the end */
		uint8_t *cut = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, hello_o.bytes, len);
		struct cell_diag d;
		err_t e = try_image(cut, len, &d);
		free(cut);
		ck_assert_msg(e != E_OK, "hello.o cut to %zu bytes loaded", len);
		ck_assert_msg(e == E_BADELF, "cut to %zu: %s", len, diag_line(&d));
		ck_assert_msg(d.detail[0] != '\0', "cut to %zu: no detail", len);
		if (len % 64 == 0 || len == hello_o.size - 1)
			assert_world_is(before, "truncated");
	}
	assert_world_is(before, "after all truncations");
}
END_TEST

/* Flips the byte at off with each pattern in turn: the object either loads
 * (and unloads) or fails with a diagnosed error. Counts into tried/loaded. */
static void flip_and_load(uint8_t *img, size_t off, size_t *tried, size_t *loaded)
{
	static const uint8_t patterns[] = { 0xff, 0x01, 0x80 };
	for (size_t p = 0; p < sizeof patterns; p++) {
		img[off] ^= patterns[p];
		struct cell_diag d;
		err_t e = try_image(img, hello_o.size, &d);
		img[off] ^= patterns[p];
		ck_assert_msg(e < E_ERR_COUNT, "offset %zu: error %d", off, e);
		ck_assert_msg(e == E_OK || (d.err == e && d.detail[0]), "offset %zu: diag %s for error %d", off,
			      diag_line(&d), e);
		ck_assert_ptr_null(ns_find_cell(ns_root(), "hello"));
		*loaded += e == E_OK;
		(*tried)++;
	}
}

/* Flips each byte of the ELF header and of the section header table, one at
 * a time: nothing crashes and nothing leaks. */
START_TEST(test_flipped_header_bytes_never_crash_or_leak)
{
	struct world before = world_now();
	const Elf64_Ehdr *eh = ehdr(&hello_o);
	size_t sht = eh->e_shoff, sht_end = sht + (size_t)eh->e_shnum * sizeof(Elf64_Shdr);
	ck_assert_uint_le(sht_end, hello_o.size);
	size_t tried = 0, loaded = 0;
	uint8_t *img = malloc(hello_o.size);
	ck_assert_ptr_nonnull(img);
	memcpy(img, hello_o.bytes, hello_o.size);
	for (size_t off = 0; off < sizeof(Elf64_Ehdr); off++)
		flip_and_load(img, off, &tried, &loaded);
	assert_world_is(before, "flipped ELF header");
	for (size_t off = sht; off < sht_end; off++) {
		flip_and_load(img, off, &tried, &loaded);
		if ((off - sht) % sizeof(Elf64_Shdr) == 0)
			assert_world_is(before, "flipped section header");
	}
	ck_assert_mem_eq(img, hello_o.bytes, hello_o.size);
	free(img);
	ck_assert_uint_gt(loaded, 0); /* some header bytes do not matter (sh_addr, ...) */
	ck_assert_uint_gt(tried - loaded, 0);
	assert_world_is(before, "after all flips");
}
END_TEST

/* The same over every byte of the file (contents, symbols, relocations,
 * strings). Mutated symbol names may leave tombstones that grow the root
 * namespace's symbol map once (see the 50-round test), so the byte counts
 * are compared only while its capacity is unchanged. */
START_TEST(test_flipped_bytes_anywhere_never_crash_or_leak)
{
	struct world before = world_now();
	size_t cap = ns_root()->symbols.cap, tried = 0, loaded = 0;
	uint8_t *img = malloc(hello_o.size);
	ck_assert_ptr_nonnull(img);
	memcpy(img, hello_o.bytes, hello_o.size);
	for (size_t off = 0; off < hello_o.size; off++)
		flip_and_load(img, off, &tried, &loaded);
	free(img);
	struct world after = world_now();
	ck_assert_uint_eq(after.live_blocks, before.live_blocks);
	ck_assert_uint_eq(after.cells, before.cells);
	ck_assert_uint_eq(after.symbols, before.symbols);
	if (ns_root()->symbols.cap == cap)
		assert_world_is(before, "after flipping every byte");
	ck_assert_uint_gt(loaded, 0);
	ck_assert_uint_gt(tried - loaded, 0);
}
END_TEST

/* Loads a mutated copy of hello.o, expects err, and checks nothing changed. */
static struct cell_diag expect_mutation(const struct object *m, err_t want, const char *what)
{
	struct world before = world_now();
	struct cell_diag d;
	struct cell *c = NULL;
	err_t e = cell_load_image(ns_root(), m->bytes, m->size, &c, &d);
	ck_assert_msg(e == want, "%s: got %d (%s), want %d", what, e, diag_line(&d), want);
	ck_assert_int_eq(d.err, want);
	ck_assert_ptr_null(c);
	ck_assert_ptr_null(ns_find_cell(ns_root(), "hello"));
	assert_world_is(before, what);
	return d;
}

START_TEST(test_wrong_machine_is_bad_elf_naming_the_machine)
{
	struct object m = copy_object(&hello_o);
	ehdr(&m)->e_machine = 3; /* EM_386 */
	struct cell_diag d = expect_mutation(&m, E_BADELF, "e_machine");
	ck_assert_msg(strstr(d.detail, "machine") != NULL, "%s", diag_line(&d));
	ck_assert_msg(strstr(d.detail, "3") != NULL, "%s", diag_line(&d));
	free(m.bytes);
}
END_TEST

START_TEST(test_section_table_past_the_end_is_bad_elf)
{
	size_t table = (size_t)ehdr(&hello_o)->e_shnum * sizeof(Elf64_Shdr);
	uint64_t end = (hello_o.size + 7) & ~(uint64_t)7;
	/* just past the end, overlapping the end by one entry, and overflowing offsets */
	uint64_t offsets[] = { end, (hello_o.size - table + 64 + 7) & ~(uint64_t)7, UINT64_MAX & ~(uint64_t)7,
			       (uint64_t)1 << 63, UINT64_MAX - table + 1 };
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		struct object m = copy_object(&hello_o);
		ehdr(&m)->e_shoff = offsets[i];
		struct cell_diag d = expect_mutation(&m, E_BADELF, "e_shoff");
		ck_assert_msg(strstr(d.detail, "section header table") != NULL, "e_shoff %#llx: %s",
			      (unsigned long long)offsets[i], diag_line(&d));
		free(m.bytes);
	}
}
END_TEST

START_TEST(test_section_name_table_index_out_of_range_is_bad_elf)
{
	struct object m = copy_object(&hello_o);
	uint16_t values[] = { ehdr(&m)->e_shnum, 0, 0xffff, 1 /* .text: not a string table */ };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		memcpy(m.bytes, hello_o.bytes, m.size);
		ehdr(&m)->e_shstrndx = values[i];
		struct cell_diag d = expect_mutation(&m, E_BADELF, "e_shstrndx");
		ck_assert_msg(strstr(d.detail, i < 3 ? "out of range" : "string table") != NULL, "%s",
			      diag_line(&d));
	}
	free(m.bytes);
}
END_TEST

START_TEST(test_symbol_section_index_out_of_range_is_bad_elf_naming_the_symbol)
{
	struct object m = copy_object(&hello_o);
	uint16_t values[] = { ehdr(&m)->e_shnum, SHN_LORESERVE, 0xfff0 };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		memcpy(m.bytes, hello_o.bytes, m.size);
		sym(&m, sym_index(&m, "hello_main"))->st_shndx = values[i];
		struct cell_diag d = expect_mutation(&m, E_BADELF, "st_shndx");
		ck_assert_str_eq(d.symbol, "hello_main");
		ck_assert_str_eq(d.section, ".symtab");
		ck_assert_str_eq(d.cell, "hello");
		ck_assert_msg(strstr(d.detail, "out of range") != NULL, "%s", diag_line(&d));
	}
	free(m.bytes);
}
END_TEST

START_TEST(test_relocation_symbol_index_out_of_range_is_bad_elf)
{
	struct object m = copy_object(&hello_o);
	uint32_t values[] = { (uint32_t)nsyms(&m), 0xffffffffu };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		memcpy(m.bytes, hello_o.bytes, m.size);
		Elf64_Rela *r = rela_against(&m, ".text.hello_main", "kprintf");
		uint64_t off = r->r_offset;
		r->r_info = ((uint64_t)values[i] << 32) | ELF64_R_TYPE(r->r_info);
		struct cell_diag d = expect_mutation(&m, E_BADELF, "r_sym");
		ck_assert_str_eq(d.section, ".rela.text.hello_main");
		ck_assert(d.has_offset);
		ck_assert_uint_eq(d.offset, off);
		ck_assert_msg(strstr(d.detail, "symbol") != NULL, "%s", diag_line(&d));
	}
	free(m.bytes);
}
END_TEST

START_TEST(test_relocation_offset_past_its_section_is_bad_elf)
{
	struct object m = copy_object(&hello_o);
	uint64_t size = shdr(&m, sec_index(&m, ".text.hello_main"))->sh_size;
	uint64_t values[] = { size, size + 100, UINT64_MAX };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		memcpy(m.bytes, hello_o.bytes, m.size);
		rela_against(&m, ".text.hello_main", "kprintf")->r_offset = values[i];
		struct cell_diag d = expect_mutation(&m, E_BADELF, "r_offset");
		ck_assert_str_eq(d.section, ".text.hello_main");
		ck_assert(d.has_offset);
		ck_assert_uint_eq(d.offset, values[i]);
		ck_assert_msg(strstr(d.detail, "outside") != NULL, "%s", diag_line(&d));
	}
	free(m.bytes);
}
END_TEST

START_TEST(test_relocation_field_straddling_its_section_end_is_a_range_error)
{
	struct object m = copy_object(&hello_o);
	uint64_t size = shdr(&m, sec_index(&m, ".text.hello_main"))->sh_size;
	for (uint64_t back = 1; back < 4; back++) { /* a 4-byte field starting 1..3 bytes before the end */
		memcpy(m.bytes, hello_o.bytes, m.size);
		rela_against(&m, ".text.hello_main", "kprintf")->r_offset = size - back;
		struct cell_diag d = expect_mutation(&m, E_RANGE, "r_offset near the end");
		ck_assert_str_eq(d.section, ".text.hello_main");
		ck_assert_str_eq(d.symbol, "kprintf");
		ck_assert_uint_eq(d.offset, size - back);
	}
	free(m.bytes);
}
END_TEST

START_TEST(test_unsupported_relocation_type_names_type_section_and_offset)
{
	struct object m = copy_object(&hello_o);
	Elf64_Rela *r = rela_against(&m, ".text.hello_main", "kprintf");
	r->r_info = (r->r_info & ~0xffffffffull) | 29; /* R_X86_64_GOTPC64 */
	struct cell_diag d = expect_mutation(&m, E_RELOC_UNSUPPORTED, "type 29");
	ck_assert_str_eq(d.cell, "hello");
	ck_assert_str_eq(d.section, ".text.hello_main");
	ck_assert_str_eq(d.symbol, "kprintf");
	ck_assert(d.has_offset);
	ck_assert_uint_eq(d.offset, r->r_offset);
	ck_assert_msg(strstr(d.detail, "29") != NULL, "%s", diag_line(&d));
	free(m.bytes);
}
END_TEST

START_TEST(test_plt32_addend_overflow_names_the_symbol)
{
	struct object m = copy_object(&hello_o);
	Elf64_Rela *r = rela_against(&m, ".text.hello_main", "kprintf");
	ck_assert_uint_eq(ELF64_R_TYPE(r->r_info), R_X86_64_PLT32);
	int64_t addends[] = { (int64_t)1 << 40, -((int64_t)1 << 40), INT64_MAX, INT64_MIN };
	for (size_t i = 0; i < sizeof addends / sizeof addends[0]; i++) {
		r->r_addend = addends[i];
		struct cell_diag d = expect_mutation(&m, E_RELOC_OVERFLOW, "PLT32 addend");
		ck_assert_str_eq(d.symbol, "kprintf");
		ck_assert_str_eq(d.section, ".text.hello_main");
		ck_assert_uint_eq(d.offset, r->r_offset);
		ck_assert_msg(strstr(d.detail, "R_X86_64_PLT32") != NULL, "%s", diag_line(&d));
	}
	free(m.bytes);
}
END_TEST

START_TEST(test_missing_cell_info_record_is_bad_elf)
{
	struct object m = copy_object(&hello_o);
	char *name = (char *)sec_name(&m, sec_index(&m, CELL_INFO_SECTION));
	name[1] = 'X'; /* ".Xheseus.cell_info" */
	struct cell_diag d = expect_mutation(&m, E_BADELF, "no info record");
	ck_assert_msg(strstr(d.detail, "cell info record") != NULL, "%s", diag_line(&d));
	ck_assert_msg(strstr(d.detail, CELL_INFO_SECTION) != NULL, "%s", diag_line(&d));
	free(m.bytes);
}
END_TEST

/* An allocated section must hold bits (PROGBITS, or X86_64_UNWIND for
 * .eh_frame) or be NOBITS; any other type is refused, naming the section
 * and the type (by name when it has one, else in hex). */
START_TEST(test_allocated_section_of_unsupported_type_is_refused_naming_the_type)
{
	static const struct {
		uint32_t type;
		const char *named;
	} cases[] = { { 7, "SHT_NOTE" }, { 6, "SHT_DYNAMIC" }, { 0x6fff4700, "0x6fff4700" }, { 0x70000002, "0x70000002" } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct object m = copy_object(&hello_o);
		shdr(&m, sec_index(&m, ".text.hello_main"))->sh_type = cases[i].type;
		struct cell_diag d = expect_mutation(&m, E_BADELF, cases[i].named);
		ck_assert_str_eq(d.section, ".text.hello_main");
		ck_assert_msg(strstr(d.detail, cases[i].named) != NULL, "%s", diag_line(&d));
		ck_assert_msg(strstr(d.detail, "not supported") != NULL, "%s", diag_line(&d));
		free(m.bytes);
	}
	/* the same section as X86_64_UNWIND (what clang gives .eh_frame) holds bits: it loads */
	struct object m = copy_object(&hello_o);
	shdr(&m, sec_index(&m, ".eh_frame"))->sh_type = 0x70000001;
	struct cell *c = NULL;
	struct cell_diag d;
	ck_assert_msg(cell_load_image(ns_root(), m.bytes, m.size, &c, &d) == E_OK, "%s", diag_line(&d));
	ck_assert_int_eq(cell_unload(c, &d), E_OK);
	free(m.bytes);
}
END_TEST

/* --- diagnostics ------------------------------------------------------------------- */

START_TEST(test_diag_format_is_one_line_naming_cell_section_offset_symbol_and_error)
{
	struct object m = copy_object(&hello_o);
	Elf64_Rela *r = rela_against(&m, ".text.hello_main", "kprintf");
	r->r_info = (r->r_info & ~0xffffffffull) | 29;
	struct cell_diag d = expect_mutation(&m, E_RELOC_UNSUPPORTED, "type 29");
	char line[512], offset[32];
	int n = cell_diag_format(&d, line, sizeof line);
	ck_assert_int_eq(n, (int)strlen(line));
	ck_assert_ptr_null(strchr(line, '\n'));
	snprintf(offset, sizeof offset, "%#llx", (unsigned long long)r->r_offset);
	const char *want[] = { "hello", ".text.hello_main", offset, "kprintf", "E_RELOC_UNSUPPORTED" };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(strstr(line, want[i]) != NULL, "'%s' not in: %s", want[i], line);
	/* a short buffer gets a terminated prefix and the full length back */
	char small[16];
	memset(small, 'z', sizeof small);
	ck_assert_int_eq(cell_diag_format(&d, small, sizeof small), n);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert(!strncmp(small, line, sizeof small - 1));
	free(m.bytes);
}
END_TEST

static Suite *cell_hostile_suite(void)
{
	Suite *s = suite_create("cell hostile objects");
	TCase *hostile = tcase_create("hostile objects");
	tcase_set_timeout(hostile, 600);
	tcase_add_checked_fixture(hostile, hello_setup, hello_teardown);
	tcase_add_test(hostile, test_pristine_hello_image_loads_and_runs);
	tcase_add_test(hostile, test_every_truncation_fails_cleanly);
	tcase_add_test(hostile, test_flipped_header_bytes_never_crash_or_leak);
	tcase_add_test(hostile, test_flipped_bytes_anywhere_never_crash_or_leak);
	tcase_add_test(hostile, test_wrong_machine_is_bad_elf_naming_the_machine);
	tcase_add_test(hostile, test_section_table_past_the_end_is_bad_elf);
	tcase_add_test(hostile, test_section_name_table_index_out_of_range_is_bad_elf);
	tcase_add_test(hostile, test_symbol_section_index_out_of_range_is_bad_elf_naming_the_symbol);
	tcase_add_test(hostile, test_relocation_symbol_index_out_of_range_is_bad_elf);
	tcase_add_test(hostile, test_relocation_offset_past_its_section_is_bad_elf);
	tcase_add_test(hostile, test_relocation_field_straddling_its_section_end_is_a_range_error);
	tcase_add_test(hostile, test_unsupported_relocation_type_names_type_section_and_offset);
	tcase_add_test(hostile, test_plt32_addend_overflow_names_the_symbol);
	tcase_add_test(hostile, test_missing_cell_info_record_is_bad_elf);
	tcase_add_test(hostile, test_allocated_section_of_unsupported_type_is_refused_naming_the_type);
	tcase_add_test(hostile, test_diag_format_is_one_line_naming_cell_section_offset_symbol_and_error);
	suite_add_tcase(s, hostile);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cell_hostile_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
