/* A cell that makes gcc and clang call their runtime helpers: the integer
 * builtins on every width, the overflow builtins on int, long and __int128,
 * 128-bit shifts, multiplies and divisions. tests/runtime/run.sh builds it
 * with both compilers at every -O level, loads every build into one
 * simulator (so each helper the compilers call must resolve against the
 * nano_core) and runs RT_ENTRY, which checks each result against a plain
 * loop. RT_NAME, RT_ENTRY and RT_TAG come from -D. */
#include "cell.h"
#include "klib.h"

CELL_INFO(RT_NAME, CELL_APP, 1);

typedef __int128 i128;
typedef unsigned __int128 u128;
#define NOINLINE __attribute__((noinline))
/* Hides a value from the optimiser: the reference loops stay loops, never
 * recognised as the builtin they check. */
#define OPAQUE(x) ({ __asm__("" : "+r"(x)); })

/* --- the builtins, each where the compilers may call a helper ------------- */
NOINLINE static int clrsb32(int a) { return __builtin_clrsb(a); }
NOINLINE static int clrsb64(long a) { return __builtin_clrsbl(a); }
NOINLINE static int clrsb64ll(long long a) { return __builtin_clrsbll(a); }
NOINLINE static int par32(unsigned a) { return __builtin_parity(a); }
NOINLINE static int par64(unsigned long a) { return __builtin_parityl(a); }
NOINLINE static int pop32(unsigned a) { return __builtin_popcount(a); }
NOINLINE static int pop64(unsigned long a) { return __builtin_popcountl(a); }
NOINLINE static int pop128(u128 a)
{
	return __builtin_popcountll((unsigned long)a) + __builtin_popcountll((unsigned long)(a >> 64));
}
NOINLINE static int clz64(unsigned long a) { return __builtin_clzl(a); }
NOINLINE static int ctz64(unsigned long a) { return __builtin_ctzl(a); }
NOINLINE static int ffs32(int a) { return __builtin_ffs(a); }
NOINLINE static int ffs64(long a) { return __builtin_ffsl(a); }
NOINLINE static unsigned long bswap64(unsigned long a) { return __builtin_bswap64(a); }
NOINLINE static unsigned bswap32(unsigned a) { return __builtin_bswap32(a); }
NOINLINE static u128 shl128(u128 a, int s) { return a << s; }
NOINLINE static u128 lshr128(u128 a, int s) { return a >> s; }
NOINLINE static i128 ashr128(i128 a, int s) { return a >> s; }
NOINLINE static u128 mul128(u128 a, u128 b) { return a * b; }
NOINLINE static void udivmod128(u128 a, u128 b, u128 *q, u128 *r) { *q = a / b; *r = a % b; }
NOINLINE static void sdivmod128(i128 a, i128 b, i128 *q, i128 *r) { *q = a / b; *r = a % b; }
NOINLINE static u128 udiv128(u128 a, u128 b) { return a / b; }
NOINLINE static u128 umod128(u128 a, u128 b) { return a % b; }
NOINLINE static i128 sdiv128(i128 a, i128 b) { return a / b; }
NOINLINE static i128 smod128(i128 a, i128 b) { return a % b; }
NOINLINE static int mulo128(i128 a, i128 b, i128 *r) { return __builtin_mul_overflow(a, b, r); }
NOINLINE static int mulou128(u128 a, u128 b, u128 *r) { return __builtin_mul_overflow(a, b, r); }
NOINLINE static int addo128(i128 a, i128 b, i128 *r) { return __builtin_add_overflow(a, b, r); }
NOINLINE static int subo128(i128 a, i128 b, i128 *r) { return __builtin_sub_overflow(a, b, r); }
NOINLINE static int mulo64(long a, long b, long *r) { return __builtin_mul_overflow(a, b, r); }
NOINLINE static int mulomix(long a, unsigned long b, long *r) { return __builtin_mul_overflow(a, b, r); }
NOINLINE static int mulo32(int a, int b, int *r) { return __builtin_mul_overflow(a, b, r); }

/* --- plain references ----------------------------------------------------- */
static int bit(u128 x, int i)
{
	unsigned long half = i >= 64 ? (unsigned long)(x >> 64) : (unsigned long)x;
	return (int)((half >> (i & 63)) & 1);
}

static int ref_pop(u128 x, int width)
{
	int n = 0;
	for (int i = 0; i < width; i++) {
		OPAQUE(n);
		n += bit(x, i);
	}
	return n;
}

static int ref_clz(u128 x, int width)
{
	int n = 0;
	for (int i = width - 1; i >= 0 && !bit(x, i); i--)
		n++, OPAQUE(n);
	return n;
}

