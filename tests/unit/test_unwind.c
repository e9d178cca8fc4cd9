/* The kernel's DWARF unwinder: parsing the .eh_frame of every real cell and
 * of this executable, finding FDEs (corrupted sections: test_unwind_check.c),
 * and unwinding the cell chain unwind_a -> unwind_b -> unwind_c
 * through their cleanup landing pads to a boundary, or failing safely on
 * a smashed stack; walks longer than 1024 frames bounded by the stack alone;
 * DW_CFA_GNU_args_size in the rows the CFA programs build. */
#include <check.h>
#include <elf.h>
#include <string.h>

#include "cell.h"
#include "tboot.h"
#include "kernel/unwind/uw.h"
#include "unwind.h"

/* --- helpers ------------------------------------------------------------------ */
/* A section of an ELF file in memory, by name; NULL if absent. */
static const Elf64_Shdr *elf_section(const void *file, size_t size, const char *name)
{
	const uint8_t *b = file;
	const Elf64_Ehdr *eh = file;
	ck_assert_uint_ge(size, sizeof *eh);
	ck_assert_uint_le(eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), size);
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff);
	const char *names = (const char *)b + sh[eh->e_shstrndx].sh_offset;
	for (size_t i = 0; i < eh->e_shnum; i++)
		if (!strcmp(names + sh[i].sh_name, name))
			return &sh[i];
	return NULL;
}

/* This executable's .eh_frame as it is mapped (linked -no-pie: sh_addr is where it is). */
static void register_self(void)
{
	const Elf64_Shdr *s = elf_section(tboot_info.kernel_image, tboot_info.kernel_image_size, ".eh_frame");
	ck_assert_ptr_nonnull(s);
	ck_assert(unwind_register_eh_frame((const void *)s->sh_addr, s->sh_size));
}

static void setup(void)
{
	tboot_setup_cells();
	register_self();
}

static struct cell *load(const char *name)
{
	struct cell *c;
	struct cell_diag d;
	err_t e = cell_load(ns_root(), name, &c, &d);
	char line[256];
	cell_diag_format(&d, line, sizeof line);
	ck_assert_msg(e == E_OK, "cell_load(%s): %s", name, line);
	return c;
}

static uintptr_t sym(const char *name)
{
	const struct cell_symbol *s = ns_resolve(ns_root(), name);
	ck_assert_msg(s != NULL, "symbol %s", name);
	return s->addr;
}

static const struct cell_section *cell_eh_frame(const struct cell *c)
{
	for (size_t i = 0; i < c->n_sections; i++)
		if (!strcmp(c->sections[i].name, ".eh_frame"))
			return &c->sections[i];
	ck_abort_msg("cell %s has no .eh_frame", c->name);
	return NULL;
}

/* --- the driver: the boundary every test unwind ends at ------------------------- */
static void *jump_back[5];

static NORETURN void back_to_driver(struct unwind_state *st)
{
	(void)st;
	__builtin_longjmp(jump_back, 1);
}

typedef int (*run_fn)(struct unwind_state *st, int mode);

/* Returns fn's result, or -1 when an unwind ended (st->done jumped back here). */
static __attribute__((noinline)) int driver(run_fn fn, struct unwind_state *st, int mode)
{
	if (__builtin_setjmp(jump_back))
		return -1;
	int v = fn(st, mode);
	__asm__ volatile("" ::: "memory"); /* no tail call: fn must return into driver */
	return v;
}

static struct unwind_state state_for_driver(void)
{
	struct unwind_fde fde;
	ck_assert(unwind_find_fde((uintptr_t)driver, &fde));
	return (struct unwind_state){ .boundary_lo = fde.pc_begin, .boundary_hi = fde.pc_end,
				      .done = back_to_driver, .end = UNWIND_END_TOO_DEEP };
}

