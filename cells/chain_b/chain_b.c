/* chain_b: the middle of the test chain a -> b -> c. Calls into chain_c
 * and reads chain_c's data directly (a PC-relative data edge). */
#include "cell.h"

CELL_INFO("chain_b", CELL_APP, 1);

extern int chain_c_calls;
int chain_c_value(int x);

int chain_b_value(int x)
{
	return chain_c_value(x) + 1;
}

int chain_b_calls_seen(void)
{
	return chain_c_calls;
}
