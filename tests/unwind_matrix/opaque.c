/* The rule of docs/faults.md for cell authors, checked (tests/unwind_matrix/
 * opaque.sh builds it with gcc and clang as op_<cc>_O<level>): a callee
 * whose body the compiler sees may be believed unable to unwind (clang: a
 * leaf; gcc: code touching only globals and the stack), which drops its
 * callers' landing pads. Called through a volatile function pointer, it
 * cannot be: the caller's cleanup runs on a NULL dereference in a leaf and
 * on a stack overflow in a recursion that touches only a global. */
#include "cell.h"
#include "klib.h"

#define OP_CAT2(a, b) a##b
#define OP_CAT(a, b) OP_CAT2(a, b)
#define OP_STR2(a) #a
#define OP_STR(a) OP_STR2(a)
#define OP_TAG OP_STR(OP_NAME)

static int *volatile op_nowhere; /* NULL */
static volatile int op_sink;

static void op_done(const int *mode) { kprintf(OP_TAG ": caller's cleanup runs (mode %d)\n", *mode); }

static __attribute__((noinline)) int op_leaf(int n) { return *op_nowhere + n; }
static __attribute__((noinline)) int op_rec(int n)
{
	op_sink = n;
	return n > 1000000000 ? 0 : op_rec(n + 1) + op_sink;
}
static int (*volatile op_calls[2])(int) = { op_leaf, op_rec };

int64_t OP_CAT(OP_NAME, _run)(int64_t mode);
int64_t OP_CAT(OP_NAME, _run)(int64_t mode)
{
	int m __attribute__((cleanup(op_done))) = (int)mode;
	return op_calls[mode & 1](0) + m;
}
