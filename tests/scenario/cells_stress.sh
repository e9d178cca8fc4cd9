#!/bin/bash
# cells_stress.sh ROUNDS machine|panic -- SIM...
# The concurrency rule (docs/concurrency.md) as a user meets it, with
# --cpus 4: tasks run, sleep and block on CPUs 1-3 while the shell, ROUNDS
# times, loads hello, calls into it, faults in another cell (the fault is
# logged, so the fault path reads the cell system while it changes) and
# unloads hello again (the fault: a null dereference, or under valgrind,
# where a machine fault is itself a memcheck error, a panic). Every round
# must complete, every fault be unwound,
# the cells at the end be those at the start, and the live tasks be ended
# at exit with their cleanups run. SIM may be prefixed with valgrind.
set -u
rounds=$1 kind=$2
shift 3
if [ "$kind" = machine ]; then
	fn=fault_null
	said='^machine fault: page fault at faulty:\.text\.fault_null\+0x[0-9a-f]+ \(fault_null\+0x[0-9a-f]+\), address 0$'
	logged='page fault at faulty:\.text\.fault_null\+0x[0-9a-f]+ '
else
	fn=fault_panic
	said='^panic in task [0-9]+ \(fault_panic\): faulty: invariant broken on purpose$'
	logged='panic at faulty:\.text\.fault_panic\+0x[0-9a-f]+ '
fi
script=$(mktemp)
out=$(mktemp)
trap 'rm -f "$script" "$out"' EXIT
{
	echo "load faulty"
	echo "spawn spinner 0"
	echo "spawn spinner 1"
	echo "spawn spinner 2"
	echo "ls"
	for ((i = 0; i < rounds; i++)); do
		echo "load hello"
		echo "call hello_main"
		echo "call $fn"
		echo "unload hello"
	done
	echo "ls"
	echo "faults"
} >"$script"
"$@" --cpus 4 "$script" </dev/null >"$out" 2>&1
rc=$?
bad=0
expect_count() { # what regex count
	local n
	n=$(grep -cE "$2" "$out")
	[ "$n" = "$3" ] || { echo "cells_stress: $1: $n, expected $3"; bad=1; }
}
[ "$rc" = 1 ] || { echo "cells_stress: exit status $rc, expected 1 (the faulting calls fail)"; bad=1; }
expect_count "loads" '^loaded hello' "$rounds"
expect_count "calls into hello" '^hello_main returned 0 ' "$rounds"
expect_count "faults named" "$said" "$rounds"
expect_count "faulting calls ended" "^call: $fn failed" "$rounds"
# the log keeps the last 64 records: all of them unwound
expect_count "recent faults unwound" "^#[0-9]+ .*$logged.*: unwound, 0 landing pad" "$((rounds < 64 ? rounds : 64))"
expect_count "unloads" '^unloaded hello' "$rounds"
expect_count "cleanups at exit" '^spinner: cleanup frees the buffer$' 3
# the two `ls` tables (cells loaded) are the same
tables=$(awk '/^theseus> ls$/ { n++; in_t = 1; next } /^theseus> / { in_t = 0 } in_t { print n ": " $0 }' "$out")
first=$(echo "$tables" | sed -n 's/^1: //p')
last=$(echo "$tables" | sed -n 's/^2: //p')
[ -n "$first" ] && [ "$first" = "$last" ] || { echo "cells_stress: the cells at the end differ from those at the start"; bad=1; }
grep -qE 'outside every cell|machine stopped|kernel panic' "$out" && { echo "cells_stress: a fault went unnamed or stopped the machine"; bad=1; }
[ "$bad" = 0 ] && echo "cells_stress: $rounds rounds with --cpus 4: every load, call, fault and unload as expected"
[ "$bad" = 0 ] || tail -n 20 "$out"
exit $bad
