/* Reporting machine faults in cell terms. */
#ifndef KERNEL_FAULT_REPORT_H
#define KERNEL_FAULT_REPORT_H
#include <stddef.h>
#include <stdint.h>

/* Installs the kernel's fault handler with the HAL. */
void fault_report_init(void);
/* "cell:section+0xoff (symbol+0xoff)" for an address. */
int fault_describe_addr(uintptr_t addr, char *buf, size_t cap);

#endif
