/* chain_c: the bottom of the test chain a -> b -> c. Exports a function
 * and a data object, so its dependents get edges into text and data. */
#include "cell.h"

CELL_INFO("chain_c", CELL_APP, 1);

int chain_c_calls;

int chain_c_value(int x)
{
	chain_c_calls++;
	return 3 * x;
}
