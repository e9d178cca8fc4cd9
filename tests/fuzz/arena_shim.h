/* The fuzz build's one adjustment to the hosted HAL: ASan's low shadow
 * starts at 0x7fff8000 (x86_64 Linux; the runtime maps it from 0x7fff7000),
 * inside the last 32 KiB of the hosted arena [0x60000000, 0x80000000), so hosted_mem_init's MAP_FIXED_NOREPLACE
 * reservation fails ("File exists"). arena_shim.c wraps mmap/munmap at link
 * time (-Wl,--wrap=mmap,--wrap=munmap) and clamps any request in the arena
 * to end at FUZZ_ARENA_END; fuzz_loader.c shrinks info.arena_size to match
 * before mm_init, so the kernel never uses the clamped tail. */
#ifndef FUZZ_ARENA_SHIM_H
#define FUZZ_ARENA_SHIM_H
#define FUZZ_ARENA_END 0x7fff0000UL /* 64 KiB clear of the shadow */
#endif
