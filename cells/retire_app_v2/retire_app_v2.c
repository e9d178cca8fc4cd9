/* retire_app_v2: version 2 of retire_app (same exports), what a swap puts
 * in its place. */
#include "cell.h"
#include "task.h"

CELL_INFO_REPLACEMENT("retire_app_v2", CELL_APP, 2);

int64_t retire_app_main(const struct app_args *args)
{
	uint64_t ms = args->argv[0] > 0 ? (uint64_t)args->argv[0] : 500;
	if (!task_sleep_ns(ms * 1000000))
		return -1;
	kprintf("retire_app v2: slept %llu ms\n", (unsigned long long)ms);
	return 2;
}
APP_ENTRY(retire_app_main);
