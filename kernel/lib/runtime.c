/* The runtime compilers assume: calls gcc 12 and clang 14 emit by
 * themselves for cells built with tools/cell.flags, which no cell source
 * names. Probed with both compilers at -O0..-O3, -Os, -Og, -Oz and -Ofast
 * over the integer builtins (clrsb, parity, popcount, clz, ctz, ffs, bswap
 * on every width, *_overflow on every mix of int, long and __int128),
 * 128-bit shifts, multiplies and divisions, and loops the compilers turn
 * into calls (docs/cells.md lists the result; tests/runtime/run.sh builds
 * a cell that makes these calls with both compilers at every level):
 *   - abort: clang calls it in the landing pads of cleanups, where a
 *     cleanup's own call might unwind ("terminate");
 *   - __divti3 __modti3 __udivti3 __umodti3 (both), __divmodti4 and
 *     __udivmodti4 (gcc from -O2): division of __int128;
 *   - __popcountdi2: gcc's __builtin_popcount* without a popcnt instruction;
 *   - __clrsbdi2: gcc's __builtin_clrsb* at -Os;
 *   - __ashlti3 __ashrti3 __lshrti3: clang's 128-bit shifts at -Oz;
 *   - __muloti4: the 128-bit multiply with overflow check, which clang 14
 *     expands inline here but other LLVM versions and targets call;
 *   - memcpy memset memmove memcmp strlen: in string.c.
 * Beside string.c; exported for every cell (exports.c). This code must not
 * itself make the calls it implements: it divides with divq only, shifts
 * and multiplies 64-bit halves. */
#include "export.h"
#include "klib.h"
#include "panic.h"
#include "runtime.h"

void rt_abort(void)
{
	panic("abort() called from %p", __builtin_return_address(0));
}

static uint64_t hi64(rt_u128 x) { return (uint64_t)(x >> 64); }

/* (hi:lo) / d with hi < d, so that the quotient fits in 64 bits. */
static uint64_t divq(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
	uint64_t q, r;
	__asm__("divq %[d]" : "=a"(q), "=d"(r) : [d] "rm"(d), "a"(lo), "d"(hi));
	*rem = r;
	return q;
}

/* Hacker's Delight, 9-5 ("udivdi3"), one word size up. */
rt_u128 rt_udivmodti4(rt_u128 a, rt_u128 b, rt_u128 *rem)
{
	rt_u128 q;
	uint64_t r64;
	if (!b)
		panic("128-bit division by zero (called from %p)", __builtin_return_address(0));
	if (!hi64(b)) {
		uint64_t d = (uint64_t)b, qhi = 0, top = hi64(a);
		if (top >= d) { /* two digits: the high one first */
			qhi = top / d;
			top %= d;
		}
		q = (rt_u128)qhi << 64 | divq(top, (uint64_t)a, d, &r64);
		if (rem)
			*rem = r64;
		return q;
	}
	/* A divisor of 65 bits or more: the quotient fits in 64 bits. Divide
	 * a/2 by b's top 64 bits (normalised), undo both, and correct by one. */
	unsigned s = (unsigned)__builtin_clzll(hi64(b));
	uint64_t b_top = hi64(b << s);
	rt_u128 half = a >> 1;
	uint64_t q1 = divq(hi64(half), (uint64_t)half, b_top, &r64);
	uint64_t q0 = (uint64_t)(((rt_u128)q1 << s) >> 63);
	if (q0)
		q0--;
	if (a - (rt_u128)q0 * b >= b)
		q0++;
	if (rem)
		*rem = a - (rt_u128)q0 * b;
	return q0;
}

rt_u128 rt_udivti3(rt_u128 a, rt_u128 b) { return rt_udivmodti4(a, b, NULL); }

rt_u128 rt_umodti3(rt_u128 a, rt_u128 b)
{
	rt_u128 r;
	(void)rt_udivmodti4(a, b, &r);
	return r;
}

/* Magnitudes in unsigned arithmetic, so the minimum value negates safely. */
static rt_u128 magnitude(rt_i128 x) { return x < 0 ? -(rt_u128)x : (rt_u128)x; }

rt_i128 rt_divmodti4(rt_i128 a, rt_i128 b, rt_i128 *rem)
{
	rt_u128 r, q = rt_udivmodti4(magnitude(a), magnitude(b), &r);
	if (rem)
		*rem = (rt_i128)(a < 0 ? -r : r);
	return (rt_i128)((a < 0) != (b < 0) ? -q : q);
}

rt_i128 rt_divti3(rt_i128 a, rt_i128 b) { return rt_divmodti4(a, b, NULL); }

rt_i128 rt_modti3(rt_i128 a, rt_i128 b)
{
	rt_i128 r;
	(void)rt_divmodti4(a, b, &r);
	return r;
}

