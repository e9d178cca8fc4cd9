/* The hosted HAL's own setup API, used by its main() and by the unit tests
 * (which boot a small machine per test). Not part of the HAL contract. */
#ifndef HAL_HOSTED_H
#define HAL_HOSTED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hal_boot.h"

/* The arena: below 2 GiB (small code model with the -no-pie executable),
 * above the randomised brk heap (Linux places it up to 1 GiB past the
 * executable) and clear of valgrind's own tool mapped at 0x58000000. */
#define HOSTED_ARENA_BASE 0x60000000UL
#define HOSTED_ARENA_SIZE 0x20000000UL /* 512 MiB, ending at 2 GiB */
#define HOSTED_DEFAULT_MEMORY (256UL << 20)
#define HOSTED_MAX_MEMORY (4UL << 30)

/* Creates "physical memory" (a memfd of phys_bytes) and reserves the arena,
 * filling info's memory regions and arena. False with a message on error. */
bool hosted_mem_init(uint64_t phys_bytes, struct hal_boot_info *info);
void hosted_mem_fini(void);

/* Lists the *.o files of dir as cell images (mapped read-only). */
bool hosted_cells_load(const char *dir, struct hal_boot_info *info);
/* "a directory", "a FIFO", ... for a file mode that is not a regular file
 * (shared with tools/cellinfo, which links the hosted HAL). */
const char *hosted_file_kind(mode_t m);
void hosted_cells_fini(struct hal_boot_info *info);

/* Maps the simulator's own executable so the kernel can read its symbols. */
void hosted_kernel_image(struct hal_boot_info *info);
void hosted_kernel_image_fini(struct hal_boot_info *info);

#define HOSTED_MAX_CPUS 16
/* Records the number of virtual CPUs; the calling thread is CPU 0. */
void hosted_cpu_init(unsigned count);
/* Installs the timer and wake-up signal handlers (once per process). */
void hosted_signals_init(void);
void hosted_signals_init_thread(void);

/* Lists the .eh_frame of libffi (under `call`) in info. */
void hosted_unwind_info(struct hal_boot_info *info);

/* Between a signal's ucontext and the HAL's register record. */
struct hal_regs;
void hosted_regs_from(const void *ucontext, struct hal_regs *out);
void hosted_regs_to(const struct hal_regs *in, void *ucontext);

void hosted_console_init(void);
/* Puts the terminal's modes back if raw input changed them; async-signal-
 * safe, for every path that ends the process. */
void hosted_console_restore(void);
void hosted_fault_init(void);

/* Parses "256M", "1G", "65536K" or bytes. */
bool hosted_parse_size(const char *s, uint64_t *out);

#endif
