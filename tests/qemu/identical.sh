#!/bin/sh
# identical.sh SIM RUN_QEMU BUILD_DIR SCRIPT
# Lists the cell images (name, size, FNV-1a hash of the bytes) as the
# hosted simulator sees them and as the bare-metal kernel sees them in QEMU;
# passes only if both lists are equal and not empty.
set -u
sim=$1; run_qemu=$2; build=$3; script=$4
hosted=$("$sim" -c images | grep '^  image ' | tr -d '\r')
metal=$("$run_qemu" "$build" "$script" | grep '^  image ' | tr -d '\r')
rc=$?
[ "$rc" = 77 ] && exit 77
echo "hosted:"; echo "$hosted"; echo "bare metal:"; echo "$metal"
[ -n "$hosted" ] || { echo "identical.sh: no images listed"; exit 1; }
[ "$hosted" = "$metal" ] || { echo "identical.sh: the two machines load different cell objects"; exit 1; }
echo "identical: $(echo "$hosted" | wc -l) cell objects, byte for byte"
