/* The whole HAL contract, for code that needs several concerns at once. */
#ifndef HAL_H
#define HAL_H
#include "hal_boot.h"
#include "hal_console.h"
#include "hal_context.h"
#include "hal_cpu.h"
#include "hal_dyncall.h"
#include "hal_fault.h"
#include "hal_irq.h"
#include "hal_memory.h"
#include "hal_time.h"
#endif
