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
fail() { echo "pushed arguments test: $*"; exit 1; }
. "$src/tests/lib/cells.sh"
cells_dir_new
cmds="" cells=""
for b in "$@"; do
	cells_build "$b" pa "$src/tests/unwind_matrix/pushed_args.c" PA_NAME
	cells="$cells $cell"
	cmds="${cmds}load $cell
call ${cell}_run
"
done
cmds="${cmds}faults
exit 0"
out=$dir/out.txt
cells_run "$mode" "$out" "$cmds"
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
