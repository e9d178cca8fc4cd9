/* chan_server: a long-running server task answering requests over a
 * channel (docs/channel_apps.md). Each client task sends REQUESTS requests
 * (client id, number, operand), waits for each answer on its own reply
 * channel and checks it: the right client, number and value. The server
 * keeps nothing between requests: a request carries all it needs, and the
 * server's only state is its task argument, the receiver of requests and
 * one reply sender per client (chosen by the request's client id). It
 * runs until every client has gone (its receiver is disconnected), then
 * returns how many it answered.
 *
 *   spawn chan_server [CLIENTS] [REQUESTS]   CLIENTS clients (default 4, at
 *                                            most 16), REQUESTS each (default
 *                                            100); prints each client's
 *                                            answered count and the server's
 *
 * Why not send the reply endpoint inside the request: a sender unwound (a
 * kill) after a receiver took its message but before its call returned
 * cannot tell whether the endpoint in it went away, so it would either
 * leak it or release it twice. Endpoints stay with their tasks instead:
 * each task borrows those of its own argument, which the kernel releases
 * when it ends (arg_release); the app's are in its frame (CHAN_AUTO). */
#include <stdint.h>

#include "cell.h"
#include "chan/chan.h"
#include "klib.h"
#include "task.h"

CELL_INFO("chan_server", CELL_APP, 1);

#define CLIENTS_DEFAULT 4
#define CLIENTS_MAX 16
#define REQUESTS_DEFAULT 100
#define CAPACITY 4
#define ANSWER_NS 10000000000ull /* an answer not back by then was lost */

struct request {
	uint64_t client, seq, operand;
};
struct answer {
	uint64_t client, seq, value;
};
/* What a client says at its end. */
struct client_report {
	uint64_t client, answered, wrong;
	int64_t status; /* an enum chan_status: how its last call ended (ok: all sent and answered) */
};
CHAN_TYPE(requests, struct request);
CHAN_TYPE(answers, struct answer);
CHAN_TYPE(reports, struct client_report);

static uint64_t answer_of(const struct request *r) { return r->operand * r->operand + r->client; }

struct server_arg {
	uint64_t clients;
	struct requests_rx in;
	struct answers_tx reply[CLIENTS_MAX];
};
struct client_arg {
	uint64_t id, requests;
	struct requests_tx out;
	struct answers_rx answers;
	struct reports_tx report;
};

static void server_arg_release(struct server_arg *a)
{
	requests_rx_drop(&a->in);
	for (unsigned i = 0; i < CLIENTS_MAX; i++)
		answers_tx_drop(&a->reply[i]);
}
static void client_arg_release(struct client_arg *a)
{
	requests_tx_drop(&a->out);
	answers_rx_drop(&a->answers);
	reports_tx_drop(&a->report);
}

/* Answers until no client is left; returns the number answered, or -1 if
 * a receive ended otherwise. A request naming no client is dropped (and
 * its client, if any, times out). */
static int64_t server(struct server_arg *a)
{
	for (int64_t answered = 0;;) {
		struct request r;
		struct chan_got g = chan_recv(&a->in, &r);
		if (g.status == CHAN_DISCONNECTED)
			return answered;
		if (g.status != CHAN_OK)
			return -1;
		if (r.client >= a->clients)
			continue;
		struct answer ans = { r.client, r.seq, answer_of(&r) };
		struct chan_sent s = chan_send(&a->reply[r.client], &ans);
		if (s.status == CHAN_OK)
			answered++;
		else if (s.status != CHAN_DISCONNECTED) /* that client is gone: the others go on */
			return -1;
	}
}

static int64_t client(struct client_arg *a)
{
	struct client_report rep = { .client = a->id, .status = CHAN_OK };
	for (uint64_t seq = 1; seq <= a->requests && rep.status == CHAN_OK; seq++) {
		uint64_t deadline = chan_deadline_in(ANSWER_NS);
		struct request r = { a->id, seq, a->id * 1000003u + seq };
		rep.status = chan_send_until(&a->out, &r, deadline).status;
		struct answer ans;
		if (rep.status == CHAN_OK)
			rep.status = chan_recv_until(&a->answers, &ans, deadline).status;
		if (rep.status != CHAN_OK)
			break;
		if (ans.client == r.client && ans.seq == r.seq && ans.value == answer_of(&r))
			rep.answered++;
		else
			rep.wrong++;
	}
	struct chan_sent s = chan_send(&a->report, &rep);
	return s.status == CHAN_OK ? 0 : -1;
}

struct tasks {
	struct task_ref server, client[CLIENTS_MAX];
	unsigned clients;
};
static void tasks_drop(struct tasks *t)
{
	task_ref_drop(&t->server);
	for (unsigned i = 0; i < t->clients; i++)
		task_ref_drop(&t->client[i]);
}

/* Client id's ends: a clone of the request sender and of the report
 * sender, and the receiver of a new reply channel whose sender goes to the
 * server's argument. */