/* --- parsing ------------------------------------------------------------------ */
START_TEST(test_every_cell_image_eh_frame_passes_the_check)
{
	const struct cell_image *imgs;
	size_t n = cell_images(&imgs);
	ck_assert_uint_gt(n, 3);
	for (size_t i = 0; i < n; i++) {
		const Elf64_Shdr *s = elf_section(imgs[i].addr, imgs[i].size, ".eh_frame");
		if (!s)
			continue;
		char why[96];
		size_t off;
		bool ok = unwind_check_eh_frame((const uint8_t *)imgs[i].addr + s->sh_offset, s->sh_size, why,
						sizeof why, &off);
		ck_assert_msg(ok, "cell image %s: offset %#zx: %s", imgs[i].name, off, why);
	}
}
END_TEST

START_TEST(test_loaded_cells_and_this_executable_pass_the_check)
{
	load("unwind_a");
	load("chain_a");
	const char *names[] = { "unwind_a", "unwind_b", "unwind_c", "chain_a", "chain_b", "chain_c" };
	char why[96];
	size_t off;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct cell_section *s = cell_eh_frame(ns_find_cell(ns_root(), names[i]));
		ck_assert_msg(unwind_check_eh_frame((const uint8_t *)s->addr, s->size, why, sizeof why, &off),
			      "%s: %#zx: %s", names[i], off, why);
	}
	const Elf64_Shdr *s = elf_section(tboot_info.kernel_image, tboot_info.kernel_image_size, ".eh_frame");
	ck_assert_msg(unwind_check_eh_frame((const uint8_t *)s->sh_addr, s->sh_size, why, sizeof why, &off),
		      "self: %#zx: %s", off, why);
}
END_TEST

START_TEST(test_fde_of_a_cell_function_covers_it_and_names_its_lsda)
{
	load("unwind_a");
	uintptr_t f = sym("unwind_c_run");
	struct unwind_fde fde;
	ck_assert(unwind_find_fde(f, &fde));
	ck_assert_uint_eq(fde.pc_begin, f);
	ck_assert_uint_gt(fde.pc_end, f + 8);
	ck_assert(unwind_find_fde(fde.pc_end - 1, &fde));
	ck_assert_uint_eq(fde.pc_begin, f);
	ck_assert_uint_eq(fde.code_align, 1);
	ck_assert_int_eq(fde.data_align, -8);
	ck_assert_uint_eq(fde.ra_reg, DW_RIP);
	ck_assert(!fde.signal_frame);
	ck_assert_uint_ne(fde.lsda, 0);
	CELLS_READ_GUARD();
	const struct cell_section *lsda = cell_section_at(fde.lsda);
	ck_assert_ptr_nonnull(lsda);
	ck_assert_str_eq(lsda->cell->name, "unwind_c");
	ck_assert(strncmp(lsda->name, ".gcc_except_table", 17) == 0);
	ck_assert_ptr_nonnull(fde.cie_insns);
	ck_assert(fde.cie_insns < fde.cie_end && fde.fde_insns < fde.fde_end);
}
END_TEST

START_TEST(test_fde_of_a_function_of_this_executable_is_found_once_registered)
{
	struct unwind_fde fde;
	ck_assert(unwind_find_fde((uintptr_t)driver, &fde));
	ck_assert_uint_le(fde.pc_begin, (uintptr_t)driver);
	ck_assert_uint_gt(fde.pc_end, (uintptr_t)driver);
	ck_assert(unwind_find_fde((uintptr_t)unwind_check_eh_frame + 1, &fde)); /* the nano_core's own code */
	ck_assert(!unwind_find_fde(0x1234, &fde));
	ck_assert(!unwind_find_fde(0, &fde));
}
END_TEST

START_TEST(test_registering_is_idempotent_and_bounded)
{
	const Elf64_Shdr *s = elf_section(tboot_info.kernel_image, tboot_info.kernel_image_size, ".eh_frame");
	ck_assert(unwind_register_eh_frame((const void *)s->sh_addr, s->sh_size));
	ck_assert(!unwind_register_eh_frame((const void *)s->sh_addr, s->sh_size - 4)); /* same start, other size */
}
END_TEST

/* --- unwinding through cells -------------------------------------------------------- */
static char *log_buf;
static unsigned *log_len;

