#!/bin/sh
# Replays every input in tests/fuzz/regressions/ through the loader fuzzer
# (no fuzzing, each input once): tests/fuzz/regress.sh BUILD_DIR SOURCE_DIR
# Exit 0 if none crashes or leaks, 1 otherwise, 77 if clang/libFuzzer is
# not installed. README* files are not inputs.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
here=$(dirname "$0")

rc=0
"$here/build.sh" "$build" "$src" || rc=$?
[ $rc -eq 0 ] || exit $rc

inputs=
for f in "$src"/tests/fuzz/regressions/*; do
	case $(basename "$f") in README*) continue ;; esac
	[ -f "$f" ] && inputs="$inputs $f"
done
if [ -z "$inputs" ]; then
	echo "no regression inputs"
	exit 0
fi
# Each input runs in this one process, so a leak one input leaves behind is
# still caught by the accounting of that input.
THESEUS_CELLS=$build/cells "$build/fuzz/fuzz_loader" -rss_limit_mb=2048 -timeout=20 \
	-artifact_prefix="$build/fuzz/regression-" $inputs
echo "$(echo $inputs | wc -w) regression input(s) passed"
