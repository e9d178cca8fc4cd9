/* The freestanding support library the nano_core and every cell link
 * against: memory and string functions, formatted output, containers.
 * Containers (hmap) allocate from the kernel heap. */
#ifndef KERNEL_KLIB_H
#define KERNEL_KLIB_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"

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

/* String-keyed hash map (open addressing, grows at 3/4 load). Keys are
 * borrowed: the caller keeps each key alive while it is in the map. */
struct hmap {
	struct hmap_slot *slots;
	size_t cap;   /* power of two, or 0 before the first insert */
	size_t count; /* live entries */
	size_t used;  /* live + tombstones */
};
struct hmap_iter {
	const struct hmap *map;
	size_t next;
};
void hmap_init(struct hmap *m) NONNULL(1);
/* Frees the table, not the keys or values. */
void hmap_destroy(struct hmap *m) NONNULL(1);
/* E_EXISTS if key is present (the map is unchanged), E_NOMEM if full. */
err_t hmap_insert(struct hmap *m, const char *key, void *value) NONNULL(1, 2) MUST_USE;
/* Inserts or replaces; the old value (or NULL) goes to *old when old != NULL. */
err_t hmap_put(struct hmap *m, const char *key, void *value, void **old) NONNULL(1, 2) MUST_USE;
void *hmap_get(const struct hmap *m, const char *key) NONNULL(1, 2);
bool hmap_contains(const struct hmap *m, const char *key) NONNULL(1, 2);
/* Removes key; returns its value or NULL. */
void *hmap_remove(struct hmap *m, const char *key) NONNULL(1, 2);
static inline size_t hmap_count(const struct hmap *m) { return m->count; }
void hmap_iter_init(struct hmap_iter *it, const struct hmap *m) NONNULL(1, 2);
/* Next live entry in table order; false at the end. */
bool hmap_iter_next(struct hmap_iter *it, const char **key, void **value) NONNULL(1);
uint64_t hash_str(const char *s);

#endif
