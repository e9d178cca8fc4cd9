/* kernel_main: the nano_core's boot sequence, called once by the HAL.
 * Brings up memory (frames, pages, heap), then the cell system (the
 * nano_core's own cells and the index of cell images), then loads the
 * shell cell and hands it the console or the boot commands. Returns the
 * exit status the HAL powers off with. */
#include "cell_boot.h"
#include "mm_boot.h"
#include "cell.h"
#include "export.h"
#include "fault.h"
#include "hal_boot.h"
#include "hal_cpu.h"
#include "heap.h"
#include "klib.h"
#include "mm.h"
#include "swap_boot.h"
#include "task.h"

/* The scheduler cell at boot, and the preemption tick. */
#define BOOT_SCHEDULER "sched_rr"
#define TICK_HZ 100

/* Below this the nano_core cannot hold its heap and a first cell. */
#define MIN_MEMORY (4UL << 20)
#define EXIT_BOOT_FAILED 2

static uint64_t usable_bytes(const struct hal_boot_info *info)
{
	uint64_t total = 0;
	for (size_t i = 0; i < info->n_mem; i++)
		total += info->mem[i].size;
	return total;
}

static err_t boot_memory(const struct hal_boot_info *info)
{
	uint64_t bytes = usable_bytes(info);
	if (bytes < MIN_MEMORY) {
		keprintf("theseus: %lu KiB of memory is too small for the kernel (needs at least %lu KiB)\n",
			(unsigned long)(bytes >> 10), MIN_MEMORY >> 10);
		return E_NOMEM;
	}
	err_t e = mm_init(info);
	if (!e)
		e = heap_init();
	if (e)
		keprintf("theseus: memory setup failed: %s (%s)\n", err_name(e), err_text(e));
	return e;
}

/* Printed once the image index is built, so that it counts the images
 * `images` lists; files refused at boot (a second image of one cell, a
 * broken leftover) are counted apart, each was named in its own message. */
static void banner(const struct hal_boot_info *info)
{
	const struct cell_image *imgs;
	size_t listed = cell_images(&imgs);
	char refused[64] = "";
	if (info->n_cells > listed)
		ksnprintf(refused, sizeof refused, " (%zu files, %zu refused)", info->n_cells,
			  info->n_cells - listed);
	kprintf("theseus-c nano_core: %lu MiB memory (%zu frames), %zu MiB arena, %zu exports, %zu cell images%s\n",
		(unsigned long)(usable_bytes(info) >> 20), frames_total(), info->arena_size >> 20,
		export_count(), listed, refused);
}

struct shell_start {
	int (*main)(const char *commands);
	const char *commands;
};

static int64_t shell_task(struct shell_start *s)
{
	return s->main(s->commands);
}

static bool task_ended(void *t)
{
	enum task_state st = task_state(t);
	return st == TASK_EXITED || st == TASK_FAILED || st == TASK_KILLED;
}

/* Loads the shell cell and runs it as a task; its status is the machine's. */
static int run_shell(const char *commands)
{
	struct cell_diag diag;
	struct cell *shell;
	err_t e = cell_load(ns_root(), "shell", &shell, &diag);
	const struct cell_symbol *entry = e ? NULL : ns_resolve(ns_root(), "shell_main");
	if (!entry || !entry->is_func) {
		char line[320];
		if (!e)
			diag = (struct cell_diag){ .err = E_UNDEF_SYMBOL, .symbol = "shell_main" };
		cell_diag_format(&diag, line, sizeof line);
		keprintf("theseus: cannot start the shell: %s\n", line);
		return EXIT_BOOT_FAILED;
	}
	struct shell_start start = { (int (*)(const char *))entry->addr, commands };
	struct task_options opts = TASK_OPTIONS_DEFAULT;
	opts.name = "shell";
	opts.cpu = 0;
	struct task_ref t;
	if ((e = TASK_SPAWN(&opts, shell_task, &start, &t))) {
		keprintf("theseus: cannot spawn the shell task: %s\n", err_text(e));
		return EXIT_BOOT_FAILED;
	}
	sched_idle_until(task_ended, t.t);
	int64_t status = EXIT_BOOT_FAILED;
	if (task_join(&t, &status))
		keprintf("theseus: the shell task did not exit normally\n");
	task_ref_drop(&t);
	return (int)status;
}

int kernel_main(const struct hal_boot_info *info)
{
	if (boot_memory(info))
		return EXIT_BOOT_FAILED;
	err_t e = cells_init(info);
	if (e) {
		keprintf("theseus: cell system setup failed: %s (%s)\n", err_name(e), err_text(e));
		return EXIT_BOOT_FAILED;
	}
	banner(info);
	if ((e = nano_core_register_unwind(info)))
		keprintf("theseus: no unwind information for the nano_core (%s): faults in it cannot be recovered\n",
			err_name(e));
	fault_init();
	const char *sched = info->scheduler ? info->scheduler : BOOT_SCHEDULER;
	if ((e = tasks_init(info->ncpus ? info->ncpus : 1, sched, TICK_HZ))) {
		keprintf("theseus: task setup failed: %s (%s)\n", err_name(e), err_text(e));
		cells_fini(); /* a boot error loses nothing either */
		return EXIT_BOOT_FAILED;
	}
	int status = run_shell(info->commands);
	if (!tasks_fini()) {
		kprintf("theseus: powering off with something still running: nothing is released\n");
		hal_cpu_poweroff(status);
	}
	swap_fini(); /* retired cells: nothing runs that could still use them */
	cells_fini();
	return status;
}
