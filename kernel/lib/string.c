/* Memory and string primitives with standard C semantics. The compiler emits
 * calls to mem* on its own, and in the hosted build these definitions replace
 * glibc's for the whole process, so they must be exact, not merely adequate.
 * Also the integer parsers the shell and loader use for user input. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "klib.h"

/* A word type the compiler may alias with anything, so word-sized copies do
 * not break strict aliasing for the caller's objects. */
typedef uint64_t __attribute__((may_alias)) word_t;
#define WORD_SIZE sizeof(word_t)

static bool both_word_aligned(const void *a, const void *b)
{
	return IS_ALIGNED((uintptr_t)a | (uintptr_t)b, WORD_SIZE);
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Word copies only when both sides are aligned; reads stay within [src, src+n). */
	if (both_word_aligned(d, s)) {
		for (; n >= WORD_SIZE; n -= WORD_SIZE, d += WORD_SIZE, s += WORD_SIZE)
			*(word_t *)d = *(const word_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	if (both_word_aligned(d, s)) {
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			d -= WORD_SIZE;
			s -= WORD_SIZE;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	while (n--)
		*--d = *--s;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	/* A forward copy is safe unless dst starts inside [src, src+n). */
	if (d - s >= n) {
		unsigned char *dp = dst;
		const unsigned char *sp = src;

		if (both_word_aligned(dp, sp)) {
			for (; n >= WORD_SIZE; n -= WORD_SIZE, dp += WORD_SIZE, sp += WORD_SIZE)
				*(word_t *)dp = *(const word_t *)sp;
		}
		while (n--)
			*dp++ = *sp++;
	} else {
		copy_backward(dst, src, n);
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char byte = (unsigned char)c;

	for (; n && !IS_ALIGNED((uintptr_t)d, WORD_SIZE); n--)
		*d++ = byte;
	if (n >= WORD_SIZE) {
		word_t w = byte * 0x0101010101010101ULL;

		for (; n >= WORD_SIZE; n -= WORD_SIZE, d += WORD_SIZE)
			*(word_t *)d = w;
	}
	while (n--)
		*d++ = byte;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	unsigned char byte = (unsigned char)c;

	for (; n; n--, p++) {
		if (*p == byte)
			return (void *)p;
	}
	return NULL;
}

/* Byte at a time on purpose: word reads past the terminator would touch
 * bytes that are not the caller's, which memcheck reports in the hosted build. */
size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return (*p > *q) - (*p < *q);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
		if (!*p)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	char ch = (char)c;

	/* The terminator itself is found when c is '\0'. */
	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t cap)
{
	size_t len = strlen(src);

	if (cap) {
		size_t n = len < cap - 1 ? len : cap - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

bool str_starts_with(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++) {
		if (*s != *prefix)
			return false;
	}
	return true;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Magnitude of an unsigned number: "0x"/"0X" then hex, otherwise decimal
 * (a leading 0 is not octal: users type 007 and mean seven). */
static bool parse_magnitude(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = digit_value(*s);

		if (d >= (int)base)
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return true;
}

bool str_to_u64(const char *s, uint64_t *out)
{
	if (*s == '+')
		s++;
	return parse_magnitude(s, out);
}

bool str_to_i64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t mag;

	if (*s == '-' || *s == '+')
		s++;
	if (!parse_magnitude(s, &mag))
		return false;
	/* The negative range is one larger than the positive one. */
	if (mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return false;
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return true;
}
