/* String-keyed hash map with open addressing and linear probing; the loader's
 * namespaces and the shell's tables sit on it. Removal leaves a tombstone so
 * probe chains stay intact; a table whose live + tombstone slots would pass
 * 3/4 is rebuilt, doubled if the live entries need it, same size otherwise. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "heap.h"
#include "hmap.h"
#include "klib.h"

#define HMAP_MIN_CAP 8

/* key == NULL: never used (stops a probe); key == tombstone: removed. */
struct hmap_slot {
	const char *key;
	void *value;
	uint64_t hash; /* cached: cheaper compares, and rebuilding needs no rehash */
};

static const char tombstone[1];

static bool slot_live(const struct hmap_slot *s)
{
	return s->key && s->key != tombstone;
}

uint64_t hash_str(const char *s)
{
	/* FNV-1a, 64-bit. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void hmap_init(struct hmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
	m->used = 0;
}

void hmap_destroy(struct hmap *m)
{
	kfree(m->slots);
	hmap_init(m);
}

/* Needs cap > 0. True with *at = the key's slot if present; otherwise false
 * with *at = where it would go (the first tombstone on its chain, or the
 * empty slot that ends it). The load limit guarantees an empty slot exists. */
static bool find_slot(const struct hmap *m, const char *key, uint64_t hash, size_t *at)
{
	size_t mask = m->cap - 1;
	size_t i = hash & mask;
	size_t first_tomb = SIZE_MAX;

	for (;; i = (i + 1) & mask) {
		const struct hmap_slot *s = &m->slots[i];

		if (!s->key) {
			*at = first_tomb != SIZE_MAX ? first_tomb : i;
			return false;
		}
		if (s->key == tombstone) {
			if (first_tomb == SIZE_MAX)
				first_tomb = i;
		} else if (s->hash == hash && strcmp(s->key, key) == 0) {
			*at = i;
			return true;
		}
	}
}

/* Moves every live entry into a fresh table of new_cap slots. Allocates
 * before touching anything, so on E_NOMEM the map is as it was. */
static err_t rebuild(struct hmap *m, size_t new_cap)
{
	struct hmap_slot *slots;
	size_t mask = new_cap - 1;

	if (new_cap > SIZE_MAX / sizeof(*slots))
		return E_NOMEM;
	slots = kzalloc(new_cap * sizeof(*slots));
	if (!slots)
		return E_NOMEM;
	for (size_t j = 0; j < m->cap; j++) {
		size_t i;

		if (!slot_live(&m->slots[j]))
			continue;
		for (i = m->slots[j].hash & mask; slots[i].key; i = (i + 1) & mask)
			;
		slots[i] = m->slots[j];
	}
	kfree(m->slots);
	m->slots = slots;
	m->cap = new_cap;
	m->used = m->count;
	return E_OK;
}

/* Makes room for one more used slot. When tombstones are most of the load,
 * clearing them is enough; otherwise the table doubles. */
static err_t make_room(struct hmap *m)
{
	if (!m->cap)
		return rebuild(m, HMAP_MIN_CAP);
	if (m->count + 1 <= m->cap / 2)
		return rebuild(m, m->cap);
	if (m->cap > SIZE_MAX / 2)
		return E_NOMEM;
	return rebuild(m, m->cap * 2);
}

err_t hmap_reserve(struct hmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : HMAP_MIN_CAP;
	if (m->cap && m->used + n + 1 <= m->cap - m->cap / 4)
		return E_OK;
	while (m->count + n + 1 > cap - cap / 4) {
		if (cap > SIZE_MAX / 2)
			return E_NOMEM;
		cap *= 2;
	}
	return rebuild(m, cap);
}

static bool over_load(const struct hmap *m)
{
	return m->used + 1 > m->cap - m->cap / 4;
}

/* Stores a key known to be absent; at is find_slot's answer when cap > 0.
 * Reusing a tombstone does not raise the load, so only an empty slot may grow. */
static err_t add_absent(struct hmap *m, const char *key, uint64_t hash, void *value, size_t at)
{
	struct hmap_slot *s;

	if (!m->cap || (!m->slots[at].key && over_load(m))) {
		err_t e = make_room(m);

		if (e)
			return e;
		(void)find_slot(m, key, hash, &at);
	}
	s = &m->slots[at];
	if (!s->key)
		m->used++;
	s->key = key;
	s->value = value;
	s->hash = hash;
	m->count++;
	return E_OK;
}

err_t hmap_insert(struct hmap *m, const char *key, void *value)
{
	uint64_t hash = hash_str(key);
	size_t at = 0;

	if (m->cap && find_slot(m, key, hash, &at))
		return E_EXISTS;
	return add_absent(m, key, hash, value, at);
}

/* On replace the slot takes the new key pointer too: a key often lives inside
 * its value, and the old value may be freed once replaced. */
err_t hmap_put(struct hmap *m, const char *key, void *value, void **old)
{
	uint64_t hash = hash_str(key);
	size_t at = 0;

	if (old)
		*old = NULL;
	if (m->cap && find_slot(m, key, hash, &at)) {
		if (old)
			*old = m->slots[at].value;
		m->slots[at].key = key;
		m->slots[at].value = value;
		return E_OK;
	}
	return add_absent(m, key, hash, value, at);
}

static struct hmap_slot *lookup(const struct hmap *m, const char *key)
{
	size_t at;

	if (!m->cap || !find_slot(m, key, hash_str(key), &at))
		return NULL;
	return &m->slots[at];
}

void *hmap_get(const struct hmap *m, const char *key)
{
	struct hmap_slot *s = lookup(m, key);

	return s ? s->value : NULL;
}

bool hmap_contains(const struct hmap *m, const char *key)
{
	return lookup(m, key) != NULL;
}

/* Leaves a tombstone (and `used` as is): emptying the slot would cut the
 * probe chains of keys stored after it. Never moves other entries, so the
 * entry an iterator just returned may be removed mid-iteration. */
void *hmap_remove(struct hmap *m, const char *key)
{
	struct hmap_slot *s = lookup(m, key);
	void *value;

	if (!s)
		return NULL;
	value = s->value;
	s->key = tombstone;
	s->value = NULL;
	m->count--;
	return value;
}

void hmap_iter_init(struct hmap_iter *it, const struct hmap *m)
{
	it->map = m;
	it->next = 0;
}

bool hmap_iter_next(struct hmap_iter *it, const char **key, void **value)
{
	const struct hmap *m = it->map;

	while (it->next < m->cap) {
		const struct hmap_slot *s = &m->slots[it->next++];

		if (!slot_live(s))
			continue;
		if (key)
			*key = s->key;
		if (value)
			*value = s->value;
		return true;
	}
	return false;
}

/* Every cell may keep a table (the shell's do). */
EXPORT_APP(hmap_init);
EXPORT_APP(hmap_destroy);
EXPORT_APP(hmap_insert);
EXPORT_APP(hmap_put);
EXPORT_APP(hmap_get);
EXPORT_APP(hmap_contains);
EXPORT_APP(hmap_remove);
EXPORT_APP(hmap_iter_init);
EXPORT_APP(hmap_iter_next);
EXPORT_APP(hash_str);
