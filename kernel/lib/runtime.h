/* Private to kernel/lib (and its tests): the freestanding runtime that gcc
 * and clang emit calls to on their own, beside mem* and str* (klib.h).
 * runtime.c says which compiler emits what. Cells never call these by
 * name; the loader resolves the compilers' calls to them. They are rt_*
 * here and exported under the ABI names (abort, __divti3, ...), so the
 * hosted simulator's own libc and libgcc never bind to them. */
#ifndef KERNEL_LIB_RUNTIME_H
#define KERNEL_LIB_RUNTIME_H
#include "compiler.h"

typedef __int128 rt_i128;
typedef unsigned __int128 rt_u128;

/* Fails the calling task like a panic (its cleanups run), or stops the
 * machine where panic would. */
NORETURN void rt_abort(void);

/* 128-bit division, libgcc's names and semantics: the quotient rounds
 * toward zero, the remainder takes the dividend's sign, the minimum
 * divided by -1 wraps. A zero divisor panics. rem may be NULL. */
rt_i128 rt_divti3(rt_i128 a, rt_i128 b);
rt_i128 rt_modti3(rt_i128 a, rt_i128 b);
rt_i128 rt_divmodti4(rt_i128 a, rt_i128 b, rt_i128 *rem);
rt_u128 rt_udivti3(rt_u128 a, rt_u128 b);
rt_u128 rt_umodti3(rt_u128 a, rt_u128 b);
rt_u128 rt_udivmodti4(rt_u128 a, rt_u128 b, rt_u128 *rem);

/* Set bits of x (gcc's call for __builtin_popcount* without -mpopcnt). */
int rt_popcountdi2(unsigned long x);

/* Redundant sign bits: how many bits after the sign bit equal it (gcc's
 * call for __builtin_clrsb* at -Os). */
int rt_clrsbdi2(long x);

/* 128-bit shifts by b in 0..127 (clang's calls at -Oz); libgcc's and
 * compiler-rt's names and semantics. b is taken modulo 128. */
rt_u128 rt_ashlti3(rt_u128 a, int b);
rt_u128 rt_lshrti3(rt_u128 a, int b);
rt_i128 rt_ashrti3(rt_i128 a, int b); /* arithmetic: copies the sign */

/* a * b wrapped to 128 bits; *overflow = 1 if the exact product does not
 * fit in __int128, else 0 (compiler-rt's __muloti4). */
rt_i128 rt_muloti4(rt_i128 a, rt_i128 b, int *overflow);

#endif
