/* floor: lib */
/* Attributes that let gcc check kernel invariants (DESIGN.md: intralingual). */
#ifndef KERNEL_COMPILER_H
#define KERNEL_COMPILER_H

#define MUST_USE __attribute__((warn_unused_result))
#define NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
/* The two-argument malloc (deallocator pairing) is gcc-only; clang (the fuzz
 * build, tests/fuzz) keeps the plain malloc attribute. */
#if defined(__clang__)
#define ALLOCATOR(release) __attribute__((malloc))
#else
#define ALLOCATOR(release) __attribute__((malloc, malloc(release, 1)))
#endif
#define CLEANUP(fn) __attribute__((cleanup(fn)))
/* A name no other UNIQUE_NAME of the translation unit has: each guard macro
 * declares one variable, so two guards may share a scope. */
#define UNIQUE_NAME_CAT_(a, b) a##b
#define UNIQUE_NAME_CAT(a, b) UNIQUE_NAME_CAT_(a, b)
#define UNIQUE_NAME(prefix) UNIQUE_NAME_CAT(prefix, __COUNTER__)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr)-__builtin_offsetof(type, member)))

#endif