static run_fn load_chain(void)
{
	load("unwind_a");
	log_buf = (char *)sym("unwind_log");
	log_len = (unsigned *)sym("unwind_log_len");
	memset(log_buf, 0, 16);
	*log_len = 0;
	return (run_fn)sym("unwind_a_run");
}

START_TEST(test_each_cleanup_runs_once_on_normal_return)
{
	run_fn a = load_chain();
	struct unwind_state st = state_for_driver();
	ck_assert_int_eq(driver(a, &st, 0), 3);
	ck_assert_str_eq(log_buf, "cba");
	ck_assert_uint_eq(st.cleanups, 0);
}
END_TEST

START_TEST(test_unwind_here_runs_cleanups_innermost_first_and_ends_at_the_boundary)
{
	run_fn a = load_chain();
	struct unwind_state st = state_for_driver();
	ck_assert_int_eq(driver(a, &st, 1), -1);
	ck_assert_str_eq(log_buf, "cba");
	ck_assert_msg(st.end == UNWIND_END_BOUNDARY, "end %d: %s", st.end, st.why);
	ck_assert_uint_eq(st.cleanups, 3);
	ck_assert_uint_eq(st.frames, 3);
	ck_assert_uint_ge(st.end_pc, st.boundary_lo);
	ck_assert_uint_le(st.end_pc, st.boundary_hi);
	/* The same cells unwind again, and return normally afterwards. */
	*log_len = 0;
	ck_assert_int_eq(driver(a, &st, 1), -1);
	ck_assert_int_eq(driver(a, &st, 0), 3);
	ck_assert_str_eq(log_buf, "cbacba");
}
END_TEST

START_TEST(test_unwind_within_stack_bounds_ends_at_the_boundary)
{
	run_fn a = load_chain();
	struct unwind_state st = state_for_driver();
	int here;
	st.stack_lo = (uintptr_t)&here - (1 << 20);
	st.stack_hi = (uintptr_t)&here + (1 << 16);
	ck_assert_int_eq(driver(a, &st, 1), -1);
	ck_assert_msg(st.end == UNWIND_END_BOUNDARY, "end %d: %s", st.end, st.why);
	ck_assert_str_eq(log_buf, "cba");
}
END_TEST

START_TEST(test_a_stack_outside_the_bounds_ends_with_bad_stack)
{
	run_fn a = load_chain();
	struct unwind_state st = state_for_driver();
	st.stack_lo = 0x1000;
	st.stack_hi = 0x2000;
	ck_assert_int_eq(driver(a, &st, 1), -1);
	ck_assert_msg(st.end == UNWIND_END_BAD_STACK, "end %d: %s", st.end, st.why);
	ck_assert(strstr(st.why, "outside the stack") != NULL);
	ck_assert_str_eq(log_buf, "c"); /* the pad of the first frame ran; its caller's CFA was refused */
}
END_TEST

START_TEST(test_a_smashed_return_address_ends_with_no_fde)
{
	run_fn a = load_chain();
	struct unwind_state st = state_for_driver();
	ck_assert_int_eq(driver(a, &st, 2), -1);
	ck_assert_msg(st.end == UNWIND_END_NO_FDE, "end %d: %s", st.end, st.why);
	ck_assert_uint_eq(st.end_pc, 0x1234);
	ck_assert(strstr(st.why, "0x1234") != NULL);
	ck_assert_str_eq(log_buf, "c");
}
END_TEST

/* --- unwinding fake stacks ------------------------------------------------------------ */
/* A frame that only holds its return address: at its first instruction
 * the CFA is rsp + 8 and the return address is at rsp. */
static __attribute__((noinline)) void leaf(void) { __asm__ volatile(""); }

static uint64_t fake_stack[1100];
static size_t fake_depth;

static NORETURN int unwind_fake_stack(struct unwind_state *st, int mode)
{
	(void)mode;
	for (size_t i = 0; i < sizeof fake_stack / sizeof fake_stack[0]; i++)
		fake_stack[i] = (uintptr_t)leaf + 1; /* "returns" to leaf's first instruction, again and again */
	struct unwind_regs r = { 0 };
	r.r[DW_RIP] = (uintptr_t)leaf + 1;
	r.r[DW_RSP] = (uintptr_t)&fake_stack[ARRAY_LEN(fake_stack) - fake_depth];
	unwind_from(&r, true, st);
}

