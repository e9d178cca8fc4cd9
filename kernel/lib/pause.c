/* Pausing CPUs at safe points (pause.h). A request has a generation; a CPU
 * that stops stores that generation in its slot and spins while it is still
 * the active one. The requester counts a CPU as stopped only when its slot
 * holds the current generation, so an acknowledgement left over from an
 * earlier request never counts for a later one. On leaving, a CPU runs a
 * serializing instruction: the code it returns to may have been patched
 * while it waited (Intel SDM, cross-modifying code). */
#include "hal_cpu.h"
#include "hal_time.h"
#include "irq.h"
#include "klib.h"
#include "pause.h"
#include "spinlock.h"

static uint64_t active;   /* the generation being held, 0 when none */
static uint64_t last_gen; /* generations handed out (requester only) */
static uint32_t wanted;   /* CPUs asked to stop */
static uint64_t stopped[MAX_CPUS]; /* generation each CPU last stopped for */

static void serialize(void)
{
	uint32_t a = 0, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
}

bool pause_wanted(void)
{
	unsigned id = hal_cpu_id();
	return __atomic_load_n(&active, __ATOMIC_ACQUIRE) && id < MAX_CPUS &&
	       (__atomic_load_n(&wanted, __ATOMIC_ACQUIRE) & (1u << id));
}

void pause_point(void)
{
	if (!pause_wanted() || spin_held())
		return;
	irq_state_t s = irq_save();
	unsigned id = hal_cpu_id();
	uint64_t gen = __atomic_load_n(&active, __ATOMIC_ACQUIRE);
	if (gen && id < MAX_CPUS && (__atomic_load_n(&wanted, __ATOMIC_ACQUIRE) & (1u << id))) {
		__atomic_store_n(&stopped[id], gen, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&active, __ATOMIC_ACQUIRE) == gen)
			__builtin_ia32_pause();
		serialize();
	}
	irq_restore(s);
}

void pause_request(uint32_t mask)
{
	__atomic_store_n(&wanted, mask, __ATOMIC_RELEASE);
	__atomic_store_n(&active, ++last_gen, __ATOMIC_SEQ_CST);
}

/* The first CPU of the request that has not stopped, or MAX_CPUS. */
static unsigned first_running(uint64_t gen)
{
	for (unsigned id = 0; id < MAX_CPUS; id++)
		if ((wanted & (1u << id)) && __atomic_load_n(&stopped[id], __ATOMIC_ACQUIRE) != gen)
			return id;
	return MAX_CPUS;
}

err_t pause_wait(uint64_t timeout_ns, unsigned *late)
{
	uint64_t gen = __atomic_load_n(&active, __ATOMIC_RELAXED);
	uint64_t deadline = hal_time_ns() + timeout_ns;
	unsigned id;
	while ((id = first_running(gen)) < MAX_CPUS) {
		if (hal_time_ns() > deadline) {
			*late = id;
			pause_release();
			return E_TIMEOUT;
		}
		__builtin_ia32_pause();
	}
	return E_OK;
}

void pause_release(void)
{
	__atomic_store_n(&active, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&wanted, 0, __ATOMIC_RELEASE);
}
