/* faulty: a test cell that faults in chosen ways, so the tests can check
 * that a CPU exception is reported in cell terms (and, later, recovered). */
#include "cell.h"
#include "task.h"

CELL_INFO("faulty", CELL_APP, 1);

static volatile int zero;

__attribute__((noinline)) int fault_null(void)
{
	return *(volatile int *)(uintptr_t)zero;
}

int fault_wild(void)
{
	return *(volatile int *)0x7ff0dead000ul;
}

int fault_illegal(void)
{
	__asm__ volatile("ud2");
	return 0;
}

int fault_divide(int x)
{
	return x / zero;
}

/* Unbounded recursion: the stack overflows into its guard page. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
int fault_overflow(int depth)
{
	volatile char frame[256];
	frame[0] = (char)depth;
	return fault_overflow(depth + 1) + frame[0];
}

/* Overwrites its own return address: the return jumps nowhere, and the
 * unwinder must fail safely (no FDE for the garbage pc), never hang. */
int fault_bad_return(void)
{
	volatile uintptr_t *ra = (volatile uintptr_t *)__builtin_frame_address(0) + 1;
	*ra = 0x7ff0badbad0ul;
	return 0;
}

/* W^X (docs/memory.md): a cell's text is not writable... */
int fault_write_text(void)
{
	*(volatile unsigned char *)(uintptr_t)&fault_write_text = 0xc3; /* ret */
	return 0;
}

/* ...and its data is not executable: "mov $42, %eax; ret" in .data. */
static unsigned char data_code[8] = { 0xb8, 42, 0, 0, 0, 0xc3 };

int fault_exec_data(void)
{
	int (*f)(void) = (int (*)(void))(uintptr_t)data_code;
	return f() + zero; /* a call, not a tail jump: the unwind starts at this caller */
}

/* A broken invariant detected by the cell itself: the task is unwound. */
int fault_panic(void)
{
	task_panic("faulty: invariant broken on purpose");
}

/* As a task (`spawn [--restartable] faulty`): dereferences null in
 * fault_null on every run, so a restartable one climbs the whole recovery
 * cascade: restart, data reinitialisation, reboot. */
int64_t faulty_main(const struct app_args *args)
{
	(void)args;
	return fault_null();
}
APP_ENTRY(faulty_main);

/* A call through a null pointer from a frame with a cleanup. The call
 * pushed only its return address, so the unwind starts at this caller and
 * runs the cleanup (faulty_call_cleanups counts it). */
static volatile int call_cleanups;
static void count_cleanup(int *unused)
{
	(void)unused;
	call_cleanups++;
}

int fault_call_null(void)
{
	int guard CLEANUP(count_cleanup) = 0;
	int (*volatile f)(void) = NULL;
	return f() + guard;
}

int faulty_call_cleanups(void) { return call_cleanups; }

/* A bad return whose stack holds, just above, the return address of an
 * indirect call: the unwind must not take it for a call through a bad
 * pointer (that call's target was save_ra, not the bad pc): it fails. */
static volatile uintptr_t saved_ra;
static __attribute__((noinline)) int save_ra(void)
{
	saved_ra = (uintptr_t)__builtin_return_address(0);
	return 0;
}
static int (*volatile indirect)(void) = save_ra;

int fault_bad_return_over_a_call(void)
{
	(void)indirect();
	volatile uintptr_t *ra = (volatile uintptr_t *)__builtin_frame_address(0) + 1;
	ra[0] = 0x7ff0badbad0ul;
	ra[1] = saved_ra;
	return 0;
}
