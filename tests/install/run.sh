#!/bin/sh
# run.sh SOURCE_DIR BUILD_DIR
# `cmake --install` of the build into a fresh prefix, checked as a user meets
# it (docs/fixture.md): the layout; no installed text file (pkg-config files,
# scripts, cell.include, the example) names the source or build tree; the
# .pc files' include directories and objects exist; the installed simulator
# boots from the installed cells; and the example project, copied out of the
# tree, configures against the prefix through PKG_CONFIG_PATH alone, builds
# its cells with the installed mkcell and passes its Check test (a swap
# under load), under valgrind too when it is here.
set -u
src=$1 build=$2
fail() { echo "install test: $*"; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/theseus-install.XXXXXX") || fail "no temporary directory"
trap 'rm -rf "$dir"' EXIT INT TERM
prefix=$dir/prefix
# Nothing of the tree may reach the example but the prefix.
unset THESEUS_BUILD THESEUS_CELLS PKG_CONFIG_PATH CMAKE_PREFIX_PATH

cmake --install "$build" --prefix "$prefix" >"$dir/install.log" 2>&1 || { cat "$dir/install.log"; fail "cmake --install failed"; }

for f in bin/theseus bin/mkcell bin/cellinfo bin/theseus-nanotable libexec/theseus/theseus libexec/theseus/nanocells; do
	[ -x "$prefix/$f" ] || fail "$f is not installed (or not executable)"
done
for f in lib/libtheseus_fixture.a lib/pkgconfig/theseus-cell.pc lib/pkgconfig/theseus-fixture.pc \
	include/theseus/fixture.h include/theseus/cell.h include/theseus/swap.h include/theseus/task.h \
	include/theseus/cells/dep_lib/dep_lib.h share/theseus/cell.flags share/theseus/cell.include \
	share/theseus/cells/sched_rr.o share/theseus/cells/hello.o share/theseus/boot/theseus-x86_64.elf \
	share/theseus/example/CMakeLists.txt; do
	[ -f "$prefix/$f" ] || fail "$f is not installed"
done
[ -x "$build/tools/evolve" ] && { [ -x "$prefix/bin/evolve" ] || fail "bin/evolve is not installed"; }
# The HAL is not part of a cell's interface (docs/cells.md): no hal header installed.
[ -z "$(find "$prefix/include" -name 'hal*.h')" ] || fail "a HAL header is installed"

# Text files only: the binaries' debug information names their sources, as any build's does.
leaks=$(grep -rIl -e "$src" -e "$build" "$prefix")
[ -z "$leaks" ] || fail "installed files name the source or build tree: $leaks"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
for pc in theseus-cell theseus-fixture; do
	pkg-config --exists "$pc" || fail "pkg-config does not find $pc"
	for flag in $(pkg-config --cflags-only-I "$pc"); do
		[ -d "${flag#-I}" ] || fail "$pc: include directory ${flag#-I} does not exist"
	done
done
[ -f "$(pkg-config --variable=includedir theseus-fixture)/theseus/fixture.h" ] || fail "theseus-fixture: no theseus/fixture.h under its includedir"
n_objects=0
for word in $(pkg-config --libs theseus-fixture); do
	case "$word" in
	*.o) [ -f "$word" ] || fail "theseus-fixture links $word, which does not exist"; n_objects=$((n_objects + 1)) ;;
	esac
done
[ "$n_objects" -gt 0 ] || fail "theseus-fixture lists no nano_core objects"
for var in mkcell cellinfo; do
	[ -x "$(pkg-config --variable=$var theseus-cell)" ] || fail "theseus-cell: $var is not a program"
done
[ -x "$(pkg-config --variable=nanotable theseus-fixture)" ] || fail "theseus-fixture: nanotable is not a program"
[ -d "$(pkg-config --variable=cellsdir theseus-fixture)" ] || fail "theseus-fixture: cellsdir is not a directory"

# A cell compiled with theseus-cell's flags alone (a cells' shared header
# too) passes the installed checker and loads and runs in the installed
# simulator.
mkdir "$dir/cells"
cp "$prefix"/share/theseus/cells/*.o "$dir/cells/"
printf '%s\n' '#include "cell.h"' '#include "dep_lib/dep_lib.h"' 'CELL_INFO("pc_cell", CELL_KERNEL, 1);' \
	'int pc_cell_value(int x) { return x * 7; }' >"$dir/pc_cell.c"
# shellcheck disable=SC2046 # pkg-config's words are separate flags
cc $(pkg-config --cflags theseus-cell) -c "$dir/pc_cell.c" -o "$dir/cells/pc_cell.o" ||
	fail "a cell does not compile with pkg-config --cflags theseus-cell"
"$prefix/bin/cellinfo" --check "$dir/cells/pc_cell.o" >/dev/null || fail "the installed cellinfo refuses the cell"
"$prefix/bin/theseus" --cells "$dir/cells" -c "load pc_cell; call pc_cell_value 6" >"$dir/sim.txt" 2>&1
grep -q "pc_cell_value returned 42 " "$dir/sim.txt" || { cat "$dir/sim.txt"; fail "pc_cell_value 6 did not return 42"; }

# The installed simulator's cells are the installed ones: one removed there is gone.
rm "$prefix/share/theseus/cells/hello.o"
"$prefix/bin/theseus" -c "load hello" >"$dir/sim.txt" 2>&1
grep -q "load: cell hello: not found" "$dir/sim.txt" ||
	{ cat "$dir/sim.txt"; fail "the installed simulator found hello.o outside the prefix"; }
"$prefix/bin/theseus" -c "load chain_a; call chain_a_main 3" >"$dir/sim.txt" 2>&1 ||
	{ cat "$dir/sim.txt"; fail "the installed simulator did not run chain_a"; }
grep -q "chain_a_main returned 20 " "$dir/sim.txt" || { cat "$dir/sim.txt"; fail "chain_a_main did not return 20"; }

# The example, from a copy outside the tree.
cp -r "$src/tools/example" "$dir/example"
cmake -S "$dir/example" -B "$dir/example/build" >"$dir/configure.log" 2>&1 ||
	{ cat "$dir/configure.log"; fail "the example does not configure against the prefix"; }
cmake --build "$dir/example/build" -j2 >"$dir/build.log" 2>&1 ||
	{ cat "$dir/build.log"; fail "the example does not build against the prefix"; }
ctest --test-dir "$dir/example/build" --output-on-failure ||
	fail "the example's tests fail"
echo "install test: installed to a fresh prefix; the example built against it and its swap test passed"