START_TEST(test_a_looping_fake_stack_ends_with_bad_stack_at_its_top)
{
	struct unwind_state st = state_for_driver();
	fake_depth = 64;
	st.stack_lo = (uintptr_t)fake_stack;
	st.stack_hi = (uintptr_t)(fake_stack + ARRAY_LEN(fake_stack));
	ck_assert_int_eq(driver(unwind_fake_stack, &st, 0), -1);
	ck_assert_msg(st.end == UNWIND_END_BAD_STACK, "end %d: %s", st.end, st.why);
	ck_assert_uint_eq(st.frames, 63);
	ck_assert_uint_eq(st.cleanups, 0);
}
END_TEST

/* More than 1024 frames: the bound is the stack's size, not a count. */
START_TEST(test_a_fake_stack_of_1100_frames_is_walked_to_its_top)
{
	struct unwind_state st = state_for_driver();
	fake_depth = ARRAY_LEN(fake_stack);
	st.stack_lo = (uintptr_t)fake_stack;
	st.stack_hi = (uintptr_t)(fake_stack + ARRAY_LEN(fake_stack));
	ck_assert_int_eq(driver(unwind_fake_stack, &st, 0), -1);
	ck_assert_msg(st.end == UNWIND_END_BAD_STACK, "end %d: %s", st.end, st.why);
	ck_assert_msg(strstr(st.why, "outside the stack") != NULL, "%s", st.why);
	ck_assert_uint_eq(st.frames, ARRAY_LEN(fake_stack) - 1);
}
END_TEST

/* A hand-made .eh_frame passes the load-time check, then is registered. */
static void check_and_register(const uint8_t *eh_frame, size_t size)
{
	char why[96];
	size_t off;
	ck_assert_msg(unwind_check_eh_frame(eh_frame, size, why, sizeof why, &off), "%#zx: %s", off, why);
	ck_assert(unwind_register_eh_frame(eh_frame, size));
}

/* Unwinds from an interrupted (not calling) pc with sp, other registers 0. */
static NORETURN void unwind_from_exact_pc(uintptr_t pc, const void *sp, struct unwind_state *st)
{
	struct unwind_regs r = { 0 };
	r.r[DW_RIP] = pc;
	r.r[DW_RSP] = (uintptr_t)sp;
	unwind_from(&r, false, st);
}

/* A hand-made .eh_frame for a fake code range: a "zRS" (signal frame) CIE
 * and an FDE whose CFA and saved rbx are DWARF expressions. */
#define SYNTH_PC 0x10000
static const uint8_t synthetic_eh_frame[] = {
	/* CIE */
	0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 'S', 0, 0x01, 0x78, 0x10, 0x01, 0x00,
	0x0c, 0x07, 0x08, /* DW_CFA_def_cfa rsp+8 */
	0x90, 0x01,       /* DW_CFA_offset rip at cfa-8 */
	0x00,             /* nop */
	/* FDE at 0x18 */
	0x20, 0, 0, 0, 0x1c, 0, 0, 0,
	0x00, 0x00, 0x01, 0, 0, 0, 0, 0, /* pc_begin = SYNTH_PC (absptr) */
	0x10, 0, 0, 0, 0, 0, 0, 0,       /* range 16 */
	0x00,                            /* no augmentation data */
	0x0f, 0x02, 0x77, 0x10,          /* DW_CFA_def_cfa_expression: DW_OP_breg7 16 */
	0x10, 0x03, 0x02, 0x77, 0x00,    /* DW_CFA_expression rbx: DW_OP_breg7 0 */
	0x00, 0x00,
	/* a linked .eh_frame's terminator */
	0, 0, 0, 0,
};

static uint64_t synthetic_stack[8];