static int ref_ctz(u128 x, int width)
{
	int n = 0;
	for (int i = 0; i < width && !bit(x, i); i++)
		n++, OPAQUE(n);
	return n;
}

static int ref_clrsb(long x, int width)
{
	int n = 0, sign = bit((u128)(unsigned long)x, width - 1);
	for (int i = width - 2; i >= 0 && bit((u128)(unsigned long)x, i) == sign; i--)
		n++, OPAQUE(n);
	return n;
}

/* Long multiplication in 32-bit digits, product to 256 bits in out[8]. */
static void ref_mul(u128 a, u128 b, unsigned out[8])
{
	unsigned da[4], db[4];
	for (int i = 0; i < 4; i++) {
		da[i] = (unsigned)(a >> (32 * i));
		db[i] = (unsigned)(b >> (32 * i));
	}
	for (int i = 0; i < 8; i++)
		out[i] = 0;
	for (int i = 0; i < 4; i++) {
		unsigned long carry = 0;
		for (int j = 0; j < 4; j++) {
			unsigned long t = (unsigned long)da[i] * db[j] + out[i + j] + carry;
			out[i + j] = (unsigned)t;
			carry = t >> 32;
		}
		for (int k = i + 4; carry; k++) {
			unsigned long t = (unsigned long)out[k] + carry;
			out[k] = (unsigned)t;
			carry = t >> 32;
		}
	}
}

static u128 digits_low(const unsigned d[8])
{
	u128 v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 32 | d[i];
	return v;
}

/* Signed 128-bit multiply: does the exact product fit? */
static int ref_mulo128(i128 a, i128 b)
{
	unsigned d[8];
	int neg = (a < 0) != (b < 0);
	ref_mul(a < 0 ? -(u128)a : (u128)a, b < 0 ? -(u128)b : (u128)b, d);
	if (d[4] | d[5] | d[6] | d[7])
		return 1;
	u128 m = digits_low(d);
	return neg ? m > (u128)1 << 127 : m >= (u128)1 << 127;
}

/* Restoring division, one bit at a time. */
static u128 ref_udiv(u128 a, u128 b, u128 *rem)
{
	u128 q = 0, r = 0;
	for (int i = 127; i >= 0; i--) {
		r = r << 1 | (u128)bit(a, i);
		if (r >= b) {
			r -= b;
			q |= (u128)1 << i;
		}
	}
	*rem = r;
	return q;
}

