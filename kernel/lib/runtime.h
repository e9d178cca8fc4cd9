/* Private to kernel/lib (and its tests): the freestanding runtime that gcc
 * and clang emit calls to on their own, beside mem* and str* (klib.h).
 * runtime.c says which compiler emits what. Cells never call these by
 * name; the loader resolves the compilers' calls to them. */
#ifndef KERNEL_LIB_RUNTIME_H
#define KERNEL_LIB_RUNTIME_H
#include "compiler.h"

typedef __int128 rt_i128;
typedef unsigned __int128 rt_u128;

/* Fails the calling task like a panic (its cleanups run), or stops the
 * machine where panic would. */
NORETURN void abort(void);

/* 128-bit division, libgcc's names and semantics: the quotient rounds
 * toward zero, the remainder takes the dividend's sign, the minimum
 * divided by -1 wraps. A zero divisor panics. rem may be NULL. */
rt_i128 __divti3(rt_i128 a, rt_i128 b);
rt_i128 __modti3(rt_i128 a, rt_i128 b);
rt_i128 __divmodti4(rt_i128 a, rt_i128 b, rt_i128 *rem);
rt_u128 __udivti3(rt_u128 a, rt_u128 b);
rt_u128 __umodti3(rt_u128 a, rt_u128 b);
rt_u128 __udivmodti4(rt_u128 a, rt_u128 b, rt_u128 *rem);

/* Set bits of x (gcc's call for __builtin_popcount* without -mpopcnt). */
int __popcountdi2(unsigned long x);

#endif
