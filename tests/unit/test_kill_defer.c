/* Sections a kill must not cut (task_defer_kill / task_allow_kill,
 * docs/tasks.md "Sections a kill must not cut"), on one CPU with the tick
 * running, so a kill could otherwise arrive at a yield, a sleep or a tick. */
#include <check.h>
#include <stdlib.h>

#include "compiler.h"
#include "task.h"
#include "tboot.h"

/* A task in a kill-deferred section, killed from the test, yields and
 * sleeps there (kill points) and goes on; the kill arrives at the
 * task_allow_kill that closes the outer of two nested sections, and its
 * cleanup runs then, not before. */
static volatile unsigned deferred_steps;
static void count_cleanup(volatile unsigned **p) { __atomic_store_n(*p, 1000 + deferred_steps, __ATOMIC_RELEASE); }
static volatile unsigned cleanup_at;
static int64_t in_a_deferred_section(struct task_options *unused)
{
	volatile unsigned *c CLEANUP(count_cleanup) = &cleanup_at;
	task_defer_kill();
	task_defer_kill();
	for (int i = 0; i < 3; i++) {
		deferred_steps++;
		T_CHECK(task_yield());
		T_CHECK(task_sleep_ns(1000000));
	}
	task_allow_kill(); /* still one open */
	deferred_steps++;
	task_allow_kill(); /* the kill arrives here */
	deferred_steps = 99;
	return 0;
}

static int64_t kill_a_deferring_task(void *unused)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "deferring";
	struct task_ref t;
	T_CHECK(TASK_SPAWN(&o, in_a_deferred_section, &o, &t) == E_OK);
	T_CHECK(task_yield()); /* it runs into its section and yields back */
	T_CHECK(task_kill(&t) == E_OK);
	int64_t v;
	T_CHECK(task_join(&t, &v) == E_FAILED); /* killed */
	task_ref_drop(&t);
	T_CHECK(deferred_steps == 4);       /* all three rounds and the inner allow ran */
	T_CHECK(cleanup_at == 1000 + 4);    /* the cleanup ran at the outer allow */
	return 0;
}

/* Catches: a kill delivered inside a deferred section (at a yield, a
 * sleep or the tick), or never delivered after it. */
START_TEST(test_a_kill_waits_for_the_end_of_a_deferred_section) { RUN_IN_TASK(kill_a_deferring_task, NULL); }
END_TEST

static Suite *kill_defer_suite(void)
{
	Suite *s = suite_create("kill_defer");
	TCase *tc = tcase_create("one cpu");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(tc, test_a_kill_waits_for_the_end_of_a_deferred_section);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kill_defer_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
