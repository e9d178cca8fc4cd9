/* bench: the Linux side of every figure, measured on the boot thread in the
 * same run as the theseus-c side (bench.c): getpid, two pinned threads
 * handing off with sched_yield, pthread create+join, mmap+touch+munmap,
 * dlopen+dlsym+thread+dlclose, fork+exec+wait, and a one-byte pipe round
 * trip between two pinned threads. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#ifndef BENCH_DL_PATH
#define BENCH_DL_PATH "libbench_dl_hello.so"
#endif

static volatile long pid_sink;

double lx_getpid(unsigned n)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		pid_sink = syscall(SYS_getpid);
	return (double)(now_ns() - t0) / n;
}

struct handoff {
	unsigned long n;
	_Atomic unsigned long turn;
	_Atomic int ready;
	uint64_t t0;
	uint64_t t1; /* __atomic builtins */
};
struct handoff_arg {
	struct handoff *h;
	unsigned long me;
};

static void handoff_loop(struct handoff *h, unsigned long me)
{
	for (;;) {
		unsigned long t = h->turn;
		if (t >= h->n)
			break;
		if ((t & 1) == me)
			h->turn = t + 1;
		sched_yield();
	}
}

/* Both threads meet, thread 0 starts the clock, and each hands the turn
 * over and yields; the clock stops when the last one sees the end. */
static void *handoff_thread(void *p)
{
	struct handoff_arg *a = p;
	struct handoff *h = a->h;
	h->ready++;
	while (h->ready < 2)
		sched_yield();
	if (a->me == 0)
		h->t0 = now_ns();
	handoff_loop(h, a->me);
	uint64_t end = now_ns(), seen = __atomic_load_n(&h->t1, __ATOMIC_SEQ_CST);
	while (end > seen && !__atomic_compare_exchange_n(&h->t1, &seen, end, false, __ATOMIC_SEQ_CST,
							  __ATOMIC_SEQ_CST))
		;
	return NULL;
}

double lx_switch(unsigned n)
{
	struct handoff h = { .n = n };
	struct handoff_arg args[2] = { { &h, 0 }, { &h, 1 } };
	pthread_attr_t attr;
	pinned_attr(&attr);
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		check_rc(pthread_create(&th[i], &attr, handoff_thread, &args[i]), "pthread_create");
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_attr_destroy(&attr);
	return (double)(h.t1 - h.t0) / (double)n;
}

static void *empty_thread(void *p)
{
	return p;
}

double lx_spawn(unsigned n)
{
	pthread_attr_t attr;
	pinned_attr(&attr);
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		pthread_t th;
		check_rc(pthread_create(&th, &attr, empty_thread, NULL), "pthread_create");
		pthread_join(th, NULL);
	}
	uint64_t t = now_ns() - t0;
	pthread_attr_destroy(&attr);
	return (double)t / n;
}

double lx_map(unsigned n)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			       -1, 0);
		if (p == MAP_FAILED)
			die("mmap", strerror(errno));
		*(volatile char *)p = 1;
		munmap(p, 4096);
	}
	return (double)(now_ns() - t0) / n;
}

static void *call_dl(void *fn)
{
	int (*f)(int) = (int (*)(int))fn;
	return (void *)(intptr_t)f(7);
}

static void dl_cycle(const pthread_attr_t *attr)
{
	void *h = dlopen(BENCH_DL_PATH, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		die("dlopen", dlerror());
	void *fn = dlsym(h, "dl_hello_value");
	if (!fn)
		die("dlsym", dlerror());
	pthread_t th;
	void *v;
	check_rc(pthread_create(&th, attr, call_dl, fn), "pthread_create");
	pthread_join(th, &v);
	if ((intptr_t)v != 21)
		die("dl_hello_value(7)", "wrong result");
	dlclose(h);
}

double lx_dl(unsigned n)
{
	pthread_attr_t attr;
	pinned_attr(&attr);
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		dl_cycle(&attr);
	uint64_t t = now_ns() - t0;
	pthread_attr_destroy(&attr);
	return (double)t / n;
}

static void fork_exec_true(void)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("/bin/true", "did not exit with 0");
}

double lx_fork(unsigned n)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		fork_exec_true();
	return (double)(now_ns() - t0) / n;
}

/* Ping-pong of one byte over two pipes between two threads pinned to the
 * same core: the pinger writes to one pipe and reads the answer from the
 * other; the ponger echoes. Timed in the pinger, after both have started. */
struct pipe_pair {
	int ping[2], pong[2];
	unsigned n;
	_Atomic int ready;
	uint64_t t0, t1;
};

static void pipe_move(ssize_t got, const char *what)
{
	if (got != 1)
		die(what, got < 0 ? strerror(errno) : "short transfer");
}

static void *pipe_ponger(void *p)
{
	struct pipe_pair *pp = p;
	pp->ready++;
	for (unsigned i = 0; i < pp->n; i++) {
		unsigned char b;
		pipe_move(read(pp->ping[0], &b, 1), "ponger: read");
		pipe_move(write(pp->pong[1], &b, 1), "ponger: write");
	}
	return NULL;
}

static void *pipe_pinger(void *p)
{
	struct pipe_pair *pp = p;
	while (!pp->ready)
		sched_yield();
	pp->t0 = now_ns();
	for (unsigned i = 0; i < pp->n; i++) {
		unsigned char b = (unsigned char)i;
		pipe_move(write(pp->ping[1], &b, 1), "pinger: write");
		pipe_move(read(pp->pong[0], &b, 1), "pinger: read");
		if (b != (unsigned char)i)
			die("pipe ping-pong", "a byte came back changed");
	}
	pp->t1 = now_ns();
	return NULL;
}

double lx_pipe(unsigned n)
{
	struct pipe_pair pp = { .n = n };
	if (pipe2(pp.ping, O_CLOEXEC) || pipe2(pp.pong, O_CLOEXEC))
		die("pipe2", strerror(errno));
	pthread_attr_t attr;
	pinned_attr(&attr);
	pthread_t pong, ping;
	check_rc(pthread_create(&pong, &attr, pipe_ponger, &pp), "pthread_create");
	check_rc(pthread_create(&ping, &attr, pipe_pinger, &pp), "pthread_create");
	pthread_join(ping, NULL);
	pthread_join(pong, NULL);
	pthread_attr_destroy(&attr);
	for (int i = 0; i < 2; i++) {
		close(pp.ping[i]);
		close(pp.pong[i]);
	}
	return (double)(pp.t1 - pp.t0) / n;
}
