#!/bin/sh
# nested.sh SOURCE_DIR BUILD_DIR hosted|valgrind|qemu|restart BUILD... [-- THESEUS_OPTIONS...]
# Unwinds short of stack or faulting again (tests/unwind_matrix/overflow.c,
# built with tools/mkcell for each BUILD, CC:LEVEL, as uo_CC_OLEVEL): a
# stack overflow through frames with cleanups must unwind every one of them
# (the kernel maps headroom below the stack); a cleanup that overflows the
# headroom, faults or panics ends its task as failed ("unwind failed"); the
# machine goes on each time. Under valgrind only the panic case (memcheck
# counts deliberate machine faults as errors). "restart": a restartable
# task that overflows is restarted with its guard page back, so every run
# overflows at the same depth, until the recurrence reboots (exit 4).
# Exit 77 (skip) without qemu.
set -u
src=$1 build=$2 mode=$3
shift 3
builds=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do builds="$builds $1"; shift; done
[ $# -gt 0 ] && shift # the simulator's own options follow --
fail() { echo "nested unwind test: $*"; exit 1; }
. "$src/tests/lib/cells.sh"
cells_dir_new
cmds="" cells=""
for b in $builds; do
	cells_build "$b" uo "$src/tests/unwind_matrix/overflow.c" UO_NAME
	cells="$cells $cell"
	case $mode in
	valgrind) cmds="${cmds}load $cell
call ${cell}_run 3
" ;;
	restart) cmds="${cmds}spawn --restartable $cell 0
join 2
" ;;
	*) cmds="${cmds}load $cell
call ${cell}_run 0
call ${cell}_run 1
call ${cell}_run 2
call ${cell}_run 3
call ${cell}_run 0
" ;;
	esac
done
cmds="${cmds}faults
exit 0"

out=$dir/out.txt
cells_run "$mode" "$out" "$cmds" "$@"
cat "$out"
[ $rc = 77 ] && exit 77
count() { grep -Ec -- "$1" "$out"; }
expect() { # expect COUNT REGEX
	[ "$(count "$2")" = "$1" ] || fail "expected $1 line(s) matching /$2/, got $(count "$2")"
}

if [ "$mode" = restart ]; then
	[ $rc = 4 ] || fail "exit status $rc, expected 4 (the recurrence reboots)"
	cell=${cells# }
	expect 4 "^$cell: overflow at level [0-9]+ unwound: every cleanup ran in order"
	[ "$(grep -E "^$cell: overflow at level" "$out" | sort -u | wc -l)" = 1 ] ||
		fail "the restarted runs overflowed at different depths: the guard page was not back"
	expect 4 "^#[1-4] .*task 2 .*page fault at $cell:.*\\(stack overflow(, $cell reloaded from 0x[0-9a-f]+ to 0x[0-9a-f]+, downtime [0-9]+ us)?\\): (restarted|data reinitialised|cell reloaded|reboot), "
	expect 1 "^#3 .*task 2 .*\\(stack overflow, $cell reloaded from .*\\): cell reloaded, "
	[ "$(grep -E "^#[1-4] .*stack overflow" "$out" | sed 's/.*address \(0x[0-9a-f]*\).*/\1/' | sort -u | wc -l)" = 1 ] ||
		fail "the restarted runs faulted at different addresses"
	echo "nested unwind test: every restart overflowed at the same depth with every cleanup run"
	exit 0
fi
[ $rc = 0 ] || fail "exit status $rc, expected 0"
for cell in $cells; do
	if [ "$mode" != valgrind ]; then
		# mode 0, twice: every cleanup, then the outer one
		expect 2 "^$cell: overflow at level [0-9]+ unwound: every cleanup ran in order"
		expect 2 "page fault at $cell:.*\\(stack overflow\\): unwound, [0-9]+ landing pad"
		# mode 1: the innermost cleanup overflows the headroom
		expect 1 "unwinding task [0-9]+ \\(${cell}_run\\) failed: fault in a cleanup at $cell:.*uo_big"
		expect 1 "page fault at $cell:.*uo_big.*\\(stack overflow, in a cleanup, unwinding fault #[0-9]+\\): unwind failed"
		# mode 2: a fault, then a fault in the cleanup
		expect 1 "page fault at $cell:.*uo_fail.*, address 0 \\(fault in a cleanup at $cell:.*\\): unwind failed, 1 landing"
		expect 2 "^$cell: inner cleanup starts"
		expect 2 "^$cell: outer cleanup ran"
	else
		expect 1 "^$cell: inner cleanup starts"
		expect 0 "^$cell: outer cleanup ran"
	fi
	# mode 3: a panic, then a panic in the cleanup
	expect 1 "panic in task [0-9]+ \\(${cell}_run\\) while unwinding: $cell: the cleanup panics too"
	expect 1 "panic at $cell:.*\\(fault in a cleanup at $cell:.*\\(fault #[0-9]+\\)\\): unwind failed, 1 landing"
done
expect 0 "no task to recover|machine stopped"
echo "nested unwind test: overflows unwound whole, nested faults ended their tasks, the machine went on"
