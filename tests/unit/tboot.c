/* The per-test machine: a fresh memfd and arena, mm and heap on top, and
 * optionally the cell system with the build's cell images. Used as Check
 * checked fixtures, so they run inside each test's process. */
#include <check.h>

#include "cell_boot.h"
#include "mm_boot.h"
#include "cell.h"
#include "fault.h"
#include "heap.h"
#include "hmap.h"
#include "hosted.h"
#include "mm.h"
#include "swap_boot.h"
#include "tboot.h"
#include "task.h"

struct hal_boot_info tboot_info;

#define TBOOT_SYMBOL_ROOM 512 /* more than every cell's exports together */

void tboot_setup(void)
{
	tboot_info = (struct hal_boot_info){ 0 };
	ck_assert(hosted_mem_init(TBOOT_MEMORY, &tboot_info));
	ck_assert_int_eq(mm_init(&tboot_info), E_OK);
	ck_assert_int_eq(heap_init(), E_OK);
}

void tboot_teardown(void)
{
	mm_fini();
	hosted_mem_fini();
}

void tboot_setup_cells(void)
{
	tboot_setup();
	ck_assert(hosted_cells_load(THESEUS_CELL_DIR, &tboot_info));
	hosted_kernel_image(&tboot_info);
	hosted_unwind_info(&tboot_info);
	ck_assert_int_eq(cells_init(&tboot_info), E_OK);
	/* Tests compare the heap before and after loading and unloading cells
	 * (world_now): the root symbol table growing meanwhile is not a leak,
	 * but would count as one whenever the kernel's exports bring it near a
	 * doubling. Room up front keeps it at one size through a test. */
	ck_assert_int_eq(hmap_reserve(&ns_root()->symbols, TBOOT_SYMBOL_ROOM), E_OK);
	ck_assert_int_eq(nano_core_register_unwind(&tboot_info), E_OK);
	fault_hooks_init(); /* as kernel_main does before tasks: panics and kills recover */
}

void tboot_teardown_cells(void)
{
	swap_fini();
	cells_fini();
	hosted_kernel_image_fini(&tboot_info);
	hosted_cells_fini(&tboot_info);
	tboot_teardown();
}

static void setup_tasks(unsigned ncpus, unsigned hz)
{
	tboot_setup_cells();
	hosted_cpu_init(ncpus);
	hosted_signals_init();
	ck_assert_int_eq(tasks_init(ncpus, "sched_rr", hz), E_OK);
}

void tboot_setup_tasks_on(unsigned ncpus) { setup_tasks(ncpus, TBOOT_TICK_HZ); }
void tboot_setup_tasks_untimed(void) { setup_tasks(1, 0); }

void tboot_setup_tasks(void) { tboot_setup_tasks_on(1); }
void tboot_setup_tasks_smp(void) { tboot_setup_tasks_on(TBOOT_SMP_CPUS); }

void tboot_teardown_tasks(void)
{
	ck_assert_msg(tasks_fini(), "tasks did not end or CPUs did not stop");
	tboot_teardown_cells();
}

struct driver {
	int64_t (*fn)(void *);
	void *arg;
};

static int64_t drive(struct driver *d) { return d->fn(d->arg); }

static bool ended(void *t)
{
	enum task_state s = task_state(t);
	return s == TASK_EXITED || s == TASK_FAILED || s == TASK_KILLED;
}

volatile const char *tboot_task_failed;

int64_t tboot_run_in_task(int64_t (*fn)(void *), void *arg)
{
	struct driver d = { fn, arg };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "test";
	o.cpu = 0;
	struct task_ref t;
	ck_assert_int_eq(TASK_SPAWN(&o, drive, &d, &t), E_OK);
	sched_idle_until(ended, t.t);
	int64_t v = -1;
	ck_assert_int_eq(task_join(&t, &v), E_OK);
	task_ref_drop(&t);
	return v;
}
