/* spinner: a task that never ends by itself, for testing kill. Mode 0
 * spins without entering the kernel, 1 sleeps in a loop (argument 2: for
 * how many ms at a time, default 1), 2 blocks on a
 * wait queue nobody wakes. In every mode it holds a heap buffer whose
 * cleanup announces itself, so a test sees what the kill released. */
#include "cell.h"
#include "heap.h"
#include "task.h"

CELL_INFO("spinner", CELL_APP, 1);

static struct wait_queue never;
static volatile int spins;

static void release(char **p)
{
	kprintf("spinner: cleanup frees the buffer\n");
	kfree(*p);
}

static bool nobody(void *unused)
{
	(void)unused;
	return false;
}

int64_t spinner_main(const struct app_args *args)
{
	char *buffer __attribute__((cleanup(release))) = kmalloc(32);
	/* Mode 1 sleeps argv[1] ms at a time (default 1): a kill must cut even an hour short. */
	uint64_t sleep_ns = (args->argv[1] > 0 ? (uint64_t)args->argv[1] : 1) * 1000000;
	kprintf("spinner: mode %lld holds a buffer\n", (long long)args->argv[0]);
	wait_queue_init(&never);
	for (;;) {
		if (args->argv[0] == 1)
			(void)task_sleep_ns(sleep_ns);
		else if (args->argv[0] == 2 && !wait_queue_wait_cond(&never, nobody, NULL))
			break;
		else
			spins++;
	}
	return buffer != NULL;
}
APP_ENTRY(spinner_main);