static unsigned long next(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct tally {
	int checks, wrong;
	const char *first;
};

static void check(struct tally *t, int ok, const char *what)
{
	t->checks++;
	if (!ok && !t->wrong++)
		t->first = what;
}

static void bits_round(struct tally *t, unsigned long x)
{
	long sx = (long)x;
	check(t, clrsb64(sx) == ref_clrsb(sx, 64), "clrsb64");
	check(t, clrsb64ll(sx) == ref_clrsb(sx, 64), "clrsb64ll");
	check(t, clrsb32((int)x) == ref_clrsb((int)x, 32), "clrsb32");
	check(t, par32((unsigned)x) == (ref_pop((unsigned)x, 32) & 1), "parity32");
	check(t, par64(x) == (ref_pop(x, 64) & 1), "parity64");
	check(t, pop32((unsigned)x) == ref_pop((unsigned)x, 32), "popcount32");
	check(t, pop64(x) == ref_pop(x, 64), "popcount64");
	u128 wide = (u128)x << 64 | ~x;
	check(t, pop128(wide) == ref_pop(wide, 128), "popcount128");
	if (x) {
		check(t, clz64(x) == ref_clz(x, 64), "clz64");
		check(t, ctz64(x) == ref_ctz(x, 64), "ctz64");
	}
	check(t, ffs64(sx) == (x ? ref_ctz(x, 64) + 1 : 0), "ffs64");
	check(t, ffs32((int)x) == ((unsigned)x ? ref_ctz((unsigned)x, 32) + 1 : 0), "ffs32");
	unsigned long rev = 0;
	for (int i = 0; i < 8; i++)
		rev |= ((x >> (8 * i)) & 0xff) << (56 - 8 * i);
	check(t, bswap64(x) == rev, "bswap64");
	check(t, bswap32((unsigned)x) == (unsigned)(rev >> 32), "bswap32");
}

static void wide_round(struct tally *t, u128 a, u128 b, int s)
{
	u128 l = 0, r = 0, ar = 0;
	for (int i = 0; i < 128; i++) {
		l |= (u128)(i >= s ? bit(a, i - s) : 0) << i;
		r |= (u128)(i + s < 128 ? bit(a, i + s) : 0) << i;
		ar |= (u128)(i + s < 128 ? bit(a, i + s) : bit(a, 127)) << i;
	}
	check(t, shl128(a, s) == l, "shl128");
	check(t, lshr128(a, s) == r, "lshr128");
	check(t, (u128)ashr128((i128)a, s) == ar, "ashr128");
	unsigned d[8];
	ref_mul(a, b, d);
	check(t, mul128(a, b) == digits_low(d), "mul128");
	u128 pu;
	check(t, mulou128(a, b, &pu) == !!(d[4] | d[5] | d[6] | d[7]) && pu == digits_low(d), "mul_overflow u128");
	i128 ps;
	check(t, mulo128((i128)a, (i128)b, &ps) == ref_mulo128((i128)a, (i128)b) && (u128)ps == mul128(a, b),
	      "mul_overflow i128");
	i128 sum, diff, sa = (i128)a, sb = (i128)b;
	int add_ov = (sa > 0 && sb > 0 && (i128)(a + b) < 0) || (sa < 0 && sb < 0 && (i128)(a + b) >= 0);
	int sub_ov = (sa >= 0 && sb < 0 && (i128)(a - b) < 0) || (sa < 0 && sb > 0 && (i128)(a - b) >= 0);
	check(t, addo128(sa, sb, &sum) == add_ov && (u128)sum == a + b, "add_overflow i128");
	check(t, subo128(sa, sb, &diff) == sub_ov && (u128)diff == a - b, "sub_overflow i128");
	if (!b)
		return;
	u128 want_r, want_q = ref_udiv(a, b, &want_r), q, rem;
	udivmod128(a, b, &q, &rem);
	check(t, q == want_q && rem == want_r, "udivmod128");
	check(t, udiv128(a, b) == want_q && umod128(a, b) == want_r, "udiv/umod128");
	if ((sa == -sa && sa) && sb == -1)
		return; /* the minimum divided by -1 */
	u128 ma = sa < 0 ? -a : a, mb = sb < 0 ? -b : b, mr, mq = ref_udiv(ma, mb, &mr);
	i128 wq = (sa < 0) != (sb < 0) ? -(i128)mq : (i128)mq, wr = sa < 0 ? -(i128)mr : (i128)mr, sq, sr;
	sdivmod128(sa, sb, &sq, &sr);
	check(t, sq == wq && sr == wr, "sdivmod128");
	check(t, sdiv128(sa, sb) == wq && smod128(sa, sb) == wr, "sdiv/smod128");
}

static void small_overflow_round(struct tally *t, unsigned long x, unsigned long y)
{
	long a = (long)x >> (x & 31), b = (long)y >> (y & 31), r;
	i128 exact = (i128)a * b;
	check(t, mulo64(a, b, &r) == (exact != (long)exact) && r == (long)(unsigned long)exact, "mul_overflow long");
	i128 mixed = (i128)a * (i128)(u128)y;
	check(t, mulomix(a, y, &r) == (mixed != (long)mixed) && r == (long)(unsigned long)(u128)mixed,
	      "mul_overflow long*ulong");
	int ri, ai = (int)a, bi = (int)b;
	long e32 = (long)ai * bi;
	check(t, mulo32(ai, bi, &ri) == (e32 != (int)e32) && ri == (int)e32, "mul_overflow int");
}

long RT_ENTRY(long seed)
{
	struct tally t = { 0, 0, "" };
	unsigned long s = (unsigned long)seed | 1;
	static const unsigned long edge[] = { 0, 1, 2, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff,
					      0x7fffffffffffffff, 0x8000000000000000, ~0ul, ~0ul - 1 };
	for (unsigned i = 0; i < sizeof edge / sizeof *edge; i++) {
		bits_round(&t, edge[i]);
		for (unsigned j = 0; j < sizeof edge / sizeof *edge; j++) {
			u128 a = (u128)edge[i] << 64 | edge[j], b = edge[j] | (u128)edge[i] << 64;
			wide_round(&t, a, b, (int)(i * 11 + j) % 128);
			wide_round(&t, edge[i], edge[j], (int)j);
			small_overflow_round(&t, edge[i], edge[j]);
		}
	}
	for (int n = 0; n < 300; n++) {
		unsigned long x = next(&s) >> (n % 64), y = next(&s) >> (n % 61);
		bits_round(&t, x);
		u128 a = (u128)next(&s) << 64 | x, b = n & 1 ? y : (u128)y << 64 | next(&s) >> (n % 64);
		wide_round(&t, n & 2 ? a : -a, n & 4 ? b : -b, (int)(next(&s) % 128));
		small_overflow_round(&t, x, y);
	}
	kprintf("runtime probe %s: %d checks, %d wrong%s%s\n", RT_TAG, t.checks, t.wrong, t.wrong ? ", first: " : "",
		t.wrong ? t.first : "");
	return t.wrong;
}
