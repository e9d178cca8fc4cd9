/* The channel fault cases (docs/faults.md, "Channel fault cases"): one
 * exchange of ITC_MESSAGES numbered messages between a restartable sender
 * task and a restartable receiver task per case, with one fault injected
 * into the channel code (cells/chan_faults), and the outcome checked
 * against what the case expects. `spawn itc_faults [CASE]` prints the table;
 * tests/unit/test_chan_faults.c runs each case through itc_faults_run. */
#ifndef CELLS_ITC_FAULTS_H
#define CELLS_ITC_FAULTS_H
#include <stdbool.h>
#include <stdint.h>

#include "chan/chan.h"
#include "chan_faults/chan_faults.h"

#define ITC_MESSAGES 40

enum itc_side { ITC_SENDER, ITC_RECEIVER };
/* Which task waits first: the other one's call meets a waiting peer. */
enum itc_pace {
	ITC_SENDER_YIELDS,   /* the receiver waits, senders hand over (sender context) */
	ITC_RECEIVER_YIELDS, /* the sender waits or buffers, receivers take (receiver context) */
};

struct itc_case {
	const char *name;
	enum chan_fault_site site;
	const char *where;    /* the function and line of the channel code it hits */
	const char *flavor;   /* the channel cell it needs to serve: "rendezvous" or "async" */
	unsigned capacity;
	enum itc_pace pace;
	unsigned skip;        /* the site fires on its (skip+1)-th reach */
	enum itc_side victim; /* the task that unwinds and restarts */
	bool panics;          /* a checked panic (else a machine fault) */
	unsigned wire_dups;   /* deliveries the receiver discards by sequence number */
	bool disconnects;     /* the receiver is told at the end that the senders are gone */
	bool full;            /* expected to recover fully */
	const char *expected;
	const char *why_not;  /* when not full */
	unsigned times;       /* consecutive reaches the site fires on (0: once): the victim climbs the cascade */
};

/* What one run of a case did. */
struct itc_outcome {
	bool ran;              /* false: the case needs the other channel cell (nothing was done) */
	unsigned fired;        /* times the site fired */
	unsigned sender_runs, receiver_runs;
	uint64_t delivered;    /* highest sequence number received in order */
	unsigned accepted;     /* messages taken in order */
	unsigned dups, gaps;   /* discarded repeats; numbers skipped (lost) */
	enum chan_status sender_end, receiver_end; /* the last status each saw */
	int64_t sender_value, receiver_value;      /* what their tasks returned (-1: failed) */
	unsigned senders_left; /* the channel's sender count after every sender is gone */
	unsigned repairs;      /* times the channel was repaired */
	bool late;             /* a receive ended only at its deadline: the receiver waited for nothing */
	bool recovered;        /* the whole expectation held */
	bool as_expected;      /* recovered == the case's full, and every check of the case held */
	char observed[160];
};

unsigned itc_faults_count(void);
const struct itc_case *itc_faults_case(unsigned i);
/* Runs case i in the calling task (which must be able to block), its two
 * tasks on the caller's CPU. false if i is out of range. */
bool itc_faults_run(unsigned i, struct itc_outcome *out);

#endif
