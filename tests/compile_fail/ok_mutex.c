/* Control: a mutex taken with every result handled, directly and with a guard. */
#include "sync.h"

static int repair(void) { return 0; }

err_t use(struct mutex *m)
{
	struct mutex_result r = mutex_lock(m);
	switch (r.status) {
	case MUTEX_OWNER_DIED:
		if (repair() || mutex_mark_consistent(m)) {
			mutex_unlock(m);
			return E_FAILED;
		}
		__attribute__((fallthrough)); /* consistent again */
	case MUTEX_OK:
		mutex_unlock(m);
		return E_OK;
	case MUTEX_REFUSED:
	case MUTEX_NOT_RECOVERABLE:
		break;
	}
	return E_FAILED;
}

err_t use_guard(struct mutex *m)
{
	MUTEX_GUARD(g, m);
	if (!g.held)
		return E_FAILED;
	if (g.status == MUTEX_OWNER_DIED && (repair() || mutex_mark_consistent(g.held)))
		return E_FAILED;
	return E_OK;
}