static err_t spawn_client(uint64_t id, uint64_t requests, const struct requests_tx *out,
			  const struct reports_tx *report, struct answers_tx *reply, struct tasks *t)
{
	struct client_arg a = { id, requests, CHAN_NONE, CHAN_NONE, CHAN_NONE };
	err_t e = chan_clone_end(out, &a.out);
	if (!e)
		e = chan_clone_end(report, &a.report);
	if (!e)
		e = chan_create(reply, &a.answers, CAPACITY);
	if (!e) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = "client";
		e = TASK_SPAWN_OWNING(&o, client, client_arg_release, &a, &t->client[t->clients]);
	}
	if (e)
		client_arg_release(&a);
	else
		t->clients++;
	return e;
}

/* The clients first (each reply sender goes into the server's argument),
 * then the server with them all. */
static err_t start(uint64_t clients, uint64_t requests, struct requests_tx *out, struct reports_tx *report,
		   struct tasks *t)
{
	struct server_arg a = { .clients = clients };
	err_t e = chan_create(out, &a.in, CAPACITY);
	for (uint64_t i = 0; !e && i < clients; i++)
		e = spawn_client(i, requests, out, report, &a.reply[i], t);
	if (!e) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = "server";
		e = TASK_SPAWN_OWNING(&o, server, server_arg_release, &a, &t->server);
	}
	if (e)
		server_arg_release(&a); /* the clients' requests fail: they report and end */
	return e;
}

/* Prints each client's report as it comes, until every client is gone. */
static bool collect(struct reports_rx *reports, uint64_t requests, uint64_t *answered)
{
	bool ok = true;
	for (;;) {
		struct client_report rep;
		struct chan_got g = chan_recv(reports, &rep);
		if (g.status == CHAN_DISCONNECTED)
			return ok;
		if (g.status != CHAN_OK) {
			kprintf("chan_server: waiting for the clients: %s\n", chan_status_name(g.status));
			return false;
		}
		kprintf("chan_server: client %llu: %llu answered, %llu wrong%s%s\n", (unsigned long long)rep.client,
			(unsigned long long)rep.answered, (unsigned long long)rep.wrong,
			rep.status == CHAN_OK ? "" : "; stopped: ", rep.status == CHAN_OK ? "" :
			chan_status_name((enum chan_status)rep.status));
		*answered += rep.answered;
		ok &= rep.answered == requests && !rep.wrong && rep.status == CHAN_OK;
	}
}

int64_t chan_server_main(const struct app_args *args)
{
	if (args->argc > 2 || args->argv[0] < 0 || args->argv[0] > CLIENTS_MAX || args->argv[1] < 0) {
		kprintf("chan_server: usage: spawn chan_server [CLIENTS] [REQUESTS]; CLIENTS 0..%d (0: %d), "
			"REQUESTS >= 0 (0: %d)\n",
			CLIENTS_MAX, CLIENTS_DEFAULT, REQUESTS_DEFAULT);
		return 2;
	}
	uint64_t clients = args->argv[0] ? (uint64_t)args->argv[0] : CLIENTS_DEFAULT;
	uint64_t requests = args->argv[1] ? (uint64_t)args->argv[1] : REQUESTS_DEFAULT;
	struct tasks t CLEANUP(tasks_drop) = { .clients = 0 };
	uint64_t answered = 0;
	bool ok;
	{
		struct requests_tx out CHAN_AUTO(requests_tx) = CHAN_NONE;
		struct reports_tx report_tx CHAN_AUTO(reports_tx) = CHAN_NONE;
		struct reports_rx reports CHAN_AUTO(reports_rx) = CHAN_NONE;
		err_t e = chan_create(&report_tx, &reports, CAPACITY);
		if (!e)
			e = start(clients, requests, &out, &report_tx, &t);
		if (e)
			kprintf("chan_server: cannot start: %s\n", err_name(e));
		else
			kprintf("chan_server: %llu clients and the server started\n", (unsigned long long)clients);
		requests_tx_drop(&out);      /* the clients' clones alone keep the server going */
		reports_tx_drop(&report_tx); /* ... and the reports coming */
		ok = collect(&reports, requests, &answered) && !e;
	}
	int64_t served = -1;
	if (t.server.t && (task_join(&t.server, &served) || served < 0)) {
		kprintf("chan_server: the server did not end cleanly\n");
		ok = false;
	}
	for (unsigned i = 0; i < t.clients; i++) {
		int64_t value = -1;
		if (task_join(&t.client[i], &value) || value)
			ok = false;
	}
	ok &= (uint64_t)served == answered;
	if (served >= 0)
		kprintf("chan_server: the server answered %llu requests of %llu clients; %s\n",
			(unsigned long long)served, (unsigned long long)clients, ok ? "every answer right" : "FAILED");
	return ok ? 0 : 1;
}
APP_ENTRY(chan_server_main);
