/* Hosted interrupts: the timer is SIGALRM. "Disabling interrupts" sets a
 * per-thread flag instead of calling sigprocmask (a syscall per lock would
 * dominate short critical sections); a tick that arrives while the flag is
 * set is remembered and delivered when the flag is cleared. */
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "hal/irq.h"

static __thread volatile sig_atomic_t irq_off;
static __thread volatile sig_atomic_t tick_pending;
static hal_tick_fn tick_fn;
static unsigned tick_hz;

static void run_tick(void)
{
	irq_off = 1;
	tick_pending = 0;
	if (tick_fn)
		tick_fn();
	irq_off = 0;
}

static void on_alarm(int sig)
{
	(void)sig;
	if (irq_off)
		tick_pending = 1;
	else
		run_tick();
}

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
		run_tick();
}

void hal_irq_enable(void) { hal_irq_restore(1); }
bool hal_irq_enabled(void) { return !irq_off; }

bool hal_timer_start(unsigned hz, hal_tick_fn on_tick)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = hz ? on_alarm : SIG_IGN;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return false;
	tick_fn = on_tick;
	tick_hz = hz;
	long us = hz ? 1000000L / hz : 0;
	struct itimerval it = { { 0, us }, { 0, us } };
	return setitimer(ITIMER_REAL, &it, NULL) == 0;
}

unsigned hal_timer_hz(void) { return tick_hz; }
