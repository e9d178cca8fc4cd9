/* floor: cell */
/* String-keyed hash map (open addressing, grows at 3/4 load) for the
 * loader's namespaces and the cells' tables. It allocates from the kernel
 * heap, so it lives in kernel/cell, above mm, not in kernel/lib
 * (docs/layers.md). Keys are borrowed: the caller keeps each key alive
 * while it is in the map. */
#ifndef KERNEL_HMAP_H
#define KERNEL_HMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"

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
/* Makes room so that the next n inserts of absent keys cannot fail
 * (E_NOMEM, the map unchanged, if it cannot). */
err_t hmap_reserve(struct hmap *m, size_t n) NONNULL(1) MUST_USE;
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
