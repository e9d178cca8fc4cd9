/* swap_user: uses swap_lib through each kind of site a swap rewrites: a
 * direct call (PLT32), a function pointer in writable data and a table of
 * them in read-only data (R_X86_64_64), a load through its GOT
 * (REX_GOTPCRELX: the GOT slot is what changes), and data read in place
 * (PC32). */
#include "cell.h"

CELL_INFO("swap_user", CELL_APP, 1);

int swap_lib_version(void);
int swap_lib_apply(int x);
extern int swap_lib_calls;
extern const char *swap_lib_greeting;

int (*swap_user_hook)(int) = swap_lib_apply;
static int (*const table[])(void) = { swap_lib_version, swap_lib_version };

int swap_user_direct(int x) { return swap_lib_apply(x); }
int swap_user_through_hook(int x) { return swap_user_hook(x); }
int swap_user_through_table(int i) { return table[i & 1](); }

int swap_user_through_got(void)
{
	int (*f)(void);
	__asm__("movq swap_lib_version@GOTPCREL(%%rip), %0" : "=r"(f));
	return f();
}

int swap_user_calls(void) { return swap_lib_calls; }
const char *swap_user_greeting(void) { return swap_lib_greeting; }