int rt_popcountdi2(unsigned long x)
{
	x = x - ((x >> 1) & 0x5555555555555555ul);
	x = (x & 0x3333333333333333ul) + ((x >> 2) & 0x3333333333333333ul);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0ful;
	return (int)((x * 0x0101010101010101ul) >> 56);
}

/* Bits after the sign bit that equal it: clz of x with the sign folded
 * away, less the sign bit itself (63 for 0 and -1). */
int rt_clrsbdi2(long x)
{
	uint64_t folded = (uint64_t)x ^ (uint64_t)(x >> 63); /* leading zeros instead of sign copies */
	return folded ? __builtin_clzll(folded) - 1 : 63;
}

/* Shifts of a 128-bit value by 0..127, in 64-bit halves. */
static rt_u128 join(uint64_t hi, uint64_t lo) { return (rt_u128)hi << 64 | lo; }

rt_u128 rt_ashlti3(rt_u128 a, int b)
{
	uint64_t hi = hi64(a), lo = (uint64_t)a;
	unsigned s = (unsigned)b & 127;
	if (s >= 64)
		return join(lo << (s - 64), 0);
	return s ? join(hi << s | lo >> (64 - s), lo << s) : a;
}

rt_u128 rt_lshrti3(rt_u128 a, int b)
{
	uint64_t hi = hi64(a), lo = (uint64_t)a;
	unsigned s = (unsigned)b & 127;
	if (s >= 64)
		return join(0, hi >> (s - 64));
	return s ? join(hi >> s, lo >> s | hi << (64 - s)) : a;
}

rt_i128 rt_ashrti3(rt_i128 a, int b)
{
	int64_t hi = (int64_t)hi64((rt_u128)a);
	uint64_t lo = (uint64_t)a;
	unsigned s = (unsigned)b & 127;
	if (s >= 64)
		return (rt_i128)join((uint64_t)(hi >> 63), (uint64_t)(hi >> (s - 64)));
	return s ? (rt_i128)join((uint64_t)(hi >> s), lo >> s | (uint64_t)hi << (64 - s)) : a;
}

/* The 256-bit product of two 128-bit magnitudes, from four 64x64->128
 * multiplies; high receives its top 128 bits. */
static rt_u128 mul_256(rt_u128 a, rt_u128 b, rt_u128 *high)
{
	uint64_t a0 = (uint64_t)a, a1 = hi64(a), b0 = (uint64_t)b, b1 = hi64(b);
	rt_u128 p00 = (rt_u128)a0 * b0, p01 = (rt_u128)a0 * b1, p10 = (rt_u128)a1 * b0, p11 = (rt_u128)a1 * b1;
	rt_u128 mid = (rt_u128)hi64(p00) + (uint64_t)p01 + (uint64_t)p10; /* < 3 * 2^64: no overflow */
	*high = p11 + hi64(p01) + hi64(p10) + hi64(mid);
	return join((uint64_t)mid, (uint64_t)p00);
}

/* compiler-rt's: a * b wrapped to 128 bits; *overflow is 1 if the true
 * product does not fit in __int128, else 0. */
rt_i128 rt_muloti4(rt_i128 a, rt_i128 b, int *overflow)
{
	rt_u128 high, low = mul_256(magnitude(a), magnitude(b), &high);
	bool negative = (a < 0) != (b < 0);
	rt_u128 limit = ((rt_u128)1 << 127) - (negative ? 0 : 1); /* the largest magnitude that fits */
	*overflow = high || low > limit;
	return (rt_i128)(negative ? -low : low);
}

EXPORT_AS(rt_abort, "abort", EXPORT_CLASS_APP);
EXPORT_AS(rt_divti3, "__divti3", EXPORT_CLASS_APP);
EXPORT_AS(rt_modti3, "__modti3", EXPORT_CLASS_APP);
EXPORT_AS(rt_divmodti4, "__divmodti4", EXPORT_CLASS_APP);
EXPORT_AS(rt_udivti3, "__udivti3", EXPORT_CLASS_APP);
EXPORT_AS(rt_umodti3, "__umodti3", EXPORT_CLASS_APP);
EXPORT_AS(rt_udivmodti4, "__udivmodti4", EXPORT_CLASS_APP);
EXPORT_AS(rt_popcountdi2, "__popcountdi2", EXPORT_CLASS_APP);
EXPORT_AS(rt_clrsbdi2, "__clrsbdi2", EXPORT_CLASS_APP);
EXPORT_AS(rt_ashlti3, "__ashlti3", EXPORT_CLASS_APP);
EXPORT_AS(rt_lshrti3, "__lshrti3", EXPORT_CLASS_APP);
EXPORT_AS(rt_ashrti3, "__ashrti3", EXPORT_CLASS_APP);
EXPORT_AS(rt_muloti4, "__muloti4", EXPORT_CLASS_APP);
