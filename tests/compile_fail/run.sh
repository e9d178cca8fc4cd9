#!/bin/sh
# run.sh CC SOURCE_DIR CASE_DIR
# Every fail_*.c must fail to compile with a diagnostic matching its
# "// expect: REGEX" line; every ok_*.c must compile (the control that shows
# the failures come from the misuse, not from a broken harness).
set -u
export LC_ALL=C
cc=$1; src=$2; dir=$3
# A cell's flags and include path, read from where the build reads them.
flags="-std=gnu11 $(grep '^-' "$src/tools/cell.flags" | tr '\n' ' ') -Wall -Wextra -Werror -c -o /dev/null"
flags="$flags $(sed -n "s|^\([^#].*\)|-I$src/\1|p" "$src/tools/cell.include" | tr '\n' ' ')"
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
