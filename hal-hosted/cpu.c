/* Hosted CPUs: CPU 0 is the process's main thread, CPUs 1..N-1 are host
 * threads started by hal_cpu_start and joined by hal_cpu_join once their
 * entry returns. Halting sleeps for at most a
 * millisecond or until a signal (tick or hal_cpu_wake) arrives; power-off
 * is process exit. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hal_cpu.h"
#include "hosted.h"

static __thread unsigned this_cpu;
static pthread_t threads[HOSTED_MAX_CPUS];
static unsigned ncpus = 1;

void hosted_cpu_init(unsigned count)
{
	ncpus = count;
	threads[0] = pthread_self();
}

unsigned hal_cpu_id(void) { return this_cpu; }
unsigned hal_cpu_count(void) { return ncpus; }

void hal_cpu_halt(void)
{
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL); /* a signal ends it early */
}

struct start {
	unsigned cpu;
	void (*entry)(unsigned);
};

static void *cpu_thread(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	this_cpu = s.cpu;
	hosted_signals_init_thread();
	s.entry(s.cpu);
	return NULL;
}

bool hal_cpu_start(unsigned cpu, void (*entry)(unsigned cpu))
{
	struct start *s = malloc(sizeof *s);
	if (!s || cpu == 0 || cpu >= ncpus) {
		free(s);
		return false;
	}
	*s = (struct start){ cpu, entry };
	if (pthread_create(&threads[cpu], NULL, cpu_thread, s) != 0) {
		free(s);
		return false;
	}
	return true;
}

void hal_cpu_join(unsigned cpu)
{
	if (cpu != 0 && cpu < ncpus)
		pthread_join(threads[cpu], NULL);
}

void hal_cpu_wake(unsigned cpu)
{
	if (cpu < ncpus && cpu != this_cpu)
		pthread_kill(threads[cpu], SIGUSR1);
}

void hal_cpu_poweroff(int status)
{
	fflush(NULL);
	hosted_console_restore();
	_exit(status); /* other CPUs stop with the process, wherever they are */
}
