#!/bin/sh
# run.sh SOURCE_DIR BUILD_DIR [--qemu]
# Builds tests/runtime/probe_cell.c with gcc and clang at -O0 -O1 -O2 -O3
# -Os -Og -Oz -Ofast (the flags of tools/cell.flags, as tools/mkcell uses
# them), checks each object with cellinfo --check, and loads all sixteen
# into one simulator (or, with --qemu, the bare-metal image): every runtime
# helper the compilers call must resolve against the nano_core, and each
# build's checks of its builtins against plain loops must all pass. The
# helpers the objects import are listed, so a compiler that stops calling
# one (the test would no longer cover it) is noticed too.
set -u
src=$1 build=$2 mode=${3:-}
command -v clang >/dev/null 2>&1 || { echo "SKIP: clang not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "runtime test: $*"; exit 1; }
for c in shell sched_rr; do cp "$build/cells/$c.o" "$dir/" || fail "no $c.o in $build/cells"; done
flags=$(grep -v '^#' "$src/tools/cell.flags" | grep -v '^-O' | tr '\n' ' ')
incs=$(sed -n "s|^\([^#].*\)|-I$src/\1|p" "$src/tools/cell.include" | tr '\n' ' ') # as every cell
cmds="" n=0
for cc in gcc clang; do
	for o in 0 1 2 3 s g z fast; do
		name=rt_${cc}_O$o
		# shellcheck disable=SC2086 # flags are words
		$cc $flags -O$o -Wall -Werror $incs -DRT_NAME="\"$name\"" -DRT_ENTRY="${name}_check" \
			-DRT_TAG="\"$cc -O$o\"" -c "$src/tests/runtime/probe_cell.c" -o "$dir/$name.o" ||
			fail "$cc -O$o failed"
		"$build/tools/cellinfo" --check "$dir/$name.o" || fail "$name.o: cellinfo --check refused it"
		cmds="${cmds}load $name
call ${name}_check $((12345 + n))
"
		n=$((n + 1))
	done
done
cmds="${cmds}exit 0"
helpers=$(for f in "$dir"/rt_*.o; do nm -u "$f"; done | awk '$2 ~ /^__/ { print $2 }' | sort -u | tr '\n' ' ')
echo "helpers the probe cells call: $helpers"
for h in __clrsbdi2 __popcountdi2 __divti3 __modti3 __udivti3 __umodti3 __divmodti4 __udivmodti4 __ashlti3 \
	__ashrti3 __lshrti3; do
	case " $helpers" in *" $h "*) ;; *) fail "no probe build calls $h any more: the test no longer covers it" ;; esac
done
out=$(mktemp)
if [ "$mode" = "--qemu" ]; then
	printf '%s\n' "$cmds" >"$dir/script.txt"
	QEMU_CELLS=$dir "$src/tests/qemu/run_qemu.sh" "$build" "$dir/script.txt" >"$out" 2>&1
else
	"$build/theseus" --cells "$dir" -c "$cmds" >"$out" 2>&1
fi
rc=$?
tr -d '\r' <"$out" >"$out.txt"
cat "$out.txt"
rm -f "$out"
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "exit status $rc, expected 0"
loaded=$(grep -Ec '^loaded rt_(gcc|clang)_O[0-9a-z]+$' "$out.txt")
passed=$(grep -Ec '^runtime probe (gcc|clang) -O[0-9a-z]+: [0-9]{4,} checks, 0 wrong$' "$out.txt")
returned=$(grep -Ec '^rt_(gcc|clang)_O[0-9a-z]+_check returned 0 ' "$out.txt")
rm -f "$out.txt"
[ "$loaded" = $n ] || fail "$loaded of $n probe cells loaded"
[ "$passed" = $n ] && [ "$returned" = $n ] || fail "$passed of $n probe builds passed their checks"
echo "runtime test: $n builds (gcc and clang, 8 levels) link against the nano_core's runtime and compute right"
