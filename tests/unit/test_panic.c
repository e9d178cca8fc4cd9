/* panic() in kernel/lib: the hook through which the fault layer above it
 * takes a panic over (docs/layers.md), and the stop when nothing does. */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "panic.h"

static jmp_buf taken;
static char seen_msg[160];
static uintptr_t seen_pc[2];
static int calls;

/* Takes the panic over, as the fault layer does in a task (it never returns). */
static void taking_handler(const char *msg, uintptr_t pc)
{
	strncpy(seen_msg, msg, sizeof seen_msg - 1);
	seen_pc[calls < 2 ? calls : 1] = pc;
	calls++;
	longjmp(taken, 1);
}

/* Declines, as the fault layer does with no task to blame. */
static void declining_handler(const char *msg, uintptr_t pc)
{
	(void)msg;
	(void)pc;
	calls++;
}

static __attribute__((noinline)) void panic_from_site(int which)
{
	if (which)
		panic("broken %d at site %s", 42, "one");
	panic("broken %d at site %s", 42, "zero");
}

START_TEST(test_panic_hands_the_message_and_its_call_site_to_the_handler)
{
	calls = 0;
	panic_set_handler(taking_handler);
	for (int i = 0; i < 2; i++)
		if (!setjmp(taken))
			panic_from_site(i & 1);
	ck_assert_int_eq(calls, 2);
	ck_assert_str_eq(seen_msg, "broken 42 at site one");
	ck_assert(seen_pc[0] && seen_pc[1] && seen_pc[0] != seen_pc[1]); /* each names its own call */
	uintptr_t first = seen_pc[0];
	if (!setjmp(taken))
		panic_from_site(0);
	ck_assert_uint_eq(seen_pc[1], first); /* the same call site, the same pc */
	panic_set_handler(NULL);
}
END_TEST

START_TEST(test_panic_report_reaches_the_handler_and_returns_when_it_declines)
{
	calls = 0;
	panic_set_handler(declining_handler);
	panic_report("declined", 0x1234);
	ck_assert_int_eq(calls, 1);
	panic_set_handler(NULL);
	panic_report("nobody", 0x1234); /* no handler: nothing happens */
	ck_assert_int_eq(calls, 1);
}
END_TEST

/* Boot (or the fault layer not up): the machine stops with PANIC_EXIT_STATUS. */
START_TEST(test_panic_without_a_handler_stops_the_machine)
{
	panic_set_handler(NULL);
	panic("broken at boot");
}
END_TEST

/* A handler that declines (no task to blame) leaves the stop to panic. */
START_TEST(test_panic_stops_the_machine_when_its_handler_declines)
{
	panic_set_handler(declining_handler);
	panic("broken in the idle loop");
}
END_TEST

static Suite *panic_suite(void)
{
	Suite *s = suite_create("panic");
	TCase *tc = tcase_create("hook");
	tcase_add_test(tc, test_panic_hands_the_message_and_its_call_site_to_the_handler);
	tcase_add_test(tc, test_panic_report_reaches_the_handler_and_returns_when_it_declines);
	tcase_add_exit_test(tc, test_panic_without_a_handler_stops_the_machine, PANIC_EXIT_STATUS);
	tcase_add_exit_test(tc, test_panic_stops_the_machine_when_its_handler_declines, PANIC_EXIT_STATUS);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(panic_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
