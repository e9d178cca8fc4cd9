#!/bin/sh
# opaque.sh SOURCE_DIR BUILD_DIR BUILD...
# The cell authors' rule of docs/faults.md (tests/unwind_matrix/opaque.c,
# built with tools/mkcell for each BUILD, CC:LEVEL, as op_CC_OLEVEL): a
# callee called through a volatile function pointer keeps its caller's
# cleanup, on a NULL dereference in a leaf (mode 0) and on a stack
# overflow in a recursion touching only a global (mode 1).
set -u
src=$1 build=$2
shift 2
fail() { echo "opaque callee test: $*"; exit 1; }
. "$src/tests/lib/cells.sh"
cells_dir_new
cmds="" cells=""
for b in "$@"; do
	cells_build "$b" op "$src/tests/unwind_matrix/opaque.c" OP_NAME
	cells="$cells $cell"
	cmds="${cmds}load $cell
call ${cell}_run 0
call ${cell}_run 1
"
done
cmds="${cmds}faults
exit 0"
out=$dir/out.txt
cells_run hosted "$out" "$cmds"
cat "$out"
[ $rc = 0 ] || fail "exit status $rc, expected 0"
for cell in $cells; do
	got=$(grep "^$cell: " "$out")
	want="$cell: caller's cleanup runs (mode 0)
$cell: caller's cleanup runs (mode 1)"
	[ "$got" = "$want" ] || fail "$cell: cleanups were
$got
expected
$want"
	[ "$(grep -Ec "task [0-9]+ \\(${cell}_run\\).*: unwound, 1 landing pad\\(s\\) run" "$out")" = 2 ] ||
		fail "$cell: the two faults are not logged as unwound with 1 landing pad each"
done
echo "opaque callee test: $# build(s), the caller's cleanup ran on both faults"
