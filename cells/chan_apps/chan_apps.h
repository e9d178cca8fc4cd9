/* What the channel apps (cells/chan_pingpong, chan_pipeline, chan_server)
 * share with their tests (tests/unit/test_chan_swap_many.c): a receiver's
 * check of the sequence numbers it gets, and the log of which channel
 * protocol served each unit of work while the channel cells are swapped
 * live (docs/channel_apps.md). Header only: each includer compiles its
 * own copy, so no cell links to another for it. */
#ifndef CELLS_CHAN_APPS_H
#define CELLS_CHAN_APPS_H
#include <stdbool.h>
#include <stdint.h>

#include "klib.h"

/* --- sequence numbers ---------------------------------------------------- */
/* One receiver's check of a stream its sender numbers from 1: every number
 * must come once and in order. A number past the expected one leaves a gap,
 * counted lost; a skipped number that comes later moves from lost to out of
 * order; a number that came before is duplicated. The first
 * SEQ_MISSING_MAX skipped numbers are remembered to tell a late one from a
 * duplicate; past that, a late one counts as a duplicate (either way, not
 * zero). */
#define SEQ_MISSING_MAX 32
struct seq_check {
	uint64_t next; /* the number expected next */
	uint64_t received, lost, duplicated, out_of_order;
	uint64_t missing[SEQ_MISSING_MAX];
	unsigned n_missing;
	uint64_t first_bad, first_bad_expected; /* the first anomaly seen (first_bad 0: none) */
};
#define SEQ_CHECK_INIT { .next = 1 }

static inline bool seq_check_forget_missing(struct seq_check *c, uint64_t seq)
{
	for (unsigned i = 0; i < c->n_missing; i++)
		if (c->missing[i] == seq) {
			c->missing[i] = c->missing[--c->n_missing];
			return true;
		}
	return false;
}

/* Records seq; false if it was not the number expected. */
static inline bool seq_check_see(struct seq_check *c, uint64_t seq)
{
	c->received++;
	if (seq == c->next) {
		c->next++;
		return true;
	}
	if (!c->first_bad) {
		c->first_bad = seq ? seq : UINT64_MAX;
		c->first_bad_expected = c->next;
	}
	if (seq > c->next) {
		for (uint64_t s = c->next; s < seq && c->n_missing < SEQ_MISSING_MAX; s++)
			c->missing[c->n_missing++] = s;
		c->lost += seq - c->next;
		c->next = seq + 1;
	} else if (seq_check_forget_missing(c, seq)) {
		c->lost--;
		c->out_of_order++;
	} else {
		c->duplicated++;
	}
	return false;
}

/* The stream is over and its sender sent total numbers: those never seen
 * at the end are lost too. */
static inline void seq_check_end(struct seq_check *c, uint64_t total)
{
	if (total >= c->next)
		c->lost += total - c->next + 1;
}

static inline uint64_t seq_check_anomalies(const struct seq_check *c)
{
	return c->lost + c->duplicated + c->out_of_order;
}

/* --- flavors --------------------------------------------------------------- */
/* Which protocol (chan_flavor()) served each unit of work, as segments in
 * order: "rendezvous 1000, async 1500, rendezvous 1000". The name is
 * copied: the cell that returned it may be swapped out and freed. */
#define FLAVOR_NAME_MAX 16
#define FLAVOR_SEGMENTS_MAX 8
struct flavor_segment {
	char name[FLAVOR_NAME_MAX];
	uint64_t count;
};
struct flavor_log {
	struct flavor_segment seg[FLAVOR_SEGMENTS_MAX];
	unsigned n;
	bool overflow; /* more changes than segments: the last one counts the rest */
};

/* Counts one unit under flavor; true if that starts a new segment. */
static inline bool flavor_log_count(struct flavor_log *l, const char *flavor)
{
	struct flavor_segment *last = l->n ? &l->seg[l->n - 1] : NULL;
	if (last && !strncmp(last->name, flavor, FLAVOR_NAME_MAX - 1)) {
		last->count++;
		return false;
	}
	if (l->n == FLAVOR_SEGMENTS_MAX) {
		l->overflow = true;
		last->count++;
		return false;
	}
	last = &l->seg[l->n++];
	strlcpy(last->name, flavor, sizeof last->name);
	last->count = 1;
	return true;
}

/* "rendezvous 1000, async 1500" into buf. */
static inline void flavor_log_format(const struct flavor_log *l, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < l->n && len < cap; i++)
		len += (size_t)ksnprintf(buf + len, cap - len, "%s%s %llu", i ? ", " : "", l->seg[i].name,
					 (unsigned long long)l->seg[i].count);
	if (l->overflow && len < cap)
		ksnprintf(buf + len, cap - len, " (and more changes)");
}

/* --- a live run ------------------------------------------------------------- */
/* An app in live mode works until the flavor has changed twice (a swap to
 * the other channel cell and back): after `shown` units of one flavor it
 * says so and asks for a swap, and after `shown` units of the third it is
 * done. `max` units without that end it (the swaps never came). */
struct chan_live {
	const char *app;  /* names the console lines */
	const char *unit; /* "round trips", "messages" */
	uint64_t shown, max, units;
	struct flavor_log log;
	bool asked; /* for the current segment */
};
enum chan_live_state { CHAN_LIVE_ON, CHAN_LIVE_DONE, CHAN_LIVE_GAVE_UP };

static inline enum chan_live_state chan_live_step(struct chan_live *lv, const char *flavor)
{
	lv->units++;
	if (flavor_log_count(&lv->log, flavor))
		lv->asked = false;
	const struct flavor_segment *s = &lv->log.seg[lv->log.n - 1];
	if (s->count >= lv->shown) {
		if (lv->log.n >= 3)
			return CHAN_LIVE_DONE;
		if (!lv->asked) {
			kprintf("%s: %llu %s over %s; waiting for a swap\n", lv->app, (unsigned long long)s->count,
				lv->unit, s->name);
			lv->asked = true;
		}
	}
	return lv->units >= lv->max ? CHAN_LIVE_GAVE_UP : CHAN_LIVE_ON;
}

/* The flavors in turn, one line ("rendezvous -> async -> rendezvous"):
 * what a test of a live swap checks, whatever the counts were. */
static inline void chan_live_turns(const struct chan_live *lv)
{
	char buf[FLAVOR_SEGMENTS_MAX * (FLAVOR_NAME_MAX + 4) + 24];
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < lv->log.n; i++)
		len += (size_t)ksnprintf(buf + len, sizeof buf - len, "%s%s", i ? " -> " : "", lv->log.seg[i].name);
	kprintf("%s: flavors in turn: %s%s\n", lv->app, buf, lv->log.overflow ? " -> ..." : "");
}

static inline void chan_live_gave_up(const struct chan_live *lv)
{
	kprintf("%s: the channel flavor did not change twice within %llu %s; no swap came\n", lv->app,
		(unsigned long long)lv->max, lv->unit);
}

#endif
