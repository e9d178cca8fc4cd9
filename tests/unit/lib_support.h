/* What the kernel/lib tests share: the functions under test reached
 * through volatile pointers, and byte-pattern helpers. */
#ifndef LIB_SUPPORT_H
#define LIB_SUPPORT_H
#include <stddef.h>
#include <stdint.h>

#include "klib.h"
/* Called through volatile pointers: a hosted compiler would otherwise fold or
 * inline these as builtins, and the tests would check gcc, not kernel/lib. */
__attribute__((unused)) static void *(*volatile t_memcpy)(void *restrict, const void *restrict, size_t) = memcpy;
__attribute__((unused)) static void *(*volatile t_memmove)(void *, const void *, size_t) = memmove;
__attribute__((unused)) static void *(*volatile t_memset)(void *, int, size_t) = memset;
__attribute__((unused)) static int (*volatile t_memcmp)(const void *, const void *, size_t) = memcmp;
__attribute__((unused)) static void *(*volatile t_memchr)(const void *, int, size_t) = memchr;
__attribute__((unused)) static size_t (*volatile t_strlen)(const char *) = strlen;
__attribute__((unused)) static size_t (*volatile t_strnlen)(const char *, size_t) = strnlen;
__attribute__((unused)) static int (*volatile t_strcmp)(const char *, const char *) = strcmp;
__attribute__((unused)) static int (*volatile t_strncmp)(const char *, const char *, size_t) = strncmp;
__attribute__((unused)) static char *(*volatile t_strchr)(const char *, int) = strchr;
__attribute__((unused)) static char *(*volatile t_strrchr)(const char *, int) = strrchr;

#define GUARD 0xA5

/* Byte-at-a-time reference for the word-at-a-time copies. */
static inline void ref_move(unsigned char *buf, size_t dst, size_t src, size_t n)
{
	unsigned char tmp[256];

	for (size_t i = 0; i < n; i++)
		tmp[i] = buf[src + i];
	for (size_t i = 0; i < n; i++)
		buf[dst + i] = tmp[i];
}

static inline void fill_pattern(unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
}


#endif
