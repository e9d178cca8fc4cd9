/* Machine-fault contract: every CPU exception the kernel did not expect is
 * delivered to one kernel handler with its kind, the faulting data address
 * (when the CPU reports one) and the full register state at the faulting
 * instruction. The handler runs on an emergency stack; it may rewrite regs
 * (e.g. to divert the task into the unwinder) and return true to resume with
 * them, or return false to let the HAL stop the machine. */
#ifndef HAL_FAULT_H
#define HAL_FAULT_H
#include "hal_types.h"

enum hal_fault_kind {
	HAL_FAULT_PAGE,       /* bad or forbidden memory access */
	HAL_FAULT_BUS,        /* access beyond backing memory */
	HAL_FAULT_ILLEGAL,    /* illegal / undefined instruction */
	HAL_FAULT_DIVIDE,     /* integer divide error */
	HAL_FAULT_PROTECTION, /* general protection */
	HAL_FAULT_BREAKPOINT,
	HAL_FAULT_OTHER,
};

struct hal_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct hal_fault {
	enum hal_fault_kind kind;
	uintptr_t addr;   /* faulting data address, or 0 */
	uint64_t code;    /* HAL-specific detail (signal code, error code) */
	bool irq_enabled; /* interrupts were enabled at the faulting instruction */
	struct hal_regs regs;
};

typedef bool (*hal_fault_fn)(struct hal_fault *fault);

void hal_fault_set_handler(hal_fault_fn handler);

#endif
