/* chain_a: the top of the test chain a -> b -> c. Loading it loads b and c
 * first; it reaches b through a call and through a function-pointer table
 * in its data (an absolute 64-bit edge). */
#include "cell.h"

CELL_INFO("chain_a", CELL_APP, 1);

int chain_b_value(int x);
int chain_b_calls_seen(void);

static int (*const steps[])(int) = { chain_b_value };

int chain_a_main(int x)
{
	kprintf("chain_a: %d -> %d\n", x, 2 * steps[0](x));
	return 2 * chain_b_value(x);
}

int chain_a_calls(void)
{
	return chain_b_calls_seen();
}
