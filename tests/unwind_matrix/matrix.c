/* The unwinding matrix's cell (tests/unwind_matrix/run.sh builds it with
 * gcc and clang at -O0, -O2 and -Os as um_<cc>_O<level>). One chain of
 * frames with cleanups, entered by `call <cell>_run MODE` or `spawn <cell>
 * MODE`:
 *   entry -> um_stacked -> um_many (9 arguments: 3 pushed on the stack)
 *         -> um_rec x UM_DEPTH (+ a cleanup frame every UM_MARK levels) -> um_leaf
 * and in um_leaf a machine fault, a panic, or a sleep or spin that waits
 * for a kill. Every frame's cleanup checks what it can see (its local, the
 * recursion's order) and notes one line; `call <cell>_log` prints the notes
 * once the task has ended (so no other output interleaves with them), and
 * the test compares the exact sequence. */
#include "cell.h"
#include "klib.h"
#include "task.h"

#define UM_CAT2(a, b) a##b
#define UM_CAT(a, b) UM_CAT2(a, b)
#define UM_STR2(a) #a
#define UM_STR(a) UM_STR2(a)
#define UM_TAG UM_STR(UM_NAME)
#define UM_NOINLINE __attribute__((noinline))

enum um_mode { UM_FAULT, UM_PANIC, UM_SLEEP, UM_SPIN };

#define UM_DEPTH 1100 /* levels of um_rec: more than 1024 frames */
#define UM_MARK 10
#define UM_CANARY 0x5eed5eedcafe0000l

static int um_next_level; /* the recursion level whose cleanup should run next */
static int um_in_order;   /* recursion cleanups that ran when expected */
static int um_deepest;    /* the deepest level reached */
static volatile int um_returns;
static volatile int um_ready;
static volatile unsigned long um_spins;
static volatile long um_args[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }; /* not constants the compiler could fold */
static int *volatile um_nowhere; /* NULL: writing through it faults */

static int um_mode; /* enum um_mode: a global, so that -O0 recursion frames stay small */
static char um_notes[1024];
static size_t um_notes_len;

static void um_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void um_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(um_notes + um_notes_len, sizeof um_notes - um_notes_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		um_notes_len = MIN(um_notes_len + (size_t)n, sizeof um_notes - 1);
}

/* The fault, and the spin a kill interrupts, lie in frames without
 * cleanups: an interruption at an instruction that is not a call finds the
 * cleanups of its own frame only where the compiler covered it (gcc with
 * -fnon-call-exceptions covers instructions that may trap; clang covers
 * calls only; docs/faults.md). Both are called through pointers, so that
 * no compiler can prove the calls cannot unwind and drop their pads. */
static void um_poke(void) { *um_nowhere = 1; }
static void um_spin(void)
{
	for (;;)
		um_spins++;
}
static void (*volatile um_poke_fn)(void) = um_poke;
static void (*volatile um_spin_fn)(void) = um_spin;

static void um_leaf_done(const int *mode) { um_note("cleanup leaf (mode %d)\n", *mode); }

static UM_NOINLINE int um_leaf(void)
{
	int m CLEANUP(um_leaf_done) = um_mode;
	um_ready = 1;
	switch (m) {
	case UM_FAULT:
		um_poke_fn();
		break;
	case UM_PANIC:
		task_panic("unwind matrix panic");
	case UM_SLEEP:
		for (;;)
			(void)task_sleep_ns(1000000);
	default:
		um_spin_fn();
	}
	return m;
}

/* Every UM_MARK-th level has a cleanup, the others none: at -O0 a frame
 * with a cleanup takes up to 80 bytes, and 1100 of them would not fit in a
 * task stack. The plain levels (32 bytes at -O0, no locals) still make frames to unwind. */
static void um_rec_done(const int *level)
{
	um_in_order += *level == um_next_level;
	um_next_level -= UM_MARK;
}

static UM_NOINLINE int um_rec(int level);

static UM_NOINLINE int um_rec_marked(int level)
{
	int lv CLEANUP(um_rec_done) = level;
	return um_rec(level + 1) + (lv & 1);
}

/* Counts a return: called after the recursive call, so that it is no tail
 * call and the recursion no loop. */
static UM_NOINLINE int um_returned(int r)
{
	um_returns++;
	return r;
}

static UM_NOINLINE int um_rec(int level)
{
	if (level > um_deepest)
		um_deepest = level;
	if (level == UM_DEPTH)
		return um_returned(um_leaf());
	return um_returned(level % UM_MARK ? um_rec(level + 1) : um_rec_marked(level));
}

struct um_many_view {
	long stack_sum; /* the pushed arguments, as um_many received them */
};

static void um_many_done(const struct um_many_view *v)
{
	um_note("cleanup recursion: %d levels deep, %d of %d cleanups in order, stack arguments %ld\n", um_deepest,
		um_in_order, (UM_DEPTH - 1) / UM_MARK, v->stack_sum);
}

/* Nine arguments: the last three go on the stack, pushed by the caller. */
static UM_NOINLINE int um_many(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8,
			       long a9)
{
	struct um_many_view v CLEANUP(um_many_done) = { a7 + a8 + a9 };
	um_next_level = (UM_DEPTH - 1) / UM_MARK * UM_MARK;
	um_in_order = 0;
	um_deepest = 0;
	return um_rec(1) + (int)(a1 + a2 + a3 + a4 + a5 + a6 + v.stack_sum);
}

static void um_stacked_done(const long *canary)
{
	um_note("cleanup stack-argument caller: canary %s\n", *canary == UM_CANARY ? "intact" : "BROKEN");
}

static UM_NOINLINE int um_stacked(void)
{
	long canary CLEANUP(um_stacked_done) = UM_CANARY;
	return um_many(um_args[0], um_args[1], um_args[2], um_args[3], um_args[4], um_args[5], um_args[6],
		       um_args[7], um_args[8]) +
	       (int)(canary & 1);
}

static void um_entry_done(const int *mode) { um_note("cleanup entry (mode %d)\n", *mode); }

/* call <cell>_run MODE */
int UM_CAT(UM_NAME, _run)(int mode);
int UM_CAT(UM_NAME, _run)(int mode)
{
	int m CLEANUP(um_entry_done) = mode;
	um_ready = 0;
	um_mode = m;
	return um_stacked();
}

/* spawn <cell> MODE */
static int64_t um_main(const struct app_args *args) { return UM_CAT(UM_NAME, _run)((int)args->argv[0]); }
APP_ENTRY(um_main);

/* call <cell>_ready: returns once the spawned chain has reached its leaf
 * (so a kill finds every frame in place), or -1 after about 10 s. */
int UM_CAT(UM_NAME, _ready)(void);
int UM_CAT(UM_NAME, _ready)(void)
{
	for (int i = 0; i < 10000 && !um_ready; i++)
		(void)task_sleep_ns(1000000);
	return um_ready ? 0 : -1;
}

/* call <cell>_log: prints the notes taken since the last time, one line
 * each, and returns how many. */
int UM_CAT(UM_NAME, _log)(void);
int UM_CAT(UM_NAME, _log)(void)
{
	int lines = 0;
	for (char *p = um_notes, *nl; (nl = strchr(p, '\n')); p = nl + 1, lines++)
		kprintf("%s: %.*s\n", UM_TAG, (int)(nl - p), p);
	um_notes_len = 0;
	um_notes[0] = '\0';
	return lines;
}
