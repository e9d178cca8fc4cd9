#!/bin/sh
# bad_objects.sh SIM CELL_DIR
# Boots the simulator on a cell directory holding the shell and broken
# copies of hello.o, loads each broken one, and checks that every load is
# refused with a clear error while the system stays up.
set -eu
sim=$1; cells=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$cells/shell.o" "$cells/sched_rr.o" "$dir/"
size=$(stat -c %s "$cells/hello.o")
head -c $((size / 2)) "$cells/hello.o" >"$dir/truncated.o"
head -c 40 "$cells/hello.o" >"$dir/tiny.o"
# e_machine (offset 18) = 3 (i386)
cp "$cells/hello.o" "$dir/wrong_machine.o"
printf '\003' | dd of="$dir/wrong_machine.o" bs=1 seek=18 conv=notrunc 2>/dev/null
# e_shoff (offset 40) pointing far past the end
cp "$cells/hello.o" "$dir/bad_shoff.o"
printf '\377\377\377\177' | dd of="$dir/bad_shoff.o" bs=1 seek=40 conv=notrunc 2>/dev/null
printf 'not an object\n' >"$dir/text.o"
# the CIE version byte of chain_c's .eh_frame set to 99: malformed unwind information
# (unusable, so it is listed under its file's name)
cp "$cells/chain_c.o" "$dir/bad_unwind.o"
eh=$(readelf -SW "$dir/bad_unwind.o" | sed -n 's/.*\] \.eh_frame  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
printf '\143' | dd of="$dir/bad_unwind.o" bs=1 seek=$((0x$eh + 8)) conv=notrunc 2>/dev/null
out=$("$sim" --cells "$dir" -c "load truncated; load tiny; load wrong_machine; load bad_shoff; load text; load bad_unwind; ls" 2>&1) || true
printf '%s\n' "$out"
for c in truncated tiny wrong_machine bad_shoff text; do
	printf '%s\n' "$out" | grep -q "^load: cell $c: malformed cell object (E_BADELF)" ||
		{ echo "bad_objects.sh: no clear refusal for $c"; exit 1; }
done
printf '%s\n' "$out" | grep -q "^load: cell chain_c, section .eh_frame, offset 0x[0-9a-f]*: malformed cell object (E_BADELF): malformed unwind information" ||
	{ echo "bad_objects.sh: malformed unwind information not refused"; exit 1; }
printf '%s\n' "$out" | grep -Eq "^  (chain_c|truncated|tiny|wrong_machine|bad_shoff|text) +(app|kernel)" &&
	{ echo "bad_objects.sh: a broken object was loaded"; exit 1; }
printf '%s\n' "$out" | grep -q "^  shell " || { echo "bad_objects.sh: ls did not run"; exit 1; }
echo "still up: every broken object refused"
