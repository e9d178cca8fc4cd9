#!/bin/sh
# run.sh CC SOURCE_DIR CASE_DIR
# Every fail_*.c must fail to compile with a diagnostic matching its
# "// expect: REGEX" line; every ok_*.c must compile (the control that shows
# the failures come from the misuse, not from a broken harness).
set -u
export LC_ALL=C
cc=$1; src=$2; dir=$3
flags="-std=gnu11 -ffreestanding -mgeneral-regs-only -Wall -Wextra -Werror -c -o /dev/null -I$src/kernel/include -I$src/hal"
status=0; n=0
for f in "$dir"/ok_*.c; do
	n=$((n + 1))
	if ! out=$($cc $flags "$f" 2>&1); then
		echo "FAIL $(basename "$f"): control snippet does not compile:"; echo "$out"; status=1
	else
		echo "ok   $(basename "$f") compiles"
	fi
done
for f in "$dir"/fail_*.c; do
	n=$((n + 1))
	want=$(sed -n 's|^// expect: ||p' "$f" | head -n 1)
	if [ -z "$want" ]; then echo "FAIL $(basename "$f"): no '// expect:' line"; status=1; continue; fi
	if out=$($cc $flags "$f" 2>&1); then
		echo "FAIL $(basename "$f"): compiled, but must not"; status=1
	elif printf '%s' "$out" | grep -Eq -- "$want"; then
		echo "ok   $(basename "$f") fails with /$want/"
	else
		echo "FAIL $(basename "$f"): failed for another reason than /$want/:"; echo "$out"; status=1
	fi
done
echo "$n compile-fail cases checked"
exit $status
