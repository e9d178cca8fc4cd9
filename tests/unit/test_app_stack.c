/* What a task starts at and what it runs on: the app entry a cell declares
 * with APP_ENTRY (cell_app_entry, the only entry `spawn` uses), and the
 * stack size a task asks for (task_stack_size, task_options.stack_bytes). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "cell.h"
#include "cell_support.h"
#include "mm.h"
#include "task.h"
#include "tboot.h"

/* --- the app entry --------------------------------------------------------- */

START_TEST(test_app_entry_is_the_declared_function)
{
	struct cell *c = load("hello");
	app_entry_fn *entry = NULL;
	ck_assert_int_eq(cell_app_entry(c, &entry), E_OK);
	ck_assert_ptr_eq((void *)entry, (void *)sym_addr("hello_main"));
	unload_all();
}
END_TEST

START_TEST(test_kernel_cell_has_no_app_entry)
{
	struct cell *c = load("unwind_a");
	ck_assert_int_eq(c->class, CELL_KERNEL);
	app_entry_fn *entry = (app_entry_fn *)1;
	ck_assert_int_eq(cell_app_entry(c, &entry), E_PRIVILEGE);
	ck_assert_ptr_null((void *)entry);
	unload_all();
}
END_TEST

START_TEST(test_app_without_app_entry_has_none)
{
	struct cell *c = load("chain_c"); /* an app cell with functions, but no APP_ENTRY */
	ck_assert_int_eq(c->class, CELL_APP);
	app_entry_fn *entry;
	ck_assert_int_eq(cell_app_entry(c, &entry), E_NOTFOUND);
	ck_assert_ptr_null((void *)entry);
	unload_all();
}
END_TEST

/* hello.o changed by edit, loaded from memory: its app entry must be refused. */
static void assert_entry_refused(void (*edit)(struct object *m))
{
	struct object o = read_object("hello");
	struct object m = copy_object(&o);
	edit(&m);
	struct cell *c = NULL;
	struct cell_diag d;
	ck_assert_msg(cell_load_image(ns_root(), m.bytes, m.size, &c, &d) == E_OK, "%s", diag_line(&d));
	app_entry_fn *entry;
	ck_assert_int_eq(cell_app_entry(c, &entry), E_BADELF);
	ck_assert_ptr_null((void *)entry);
	unload_all();
	free(m.bytes);
	free(o.bytes);
}

static void break_magic(struct object *m)
{
	const Elf64_Shdr *s = shdr(m, sec_index(m, APP_ENTRY_SECTION));
	((struct app_entry_record *)(m->bytes + s->sh_offset))->magic ^= 1;
}

/* The record's pointer relocated to the cell info record instead of code. */
static void point_at_data(struct object *m)
{
	Elf64_Rela *r = rela_against(m, APP_ENTRY_SECTION, "hello_main");
	size_t info = sec_index(m, CELL_INFO_SECTION);
	for (size_t i = 1; i < nsyms(m); i++) {
		if (ELF64_ST_TYPE(sym(m, i)->st_info) == STT_SECTION && sym(m, i)->st_shndx == info) {
			r->r_info = ((uint64_t)i << 32) | ELF64_R_TYPE(r->r_info); /* ELF64_R_INFO */
			return;
		}
	}
	ck_abort_msg("hello.o has no section symbol for " CELL_INFO_SECTION);
}

/* The record in writable data, where anything could rewrite the entry
 * after the checks: only a read-only record is believed. */
static void make_writable(struct object *m)
{
	Elf64_Shdr *s = (Elf64_Shdr *)shdr(m, sec_index(m, APP_ENTRY_SECTION));
	s->sh_flags |= SHF_WRITE;
}

START_TEST(test_malformed_app_entry_is_refused)
{
	assert_entry_refused(break_magic);
	assert_entry_refused(point_at_data);
	assert_entry_refused(make_writable);
}
END_TEST

/* --- the stack size ------------------------------------------------------------- */

