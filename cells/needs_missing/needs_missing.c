/* needs_missing: depends on chain_c (which loads first) and on a symbol
 * nobody exports. The load must fail and leave chain_c unloaded too. */
#include "cell.h"

CELL_INFO("needs_missing", CELL_APP, 1);

int chain_c_value(int x);
int no_such_function(int x);

int needs_missing_main(int x)
{
	return chain_c_value(x) + no_such_function(x);
}
