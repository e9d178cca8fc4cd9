#!/bin/sh
# Builds the loader fuzzer: tests/fuzz/build.sh BUILD_DIR SOURCE_DIR
# Output: BUILD_DIR/fuzz/fuzz_loader. Exit 77 (skip) when clang or its
# libFuzzer/ASan/UBSan runtime is missing, 1 on a build error.
#
# The nano_core (kernel/**/*.c), the hosted HAL (hal-hosted/*.c but main.c)
# and fuzz_loader.c are compiled with clang -fsanitize=fuzzer,address,undefined
# and linked -no-pie (the hosted arena sits below 2 GiB and cells use the
# small code model, DESIGN.md §3). $CC overrides the compiler.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
out=$build/fuzz
obj=$out/obj

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

cc=${CC:-}
if [ -z "$cc" ] || ! "$cc" --version 2>/dev/null | grep -qi clang; then
	cc=
	for c in clang clang-14 clang-15 clang-16 clang-17 clang-18 clang-19; do
		if command -v "$c" >/dev/null 2>&1; then
			cc=$c
			break
		fi
	done
fi
[ -n "$cc" ] || skip "no clang found (CI: apt-get install clang libclang-rt-14-dev)"

mkdir -p "$obj"
san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
# A probe: clang present but its fuzzer/sanitizer runtime (libclang-rt-*-dev) missing.
cat >"$obj/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return d && n ? 0 : 0; }
EOF
if ! "$cc" $san -no-pie -o "$obj/probe" "$obj/probe.c" >"$obj/probe.log" 2>&1; then
	cat "$obj/probe.log" >&2
	skip "$cc cannot link -fsanitize=fuzzer,address,undefined (CI: apt-get install libclang-rt-14-dev)"
fi

# -fno-builtin on the kernel: it defines memcpy/strlen/... itself (kernel/lib/string.c),
# and clang must not turn their loops back into calls to themselves (the main
# build gets the same from -ffreestanding).
common="-g -O1 -fno-pie $san -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter"
# asan-heap first: its valgrind/memcheck.h turns the kernel heap's memcheck
# client requests into ASan poisoning (see that file).
common="$common -I$src/tests/fuzz/asan-heap -I$src/kernel/include -I$src/kernel/private -I$src/hal -I$src/hal-hosted"
dflt_cells="-DTHESEUS_CELL_DIR=\"$build/cells\""

objs=
jobs=
# Everything is rebuilt each time (a few seconds): no stale objects after
# flag or header changes.
compile() { # source object extra-flags...
	s=$1 o=$2
	shift 2
	"$cc" $common "$@" -c "$s" -o "$o" &
	jobs="$jobs $!"
	objs="$objs $o"
	# at most a few compiles at a time
	if [ "$(echo $jobs | wc -w)" -ge "${FUZZ_BUILD_JOBS:-4}" ]; then
		for j in $jobs; do wait "$j" || exit 1; done
		jobs=
	fi
}

# Objects keep their sources' paths (kernel/<folder>/x.c.o, hal-hosted/x.c.o):
# tools/nanocells tells the nano_core's cells apart by them.
for s in $(cd "$src" && find kernel -name '*.c' | sort); do
	mkdir -p "$obj/$(dirname "$s")"
	compile "$src/$s" "$obj/$s.o" -fno-builtin
done
mkdir -p "$obj/hal-hosted" "$obj/hal-x86_64"
for s in $(cd "$src" && ls hal-hosted/*.c | grep -v '/main\.c$'); do
	compile "$src/$s" "$obj/$s.o"
done
mkdir -p "$obj/hal/x86_64"
"$cc" -c "$src/hal/x86_64/context.S" -o "$obj/hal/x86_64/context.S.o" || exit 1 # the shared register switch
objs="$objs $obj/hal/x86_64/context.S.o"
for s in $(cd "$src" && { find kernel -name '*.S'; ls hal-hosted/*.S; } | sort); do
	o="$obj/$s.o"
	"$cc" -c "$src/$s" -o "$o" || exit 1
	objs="$objs $o"
done
compile "$src/tests/fuzz/fuzz_loader.c" "$obj/fuzz_loader.o" "$dflt_cells"
compile "$src/tests/fuzz/arena_shim.c" "$obj/arena_shim.o"
for j in $jobs; do wait "$j" || exit 1; done

# Only objects of the current sources are linked.
# --wrap: see arena_shim.c (the hosted arena must end below ASan's shadow;
# mapped pages are unpoisoned).
"$cc" $san -g -no-pie -Wl,--wrap=mmap,--wrap=munmap,--wrap=hal_map -Wl,-Map="$out/fuzz_loader.map" \
	-o "$out/fuzz_loader.new" $objs -lffi -lpthread
# The nano_core as cells: its table, as the CMake build adds it to every image.
[ -x "$build/tools/nanocells" ] || { echo "no $build/tools/nanocells: build the tree first" >&2; exit 1; }
"$build/tools/nanocells" "$out/fuzz_loader.map" "$out/fuzz_loader.table"
objcopy --add-section .theseus.nano_cells="$out/fuzz_loader.table" "$out/fuzz_loader.new"
objcopy --set-section-alignment .theseus.nano_cells=8 "$out/fuzz_loader.new"
mv "$out/fuzz_loader.new" "$out/fuzz_loader"
echo "built $out/fuzz_loader with $cc"
