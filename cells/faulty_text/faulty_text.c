/* faulty_text: recovery stage 4 (docs/faults.md). Spawned restartable
 * (`spawn --restartable faulty_text N`), its entry calls faulty_text_value
 * and returns its result, 2N+1. Once the fault injector has corrupted that
 * function's code (`load rot`, `call rot_text "faulty_text_value"`), every
 * run faults at the same place: the task is restarted (stage 2), the cell's
 * data is put back as loaded (stage 3: no cure for code), then the cell is
 * reloaded from its object at a new address (stage 4) and the task, whose
 * entry is in this very cell, restarts in the new load and completes.
 * runs counts the entry's runs in one load's data: it starts again at 1
 * after stage 3 and after the reload (no state is carried over). */
#include "cell.h"
#include "faulty_text.h"

CELL_INFO("faulty_text", CELL_APP, 1);

static int runs;

int64_t faulty_text_main(const struct app_args *args)
{
	runs++;
	kprintf("faulty_text: run %d of this load calls faulty_text_value(%lld)\n", runs, (long long)args->argv[0]);
	int64_t v = faulty_text_value(args->argv[0]);
	kprintf("faulty_text: faulty_text_value(%lld) = %lld\n", (long long)args->argv[0], (long long)v);
	return v;
}
APP_ENTRY(faulty_text_main);