START_TEST(test_stack_size_is_bytes_rounded_up_to_pages)
{
	size_t got = 1;
	ck_assert_int_eq(task_stack_size(0, &got), E_OK);
	ck_assert_uint_eq(got, TASK_STACK_DEFAULT);
	ck_assert_uint_eq(TASK_STACK_DEFAULT, 64 * 1024); /* docs/tasks.md and the shell's help say so */
	ck_assert_int_eq(task_stack_size(TASK_STACK_MIN, &got), E_OK);
	ck_assert_uint_eq(got, TASK_STACK_MIN);
	ck_assert_int_eq(task_stack_size(TASK_STACK_MIN + 1, &got), E_OK);
	ck_assert_uint_eq(got, TASK_STACK_MIN + PAGE_SIZE);
	ck_assert_int_eq(task_stack_size(100 * 1024 + 1, &got), E_OK);
	ck_assert_uint_eq(got, 104 * 1024);
	ck_assert_int_eq(task_stack_size(TASK_STACK_MAX, &got), E_OK);
	ck_assert_uint_eq(got, TASK_STACK_MAX);
}
END_TEST

START_TEST(test_stack_size_out_of_bounds_is_refused)
{
	size_t got = 1;
	ck_assert_int_eq(task_stack_size(1, &got), E_RANGE);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(task_stack_size(TASK_STACK_MIN - PAGE_SIZE, &got), E_RANGE);
	ck_assert_int_eq(task_stack_size(TASK_STACK_MAX + 1, &got), E_TOOBIG);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(task_stack_size(SIZE_MAX, &got), E_TOOBIG); /* rounding must not wrap */
	ck_assert_int_eq(task_stack_size(SIZE_MAX - PAGE_SIZE + 2, &got), E_TOOBIG);
}
END_TEST

struct nothing {
	int unused;
};

static int64_t stack_of_self(struct nothing *n)
{
	(void)n;
	return (int64_t)task_stack_bytes(task_current());
}

/* Spawns stack_of_self with a stack of `bytes` and joins it: its stack size,
 * or -(the spawn's error). */
static int64_t spawn_with_stack(size_t bytes)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.stack_bytes = bytes;
	struct nothing n = { 0 };
	struct task_ref t = { 0 };
	err_t e = TASK_SPAWN(&o, stack_of_self, &n, &t);
	if (e)
		return -(int64_t)e;
	int64_t v = -1;
	if (task_join(&t, &v))
		v = -1000;
	task_ref_drop(&t);
	return v;
}

static int64_t spawn_sizes(void *unused)
{
	(void)unused;
	static const size_t asked[] = { 0, 100 * 1024 + 1, 256 * 1024, TASK_STACK_MAX + 1, 1 };
	static const int64_t want[] = { 64 * 1024, 104 * 1024, 256 * 1024, -(int64_t)E_TOOBIG,
					-(int64_t)E_RANGE };
	for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++)
		if (spawn_with_stack(asked[i]) != want[i])
			return (int64_t)i + 1;
	return 0;
}

START_TEST(test_spawn_gets_the_stack_it_asks_for)
{
	struct task_stats before, after;
	task_stats(&before);
	ck_assert_int_eq(tboot_run_in_task(spawn_sizes, NULL), 0);
	task_stats(&after);
	ck_assert_uint_eq(after.alive, before.alive); /* the refused spawns left no task behind */
	ck_assert_uint_eq(after.spawned, before.spawned + 1 + 3); /* the driver and three that ran */
}
END_TEST

static Suite *app_stack_suite(void)
{
	Suite *s = suite_create("app_stack");
	TCase *entry = tcase_create("app_entry");
	tcase_add_checked_fixture(entry, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(entry, test_app_entry_is_the_declared_function);
	tcase_add_test(entry, test_kernel_cell_has_no_app_entry);
	tcase_add_test(entry, test_app_without_app_entry_has_none);
	tcase_add_test(entry, test_malformed_app_entry_is_refused);
	suite_add_tcase(s, entry);
	TCase *size = tcase_create("stack_size");
	tcase_add_test(size, test_stack_size_is_bytes_rounded_up_to_pages);
	tcase_add_test(size, test_stack_size_out_of_bounds_is_refused);
	suite_add_tcase(s, size);
	TCase *spawn = tcase_create("spawn_stack");
	tcase_add_checked_fixture(spawn, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(spawn, test_spawn_gets_the_stack_it_asks_for);
	suite_add_tcase(s, spawn);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(app_stack_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
