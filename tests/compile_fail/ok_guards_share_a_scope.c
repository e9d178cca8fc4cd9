/* Control: guards of every kind may share one scope, even two on one line
 * (each declares a variable of its own name). */
#include "cell.h"
#include "sync.h"

static struct spinlock a, b;
static struct preempt_lock p, q;
static struct grace g;

void use(void)
{
	SPIN_GUARD(&a); SPIN_GUARD(&b);
	PREEMPT_GUARD(&p);
	PREEMPT_GUARD(&q);
	GRACE_READ_GUARD(&g);
	CELLS_READ_GUARD();
	CELLS_READ_GUARD();
}
