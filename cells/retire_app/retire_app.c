/* retire_app: an app that sleeps in its own code for argv[0] ms (default
 * 500), for the scenario where a swap retires a cell a task is still inside
 * (retire_app=retire_app_v2) and `ls` shows it until the task has left. */
#include "cell.h"
#include "task.h"

CELL_INFO("retire_app", CELL_APP, 1);

int64_t retire_app_main(const struct app_args *args)
{
	uint64_t ms = args->argv[0] > 0 ? (uint64_t)args->argv[0] : 500;
	if (!task_sleep_ns(ms * 1000000))
		return -1;
	kprintf("retire_app v1: slept %llu ms\n", (unsigned long long)ms);
	return 1;
}
APP_ENTRY(retire_app_main);