static NORETURN int unwind_synthetic_frame(struct unwind_state *st, int mode)
{
	(void)mode;
	synthetic_stack[0] = 0xb0b;             /* rbx, by the expression */
	synthetic_stack[1] = (uintptr_t)leaf;   /* the interrupted pc: not a return address */
	unwind_from_exact_pc(SYNTH_PC + 8, synthetic_stack, st);
}

START_TEST(test_a_signal_frame_with_expressions_hands_over_an_exact_pc)
{
	check_and_register(synthetic_eh_frame, sizeof synthetic_eh_frame);
	struct unwind_fde fde;
	ck_assert(unwind_find_fde(SYNTH_PC + 15, &fde));
	ck_assert(fde.signal_frame);
	ck_assert_uint_eq(fde.pc_begin, SYNTH_PC);
	ck_assert_uint_eq(fde.lsda, 0);
	ck_assert(!unwind_find_fde(SYNTH_PC + 16, &fde));

	/* The boundary is leaf's first byte only: reached exactly when the
	 * caller of a signal frame is looked up by its pc, not pc - 1. */
	struct unwind_state st = state_for_driver();
	st.boundary_lo = (uintptr_t)leaf;
	st.boundary_hi = (uintptr_t)leaf + 1;
	st.stack_lo = (uintptr_t)synthetic_stack;
	st.stack_hi = (uintptr_t)(synthetic_stack + ARRAY_LEN(synthetic_stack));
	ck_assert_int_eq(driver(unwind_synthetic_frame, &st, 0), -1);
	ck_assert_msg(st.end == UNWIND_END_BOUNDARY, "end %d: %s", st.end, st.why);
	ck_assert_uint_eq(st.end_pc, (uintptr_t)leaf);
	ck_assert_uint_eq(st.frames, 1);
}
END_TEST

/* A signal frame (its pc stays exact) whose CFA is sp + 4 and whose pc
 * is unchanged: every step moves up only 4 bytes, so the stack holds twice
 * the frames a real one could. The walk must stop at the stack's bound. */
#define CREEP_PC 0x20000
static const uint8_t creeping_eh_frame[] = {
	/* CIE */
	0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 'S', 0, 0x01, 0x78, 0x10, 0x01, 0x00,
	0x0c, 0x07, 0x04, /* DW_CFA_def_cfa rsp+4 */
	0x08, 0x10,       /* DW_CFA_same_value rip */
	0x00,             /* nop */
	/* FDE at 0x18 */
	0x18, 0, 0, 0, 0x1c, 0, 0, 0,
	0x00, 0x00, 0x02, 0, 0, 0, 0, 0, /* pc_begin = CREEP_PC (absptr) */
	0x10, 0, 0, 0, 0, 0, 0, 0,       /* range 16 */
	0x00,                            /* no augmentation data */
	0x00, 0x00, 0x00,
	0, 0, 0, 0,
};

static uint64_t creeping_stack[8];

static NORETURN int unwind_creeping_frames(struct unwind_state *st, int mode)
{
	(void)mode;
	unwind_from_exact_pc(CREEP_PC + 4, creeping_stack, st);
}

START_TEST(test_frames_beyond_what_the_stack_can_hold_end_too_deep)
{
	check_and_register(creeping_eh_frame, sizeof creeping_eh_frame);
	struct unwind_state st = state_for_driver();
	st.stack_lo = (uintptr_t)creeping_stack;
	st.stack_hi = (uintptr_t)(creeping_stack + ARRAY_LEN(creeping_stack));
	ck_assert_int_eq(driver(unwind_creeping_frames, &st, 0), -1);
	ck_assert_msg(st.end == UNWIND_END_TOO_DEEP, "end %d: %s", st.end, st.why);
	ck_assert_msg(strstr(st.why, "more than 8 frames in a 64-byte stack") != NULL, "%s", st.why);
	ck_assert_uint_eq(st.frames, 9);
}
END_TEST

/* DW_CFA_GNU_args_size: the row for each pc carries the size last set
 * before it, and restore_state leaves it alone (as libgcc does). */
