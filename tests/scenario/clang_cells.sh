#!/bin/sh
# clang_cells.sh SOURCE_DIR BUILD_DIR
# Builds in-tree cells (hello, chain_a/b/c, reloc_zoo, faulty) with clang and
# its integrated assembler through tools/mkcell (the build's own flags), puts
# them beside the build's gcc-built shell and scheduler, and runs them in the
# simulator: dependency loading, every relocation type, a fault unwound.
# clang's .eh_frame is of type SHT_X86_64_UNWIND, which the loader accepts.
# Exit 77 (skip) without clang.
set -u
src=$1; build=$2
command -v clang >/dev/null 2>&1 || { echo "SKIP: clang not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "clang_cells.sh: $*"; exit 1; }
for c in shell sched_rr; do cp "$build/cells/$c.o" "$dir/" || fail "no $c.o in $build/cells"; done
for c in hello chain_a chain_b chain_c reloc_zoo faulty; do
	THESEUS_BUILD=$build "$src/tools/mkcell" -o "$dir/$c.o" --cc clang -I"$src/cells" "$src/cells/$c"/*.c 2>"$dir/$c.log" ||
		{ cat "$dir/$c.log"; fail "mkcell --cc clang refused $c"; }
	readelf -SW "$dir/$c.o" | grep -Eq '\] \.eh_frame +X86_64_UNWIND ' ||
		fail "$c.o: no .eh_frame of type X86_64_UNWIND: not clang's integrated assembler?"
done
out=$("$build/theseus" --cells "$dir" -c "load chain_a
call chain_a_main 5
load reloc_zoo
call zoo_check
load hello
call hello_main
load faulty
call fault_null
faults
ls" 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc = 1 ] || fail "exit status $rc, expected 1 (the faulting call fails)"
for re in "^loaded chain_a along with chain_c, chain_b$" "^chain_a_main returned 32 " \
	"^loaded reloc_zoo$" "^zoo_check returned 0 " "^Hello from the hello cell!$" "^hello_main returned 0 " \
	"^machine fault: page fault at faulty:.text.fault_null\+0x[0-9a-f]+ " \
	"#1 .*page fault at faulty:.text.fault_null.*: unwound" "^  (chain_a|chain_b|chain_c|reloc_zoo|hello|faulty) +app"; do
	printf '%s\n' "$out" | grep -Eq -- "$re" || fail "output lacks /$re/"
done
[ "$(printf '%s\n' "$out" | grep -Ec '^  (chain_a|chain_b|chain_c|reloc_zoo|hello|faulty) +app')" = 6 ] ||
	fail "not all six clang-built cells are loaded"
echo "clang_cells.sh: clang-built cells load, link and run"
