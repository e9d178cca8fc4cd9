/* floor: lib */
/* The freestanding support library the nano_core and every cell link
 * against: memory and string functions, formatted output, lists. Nothing
 * here allocates (the heap is a floor above: docs/layers.md); the hash map
 * that does is hmap.h. */
#ifndef KERNEL_KLIB_H
#define KERNEL_KLIB_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"

/* The most CPUs the kernel runs on: per-CPU tables are this long. */
#define MAX_CPUS 16

/* mem* and str*: standard semantics; compiler-emitted calls land here. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* Copies at most cap-1 bytes and always terminates (cap > 0); returns strlen(src). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t cap);
bool str_starts_with(const char *s, const char *prefix);
/* Parses a decimal or 0x-hex integer, optionally signed; false on junk or overflow. */
bool str_to_i64(const char *s, int64_t *out) NONNULL(1, 2) MUST_USE;
bool str_to_u64(const char *s, uint64_t *out) NONNULL(1, 2) MUST_USE;

/* Formatting: %d %i %u %x %X %o %p %s %c %% with flags '-', '0', ' ', '+',
 * width and precision (also '*'), length h hh l ll z t j. Output is truncated
 * to cap-1 bytes and terminated; the return is the length it would have had. */
int kvsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) PRINTF_LIKE(3, 0);
int ksnprintf(char *buf, size_t cap, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Formats to the HAL console. */
int kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int kvprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);
/* kprintf for diagnostics about the machine itself (boot failures,
 * warnings): the HAL's error stream, stderr when hosted. */
int keprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Intrusive doubly linked list with a sentinel head. */
struct list {
	struct list *next, *prev;
};
#define LIST_INIT(name) { &(name), &(name) }
static inline void list_init(struct list *l) { l->next = l->prev = l; }
static inline bool list_empty(const struct list *l) { return l->next == l; }
static inline void list_insert_after(struct list *pos, struct list *n)
{
	n->next = pos->next;
	n->prev = pos;
	pos->next->prev = n;
	pos->next = n;
}
static inline void list_push_back(struct list *head, struct list *n) { list_insert_after(head->prev, n); }
static inline void list_push_front(struct list *head, struct list *n) { list_insert_after(head, n); }
static inline void list_remove(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); (pos) = (tmp), (tmp) = (pos)->next)

#endif
