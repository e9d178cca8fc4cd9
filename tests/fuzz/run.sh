#!/bin/sh
# Fuzzes the cell loader: tests/fuzz/run.sh BUILD_DIR SOURCE_DIR SECONDS [libFuzzer options...]
#
# Builds BUILD_DIR/fuzz/fuzz_loader (build.sh), seeds a corpus from the
# build's real cell objects (BUILD_DIR/cells/*.o) and runs libFuzzer for
# SECONDS. Prints libFuzzer's "Done N runs in S second(s)" line; exits 0 if
# nothing crashed, leaked or hung, 1 otherwise (the input is kept in
# BUILD_DIR/fuzz/artifacts/), 77 if clang/libFuzzer is not installed.
#
# The corpus is a fresh temporary directory unless FUZZ_CORPUS names one to
# keep and grow across runs. Extra arguments go to libFuzzer (e.g. -jobs=4
# -workers=4, -dict=..., -seed=N).
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR SECONDS [libFuzzer options...]" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
seconds=$3
shift 3
here=$(dirname "$0")

rc=0
"$here/build.sh" "$build" "$src" || rc=$?
[ $rc -eq 0 ] || exit $rc

cells=$build/cells
if ! ls "$cells"/*.o >/dev/null 2>&1; then
	echo "run.sh: no cell objects in $cells: build the project first" >&2
	exit 1
fi

if [ -n "${FUZZ_CORPUS:-}" ]; then
	corpus=$FUZZ_CORPUS
	mkdir -p "$corpus"
	tmp=
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/theseus-fuzz.XXXXXX")
	corpus=$tmp
fi
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
# Seeds: copied in at run time, never committed (they are build outputs).
for o in "$cells"/*.o; do
	cp "$o" "$corpus/seed-$(basename "$o")"
done

artifacts=$build/fuzz/artifacts
mkdir -p "$artifacts"
log=$build/fuzz/run.log
echo "fuzzing the cell loader for $seconds s (corpus $corpus, log $log)"
status=0
THESEUS_CELLS=$cells "$build/fuzz/fuzz_loader" \
	-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
	-artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$corpus" >"$log" 2>&1 || status=$?

grep -E '^Done [0-9]+ runs' "$log" || true
grep -E '^stat::number_of_executed_units' "$log" || true
if [ $status -ne 0 ]; then
	echo "FAIL: the fuzzer stopped with status $status; the end of $log:" >&2
	tail -n 40 "$log" >&2
	echo "inputs in $artifacts:" >&2
	ls -l "$artifacts" >&2
	echo "minimise with: THESEUS_CELLS=$cells $build/fuzz/fuzz_loader -minimize_crash=1 -runs=100000 ARTIFACT," >&2
	echo "then add it to $src/tests/fuzz/regressions/" >&2
	exit 1
fi
