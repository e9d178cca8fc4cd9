#!/bin/sh
# pushed_args.sh SOURCE_DIR BUILD_DIR hosted|qemu BUILD...
# A fault between two pushes of a call's stack arguments (tests/
# unwind_matrix/pushed_args.c, built with tools/mkcell for each BUILD,
# CC:LEVEL, as pa_CC_OLEVEL): both cleanups must run, innermost first, the
# inner one seeing its canary, and the fault be logged as unwound with 2
# landing pads. Exit 77 (skip) without qemu.
set -u
src=$1 build=$2 mode=$3
shift 3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "pushed arguments test: $*"; exit 1; }
cp "$build"/cells/*.o "$dir/" || fail "no cells in $build/cells"
cmds="" cells=""
for b in "$@"; do
	cc=${b%%:*} lvl=${b#*:}
	cell=pa_${cc}_O$lvl
	cells="$cells $cell"
	THESEUS_BUILD=$build "$src/tools/mkcell" -o "$dir/$cell.o" --cc "$cc" -O "$lvl" --name "$cell" --class app \
		-DPA_NAME="$cell" "$src/tests/unwind_matrix/pushed_args.c" >/dev/null 2>&1 || fail "mkcell $b failed"
	cmds="${cmds}load $cell
call ${cell}_run
"
done
cmds="${cmds}faults
exit 0"
out=$dir/out.txt
if [ "$mode" = qemu ]; then
	printf '%s\n' "$cmds" >"$dir/script.txt"
	QEMU_CELLS=$dir "$src/tests/qemu/run_qemu.sh" "$build" "$dir/script.txt" >"$out" 2>&1
else
	"$build/theseus" --cells "$dir" -c "$cmds" </dev/null >"$out" 2>&1
fi
rc=$?
tr -d '\r' <"$out" >"$out.1" && mv "$out.1" "$out"
cat "$out"
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "exit status $rc, expected 0"
for cell in $cells; do
	got=$(grep "^$cell: " "$out")
	want="$cell: inner cleanup, canary ok
$cell: outer cleanup, ok"
	[ "$got" = "$want" ] || fail "$cell: cleanups were
$got
expected
$want"
	grep -Eq "task [0-9]+ \\(${cell}_run\\).*page fault at $cell:.*pa_mid.*: unwound, 2 landing pad\\(s\\) run" "$out" ||
		fail "$cell: the fault is not logged as unwound with 2 landing pads"
done
echo "pushed arguments test: $# build(s), both cleanups ran in order with their frames intact"
