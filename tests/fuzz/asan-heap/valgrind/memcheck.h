/* Fuzz build only (build.sh puts tests/fuzz/asan-heap first on the include
 * path): the kernel heap's memcheck client requests (kernel/mm/heap.c)
 * become ASan poisoning, so ASan sees kernel heap blocks - the loader's
 * bookkeeping arrays live there - and reports overflows past a block and
 * uses of freed blocks, as memcheck does under valgrind. hal_map is wrapped
 * (arena_shim.c) to unpoison pages as they are mapped, since a virtual page
 * can hold a slab, then a cell region. */
#ifndef FUZZ_ASAN_HEAP_MEMCHECK_H
#define FUZZ_ASAN_HEAP_MEMCHECK_H
#include <sanitizer/asan_interface.h>

void fuzz_heap_freelike(const void *p);

#define VALGRIND_MAKE_MEM_NOACCESS(a, n) ASAN_POISON_MEMORY_REGION((a), (n))
#define VALGRIND_MAKE_MEM_UNDEFINED(a, n) ASAN_UNPOISON_MEMORY_REGION((a), (n))
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ASAN_UNPOISON_MEMORY_REGION((a), (n))
#define VALGRIND_MALLOCLIKE_BLOCK(p, n, rz, zeroed) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define VALGRIND_FREELIKE_BLOCK(p, rz) fuzz_heap_freelike(p)
/* The retired-cell scan (kernel/swap/retire_scan.c) asks memcheck about
 * definedness only under valgrind; the fuzzer never swaps. */
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_GET_VBITS(a, v, n) 0
#define VALGRIND_SET_VBITS(a, v, n) 0
#endif
