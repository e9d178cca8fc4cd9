// expect: wrong type argument to unary exclamation mark|used struct type value where scalar is required
/* The result of mutex_lock read as "taken or not": MUTEX_OWNER_DIED would
 * pass unnoticed (and, as an enum, MUTEX_OK is 0: the test inverts). */
#include "sync.h"

int misuse(struct mutex *m)
{
	if (!mutex_lock(m))
		return -1;
	mutex_unlock(m);
	return 0;
}
