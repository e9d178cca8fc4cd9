/* A cell that lives outside cells/: tests/mkcell/run.sh builds it with
 * tools/mkcell, once by gcc and once by clang, and runs it hosted and in
 * QEMU. OOT_ENTRY and OOT_CC come from -D, so both builds can be loaded
 * side by side. The cleanup proves the compiler's unwind tables load. */
#include "klib.h"

static void oot_done(const int *calls) { kprintf("oot cleanup after %d call(s)\n", *calls); }

long OOT_ENTRY(long x)
{
	int calls __attribute__((cleanup(oot_done))) = 1;
	kprintf("out-of-tree cell built by %s\n", OOT_CC);
	return x * 3 * calls;
}
