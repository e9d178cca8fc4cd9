/* Boots a small hosted machine for one unit test: memory, mm and heap
 * (tboot_setup), plus the cell system over the build's cell objects
 * (tboot_setup_cells). Use as Check checked fixtures. */
#ifndef TBOOT_H
#define TBOOT_H
#include "hal_boot.h"

#define TBOOT_MEMORY (64UL << 20)

extern struct hal_boot_info tboot_info;
void tboot_setup(void);
void tboot_teardown(void);
void tboot_setup_cells(void);
void tboot_teardown_cells(void);

/* Tasks on 1 (or TBOOT_SMP_CPUS) virtual CPUs with the round-robin
 * scheduler cell and a TBOOT_TICK_HZ preemption tick. */
#define TBOOT_TICK_HZ 100
#define TBOOT_SMP_CPUS 4
void tboot_setup_tasks(void);
void tboot_setup_tasks_smp(void);
/* One CPU and no tick: a task runs until it blocks or yields, so a test
 * sets up every interleaving itself (no deadlines: sleepers need the tick). */
void tboot_setup_tasks_untimed(void);
void tboot_teardown_tasks(void);
/* Runs fn(arg) in a task on CPU 0 (the test's own context is CPU 0's idle
 * task, which may not block) and returns its result. */
#include <stdint.h>
int64_t tboot_run_in_task(int64_t (*fn)(void *), void *arg);

/* Inside tasks, no ck_assert: Check takes a pthread mutex, and a preempted
 * task holding it would deadlock the next task on that CPU that asserts.
 * Tasks record the first failed check (T_CHECK); RUN_IN_TASK asserts on it
 * outside, in the test's own context. */
extern volatile const char *tboot_task_failed;
#define TBOOT_STR_(x) #x
#define TBOOT_STR(x) TBOOT_STR_(x)
#define T_CHECK(cond)                                                                         \
	do {                                                                                  \
		if (!(cond) && !tboot_task_failed)                                            \
			tboot_task_failed = __FILE__ ":" TBOOT_STR(__LINE__) ": " #cond;       \
	} while (0)
#define RUN_IN_TASK(fn, arg) ({                                                               \
	tboot_task_failed = NULL;                                                             \
	int64_t r_ = tboot_run_in_task((int64_t(*)(void *))(fn), (arg));                     \
	ck_assert_msg(!tboot_task_failed, "in a task: %s", tboot_task_failed);                \
	r_;                                                                                   \
})

#endif
