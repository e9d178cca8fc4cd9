/* floor: lib */
/* SHA-256 (FIPS 180-4): the hash an evolution names each object by
 * (docs/evolve.md). Freestanding and allocation-free, so the kernel checks
 * an object with the same code tools/evolve hashed it with (the host tool
 * compiles kernel/lib/sha256.c too). */
#ifndef KERNEL_SHA256_H
#define KERNEL_SHA256_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define SHA256_SIZE 32
#define SHA256_HEX_SIZE (2 * SHA256_SIZE + 1) /* 64 lowercase hex digits and a NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;      /* hashed so far */
	uint8_t block[64];   /* the partial block */
	size_t fill;         /* bytes of it used */
};

void sha256_init(struct sha256 *s) NONNULL(1);
void sha256_update(struct sha256 *s, const void *data, size_t len) NONNULL(1);
/* Writes the digest; s must be initialised again before another use. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_SIZE]) NONNULL(1, 2);
/* The digest of len bytes at data in one call. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_SIZE]) NONNULL(3);

/* The digest as 64 lowercase hex digits. */
void sha256_to_hex(const uint8_t d[SHA256_SIZE], char out[SHA256_HEX_SIZE]) NONNULL(1, 2);
/* Parses exactly 64 hex digits (either case) at hex, which need not be
 * NUL-terminated past them; false if any is not a hex digit. */
bool sha256_from_hex(const char *hex, uint8_t out[SHA256_SIZE]) NONNULL(1, 2) MUST_USE;

#endif
