// expect: ignoring return value of 'mutex_lock'.*warn_unused_result
/* Taking a mutex without looking whether its owner died (or whether it was
 * taken at all). */
#include "sync.h"

void misuse(struct mutex *m)
{
	mutex_lock(m);
	mutex_unlock(m);
}
