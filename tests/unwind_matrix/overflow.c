/* Unwinds that run short of stack or fault again (tests/unwind_matrix/
 * nested.sh builds it with gcc and clang as uo_<cc>_O<level>). Entered by
 * `call <cell>_run MODE` or `spawn <cell> MODE`:
 *   0: a recursion whose every frame has a cleanup overflows the stack;
 *      the cleanups of the frames at the guard page need room below them
 *      (the kernel maps headroom): all must run, innermost first;
 *   1: the same, but the innermost cleanup needs more stack than the
 *      headroom: a fault in a cleanup, which ends the task as failed;
 *   2: a NULL write; the cleanup of the frame above faults as well;
 *   3: a panic; the cleanup of the frame above panics as well.
 * In 1-3 the outer frame's cleanup cannot run (the unwind stops at the
 * nested fault); the machine goes on. */
#include "cell.h"
#include "klib.h"
#include "task.h"

#define UO_CAT2(a, b) a##b
#define UO_CAT(a, b) UO_CAT2(a, b)
#define UO_STR2(a) #a
#define UO_STR(a) UO_STR2(a)
#define UO_TAG UO_STR(UO_NAME)
#define UO_NOINLINE __attribute__((noinline))

enum { UO_OVERFLOW, UO_CLEANUP_OVERFLOWS, UO_CLEANUP_FAULTS, UO_CLEANUP_PANICS };

static int uo_mode;
static int uo_deepest;   /* the deepest level entered */
static int uo_first = -1; /* the level of the first cleanup that ran */
static int uo_prev;      /* the level of the previous cleanup */
static int uo_in_order, uo_ran;
static int *volatile uo_nowhere; /* NULL */
static volatile char uo_sink;

/* Needs more stack than the headroom (kernel/task/task.c: 16 KiB), touched from the top down (and probed in
 * that order by -fstack-clash-protection, tools/cell.flags), so running
 * short faults in the guard page. */
static UO_NOINLINE void uo_big(void)
{
	volatile char buf[6 * 4096];
	for (size_t i = sizeof buf; i-- > 0;)
		buf[i] = (char)i;
	uo_sink = buf[0];
}

static void uo_level_done(const int *level)
{
	if (uo_first < 0)
		uo_first = *level;
	else if (*level == uo_prev - 1)
		uo_in_order++;
	uo_prev = *level;
	uo_ran++;
	if (uo_ran == 1 && uo_mode == UO_CLEANUP_OVERFLOWS)
		uo_big();
	if (*level != 0)
		return;
	bool ok = uo_first > 100 && uo_deepest - uo_first <= 1 && uo_ran == uo_first + 1 && uo_in_order == uo_first;
	kprintf(UO_TAG ": overflow at level %d unwound: %s (%d cleanups from level %d, %d in order)\n", uo_deepest,
		ok ? "every cleanup ran in order" : "CLEANUPS MISSING", uo_ran, uo_first, uo_in_order + 1);
}

static UO_NOINLINE int uo_rec(int n)
{
	int level __attribute__((cleanup(uo_level_done))) = n;
	uo_deepest = n;
	return uo_rec(n + 1) + level;
}

static void uo_outer_done(const int *x)
{
	(void)x;
	kprintf(UO_TAG ": outer cleanup ran\n");
}

static void uo_inner_done(const int *x)
{
	(void)x;
	kprintf(UO_TAG ": inner cleanup starts\n");
	if (uo_mode == UO_CLEANUP_FAULTS)
		*uo_nowhere = 2;
	else
		task_panic(UO_TAG ": the cleanup panics too");
}

/* The first failure, in a frame of its own (called through a pointer, so
 * no compiler can prove it cannot unwind). */
static void uo_fail(void)
{
	if (uo_mode == UO_CLEANUP_FAULTS)
		*uo_nowhere = 1;
	else
		task_panic(UO_TAG ": first panic");
}
static void (*volatile uo_failer)(void) = uo_fail;

static UO_NOINLINE int uo_inner(void)
{
	int x __attribute__((cleanup(uo_inner_done))) = 1;
	uo_failer();
	return x;
}

int64_t UO_CAT(UO_NAME, _run)(int64_t mode);
int64_t UO_CAT(UO_NAME, _run)(int64_t mode)
{
	int x __attribute__((cleanup(uo_outer_done))) = 1;
	uo_mode = (int)mode;
	uo_first = -1;
	uo_ran = uo_in_order = uo_deepest = 0;
	if (mode <= UO_CLEANUP_OVERFLOWS)
		return uo_rec(0) + x;
	return uo_inner() + x;
}

static int64_t uo_main(const struct app_args *a) { return UO_CAT(UO_NAME, _run)(a->argv[0]); }
APP_ENTRY(uo_main);
