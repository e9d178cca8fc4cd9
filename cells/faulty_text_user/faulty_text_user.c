/* faulty_text_user: a dependent of faulty_text (its calls of
 * faulty_text_value are dependency edges). Spawned restartable with the
 * code of faulty_text_value corrupted, its task faults in faulty_text, not
 * in its own entry cell: stage 4 reloads faulty_text, the swap redirects
 * this cell's calls to the new load, and the task restarts at its own
 * entry, unchanged, and completes. faulty_text_user_value, called after
 * that, goes through the redirected edge too. */
#include "cell.h"
#include "faulty_text/faulty_text.h"

CELL_INFO("faulty_text_user", CELL_APP, 1);

/* faulty_text_value(n) + 100 */
int64_t faulty_text_user_value(int64_t n) { return faulty_text_value(n) + 100; }

int64_t faulty_text_user_main(const struct app_args *args)
{
	kprintf("faulty_text_user: calls faulty_text_value(%lld) in cell faulty_text\n", (long long)args->argv[0]);
	return faulty_text_user_value(args->argv[0]);
}
APP_ENTRY(faulty_text_user_main);
