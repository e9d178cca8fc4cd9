/* Hosted interrupts: each virtual CPU (a host thread) has its own timer
 * delivering SIGALRM to that thread; SIGUSR1 is the wake-up "IPI".
 * "Disabling interrupts" sets a per-thread flag instead of calling
 * sigprocmask (a syscall per lock would dominate short critical sections);
 * a tick that arrives while the flag is set is remembered and delivered
 * when the flag is cleared. The tick callback may switch tasks from inside
 * the signal handler, so SIGALRM is unblocked before it runs: the next tick
 * must reach whichever task this CPU runs next. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

#include "hal_irq.h"
#include "hosted.h"

static __thread volatile sig_atomic_t irq_off;
static __thread volatile sig_atomic_t tick_pending;
static __thread timer_t cpu_timer;
static __thread bool cpu_timer_made;
static hal_tick_fn tick_fn;
static __thread bool changed; /* the tick rewrote the interrupted registers */
static unsigned tick_hz;
#define DIVERTED_STACK_SLACK 256

static void run_tick(struct hal_regs *interrupted)
{
	irq_off = 1;
	tick_pending = 0;
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	if (tick_fn && tick_fn(interrupted))
		changed = true;
	irq_off = 0;
}

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	if (irq_off) {
		tick_pending = 1;
		return;
	}
	struct hal_regs regs;
	hosted_regs_from(uc, &regs);
	changed = false;
	run_tick(&regs);
	if (changed) {
		hosted_regs_to(&regs, uc);
		/* The task resumes on a new stack pointer below the one it was
		 * interrupted at (a kill's diversion into the unwinder), over
		 * this very signal frame; memcheck does not follow that move and
		 * would take its first pushes for writes to a dead frame. */
		VALGRIND_MAKE_MEM_UNDEFINED((char *)regs.rsp - DIVERTED_STACK_SLACK, DIVERTED_STACK_SLACK);
	}
}

static void on_wake(int sig) { (void)sig; /* only ends a halt early */ }

void hosted_signals_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sa.sa_sigaction = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_wake;
	/* A tick must not land inside the wake-up handler: it could divert the
	 * task into the unwinder from there, whose frames lead into libc's
	 * signal return, which no unwind information describes. */
	sigaddset(&sa.sa_mask, SIGALRM);
	sigaction(SIGUSR1, &sa, NULL);
}

void hosted_signals_init_thread(void) { irq_off = 0; }

hal_irq_state_t hal_irq_save(void)
{
	hal_irq_state_t was_on = !irq_off;
	irq_off = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return was_on;
}

void hal_irq_restore(hal_irq_state_t state)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (!state)
		return;
	irq_off = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (tick_pending)
		run_tick(NULL);
}

void hal_irq_enable(void) { hal_irq_restore(1); }
bool hal_irq_enabled(void) { return !irq_off; }

/* Starts or stops the calling CPU's own tick. */
bool hal_timer_start(unsigned hz, hal_tick_fn on_tick)
{
	if (!cpu_timer_made) {
		struct sigevent ev;
		memset(&ev, 0, sizeof ev);
		ev.sigev_notify = SIGEV_THREAD_ID;
		ev.sigev_signo = SIGALRM;
		ev._sigev_un._tid = gettid();
		if (timer_create(CLOCK_MONOTONIC, &ev, &cpu_timer) != 0)
			return false;
		cpu_timer_made = true;
	}
	tick_fn = on_tick;
	tick_hz = hz;
	long ns = hz ? 1000000000L / hz : 0;
	struct itimerspec it = { { 0, ns }, { 0, ns } };
	return timer_settime(cpu_timer, 0, &it, NULL) == 0;
}

unsigned hal_timer_hz(void) { return tick_hz; }
