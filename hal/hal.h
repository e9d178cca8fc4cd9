/* The whole HAL contract, for code that needs several concerns at once. */
#ifndef HAL_H
#define HAL_H
#include "boot.h"
#include "console.h"
#include "context.h"
#include "cpu.h"
#include "dyncall.h"
#include "fault.h"
#include "irq.h"
#include "memory.h"
#include "time.h"
#endif
