#!/bin/sh
# shutdown_loop.sh SIM ROUNDS CPUS COMMANDS
# Boots the simulator ROUNDS times with CPUS CPUs running COMMANDS (which end
# with `exit 0`) and fails unless every run exits 0: a shutdown that tears
# memory down while another CPU still starts or runs fails now and then
# (a page fault, status 3), so one run proves little.
set -u
sim=$1; rounds=$2; cpus=$3; commands=$4
bad=0
i=0
while [ "$i" -lt "$rounds" ]; do
	"$sim" --cpus "$cpus" -c "$commands" </dev/null >/dev/null 2>&1
	rc=$?
	if [ "$rc" != 0 ]; then
		echo "run $i: exit status $rc"
		bad=$((bad + 1))
	fi
	i=$((i + 1))
done
echo "$rounds runs with --cpus $cpus, $bad not exiting 0"
[ "$bad" = 0 ]
