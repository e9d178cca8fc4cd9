/* Hosted machine faults: SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP arrive
 * on an alternate stack, become a struct hal_fault with the full register
 * state, and go to the kernel's handler, which may rewrite the registers to
 * resume elsewhere. Without a handler (or if it declines) the process
 * reports the fault and exits with status 3. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "hal_fault.h"
#include "hal_irq.h"
#include "hosted.h"

#define FAULT_EXIT_STATUS 3

static hal_fault_fn fault_handler;
static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };


static enum hal_fault_kind kind_of(int sig)
{
	switch (sig) {
	case SIGSEGV: return HAL_FAULT_PAGE;
	case SIGBUS: return HAL_FAULT_BUS;
	case SIGILL: return HAL_FAULT_ILLEGAL;
	case SIGFPE: return HAL_FAULT_DIVIDE;
	case SIGTRAP: return HAL_FAULT_BREAKPOINT;
	}
	return HAL_FAULT_OTHER;
}

static void on_fault(int sig, siginfo_t *si, void *uc_v)
{
	ucontext_t *uc = uc_v;
	/* the per-thread interrupt flag is the interrupted code's: a signal does not change it */
	struct hal_fault f = { .kind = kind_of(sig), .addr = (uintptr_t)si->si_addr, .code = (uint64_t)si->si_code,
			       .irq_enabled = hal_irq_enabled() };
	hosted_regs_from(uc, &f.regs);
	if (fault_handler && fault_handler(&f)) {
		hosted_regs_to(&f.regs, uc);
		return;
	}
	char msg[160];
	int n = snprintf(msg, sizeof msg, "theseus: unhandled machine fault (signal %d) at rip %#lx, address %#lx\n",
			 sig, (unsigned long)f.regs.rip, (unsigned long)f.addr);
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n);
	hosted_console_restore();
	_exit(FAULT_EXIT_STATUS);
}

void hosted_fault_init(void)
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++)
		sigaction(fault_signals[i], &sa, NULL);
}

void hal_fault_set_handler(hal_fault_fn handler) { fault_handler = handler; }

static const int greg_of[] = {
	REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_RSP,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	REG_RIP, REG_EFL,
};
_Static_assert(sizeof(greg_of) / sizeof(greg_of[0]) == sizeof(struct hal_regs) / 8,
	       "struct hal_regs is the greg list in order");

void hosted_regs_from(const void *ucontext, struct hal_regs *out)
{
	const ucontext_t *uc = ucontext;
	uint64_t *r = (uint64_t *)out;
	for (size_t i = 0; i < sizeof greg_of / sizeof greg_of[0]; i++)
		r[i] = (uint64_t)uc->uc_mcontext.gregs[greg_of[i]];
}

void hosted_regs_to(const struct hal_regs *in, void *ucontext)
{
	ucontext_t *uc = ucontext;
	const uint64_t *r = (const uint64_t *)in;
	for (size_t i = 0; i < sizeof greg_of / sizeof greg_of[0]; i++)
		uc->uc_mcontext.gregs[greg_of[i]] = (greg_t)r[i];
}
