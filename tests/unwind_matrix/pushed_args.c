/* A fault while a call's stack arguments are being pushed (tests/
 * unwind_matrix/pushed_args.sh builds it with gcc and clang as
 * pa_<cc>_O<level>): the 10th of 12 arguments reads through NULL, after
 * clang (-O1 and up) has pushed two of the six stack arguments and already
 * declared all six (DW_CFA_GNU_args_size). The landing pad must get the sp
 * its frame has at the pad: the inner cleanup then sees its canary, and
 * the unwind goes on to the outer frame's cleanup. */
#include "cell.h"
#include "klib.h"

#define PA_CAT2(a, b) a##b
#define PA_CAT(a, b) PA_CAT2(a, b)
#define PA_STR2(a) #a
#define PA_STR(a) PA_STR2(a)
#define PA_TAG PA_STR(PA_NAME)

static volatile long pa_v[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static long *volatile pa_bad; /* NULL */

long PA_CAT(PA_NAME, _f12)(long, long, long, long, long, long, long, long, long, long, long, long);
long PA_CAT(PA_NAME, _f12)(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j, long k,
			   long l)
{
	return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i ^ j ^ k ^ l;
}
static long (*volatile pa_fp)(long, long, long, long, long, long, long, long, long, long, long,
			      long) = PA_CAT(PA_NAME, _f12);

static void pa_done(const long *c)
{
	kprintf(PA_TAG ": inner cleanup, canary %s\n", *c == 0x1122334455667788l ? "ok" : "BROKEN");
}
static void pa_outer_done(const int *x) { kprintf(PA_TAG ": outer cleanup, %s\n", *x == 0x5a5a ? "ok" : "BROKEN"); }

static __attribute__((noinline)) long pa_mid(void)
{
	long canary __attribute__((cleanup(pa_done))) = 0x1122334455667788l;
	return pa_fp(pa_v[0], pa_v[1], pa_v[2], pa_v[3], pa_v[4], pa_v[5], pa_v[6], pa_v[7], pa_v[8], *pa_bad,
		     pa_v[10], pa_v[11]) + (canary & 1);
}

long PA_CAT(PA_NAME, _run)(void);
long PA_CAT(PA_NAME, _run)(void)
{
	int o __attribute__((cleanup(pa_outer_done))) = 0x5a5a;
	return pa_mid() + o;
}
