#!/bin/bash
# boot_error_clean.sh CELLS_DIR MISSING EXPECTED -- VALGRIND... SIM
# Boots with the build's cells but one (MISSING): boot fails with status 2
# and a line matching EXPECTED, and memcheck finds nothing lost: a boot
# error releases what the boot had set up.
set -u
cells=$1 missing=$2 expected=$3
shift 4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$cells"/*.o "$dir"/ && rm "$dir/$missing.o" || exit 1
out=$("$@" --cells "$dir" -c 'exit 0' </dev/null 2>&1)
rc=$?
echo "$out"
[ "$rc" = 2 ] || { echo "boot_error_clean: exit status $rc, expected 2 (boot error; 97 is memcheck's)"; exit 1; }
echo "$out" | grep -qE "$expected" || { echo "boot_error_clean: no line matching /$expected/"; exit 1; }
echo "boot_error_clean: without $missing.o the boot fails cleanly"
