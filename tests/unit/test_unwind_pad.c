/* The stack pointer a landing pad is entered with (kernel/unwind/pad.c),
 * over hand-made CFI: clang sets DW_CFA_GNU_args_size before the first push
 * of a call's stack arguments, so at a fault between two pushes sp plus
 * args_size is wrong; the pad's own CFI row gives the exact sp, whether
 * the pad shares its function's FDE or has one of its own (gcc's
 * .text.unlikely). A pad whose CFA is frame-pointer based, or that has no
 * FDE, falls back to sp plus args_size; an sp leaving the stack is refused. */
#include <check.h>
#include <string.h>

#include "tboot.h"
#include "kernel/unwind/uw.h"
#include "unwind.h"

#define FN 0x30000    /* the function: push rbx, set args_size 48, push, push, ... */
#define FAULT (FN + 0x1c) /* after two of the six pushes: CFA rsp+32, args_size 48 */
#define PAD (FN + 0x30)   /* its landing pad, in the same FDE: CFA rsp+16 */
#define COLD 0x30100      /* a pad with an FDE of its own: CFA rsp+24 */
#define FP_PAD 0x30200    /* a pad whose CFA is rbp+16 */
#define NO_FDE 0x30400    /* a pad without unwind information */

static const uint8_t eh_frame[] = {
	/* CIE "zR", code 1, data -8, ra 16, absptr; def_cfa rsp+8; rip at cfa-8 */
	0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 0x01, 0x78, 0x10, 0x01, 0x00,
	0x0c, 0x07, 0x08, 0x90, 0x01, 0x00, 0x00,
	/* FDE at 0x18: FN, 0x40 bytes */
	0x2c, 0, 0, 0, 0x1c, 0, 0, 0,
	0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x00,
	0x41, 0x0e, 0x10, /* FN+1: push rbx, CFA rsp+16 */
	0x4f, 0x2e, 0x30, /* FN+0x10: args_size 48, before any push */
	0x46, 0x0e, 0x18, /* FN+0x16: CFA rsp+24 */
	0x46, 0x0e, 0x20, /* FN+0x1c: CFA rsp+32 */
	0x54, 0x0e, 0x10, 0x2e, 0x00, /* FN+0x30 (the pad): CFA rsp+16, args_size 0 */
	0, 0, 0, 0, 0, 0,
	/* FDE at 0x48: COLD, 0x10 bytes, CFA rsp+24 from its start */
	0x1c, 0, 0, 0, 0x4c, 0, 0, 0,
	0x00, 0x01, 0x03, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x00,
	0x0e, 0x18, 0, 0, 0, 0, 0,
	/* FDE at 0x68: FP_PAD, 0x10 bytes, CFA rbp+16 */
	0x1c, 0, 0, 0, 0x6c, 0, 0, 0,
	0x00, 0x02, 0x03, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x00,
	0x0c, 0x06, 0x10, 0, 0, 0, 0,
	0, 0, 0, 0,
};

#define SP 0x7000 /* the interrupted frame's sp (never read: every rule here is register based) */

static struct uw_row fault_row;
static struct unwind_regs regs;
static char reason[96];
static struct uw_diag diag = { reason, sizeof reason };

static void setup(void)
{
	tboot_setup_cells();
	size_t off;
	ck_assert_msg(unwind_check_eh_frame(eh_frame, sizeof eh_frame, reason, sizeof reason, &off), "%#zx: %s", off,
		      reason);
	ck_assert(unwind_register_eh_frame(eh_frame, sizeof eh_frame));
	struct unwind_fde fde;
	ck_assert(unwind_find_fde(FAULT, &fde));
	ck_assert_msg(uw_cfa_row(&fde, FAULT, false, &fault_row, &diag), "%s", reason);
	ck_assert_uint_eq(fault_row.args_size, 48);
	ck_assert_int_eq(fault_row.cfa_off, 32);
	memset(&regs, 0, sizeof regs);
	regs.r[DW_RSP] = SP;
	regs.r[DW_RBP] = 0x9000;
	regs.r[DW_RIP] = FAULT;
}

static uintptr_t pad_sp(uintptr_t pad, uintptr_t lo, uintptr_t hi)
{
	const struct uw_stack stk = { lo, hi };
	uintptr_t sp = 0;
	GRACE_READ_GUARD(&uw_tables_grace); /* uw_pad_sp reads the tables, as inside an unwind step */
	ck_assert_msg(uw_pad_sp(&fault_row, &regs, pad, &stk, &sp, &diag), "%s", reason);
	return sp;
}

START_TEST(test_a_pad_in_the_same_fde_gets_the_sp_of_its_own_row)
{
	/* CFA = SP + 32; the pad's rule is rsp+16: not SP + args_size (SP + 48) */
	ck_assert_uint_eq(pad_sp(PAD, 0, 0), SP + 16);
	ck_assert_uint_eq(pad_sp(PAD, SP, SP + 64), SP + 16);
}
END_TEST

START_TEST(test_a_pad_with_an_fde_of_its_own_gets_the_sp_of_that_row)
{
	ck_assert_uint_eq(pad_sp(COLD, 0, 0), SP + 32 - 24);
}
END_TEST

START_TEST(test_a_frame_pointer_pad_or_one_without_cfi_falls_back_to_args_size)
{
	ck_assert_uint_eq(pad_sp(FP_PAD, 0, 0), SP + 48);
	ck_assert_uint_eq(pad_sp(NO_FDE, 0, 0), SP + 48);
}
END_TEST

START_TEST(test_an_sp_leaving_the_stack_is_refused)
{
	const struct uw_stack stk = { SP, SP + 40 };
	uintptr_t sp = 0;
	GRACE_READ_GUARD(&uw_tables_grace);
	ck_assert(!uw_pad_sp(&fault_row, &regs, NO_FDE, &stk, &sp, &diag)); /* SP + 48 */
	ck_assert_msg(strstr(reason, "leave the stack") != NULL, "%s", reason);
	const struct uw_stack small = { SP, SP + 16 };
	ck_assert(!uw_pad_sp(&fault_row, &regs, PAD, &small, &sp, &diag)); /* SP + 16 */
	ck_assert_msg(strstr(reason, "leaves the stack") != NULL, "%s", reason);
}
END_TEST

static Suite *pad_suite(void)
{
	Suite *s = suite_create("unwind_pad");
	TCase *t = tcase_create("pad");
	tcase_add_checked_fixture(t, setup, tboot_teardown_cells);
	tcase_add_test(t, test_a_pad_in_the_same_fde_gets_the_sp_of_its_own_row);
	tcase_add_test(t, test_a_pad_with_an_fde_of_its_own_gets_the_sp_of_that_row);
	tcase_add_test(t, test_a_frame_pointer_pad_or_one_without_cfi_falls_back_to_args_size);
	tcase_add_test(t, test_an_sp_leaving_the_stack_is_refused);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(pad_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