START_TEST(test_args_size_follows_the_cfa_program)
{
	static const uint8_t cie[] = { 0x0c, 0x07, 0x08, 0x90, 0x01 }; /* def_cfa rsp+8; rip at cfa-8 */
	static const uint8_t prog[] = {
		0x41,             /* advance 1 */
		0x0e, 0x28,       /* def_cfa_offset 40 (four pushes) */
		0x2e, 0x20,       /* args_size 32 */
		0x0a,             /* remember_state */
		0x42,             /* advance 2: pc 3 */
		0x2e, 0x10,       /* args_size 16 */
		0x0e, 0x18,       /* def_cfa_offset 24 */
		0x0b,             /* restore_state: cfa offset 40 again, args_size stays 16 */
		0x44,             /* advance 4: pc 7 */
		0x2e, 0x00,       /* args_size 0 */
	};
	struct unwind_fde fde = { .pc_begin = 0x1000, .pc_end = 0x1010, .cie_insns = cie, .cie_end = cie + sizeof cie,
				  .fde_insns = prog, .fde_end = prog + sizeof prog, .code_align = 1, .data_align = -8,
				  .ra_reg = DW_RIP };
	static const struct {
		uintptr_t pc;
		uint64_t args_size;
		int64_t cfa_off;
	} want[] = { { 0x1000, 0, 8 }, { 0x1001, 32, 40 }, { 0x1002, 32, 40 }, { 0x1003, 16, 40 }, { 0x1006, 16, 40 },
		     { 0x1007, 0, 40 }, { 0x100f, 0, 40 } };
	char reason[72];
	struct uw_diag d = { reason, sizeof reason };
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		struct uw_row row;
		ck_assert_msg(uw_cfa_row(&fde, want[i].pc, false, &row, &d), "%s", reason);
		ck_assert_msg(row.args_size == want[i].args_size && row.cfa_off == want[i].cfa_off,
			      "pc %#lx: args_size %lu cfa+%ld", (unsigned long)want[i].pc, (unsigned long)row.args_size,
			      (long)row.cfa_off);
	}
}
END_TEST

START_TEST(test_personality_reports_a_fatal_phase_error)
{
	int __gcc_personality_v0(int, int, uint64_t, void *, void *);
	ck_assert_int_eq(__gcc_personality_v0(1, 1, 0, NULL, NULL), 3);
}
END_TEST

static Suite *unwind_suite(void)
{
	Suite *s = suite_create("unwind");
	TCase *p = tcase_create("parse");
	tcase_add_checked_fixture(p, setup, tboot_teardown_cells);
	tcase_add_test(p, test_every_cell_image_eh_frame_passes_the_check);
	tcase_add_test(p, test_loaded_cells_and_this_executable_pass_the_check);
	tcase_add_test(p, test_fde_of_a_cell_function_covers_it_and_names_its_lsda);
	tcase_add_test(p, test_fde_of_a_function_of_this_executable_is_found_once_registered);
	tcase_add_test(p, test_registering_is_idempotent_and_bounded);
	suite_add_tcase(s, p);
	TCase *u = tcase_create("unwind");
	tcase_add_checked_fixture(u, setup, tboot_teardown_cells);
	tcase_add_test(u, test_each_cleanup_runs_once_on_normal_return);
	tcase_add_test(u, test_unwind_here_runs_cleanups_innermost_first_and_ends_at_the_boundary);
	tcase_add_test(u, test_unwind_within_stack_bounds_ends_at_the_boundary);
	tcase_add_test(u, test_a_stack_outside_the_bounds_ends_with_bad_stack);
	tcase_add_test(u, test_a_smashed_return_address_ends_with_no_fde);
	tcase_add_test(u, test_a_looping_fake_stack_ends_with_bad_stack_at_its_top);
	tcase_add_test(u, test_a_fake_stack_of_1100_frames_is_walked_to_its_top);
	tcase_add_test(u, test_frames_beyond_what_the_stack_can_hold_end_too_deep);
	tcase_add_test(u, test_args_size_follows_the_cfa_program);
	tcase_add_test(u, test_a_signal_frame_with_expressions_hands_over_an_exact_pc);
	tcase_add_test(u, test_personality_reports_a_fatal_phase_error);
	suite_add_tcase(s, u);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(unwind_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
