#!/bin/sh
# run.sh SOURCE_DIR BUILD_DIR hosted|valgrind|qemu BUILD...
# The unwinding matrix (issue 9): builds tests/unwind_matrix/matrix.c with
# tools/mkcell for each BUILD (CC:LEVEL, e.g. gcc:0 clang:s) as the cell
# um_CC_OLEVEL, then in one simulator run (or one QEMU boot) makes each cell's
# chain of frames end four ways: a machine fault and a panic (through `call`),
# a kill while it sleeps and a kill while it spins (through `spawn`; under
# valgrind all but the machine fault, which memcheck reports). Each
# time every cleanup must run, innermost first, each seeing its frame intact:
# the exact sequence of cleanup lines is compared. Exit 77 (skip) without qemu.
set -u
src=$1 build=$2 mode=$3
shift 3
fail() { echo "unwind matrix: $*"; exit 1; }
. "$src/tests/lib/cells.sh"
cells_dir_new

# Under valgrind, no machine fault (memcheck counts the deliberate one as an
# error) and no kill of a spinning task (the tick's diversion into the
# unwinder writes below the stack pointer memcheck knows: kernel/task).
calls="0 1" kills="2 3"
[ "$mode" = valgrind ] && calls=1 kills=2
# Task ids on one CPU: each `call` and `spawn` starts a task, the first is 2.
# The cleanups take notes; `call CELL_log` prints them once the task ended.
id=2 cmds="" cells=""
for b in "$@"; do
	cells_build "$b" um "$src/tests/unwind_matrix/matrix.c" UM_NAME
	cells="$cells $cell"
	cmds="${cmds}load $cell
"
	for m in $calls; do
		cmds="${cmds}call ${cell}_run $m
call ${cell}_log
"
		id=$((id + 2))
	done
	for m in $kills; do
		cmds="${cmds}spawn $cell $m
call ${cell}_ready
kill $id
join $id
call ${cell}_log
"
		id=$((id + 3))
	done
done
cmds="${cmds}faults
exit 0"

out=$dir/out.txt
cells_run "$mode" "$out" "$cmds"
cat "$out"
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "exit status $rc, expected 0"

for cell in $cells; do
	expected=""
	for m in $calls $kills; do
		expected="$expected$cell: cleanup leaf (mode $m)
$cell: cleanup recursion: 1100 levels deep, 109 of 109 cleanups in order, stack arguments 24
$cell: cleanup stack-argument caller: canary intact
$cell: cleanup entry (mode $m)
"
	done
	got=$(tr -d '\r' <"$out" | grep "^$cell: cleanup")
	if [ "$got" != "${expected%?}" ]; then
		printf 'expected:\n%s\ngot:\n%s\n' "$expected" "$got"
		fail "$cell: the cleanups did not run as expected"
	fi
	# The fault's unwind starts in the cell (no kernel frame): exactly its 113 pads,
	# 1 leaf + 109 recursion levels + um_many + um_stacked + the entry.
	for re in "page fault at $cell:.*um_poke.*: unwound, 113 landing pad" "panic at $cell:.*: unwound"; do
		[ "$mode" = valgrind ] && [ "${re#page}" != "$re" ] && continue
		tr -d '\r' <"$out" | grep -Eq "$re" || fail "$cell: no fault log line matching '$re'"
	done
	[ "$(tr -d '\r' <"$out" | grep -Ec "^killing task [0-9]+ \\($cell\\)")" = $(echo $kills | wc -w) ] ||
		fail "$cell: not killed $(echo $kills | wc -w) times"
done
! grep -q "unwinding task .* failed" "$out" || fail "an unwind failed"
[ "$(grep -c "failed (killed)" "$out")" = $(($# * $(echo $kills | wc -w))) ] || fail "not every kill ended its task"
echo "unwind matrix: $# build(s) x $(echo $calls $kills | wc -w) ways, every cleanup ran in order"
